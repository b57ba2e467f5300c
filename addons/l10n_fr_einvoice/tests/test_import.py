from odoo.exceptions import RedirectWarning
from odoo.tests import tagged
from odoo.tools import mute_logger

from einvoice import api as einvoice_api
from einvoice.testing import cases

from .common import EinvoiceCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestImport(EinvoiceCommon):
    def test_facturx_pdf_becomes_a_draft_bill(self):
        pdf = einvoice_api.build(cases.b2b_goods_standard(), "facturx")
        bill = self.import_bill(pdf, "F2026-0001.pdf")
        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.ref, "F2026-0001")
        self.assertEqual(bill.partner_id.l10n_fr_siren, cases.SELLER_SIREN)
        self.assertEqual(bill.message_main_attachment_id.name, "F2026-0001.pdf")
        self.assertIn("Factur-X", bill.l10n_fr_imported_syntax)
        self.assertAlmostEqual(bill.amount_total, 515.52)
        self.assertEqual(bill.partner_bank_id.sanitized_acc_number, cases.SELLER_IBAN)
        body = " ".join(bill.message_ids.mapped("body"))
        self.assertIn("found by SIREN 732829320", body)
        self.assertIn("Totals match the file", body)

    def test_duplicate_refused(self):
        xml = einvoice_api.build(cases.b2b_services(), "cii")
        self.import_bill(xml, "first.xml")
        with self.assertRaisesRegex(RedirectWarning, "already received"):
            self.import_bill(xml, "again.xml")

    def test_unknown_supplier_created_and_matched_by_vat_next_time(self):
        invoice = cases.b2b_goods_standard()
        invoice.seller.name = "Fournisseur Inconnu SAS"
        invoice.seller.legal_id.value = "552100554"
        invoice.seller.identifiers[0].value = "55210055400013"
        invoice.seller.vat_id = "FR96552100554"
        invoice.seller.electronic_address.value = "552100554"
        invoice.payment = None  # the IBAN of the cases is a known supplier's
        xml = einvoice_api.build(invoice, "ubl")
        bill = self.import_bill(xml, "inconnu.xml")
        self.assertEqual(bill.partner_id.name, "Fournisseur Inconnu SAS")
        self.assertEqual(bill.partner_id.l10n_fr_siren, "552100554")
        self.assertIn("was created from it", " ".join(bill.message_ids.mapped("body")))

    def test_invalid_file_still_imported_with_findings(self):
        invoice = cases.b2b_goods_standard()
        invoice.totals.tax_inclusive += 1  # BR-CO-15 broken on purpose
        xml = einvoice_api.build(invoice, "cii")
        bill = self.import_bill(xml, "broken.xml")
        self.assertEqual(bill.state, "draft")
        self.assertIn("BR-CO-15", bill.l10n_fr_einvoice_finding_ids.mapped("rule_id"))
        self.assertEqual(bill.l10n_fr_einvoice_state, "invalid")
        self.assertIn("the file says 516.52", " ".join(bill.message_ids.mapped("body")))

    def test_file_without_issue_date_still_imported_with_findings(self):
        """BT-2 missing: nothing to match a duplicate on, the bill shows what the file lacks."""
        xml = einvoice_api.build(cases.b2b_goods_standard(), "ubl")
        xml = xml.replace(b"<cbc:IssueDate>2026-09-15</cbc:IssueDate>", b"")
        self.assertNotIn(b"<cbc:IssueDate>", xml)
        bill = self.import_bill(xml, "sans-date.xml")
        self.assertEqual(bill.state, "draft")
        self.assertFalse(bill.invoice_date)
        self.assertEqual(bill.l10n_fr_einvoice_state, "invalid")
        self.assertTrue(bill.l10n_fr_einvoice_finding_ids)

    def test_entities_are_not_expanded(self):
        xml = (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">&e;'
            b"</rsm:CrossIndustryInvoice>"
        )
        attachment = self.env["ir.attachment"].create({"name": "evil.xml", "raw": xml})
        self.assertEqual(attachment._decode_edi_xml("evil.xml", xml), [])

    def test_dropped_in_the_chatter_of_a_draft_bill(self):
        bill = (
            self.env["account.move"]
            .with_company(self.buyer_company)
            .create({"move_type": "in_invoice", "journal_id": self.buyer_data["default_journal_purchase"].id})
        )
        xml = einvoice_api.build(cases.several_vat_rates(), "ubl")
        attachment = self.env["ir.attachment"].create(
            {"name": "fournisseur.xml", "raw": xml, "res_model": "account.move", "res_id": bill.id}
        )
        attachment._post_add_create()
        self.assertEqual(bill.ref, cases.several_vat_rates().number)
        self.assertEqual(len(bill.invoice_line_ids), len(cases.several_vat_rates().lines))
        self.assertEqual(sorted(bill.invoice_line_ids.tax_ids.mapped("amount")), [2.1, 5.5, 10.0, 20.0])

    def test_received_by_the_journal_mail_alias(self):
        journal = self.buyer_data["default_journal_purchase"]
        invoice = cases.b2b_services()
        invoice.payment.credit_transfers[0].account_id = "FR7630004000031234567890143"  # a new account
        pdf = einvoice_api.build(invoice, "facturx")
        message = (
            "From: facturation@atelier-dupont.fr\r\n"
            "To: factures-fournisseurs@example.com\r\n"
            "Subject: Facture F2026-0002\r\n"
            "Message-ID: <f2026-0002@atelier-dupont.fr>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="limite"\r\n\r\n'
            "--limite\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVeuillez trouver notre facture.\r\n"
            '--limite\r\nContent-Type: application/pdf; name="F2026-0002.pdf"\r\n'
            'Content-Disposition: attachment; filename="F2026-0002.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + self.b64(pdf).decode()
            + "\r\n--limite--\r\n"
        )
        bill_id = (
            self.env["mail.thread"]
            .with_company(self.buyer_company)
            .message_process(
                "account.move",
                message,
                custom_values={
                    "move_type": "in_invoice",
                    "journal_id": journal.id,
                    "company_id": self.buyer_company.id,
                },
            )
        )
        bill = self.env["account.move"].browse(bill_id)
        self.assertEqual(bill.ref, "F2026-0002")
        self.assertEqual(bill.partner_id.l10n_fr_siren, cases.SELLER_SIREN)
        self.assertAlmostEqual(bill.amount_total, 540.0)
        self.assertEqual(bill.message_main_attachment_id.name, "F2026-0002.pdf")
        # The alias's default journal must not leak into the bank account created for the supplier.
        self.assertEqual(bill.partner_bank_id.sanitized_acc_number, "FR7630004000031234567890143")

    def test_unreadable_invoice_kept_as_draft_with_the_reason(self):
        xml = (
            b'<?xml version="1.0"?><rsm:CrossIndustryInvoice '
            b'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>'
        )
        with mute_logger("odoo.addons.account.models.account_move"):
            bill = self.import_bill(xml, "vide.xml")
        self.assertEqual(bill.state, "draft")
        self.assertFalse(bill.invoice_line_ids)
        kept = self.env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "=", bill.id)])
        self.assertEqual(kept.mapped("name"), ["vide.xml"])
        self.assertIn("vide.xml cannot be read", " ".join(bill.message_ids.mapped("body")))
