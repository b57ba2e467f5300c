from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from einvoice import api as einvoice_api
from einvoice.pdf import extract_xml

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSendingFacturX(PlatformCommon, HttpCase):
    def test_a_facturx_customer_gets_the_pdf_with_its_xml(self):
        self.fast(self.platform)
        self.customer.invoice_edi_format = "fr_facturx"
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.syntax, "Factur-X")
        # Debian's wkhtmltopdf (unpatched Qt) makes Odoo warn about header switches it ignores.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            self.send_all()
        self.assertEqual(flow.state, "sent", flow.error)
        stored = self.pa.flows[flow.platform_flow_id]
        if not stored["content"].startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        self.assertEqual((stored["flow"]["flowSyntax"], stored["flow"]["name"][-4:]), ("Factur-X", ".pdf"))
        filename, xml = extract_xml(stored["content"])
        self.assertEqual(filename, "factur-x.xml")
        self.assertIn(invoice.name.encode(), xml)
        self.assertFalse(einvoice_api.check(stored["content"]).fatal)
