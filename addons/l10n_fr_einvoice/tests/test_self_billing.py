from odoo.exceptions import ValidationError
from odoo.tests import tagged

from einvoice.api import load
from einvoice.testing import cases

from .common import EinvoiceCommon

SUPPLIER_IBAN = "FR1420041010050500013M02606"


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSelfBilling(EinvoiceCommon):
    """The company issues its supplier's invoices from its vendor bills (self-billing)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.customer  # a French company with its SIRET and VAT number
        cls.supplier.with_company(cls.company).write(
            {"l10n_fr_self_billing": True, "l10n_fr_self_billing_ref": "MANDAT-2026-07"}
        )
        cls.supplier_bank = cls.env["res.partner.bank"].create(
            {"acc_number": SUPPLIER_IBAN, "partner_id": cls.supplier.id, "allow_out_payment": True}
        )
        cls.plain_supplier = cls._french_company(
            "Fournitures Sans Mandat SARL", cases.PUBLIC_SIRET, cases.PUBLIC_VAT, "3 rue Neuve", "33000", "Bordeaux"
        )
        cls.purchase_tax_20 = cls._tax("tva_acq_normale")

    def bill(self, move_type="in_invoice", partner=None, post=True, **values):
        partner = partner or self.supplier
        if partner == self.supplier:
            values.setdefault("partner_bank_id", self.supplier_bank.id)
        return self.make_invoice(
            partner,
            [("Transport Paris-Lyon", 2, 675.0, self.purchase_tax_20)],
            move_type=move_type,
            post=post,
            **values,
        )

    def test_self_billed_type_offered_on_a_bill_of_a_supplier_with_the_agreement(self):
        bill = self.bill(post=False)
        self.assertEqual(bill.l10n_fr_document_type, "389")
        self.assertTrue(bill._l10n_fr_is_self_billed())
        self.assertTrue(bill.l10n_fr_is_einvoice)
        plain = self.bill(partner=self.plain_supplier, post=False)
        self.assertEqual(plain.l10n_fr_document_type, "380")
        self.assertFalse(plain._l10n_fr_is_self_billed())
        with self.assertRaisesRegex(ValidationError, "no self-billing agreement"):
            plain.l10n_fr_document_type = "389"
        with self.assertRaisesRegex(ValidationError, "261 or 502 on a vendor refund"):
            bill.l10n_fr_document_type = "261"

    def test_self_billed_type_refused_on_a_customer_invoice(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], post=False)
        self.assertEqual(invoice.l10n_fr_document_type, "380")
        invoice.flush_recordset()
        with self.assertRaisesRegex(ValidationError, "389 is a self-billed type, issued by the buyer"):
            invoice.l10n_fr_document_type = "389"
        self.env.cr.execute("SELECT l10n_fr_document_type FROM account_move WHERE id = %s", [invoice.id])
        self.assertEqual(self.env.cr.fetchone()[0], "380", "nothing changed")
        with self.assertRaisesRegex(ValidationError, "self-billed type"):
            self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], l10n_fr_document_type="500")

    def test_self_billed_invoice_has_the_supplier_as_seller_and_validates(self):
        bill = self.bill()
        xml, _report = self.assert_valid(bill)
        invoice = load(xml).invoice
        self.assertEqual(invoice.type_code, "389")
        self.assertEqual(invoice.number, bill.name, "the company numbers the self-billed invoice")
        self.assertEqual(invoice.seller.name, "Client Industriel SA")
        self.assertEqual(invoice.seller.siren, cases.BUYER_SIREN)
        self.assertEqual(invoice.seller.vat_id, cases.BUYER_VAT)
        self.assertEqual(invoice.seller.electronic_address.scheme, "0225")
        self.assertTrue(invoice.seller.electronic_address.value.startswith(cases.BUYER_SIREN))  # BR-FR-22
        self.assertEqual(invoice.buyer.name, self.company.name)
        self.assertEqual(invoice.buyer.siren, cases.SELLER_SIRET[:9])
        self.assertEqual(invoice.buyer.vat_id, cases.SELLER_VAT)
        self.assertEqual(str(invoice.totals.tax_exclusive), "1350.00")
        self.assertEqual(str(invoice.totals.tax_total), "270.00")
        self.assertEqual(str(invoice.totals.due), "1620.00")
        self.assertEqual(invoice.payment.credit_transfers[0].account_id, SUPPLIER_IBAN, "paid to the supplier")
        self.assertIn(("REG", "Autofacturation - MANDAT-2026-07"), [(n.subject_code, n.text) for n in invoice.notes])

    def test_self_billed_credit_note_is_a_261_with_positive_amounts(self):
        bill = self.bill()
        refund = bill._reverse_moves([{"invoice_date": bill.invoice_date}])
        refund.partner_bank_id = self.supplier_bank
        refund.action_post()
        self.assertEqual(refund.l10n_fr_document_type, "261")
        xml, _report = self.assert_valid(refund)
        invoice = load(xml).invoice
        self.assertEqual(invoice.type_code, "261")
        self.assertEqual(invoice.seller.siren, cases.BUYER_SIREN)
        self.assertEqual(invoice.buyer.name, self.company.name)
        self.assertEqual(str(invoice.totals.tax_exclusive), "1350.00")
        self.assertEqual(str(invoice.totals.tax_inclusive), "1620.00")
        self.assertEqual([p.number for p in invoice.preceding_invoices], [bill.name])

    def test_self_billed_invoice_without_the_supplier_bank_account_says_so(self):
        bill = self.bill(partner_bank_id=False)
        _xml, _report, problems = bill._l10n_fr_einvoice_xml()
        self.assertEqual([(p["rule_id"], p["business_term"]) for p in problems], [("BR-61", "BT-84")])
        self.assertIn("supplier's bank account", problems[0]["message"])

    def test_bill_received_from_a_supplier_with_the_agreement_keeps_its_type(self):
        bill = self.bill(post=False, l10n_fr_imported_syntax="CII - EN16931", l10n_fr_document_type="380")
        self.assertEqual(bill.l10n_fr_document_type, "380")
        self.assertFalse(bill._l10n_fr_is_self_billed())
        bill.invoice_line_ids[0].quantity = 3
        self.assertEqual(bill.l10n_fr_document_type, "380", "the supplier issued it: not a self-billed invoice")
