import unittest

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import format_date

from einvoice import api as einvoice_api
from einvoice.codes import NoteSubject

from .common import ISSUE_DATE, EinvoiceCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestExportFrenchCases(EinvoiceCommon):
    """French cases the export must state right: zero-rate legal bases, deposit frames, notes, consumers' PDFs."""

    def exported(self, move):
        xml, _report = self.assert_valid(move)
        return einvoice_api.load(xml).invoice

    # --- legal basis of the chart's zero-rate taxes (BT-118, BT-120, BT-121) ----------------

    def test_chart_zero_rate_taxes(self):
        expected = {
            "tva_sale_good_export_0": ("G", "VATEX-EU-G", "Exonération de TVA, article 262 I du CGI (exportation)"),
            "tva_sale_service_export_0": (
                "O",
                "VATEX-EU-O",
                "TVA non applicable, article 259-1 du CGI (preneur établi hors de l'Union européenne)",
            ),
            "tva_sale_good_intra_0": (
                "K",
                "VATEX-EU-IC",
                "Livraison intracommunautaire exonérée, article 262 ter I du CGI",
            ),
            "tva_sale_service_intra_0": (
                "AE",
                "VATEX-EU-AE",
                "Autoliquidation, article 283-2 du CGI et article 196 de la directive 2006/112/CE",
            ),
            "tva_sale_good_0": ("E", False, False),
        }
        for xml_id, (category, code, text) in expected.items():
            tax = self._tax(xml_id)
            with self.subTest(tax=xml_id):
                self.assertEqual(
                    (tax.l10n_fr_vat_category, tax.l10n_fr_exemption_reason_code, tax.l10n_fr_exemption_reason),
                    (category, code, text),
                )

    def test_chart_reload_corrects_a_default_reason_but_keeps_the_users(self):
        intra_services = self._tax("tva_sale_service_intra_0")
        # As an earlier version set it: the goods' exemption on a service.
        intra_services.write(
            {
                "l10n_fr_vat_category": "K",
                "l10n_fr_exemption_reason_code": "VATEX-EU-IC",
                "l10n_fr_exemption_reason": "Livraison intracommunautaire exonérée, article 262 ter I du CGI",
            }
        )
        export_goods = self._tax("tva_sale_good_export_0")
        export_goods.l10n_fr_exemption_reason = "Exportation, article 262 I-1° du CGI"
        (intra_services | export_goods)._l10n_fr_set_chart_categories()
        self.assertEqual(
            (intra_services.l10n_fr_vat_category, intra_services.l10n_fr_exemption_reason_code),
            ("AE", "VATEX-EU-AE"),
        )
        self.assertEqual(export_goods.l10n_fr_exemption_reason, "Exportation, article 262 I-1° du CGI")

    def test_services_to_an_eu_business_are_reverse_charged(self):
        move = self.make_invoice(
            partner=self.german_customer,
            lines=[(self.service, 3, 450.0, self._tax("tva_sale_service_intra_0"))],
        )
        document = self.exported(move)
        self.assertEqual(document.processing_note, "B2BINT")
        [breakdown] = document.vat_breakdown
        self.assertEqual(
            (breakdown.category, str(breakdown.rate), str(breakdown.taxable_amount), str(breakdown.tax_amount)),
            ("AE", "0", "1350.00", "0.00"),
        )
        self.assertEqual(breakdown.exemption_reason_code, "VATEX-EU-AE")
        self.assertTrue(breakdown.exemption_reason.startswith("Autoliquidation"))
        self.assertEqual(document.buyer.vat_id, "DE136695976")
        self.assertEqual(document.lines[0].vat_category, "AE")

    def test_services_to_a_customer_outside_the_eu_are_outside_the_scope(self):
        move = self.make_invoice(
            partner=self.american_customer,
            lines=[(self.service, 2, 450.0, self._tax("tva_sale_service_export_0"))],
        )
        document = self.exported(move)
        [breakdown] = document.vat_breakdown
        self.assertEqual((breakdown.category, breakdown.rate), ("O", None))
        self.assertEqual(breakdown.exemption_reason_code, "VATEX-EU-O")
        self.assertIn("259-1", breakdown.exemption_reason)
        self.assertNotIn("262", breakdown.exemption_reason)
        self.assertIsNone(document.seller.vat_id)  # BR-O-02
        self.assertEqual(str(document.totals.tax_inclusive), "900.00")

    def test_goods_to_an_eu_business_and_outside_the_eu(self):
        intra = self.make_invoice(
            partner=self.german_customer,
            lines=[(self.goods, 10, 150.0, self._tax("tva_sale_good_intra_0"))],
            delivery_date=ISSUE_DATE,
        )
        [breakdown] = self.exported(intra).vat_breakdown
        self.assertEqual((breakdown.category, breakdown.exemption_reason_code), ("K", "VATEX-EU-IC"))
        self.assertIn("262 ter I", breakdown.exemption_reason)
        export = self.make_invoice(
            partner=self.american_customer, lines=[(self.goods, 5, 89.90, self._tax("tva_sale_good_export_0"))]
        )
        [breakdown] = self.exported(export).vat_breakdown
        self.assertEqual((breakdown.category, breakdown.exemption_reason_code), ("G", "VATEX-EU-G"))
        self.assertIn("262 I", breakdown.exemption_reason)

    # --- the early payment note follows the invoice's terms (BT-20, BT-22 AAB) ---------------

    def test_discount_note_follows_terms_that_grant_one(self):
        terms = self.env["account.payment.term"].create(
            {
                "name": "30 jours, escompte 2 % à 10 jours",
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "line_ids": [Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 30})],
            }
        )
        move = self.make_invoice(
            lines=[(self.goods, 10, 100.0, self.tax_20)], invoice_payment_term_id=terms.id, post=False
        )
        move.invoice_payment_term_id = terms
        move.action_post()
        document = self.exported(move)
        self.assertEqual(document.payment_terms, "30 jours, escompte 2 % à 10 jours")
        discount_notes = [note.text for note in document.notes if note.subject_code == NoteSubject.DISCOUNT_TERMS]
        last_day = format_date(self.env, fields.Date.to_date("2026-09-25"))  # ISSUE_DATE + 10 days
        self.assertEqual(discount_notes, [f"Early payment discount of 2% if paid within 10 days, by {last_day}."])
        self.assertNotEqual(discount_notes[0], self.company.l10n_fr_note_aab)
        self.assertEqual(move.l10n_fr_operation_category, "B")

    def test_discount_note_from_company_without_discount(self):
        move = self.make_invoice(lines=[(self.goods, 1, 100.0, self.tax_20)])
        document = self.exported(move)
        discount_notes = [note.text for note in document.notes if note.subject_code == NoteSubject.DISCOUNT_TERMS]
        self.assertEqual(discount_notes, [self.company.l10n_fr_note_aab])

    # --- deposits framed from their order (BT-23) ---------------------------------------------

    def _deposit_of(self, products):
        if "sale.order" not in self.env:
            raise unittest.SkipTest("sale is not installed: no order behind a down payment")
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2, "price_unit": 100.0})
                    for product in products
                ],
            }
        )
        order.action_confirm()
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 30})
        )
        wizard.create_invoices()
        deposit = order.invoice_ids
        self.assertEqual(len(deposit), 1)
        deposit.invoice_date = ISSUE_DATE
        deposit.action_post()
        return deposit

    def test_deposit_on_goods_is_framed_goods(self):
        deposit = self._deposit_of(self.goods | self.lamp)
        # A down payment line has no product of its own: nothing there says goods.
        self.assertTrue(deposit.invoice_line_ids.is_downpayment)
        self.assertFalse(deposit.invoice_line_ids.product_id)
        self.assertEqual(deposit.l10n_fr_billing_frame, "B1")
        self.assertEqual(self.exported(deposit).business_process, "B1")
        # The final invoice deducts the deposit: its deduction line does not make it mixed either.
        order = deposit.invoice_line_ids.sale_line_ids.order_id
        order.order_line.filtered(lambda line: not line.is_downpayment).qty_delivered = 2
        self.env["sale.advance.payment.inv"].with_context(active_model="sale.order", active_ids=order.ids).create(
            {"advance_payment_method": "delivered"}
        ).create_invoices()
        final = order.invoice_ids - deposit
        final.invoice_date = ISSUE_DATE
        final.action_post()
        self.assertTrue(final.invoice_line_ids.filtered(lambda line: line.is_downpayment and line.price_subtotal < 0))
        self.assertEqual(final.l10n_fr_billing_frame, "B4")

    def test_deposit_on_goods_and_services_is_framed_mixed(self):
        deposit = self._deposit_of(self.goods | self.service)
        self.assertEqual(deposit.l10n_fr_billing_frame, "M1")
        self.assertEqual(self.exported(deposit).business_process, "M1")

    # --- a consumer on core's format: our Factur-X or none ------------------------------------

    def _core_facturx_attachments(self, move):
        return self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", move.id), ("name", "=", "factur-x.xml")]
        )

    def test_consumer_on_core_format_gets_our_facturx(self):
        self.consumer.invoice_edi_format = "facturx"
        move = self.make_invoice(partner=self.consumer, lines=[("Canapé", 1, 899.0, self.tax_20)])
        placeholders = self.env["account.move.send"]._get_placeholder_mail_attachments_data(move, "facturx")
        self.assertEqual(
            [p["name"] for p in placeholders if p["mimetype"] == "application/xml"],
            [f"{move.name.replace('/', '_')}_facturx.xml"],  # not core's ..._factur_x.xml
        )
        self.env["account.move.send"]._generate_and_send_invoices(move, sending_methods=["manual"])
        self.assertTrue(move.is_move_sent)
        self.assertFalse(self._core_facturx_attachments(move))
        self.assertTrue(move.ubl_cii_xml_id.name.endswith("_facturx.xml"))
        report = einvoice_api.check(move.ubl_cii_xml_id.raw)
        self.assertFalse(report.fatal, [f.rule_id for f in report.fatal])
        loaded = einvoice_api.load(move.ubl_cii_xml_id.raw).invoice
        self.assertEqual((loaded.number, loaded.processing_note), (move.name, "B2C"))
        self.assertEqual(move.l10n_fr_einvoice_state, "valid")

    def test_consumer_invoice_that_breaks_the_rules_leaves_without_file(self):
        self.consumer.invoice_edi_format = "facturx"
        # No tax on the line: no VAT category to state (BR-CO-18 and the like).
        move = self.make_invoice(partner=self.consumer, lines=[("Canapé", 1, 899.0, self.env["account.tax"])])
        self.env["account.move.send"]._generate_and_send_invoices(move, sending_methods=["manual"])
        self.assertTrue(move.is_move_sent)
        self.assertTrue(move.invoice_pdf_report_id)
        self.assertFalse(move.ubl_cii_xml_id)
        self.assertFalse(self._core_facturx_attachments(move))
        self.assertEqual(move.l10n_fr_einvoice_state, "invalid")
        # Why there is no file stays on the invoice.
        self.assertTrue(move.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.severity == "fatal").mapped("rule_id"))

    def test_consumer_without_format_gets_our_facturx(self):
        self.consumer.invoice_edi_format = False
        move = self.make_invoice(partner=self.consumer, lines=[("Table basse", 1, 249.0, self.tax_20)])
        self.env["account.move.send"]._generate_and_send_invoices(move, sending_methods=["manual"])
        self.assertFalse(self._core_facturx_attachments(move))
        self.assertTrue(move.ubl_cii_xml_id.name.endswith("_facturx.xml"))
        self.assertEqual(einvoice_api.load(move.ubl_cii_xml_id.raw).invoice.number, move.name)
