from lxml import etree

from odoo import Command, fields
from odoo.tests import tagged

from einvoice import api as einvoice_api
from einvoice.profiles import Profile

from .common import EinvoiceCommon

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@tagged("post_install_l10n", "post_install", "-at_install")
class TestExportMatrix(EinvoiceCommon):
    """Each business case of the engine's matrix, as a real Odoo invoice: exported, valid, re-imported."""

    def round_trip(self, move, target=None, profile=None, expect_frame=None, expect_type=None):
        xml, _report = self.assert_valid(move, target, profile)
        document = einvoice_api.load(xml).invoice
        if expect_frame:
            self.assertEqual(document.business_process, expect_frame)
        if expect_type:
            self.assertEqual(document.type_code, expect_type)
        self.assertEqual(document.number, move.name)
        self.assertEqual(
            str(document.totals.tax_inclusive + (document.totals.rounding or 0)), f"{move.amount_total:.2f}"
        )
        bill = self.import_bill(xml, f"{move.name.replace('/', '_')}.xml")
        self.assertEqual(len(bill), 1)
        self.assertEqual(bill.company_id, self.buyer_company)
        self.assertEqual(bill.move_type, "in_refund" if move.move_type == "out_refund" else "in_invoice")
        self.assertEqual(bill.partner_id.l10n_fr_siren, "732829320")
        self.assertEqual(bill.ref, move.name)
        self.assertEqual(bill.currency_id, move.currency_id)
        self.assertAlmostEqual(bill.amount_untaxed, move.amount_untaxed, places=2)
        self.assertAlmostEqual(bill.amount_tax, move.amount_tax, places=2)
        self.assertAlmostEqual(bill.amount_total, move.amount_total, places=2)
        sold = sorted(round(t.amount, 2) for t in move.invoice_line_ids.tax_ids if t.amount)
        # The buyer self-assesses the VAT of AE and K lines (a tax due and deductible): the sale has no such rate.
        bought = sorted(
            round(t.amount, 2)
            for t in bill.invoice_line_ids.tax_ids
            if t.amount and not any(r.factor_percent < 0 for r in t.invoice_repartition_line_ids)
        )
        self.assertEqual(sold, bought)
        self.assertFalse(bill.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.severity == "fatal"))
        self.assertIn("Totals match the file", " ".join(bill.message_ids.mapped("body")))
        return xml, document, bill

    def test_b2b_goods(self):
        move = self.make_invoice(lines=[(self.goods, 4, 89.90, self.tax_20), (self.lamp, 2, 35.0, self.tax_20)])
        self.assertEqual(move.l10n_fr_operation_category, "B")
        _xml, document, bill = self.round_trip(move, expect_frame="B1", expect_type="380")
        _xml, report, _problems = move._l10n_fr_einvoice_xml()
        self.assertEqual(report.findings, [], "not even a warning on a plain B2B invoice")
        line = document.lines[0]
        self.assertEqual(line.item.seller_id, "CH-01")
        self.assertEqual(line.item.standard_id.value, "3760000000017")
        self.assertEqual(document.seller.siren, "732829320")
        self.assertEqual(document.buyer.siren, "552081317")
        self.assertEqual(document.buyer.electronic_address.value, "552081317")
        self.assertEqual(document.payment.credit_transfers[0].account_id, "FR7630006000011234567890189")
        self.assertEqual(document.processing_note, "B2B")
        self.assertEqual(bill.invoice_line_ids[0].product_id, self.goods)

    def test_b2b_services(self):
        move = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.round_trip(move, expect_frame="S1")

    def test_b2b_mixed(self):
        move = self.make_invoice(lines=[(self.goods, 1, 89.90, self.tax_20), (self.service, 2, 450.0, self.tax_20)])
        self.round_trip(move, expect_frame="M1")

    def test_several_vat_rates(self):
        move = self.make_invoice(
            lines=[
                ("Repas", 3, 18.5, self.tax_10),
                ("Livres", 2, 24.99, self.tax_5_5),
                (self.goods, 1, 89.90, self.tax_20),
            ]
        )
        _xml, document, _bill = self.round_trip(move)
        self.assertEqual(sorted(str(b.rate) for b in document.vat_breakdown), ["10", "20", "5.5"])

    def test_line_discount(self):
        move = self.make_invoice(
            lines=[(self.goods, 3, 89.90, self.tax_20, 10.0), (self.lamp, 7, 33.33, self.tax_20, 7.5)]
        )
        _xml, document, bill = self.round_trip(move)
        self.assertEqual(str(document.lines[0].price.gross), "89.9")
        self.assertEqual(str(document.lines[0].price.net), "80.91")
        self.assertAlmostEqual(bill.invoice_line_ids[0].discount, 10.0)

    def test_tax_included_prices(self):
        move = self.make_invoice(
            lines=[(self.goods, 3, 107.88, self.tax_20_included), ("Frais de port", 1, 12.0, self.tax_20_included)]
        )
        self.round_trip(move)

    def test_public_buyer(self):
        move = self.make_invoice(
            partner=self.public_customer,
            lines=[("Mission de maîtrise d'œuvre - phase APS", 1, 12500.0, self.tax_20)],
            ref="EJ-1000234567",
            l10n_fr_contract_ref="MARCHE-2026-017",
        )
        self.assertEqual(move.l10n_fr_buyer_reference, "SERV-ACHATS")
        self.assertEqual(move.l10n_fr_purchase_order_ref, "EJ-1000234567")
        _xml, document, bill = self.round_trip(move)
        self.assertEqual(document.buyer.electronic_address.value, "217500016_21750001600019_SERV-ACHATS")
        self.assertEqual(document.purchase_order_reference, "EJ-1000234567")
        self.assertEqual(document.contract_reference, "MARCHE-2026-017")
        self.assertEqual(bill.l10n_fr_buyer_reference, "SERV-ACHATS")

    def test_consumer(self):
        move = self.make_invoice(partner=self.consumer, lines=[("Canapé", 1, 899.0, self.tax_20)])
        xml, _report = self.assert_valid(move)
        document = einvoice_api.load(xml).invoice
        self.assertEqual(document.processing_note, "B2C")
        self.assertIsNone(document.buyer.legal_id)

    def test_exempt_with_reason(self):
        move = self.make_invoice(lines=[("Formation professionnelle continue", 2, 700.0, self.tax_exempt)])
        _xml, document, _bill = self.round_trip(move)
        breakdown = document.vat_breakdown[0]
        self.assertEqual((breakdown.category, breakdown.exemption_reason_code), ("E", "VATEX-FR-CGI261-4"))

    def test_reverse_charge(self):
        move = self.make_invoice(lines=[("Travaux de plâtrerie (sous-traitance)", 1, 8000.0, self.tax_reverse_charge)])
        _xml, document, _bill = self.round_trip(move)
        self.assertEqual(document.vat_breakdown[0].category, "AE")

    def test_zero_rated(self):
        tax = self.tax_exempt.copy(
            {"name": "0% taux zéro", "l10n_fr_vat_category": "Z", "l10n_fr_exemption_reason_code": False}
        )
        move = self.make_invoice(lines=[("Fournitures à taux zéro", 10, 15.0, tax)])
        _xml, document, _bill = self.round_trip(move)
        self.assertEqual((document.vat_breakdown[0].category, str(document.vat_breakdown[0].rate)), ("Z", "0"))

    def test_out_of_scope(self):
        tax = self.tax_exempt.copy(
            {
                "name": "Hors champ",
                "l10n_fr_vat_category": "O",
                "l10n_fr_exemption_reason_code": "VATEX-EU-O",
                "l10n_fr_exemption_reason": "Non soumis à la TVA",
            }
        )
        move = self.make_invoice(lines=[("Refacturation de débours", 1, 120.0, tax)])
        _xml, document, _bill = self.round_trip(move)
        self.assertIsNone(document.seller.vat_id)
        self.assertIsNone(document.vat_breakdown[0].rate)

    def test_intra_eu_supply(self):
        move = self.make_invoice(
            partner=self.german_customer, lines=[(self.goods, 10, 150.0, self.tax_intra)], delivery_date=ISSUE
        )
        _xml, document, _bill = self.round_trip(move)
        self.assertEqual(document.processing_note, "B2BINT")
        self.assertEqual(document.vat_breakdown[0].category, "K")
        self.assertEqual(document.delivery.address.country_code, "DE")

    def test_export_outside_eu(self):
        move = self.make_invoice(partner=self.american_customer, lines=[("Parfum 50 ml", 200, 32.0, self.tax_export)])
        _xml, document, _bill = self.round_trip(move)
        self.assertEqual(document.vat_breakdown[0].category, "G")

    def test_deposit_then_final_invoice(self):
        deposit = self.make_invoice(lines=[("Acompte 30 % sur mission", 1, 3000.0, self.tax_20)], post=False)
        deposit.l10n_fr_document_type = "386"
        deposit.action_post()
        self.round_trip(deposit, expect_type="386", expect_frame="S1")
        final = self.make_invoice(
            lines=[(self.service, 1, 10000.0, self.tax_20), ("Acompte déduit", -1, 3000.0, self.tax_20)], post=False
        )
        final.write({"l10n_fr_frame_kind": "4", "l10n_fr_preceding_move_ids": [Command.set(deposit.ids)]})
        final.action_post()
        _xml, document, _bill = self.round_trip(final, expect_frame="S4")
        self.assertEqual([p.number for p in document.preceding_invoices], [deposit.name])

    def test_already_paid(self):
        move = self.make_invoice(lines=[("Abonnement annuel", 1, 240.0, self.tax_20)], post=False)
        move.l10n_fr_frame_kind = "2"
        move.action_post()
        _xml, document, _bill = self.round_trip(move)
        totals = document.totals
        self.assertEqual((str(totals.prepaid), str(totals.due)), ("288.00", "0.00"))

    def test_credit_note(self):
        invoice = self.make_invoice(lines=[(self.goods, 4, 89.90, self.tax_20)])
        self.round_trip(invoice)
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Retour", "journal_id": invoice.journal_id.id})
        )
        credit_note = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        credit_note.action_post()
        self.assertEqual(credit_note.l10n_fr_document_type, "381")
        self.assertEqual(credit_note.l10n_fr_preceding_move_ids, invoice)
        _xml, document, bill = self.round_trip(credit_note, expect_type="381")
        self.assertEqual(document.preceding_invoices[0].number, invoice.name)
        original_bill = self.env["account.move"].search(
            [("company_id", "=", self.buyer_company.id), ("ref", "=", invoice.name), ("move_type", "=", "in_invoice")]
        )
        self.assertEqual(bill.reversed_entry_id, original_bill)

    def test_foreign_currency(self):
        usd = self.setup_other_currency("USD", rates=[("2026-01-01", 1.0870)])
        move = self.make_invoice(lines=[("Conseil", 5, 900.0, self.tax_20)], currency_id=usd.id)
        _xml, document, _bill = self.round_trip(move)
        self.assertEqual((document.currency, document.tax_currency), ("USD", "EUR"))
        self.assertEqual(str(document.totals.tax_total_accounting), f"{abs(move.amount_tax_signed):.2f}")

    def test_vat_on_debits(self):
        self.company.l10n_fr_vat_on_debits = True
        move = self.make_invoice(lines=[(self.service, 3, 800.0, self.tax_20)])
        xml, document, _bill = self.round_trip(move)
        self.assertEqual(document.tax_point_date_code, "3")
        code = etree.fromstring(xml).findtext(".//ram:ApplicableTradeTax/ram:DueDateTypeCode", namespaces=NS)
        self.assertEqual(code, "5")

    def test_supporting_documents(self):
        move = self.make_invoice(lines=[("Étude", 1, 2000.0, self.tax_20)], post=False)
        attachment = self.env["ir.attachment"].create(
            {"name": "bon-livraison.pdf", "raw": b"%PDF-1.4\n% bon de livraison\n", "mimetype": "application/pdf"}
        )
        move.l10n_fr_einvoice_attachment_ids = attachment
        move.action_post()
        _xml, document, bill = self.round_trip(move)
        self.assertEqual(document.attachments[0].content, b"%PDF-1.4\n% bon de livraison\n")
        self.assertEqual(bill.l10n_fr_einvoice_attachment_ids.raw, b"%PDF-1.4\n% bon de livraison\n")

    def test_delivery_elsewhere(self):
        site = self.env["res.partner"].create(
            {
                "name": "Chantier Lyon Part-Dieu",
                "parent_id": self.customer.id,
                "type": "delivery",
                "street": "5 place Béraudier",
                "zip": "69003",
                "city": "Lyon",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        move = self.make_invoice(lines=[(self.goods, 20, 89.90, self.tax_20)], partner_shipping_id=site.id)
        _xml, document, _bill = self.round_trip(move)
        self.assertEqual(document.delivery.party_name, "Chantier Lyon Part-Dieu")
        self.assertEqual(document.delivery.address.post_code, "69003")

    def test_cash_rounding(self):
        rounding = self.env["account.cash.rounding"].create(
            {
                "name": "0.05",
                "rounding": 0.05,
                "strategy": "add_invoice_line",
                "rounding_method": "HALF-UP",
                "profit_account_id": self.company_data["default_account_revenue"].id,
                "loss_account_id": self.company_data["default_account_expense"].id,
            }
        )
        move = self.make_invoice(lines=[("Vis inox", 1, 10.01, self.tax_20)], invoice_cash_rounding_id=rounding.id)
        self.assertAlmostEqual(move.amount_total, 12.0)
        _xml, document, _bill = self.round_trip(move)
        totals = document.totals
        self.assertEqual(
            (str(totals.tax_inclusive), str(totals.rounding), str(totals.due)), ("12.01", "-0.01", "12.00")
        )

    def test_every_format(self):
        move = self.make_invoice(lines=[(self.goods, 4, 89.90, self.tax_20), (self.service, 1, 450.0, self.tax_20)])
        for target, profile in (
            ("cii", Profile.EN16931),
            ("cii", Profile.EXTENDED_CTC_FR),
            ("ubl", Profile.EN16931),
            ("ubl", Profile.EXTENDED_CTC_FR),
            ("facturx", Profile.EXTENDED_CTC_FR),
        ):
            with self.subTest(target=target, profile=profile):
                _xml, report = self.assert_valid(move, target, profile)
                self.assertEqual(str(report.profile), str(profile))

    def test_ubl_credit_note_round_trip(self):
        self.customer.invoice_edi_format = "fr_ubl"
        invoice = self.make_invoice(lines=[(self.goods, 2, 89.90, self.tax_20)])
        refund = invoice._reverse_moves([{"invoice_date": ISSUE, "ref": "Retour"}])
        refund.action_post()
        xml, _document, _bill = self.round_trip(refund, expect_type="381")
        self.assertEqual(etree.fromstring(xml).tag.split("}")[1], "CreditNote")


ISSUE = fields.Date.to_date("2026-09-15")
