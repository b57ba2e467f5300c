import base64

from odoo.tests import tagged

from odoo.addons.chorus_pro_connector.tests.common import ChorusCommon

from einvoice.archive import fingerprint
from einvoice.testing.tsa import TestPki

from .common import PASSWORD, p12_of


@tagged("post_install_l10n", "post_install", "-at_install")
class TestChorusArchive(ChorusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"archive_certificate": base64.b64encode(p12_of(TestPki())), "archive_certificate_password": PASSWORD}
        )

    def test_each_invoice_deposited_on_chorus_pro_is_archived_on_it(self):
        invoices = self.public_invoice() | self.public_invoice()
        self.send_all()
        self.assertEqual(set(invoices.mapped("chorus_state")), {"deposited"})
        for invoice in invoices:
            record = invoice.archive_record_ids
            self.assertEqual((len(record), record.kind), (1, "invoice_sent"))
            kept = self.env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", invoice.id), ("name", "=like", "%_chorus_%")]
            )
            self.assertEqual(record.fingerprint, fingerprint(kept.raw), "the file deposited, as deposited")
            self.assertIn('"channel":"chorus_pro"', record.metadata)
        chain = self.env["probative.archive.chain"]._chain_of(self.company)
        self.assertTrue(chain._verify(restart=True), chain.verification_summary)
