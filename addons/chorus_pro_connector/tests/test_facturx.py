from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from einvoice import api as einvoice_api
from einvoice.chorus import codes
from einvoice.pdf import extract_xml

from .common import ChorusCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestFacturXDeposit(ChorusCommon, HttpCase):
    def test_the_architect_deposits_a_facturx(self):
        self.account.syntax = "facturx"
        invoice = self.public_invoice()
        # Debian's wkhtmltopdf (unpatched Qt) makes Odoo warn about header switches it ignores.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            self.send_all()
        [numero_flux] = self.deposits()
        flow = self.sim.flows[numero_flux]
        self.assertEqual(flow["syntaxeFlux"], codes.SYNTAX_FACTURX)
        if not flow["content"].startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        filename, xml = extract_xml(flow["content"])
        self.assertEqual(filename, "factur-x.xml")
        self.assertIn(b"SERV-ACHATS", xml)
        self.assertIn(b"EJ-1000234567", xml)
        self.assertFalse(einvoice_api.check(flow["content"]).fatal)
        self.poll()
        self.assertEqual((invoice.chorus_state, invoice.chorus_status), ("integrated", "DEPOSEE"))
