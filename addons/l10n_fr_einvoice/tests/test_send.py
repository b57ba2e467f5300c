import io

import pikepdf

from odoo.tests import HttpCase, tagged
from odoo.tools import config, mute_logger

from einvoice import api as einvoice_api
from einvoice.pdf import extract_xml

from .common import EinvoiceCommon, run_verapdf


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSendAndPrint(EinvoiceCommon, HttpCase):
    def test_send_and_print_embeds_a_valid_facturx(self):
        # A website in the company footer gives the report a link annotation, which PDF/A
        # constrains (its Print flag): the Factur-X must still be PDF/A-3.
        self.env.company.website = "https://www.atelier-exemple.fr"
        move = self.make_invoice(lines=[(self.goods, 4, 89.90, self.tax_20), (self.service, 1, 450.0, self.tax_20)])
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids, force_report_rendering=True)
            .create({})
        )
        self.assertEqual(wizard.invoice_edi_format, "fr_facturx")
        # Debian's wkhtmltopdf (unpatched Qt) makes Odoo warn about header switches it ignores.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            wizard.action_send_and_print()
        self.assertTrue(move.is_move_sent)
        self.assertEqual(move.l10n_fr_einvoice_state, "valid")
        self.assertTrue(move.ubl_cii_xml_id.name.endswith("_facturx.xml"))
        pdf = move.invoice_pdf_report_id.raw
        if not pdf.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        filename, xml = extract_xml(pdf)
        self.assertEqual(filename, "factur-x.xml")
        self.assertEqual(xml, move.ubl_cii_xml_id.raw)
        report = einvoice_api.check(pdf)
        self.assertFalse(report.fatal, [f.rule_id for f in report.fatal])
        # The PDF/A-3 structure, read by an independent reader.
        with pikepdf.open(io.BytesIO(pdf)) as document:
            meta = document.open_metadata()
            self.assertEqual(meta.get("pdfaid:part"), "3")
            self.assertEqual(
                meta.get("{urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#}ConformanceLevel"), "EN 16931"
            )
            intents = document.Root.OutputIntents
            self.assertEqual(str(intents[0].S), "/GTS_PDFA1")
            self.assertIn("/DestOutputProfile", intents[0])
            af = document.Root.AF
            self.assertEqual(str(af[0].AFRelationship), "/Alternative")
            self.assertIn("/ID", document.trailer)
            self.assertFalse(document.is_encrypted)
            for page in document.pages:
                for font in (page.Resources.get("/Font") or {}).values():
                    descriptor = font.get("/FontDescriptor")
                    if descriptor is None and "/DescendantFonts" in font:
                        descriptor = font.DescendantFonts[0].get("/FontDescriptor")
                    if str(font.Subtype) == "/Type3":
                        continue
                    self.assertTrue(
                        descriptor is not None
                        and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
                        f"font {font.get('/BaseFont')} is not embedded",
                    )
        self._assert_verapdf_passes(pdf)

    def test_consumer_on_core_format_gets_our_facturx_as_pdfa(self):
        # A consumer left on core's Factur-X: the PDF carries our file, and is PDF/A-3 all the same.
        self.consumer.invoice_edi_format = "facturx"
        move = self.make_invoice(partner=self.consumer, lines=[(self.goods, 2, 89.90, self.tax_20)])
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids, force_report_rendering=True)
            .create({})
        )
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            wizard.action_send_and_print()
        self.assertTrue(move.ubl_cii_xml_id.name.endswith("_facturx.xml"))
        pdf = move.invoice_pdf_report_id.raw
        if not pdf.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        filename, xml = extract_xml(pdf)
        self.assertEqual((filename, xml), ("factur-x.xml", move.ubl_cii_xml_id.raw))
        report = einvoice_api.check(pdf)
        self.assertFalse(report.fatal, [f.rule_id for f in report.fatal])
        self.assertEqual(einvoice_api.load(pdf).invoice.processing_note, "B2C")
        self._assert_verapdf_passes(pdf)

    def _assert_verapdf_passes(self, pdf):
        """veraPDF, the reference PDF/A validator, judges the PDF when it is there (VERAPDF)."""
        result = run_verapdf(pdf, "THE SEND & PRINT PDF")
        if result is not None:
            self.assertTrue(result.stdout.startswith("PASS "), result.stdout[-2000:] + result.stderr[-2000:])

    def test_ubl_format_attaches_the_ubl(self):
        self.customer.invoice_edi_format = "fr_ubl"
        move = self.make_invoice(lines=[(self.service, 2, 450.0, self.tax_20)])
        self.env["account.move.send"]._generate_and_send_invoices(move, sending_methods=["manual"])
        self.assertTrue(move.ubl_cii_xml_id.name.endswith("_ubl.xml"))
        loaded = einvoice_api.load(move.ubl_cii_xml_id.raw)
        self.assertEqual(str(loaded.syntax), "UBL Invoice")
        self.assertEqual(loaded.invoice.number, move.name)
        self.assertTrue(config["test_enable"])
