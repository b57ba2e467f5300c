import base64

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice.archive import fingerprint
from einvoice.testing.tsa import TestPki

from .common import PASSWORD, p12_of


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSendAndPrintArchive(EinvoiceCommon, HttpCase):
    def test_the_facturx_of_send_and_print_is_archived_as_it_became_the_invoice(self):
        self.company.write(
            {"archive_certificate": base64.b64encode(p12_of(TestPki())), "archive_certificate_password": PASSWORD}
        )
        move = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids, force_report_rendering=True)
            .create({})
        )
        self.assertEqual(wizard.invoice_edi_format, "fr_facturx")
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            wizard.action_send_and_print()
        record = move.archive_record_ids
        self.assertEqual((len(record), record.kind), (1, "invoice_sent"))
        self.assertEqual(record.fingerprint, fingerprint(move.invoice_pdf_report_id.raw))
        self.assertIn('"channel":"send_and_print"', record.metadata)
        self.assertTrue(record.seal and record.token)
