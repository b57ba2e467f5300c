import datetime

from odoo.tests import tagged

from einvoice.cdar import CdarParty, StatusMessage, build_cdar
from einvoice.testing import cases

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestReceiving(PlatformCommon):
    def test_incoming_invoice_becomes_a_draft_bill_once(self):
        self.fast(self.buyer_platform)
        invoice = self.make_invoice(lines=[(self.service, 2, 450.0, self.tax_20)], post=False)
        xml = invoice._l10n_fr_einvoice_xml("cii")[0]
        remote = self.pa_buyer.deliver(xml, "facture.xml")
        Flow = self.env["einvoice.flow"]
        Flow._cron_receive_flows()
        flow = Flow.search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual((flow.direction, flow.state, flow.company_id), ("in", "done", self.buyer_company))
        bill = flow.move_id
        self.assertEqual((bill.move_type, bill.state, bill.company_id), ("in_invoice", "draft", self.buyer_company))
        self.assertEqual(bill.amount_total, 1080.0)
        self.assertEqual(bill.partner_id.l10n_fr_siren, cases.SELLER_SIREN)
        self.assertEqual(self.buyer_platform.in_cursor, remote["updatedAt"])
        # A second run, or the same flow announced again, creates nothing.
        self.buyer_platform.in_cursor = False
        Flow._cron_receive_flows()
        self.assertEqual(Flow.search_count([("platform_flow_id", "=", remote["flowId"])]), 1)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("company_id", "=", self.buyer_company.id), ("move_type", "=", "in_invoice")]
            ),
            1,
        )
        # Posting the bill takes it in charge (204): the status leaves as CDAR through the platform.
        bill.action_post()
        status_flow = Flow.search([("move_id", "=", bill.id), ("syntax", "=", "CDAR")])
        self.assertEqual(status_flow.flow_type, "SupplierInvoiceLC")
        self.send_all()
        self.assertEqual(status_flow.state, "sent")
        self.assertEqual(self.pa_buyer.flows[status_flow.platform_flow_id]["flow"]["flowSyntax"], "CDAR")

    def test_incoming_status_lands_on_the_invoice(self):
        self.fast(self.platform)
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.send_all()
        message = StatusMessage(
            id="APPROB-0001",
            issued_at=datetime.datetime.now().replace(microsecond=0),
            status="205",
            invoice_number=invoice.name,
            invoice_date=invoice.invoice_date,
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(id=cases.BUYER_SIREN, scheme="0002", name="Client Industriel SA", role="BY"),
            recipients=[
                CdarParty(id=cases.SELLER_SIREN, scheme="0002", role="SE", uri=cases.SELLER_SIREN, uri_scheme="0225")
            ],
        )
        remote = self.pa.deliver(build_cdar(message), "statut.xml", syntax="CDAR", flow_type="CustomerInvoiceLC")
        self.env["einvoice.flow"]._cron_receive_flows()
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual((flow.state, flow.move_id), ("done", invoice))
        self.assertEqual(invoice.einvoice_status, "205")
        self.assertEqual(flow.event_id.emitter, "buyer")

    def test_unreadable_incoming_flow_is_kept_with_its_error(self):
        self.fast(self.buyer_platform)
        remote = self.pa_buyer.deliver(b"<Invoice>not an invoice</Invoice>", "broken.xml")
        self.env["einvoice.flow"]._cron_receive_flows()
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual(flow.state, "error")
        self.assertTrue(flow.error)
        self.assertEqual(flow.attachment_id.raw, b"<Invoice>not an invoice</Invoice>", "nothing is lost")
        self.assertEqual(self.buyer_platform.in_cursor, remote["updatedAt"], "saved, so acknowledged")

    def test_platform_down_while_receiving_moves_no_cursor(self):
        self.fast(self.buyer_platform)[0].max_attempts = 1
        self.pa_buyer.deliver(b"<x/>", "x.xml")
        self.pa_buyer.fail(503, 503, 503)
        with self.assertLogs("odoo.addons.pa_connector.models.einvoice_flow", "WARNING"):
            self.env["einvoice.flow"]._cron_receive_flows()
        self.assertFalse(self.buyer_platform.in_cursor)
        self.assertFalse(
            self.env["einvoice.flow"].search([("platform_id", "=", self.buyer_platform.id), ("direction", "=", "in")])
        )

    def test_a_file_over_30_mb_is_not_downloaded_but_kept_as_an_error(self):
        self.fast(self.buyer_platform)
        remote = self.pa_buyer.deliver(b"<x>" + b" " * (30 * 1024 * 1024) + b"</x>", "enorme.xml")
        self.env["einvoice.flow"]._cron_receive_flows()
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual(flow.state, "error")
        self.assertIn("30 MB", flow.error)
        self.assertFalse(flow.attachment_id)
        self.assertEqual(self.buyer_platform.in_cursor, remote["updatedAt"], "known, so not asked for again")
