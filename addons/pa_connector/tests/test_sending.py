from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from einvoice.cdar import parse_cdar
from einvoice.validation import validate

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSending(PlatformCommon):
    def invoice(self, **values):
        return self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], **values)

    def test_posting_queues_and_the_cron_sends(self):
        self.fast(self.platform)
        invoice = self.invoice()
        flow = invoice.einvoice_flow_ids
        self.assertEqual((flow.state, flow.flow_type, flow.direction), ("queued", "CustomerInvoice", "out"))
        self.send_all()
        self.assertEqual(flow.state, "sent")
        stored = self.pa.flows[flow.platform_flow_id]
        self.assertEqual(stored["flow"]["trackingId"], flow.tracking_id)
        self.assertEqual(stored["flow"]["processingRule"], "B2B")
        self.assertEqual(stored["content"], flow.attachment_id.raw)
        self.assertEqual(validate(stored["content"]).fatal, [], "what the platform received is valid")
        self.assertIn(invoice.name.encode(), stored["content"])
        # The upload taken is no status: the platform gives its 200 itself, once it has checked the invoice.
        self.assertFalse(invoice.einvoice_event_ids)
        # The platform's acknowledgement and its 200 message are read by the receiving cron.
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(flow.state, "accepted")
        self.assertEqual(invoice.einvoice_status, "200")
        event = invoice.einvoice_event_ids
        self.assertEqual((event.emitter, event.source), ("issuer_platform", "platform"))
        self.assertTrue(event.reported_at, "the platform reports its own 200 to the administration")

    def test_two_hundred_invoices_every_tenth_call_failing_arrive_exactly_once(self):
        self.fast(self.platform)
        invoices = self.env["account.move"]
        for _n in range(200):
            invoices |= self.invoice()
        self.pa.fail_every(10)
        self.send_all()
        self.pa.fail_every(None)
        flows = invoices.einvoice_flow_ids
        self.assertEqual(len(flows), 200)
        self.assertEqual(set(flows.mapped("state")), {"sent"}, set(flows.mapped("error")))
        received = self.pa.submissions()
        self.assertEqual(len(received), 200, "each invoice reached the platform once")
        self.assertEqual(sorted(f["trackingId"] for f in received), sorted(flows.mapped("tracking_id")))
        self.assertEqual(
            {f["flowId"]: f["trackingId"] for f in received},
            {flow.platform_flow_id: flow.tracking_id for flow in flows},
        )
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(set(invoices.mapped("einvoice_status")), {"200"})
        failed = [path for method, path in self.pa.requests if method == "POST" and path == "/v1/flows"]
        self.assertGreater(len(failed), 200, "some submissions failed and were tried again")

    def test_a_flow_left_sending_by_a_dead_process_is_not_sent_twice(self):
        self.fast(self.platform)
        invoice = self.invoice()
        flow = invoice.einvoice_flow_ids
        # A process sent it, then died before its commit: the row is "sending" again, no flow id.
        self.send_all()
        platform_flow_id = flow.platform_flow_id
        flow.write({"state": "sending", "platform_flow_id": False})
        self.send_all()
        self.assertEqual(len(self.pa.submissions()), 1)
        self.assertEqual(flow.platform_flow_id, platform_flow_id)
        # Found with the platform's answer already given: accepted at once (its cursor may be past it).
        self.assertEqual(flow.state, "accepted")

    def test_an_invalid_invoice_is_not_sent(self):
        self.fast(self.platform)
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.env["account.tax"])])  # no VAT category
        self.send_all()
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "error")
        self.assertIn("does not pass validation", flow.error)
        self.assertFalse(self.pa.flows)
        self.assertEqual(invoice.l10n_fr_einvoice_state, "invalid")

    def test_platform_rejection_reaches_the_lifecycle(self):
        self.fast(self.platform)
        self.pa.hold_submissions = True  # the platform checks later, and refuses
        invoice = self.invoice()
        self.send_all()
        flow = invoice.einvoice_flow_ids
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual((flow.state, invoice.einvoice_event_ids), ("sent", self.env["einvoice_lifecycle.event"]))
        self.pa.acknowledge(flow.platform_flow_id, "Error", reason_code="REJ_SEMAN", reason="BR-FR-01 fails")
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(flow.state, "rejected")
        self.assertIn("BR-FR-01 fails", flow.error)
        self.assertEqual(invoice.einvoice_status, "213")
        # Its acknowledgement and its 213 message tell one rejection: history [213], no 200 before it.
        self.assertEqual(invoice.einvoice_event_ids.mapped("status"), ["213"])
        self.assertTrue(invoice.einvoice_event_ids.reported_at)
        status_flow = invoice.einvoice_flow_ids.filtered(lambda f: f.direction == "in")
        self.assertEqual((status_flow.state, status_flow.error), ("done", False))
        self.assertEqual(invoice.einvoice_event_ids.filtered(lambda e: e.status == "213").reason_code, "REJ_SEMAN")
        self.assertTrue(invoice.activity_ids, "the salesperson is asked to act")
        # 213 ends the invoice's lifecycle: it is not sent again, a corrected invoice is.
        with self.assertRaisesRegex(UserError, "credit note"):
            flow.action_retry()
        self.assertEqual(flow.state, "rejected")

    def test_a_rejected_status_message_is_sent_again_as_a_new_flow(self):
        self.fast(self.platform)
        invoice = self.invoice()
        self.send_all()
        self.env["einvoice.flow"]._cron_receive_flows()  # the platform's 200 (Déposée) before the payment
        invoice._einvoice_give_status("212", amounts=invoice._einvoice_amounts_by_rate())
        flow = invoice.einvoice_flow_ids.filtered(lambda f: f.syntax == "CDAR" and f.direction == "out")
        self.send_all()
        self.pa.acknowledge(flow.platform_flow_id, "Error", reason="bad CDAR")
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(flow.state, "rejected")
        self.assertEqual(invoice.einvoice_status, "212", "a rejected message changes no invoice status")
        old_tracking = flow.tracking_id
        flow.action_retry()
        self.send_all()
        self.assertNotEqual(flow.tracking_id, old_tracking)
        self.assertEqual(flow.state, "sent")
        self.assertEqual(len(self.pa.submissions()), 3, "the invoice, the status, the status again")

    def test_platform_down_keeps_the_queue(self):
        flows, directory = self.fast(self.platform)
        flows.max_attempts = directory.max_attempts = 2
        self.customer.action_einvoice_directory_check()  # fresh: not asked again before sending
        invoice = self.invoice()
        self.pa.fail(503, 503, 503)  # the submission, then the look-up by tracking id, twice
        with self.assertLogs("odoo.addons.pa_connector.models.einvoice_flow", "WARNING") as logs:
            self.env["einvoice.flow"]._cron_send_flows()
        self.assertIn("sending stopped", logs.output[0])
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "queued")
        self.assertIn("503", flow.error)
        self.send_all()
        self.assertEqual(flow.state, "sent")
        self.assertEqual(len(self.pa.submissions()), 1)

    def test_partner_that_cannot_receive(self):
        self.fast(self.platform)
        self.customer.einvoice_directory_state = "disabled"
        invoice = self.invoice()
        self.assertFalse(invoice.einvoice_flow_ids, "not queued: the directory says it cannot receive")
        self.assertIn("cannot receive e-invoices yet", invoice.einvoice_not_sent_reason)

    def test_stale_directory_answer_is_checked_before_sending(self):
        self.fast(self.platform)
        invoice = self.invoice()
        self.pa.directory[f"{self.customer.l10n_fr_siren}_{self.customer.siret}"]["directoryLineStatus"] = "Disabled"
        self.pa.directory[self.customer.l10n_fr_siren]["directoryLineStatus"] = "Disabled"
        self.send_all()
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "error")
        self.assertIn("cannot receive e-invoices yet", flow.error)
        self.assertEqual(self.customer.einvoice_directory_state, "disabled")
        self.assertFalse(self.pa.flows)
        self.assertEqual(invoice.einvoice_not_sent_reason, flow.error, "the invoice says why it stays")

    def test_statuses_we_give_travel_as_cdar(self):
        self.fast(self.platform)
        invoice = self.invoice()
        self.send_all()
        invoice._einvoice_give_status("212", amounts=invoice._einvoice_amounts_by_rate())
        flow = invoice.einvoice_flow_ids.filtered(lambda f: f.syntax == "CDAR" and f.direction == "out")
        self.assertEqual(flow.flow_type, "CustomerInvoiceLC")
        self.send_all()
        self.assertEqual(flow.state, "sent")
        stored = self.pa.flows[flow.platform_flow_id]
        self.assertEqual(stored["flow"]["flowSyntax"], "CDAR")
        self.assertEqual(parse_cdar(stored["content"]).status, "212")

    def test_connection_test_and_secrets(self):
        self.assertEqual(self.platform.action_test_connection()["params"]["type"], "success")
        self.assertEqual(self.platform.connection_state, "ok")
        self.platform.client_secret = "wrong"
        self.assertEqual(self.platform.action_test_connection()["params"]["type"], "danger")
        self.assertEqual(self.platform.connection_state, "failed")
        self.assertNotIn("wrong", self.platform.connection_message)
        accountant = self.env["res.users"].create(
            {
                "name": "Comptable",
                "login": "comptable-pa",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("account.group_account_manager").id])],
            }
        )
        platform = self.platform.with_user(accountant)
        self.assertEqual(platform.name, "PA seller")
        with self.assertRaises(AccessError):
            platform.read(["client_secret"])
        with self.assertRaises(AccessError):
            platform.read(["webhook_signing_key"])

    def test_an_invoicing_user_posts_and_the_invoice_is_queued(self):
        self.fast(self.platform)
        clerk = self.env["res.users"].create(
            {
                "name": "Facturière",
                "login": "facturiere-pa",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("account.group_account_invoice").id])],
            }
        )
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], post=False).with_user(clerk)
        invoice.action_post()
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "queued")
        self.assertEqual(flow.with_user(clerk).read(["state"])[0]["state"], "queued", "the clerk sees it")
        self.env["einvoice.flow"].with_user(clerk)._cron_send_flows()
        self.assertEqual(flow.state, "sent")

    def test_the_second_sending_job_is_triggered_when_active(self):
        lane2 = self.env.ref("pa_connector.cron_send_flows_lane2")
        self.assertFalse(lane2.active)
        before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", lane2.id)])
        self.invoice()
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", lane2.id)]), before)
        lane2.active = True
        self.invoice()
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", lane2.id)]), before + 1)

    def test_a_company_without_platform_queues_nothing(self):
        self.platform.active = False
        invoice = self.invoice()
        self.assertFalse(invoice.einvoice_flow_ids)
        self.platform.active = True
        invoice.action_einvoice_send_to_platform()
        self.assertEqual(invoice.einvoice_flow_ids.state, "queued")
        with self.assertRaisesRegex(UserError, "already sent or queued"):
            invoice.action_einvoice_send_to_platform()
