import datetime

from odoo.tests import tagged

from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar
from einvoice.testing import cases

from .common import PlatformCommon

LOGGER = "odoo.addons.pa_connector.models.einvoice_flow"


@tagged("post_install_l10n", "post_install", "-at_install")
class TestAnswersOffContract(PlatformCommon):
    """A platform answering what its contract does not allow: the flow concerned waits in error
    with the reason, the others go on, and the cursor moves past it."""

    def invoice(self, **values):
        return self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], **values)

    def receive(self):
        self.env["einvoice.flow"]._cron_receive_flows()

    def test_a_502_after_the_platform_stored_the_invoice_ends_with_one_submission(self):
        self.fast(self.platform)
        invoice = self.invoice()
        self.pa.script("POST", "/v1/flows", 502, {"errorCode": "BAD_GATEWAY", "errorMessage": "proxy"}, after=True)
        self.send_all()
        flow = invoice.einvoice_flow_ids
        [submission] = self.pa.submissions()
        # Found by its tracking id, with the platform's answer: accepted at once.
        self.assertEqual((flow.state, flow.platform_flow_id), ("accepted", submission["flowId"]))
        self.assertEqual(submission["trackingId"], flow.tracking_id)
        posts = [path for method, path in self.pa.requests if (method, path) == ("POST", "/v1/flows")]
        self.assertEqual(len(posts), 1, "looked up by its tracking id, never posted again")

    def test_a_lost_answer_then_the_platform_down_never_sends_twice(self):
        flows_client = self.fast(self.platform)[0]
        flows_client.max_attempts = 2
        invoice = self.invoice()
        # The platform stores the invoice but the answer is a 502; the look-up that follows fails too.
        self.pa.script("POST", "/v1/flows", 502, {"errorCode": "BAD_GATEWAY", "errorMessage": "proxy"}, after=True)
        self.pa.script("POST", "/v1/flows/search", 503, {"errorCode": "UNAVAILABLE", "errorMessage": "busy"}, times=2)
        with self.assertLogs(LOGGER, "WARNING"):
            self.env["einvoice.flow"]._cron_send_flows()
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "queued", "its fate unknown, it waits")
        # The next run looks it up before anything is sent: found, not sent again.
        self.send_all()
        self.assertEqual(len(self.pa.submissions()), 1)
        self.assertEqual(flow.platform_flow_id, self.pa.submissions()[0]["flowId"])
        posts = [path for method, path in self.pa.requests if (method, path) == ("POST", "/v1/flows")]
        self.assertEqual(len(posts), 1)

    def test_an_empty_list_for_an_answer_puts_that_flow_in_error_and_the_batch_goes_on(self):
        flows_client = self.fast(self.platform)[0]
        flows_client.max_attempts = 2
        first, second = self.invoice(), self.invoice()
        # The platform answers "[]" to both attempts of the first invoice (and stores nothing).
        self.pa.script("POST", "/v1/flows", 202, [], times=2)
        self.send_all()
        flow, other = first.einvoice_flow_ids, second.einvoice_flow_ids
        self.assertEqual(flow.state, "error")
        self.assertIn("a JSON object is expected, not a list of 0 item(s)", flow.error)
        self.assertIn("Send again", flow.error)
        self.assertEqual(other.state, "sent", "the next flow of the batch is sent")
        self.assertEqual([s["trackingId"] for s in self.pa.submissions()], [other.tracking_id])
        # Sent again: looked up by its tracking id first, then sent, once.
        flow.action_retry()
        self.send_all()
        self.assertEqual(flow.state, "sent")
        self.assertEqual(
            sorted(s["trackingId"] for s in self.pa.submissions()), sorted([flow.tracking_id, other.tracking_id])
        )

    def test_acknowledgements_without_flow_id_or_updated_at_stop_only_their_flow(self):
        self.fast(self.platform)
        invoices = [self.invoice() for _n in range(4)]
        self.send_all()
        flows = [invoice.einvoice_flow_ids for invoice in invoices]
        self.pa.corrupt(flows[1].platform_flow_id, "flowId")  # found by its tracking id
        self.pa.corrupt(flows[2].platform_flow_id, "updatedAt")
        last = self.pa.flows[flows[3].platform_flow_id]["flow"]["updatedAt"]
        self.receive()
        self.assertEqual([flow.state for flow in flows], ["accepted", "error", "error", "accepted"])
        self.assertIn("flowId is missing", flows[1].error)
        self.assertIn("updatedAt is missing", flows[2].error)
        self.assertIn("Send again", flows[2].error)
        self.assertGreaterEqual(self.platform.out_cursor, last, "the cursor moved past them")
        # The platform's 200 messages arrived all the same: receiving went on.
        self.assertEqual([invoice.einvoice_status for invoice in invoices], ["200"] * 4)
        # Fixed on the platform's side: sent again, the flow is found by its tracking id, not posted twice.
        self.pa._corrupted.clear()
        flows[2].action_retry()
        self.send_all()
        self.receive()
        self.assertEqual(flows[2].state, "accepted")
        self.assertEqual(len(self.pa.submissions()), 4)

    def test_a_213_the_lifecycle_refuses_stops_only_its_flow(self):
        self.fast(self.platform)
        self.pa.hold_submissions = True
        refused, other = self.invoice(), self.invoice()
        self.send_all()
        flow, other_flow = refused.einvoice_flow_ids, other.einvoice_flow_ids
        # The buyer refuses the invoice (210, which ends its lifecycle)...
        refusal = StatusMessage(
            id="REFUS-0001",
            issued_at=datetime.datetime.now().replace(microsecond=0),
            status="210",
            invoice_number=refused.name,
            invoice_date=refused.invoice_date,
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(id=cases.BUYER_SIREN, scheme="0002", name="Client Industriel SA", role="BY"),
            recipients=[
                CdarParty(id=cases.SELLER_SIREN, scheme="0002", role="SE", uri=cases.SELLER_SIREN, uri_scheme="0225")
            ],
            details=[StatusDetail(reason_code="CMD_ERR", reason="no order", action_code="NIN")],
        )
        self.pa.deliver(build_cdar(refusal), "refus.xml", syntax="CDAR", flow_type="CustomerInvoiceLC")
        self.receive()
        self.assertEqual(refused.einvoice_status, "210")
        # ... then the platform rejects the flow: its 213 cannot follow a 210.
        self.pa.acknowledge(flow.platform_flow_id, "Error", reason_code="REJ_SEMAN", reason="late check")
        self.pa.acknowledge(other_flow.platform_flow_id, "Ok")
        self.receive()
        self.assertEqual(flow.state, "rejected", "the platform's answer is recorded whatever the lifecycle says")
        self.assertIn("Status 213 was not recorded", flow.error)
        self.assertEqual(refused.einvoice_event_ids.mapped("status"), ["210"])
        message_flow = self.env["einvoice.flow"].search(
            [("platform_id", "=", self.platform.id), ("direction", "=", "in"), ("name", "like", f"{refused.name}_213")]
        )
        self.assertEqual(message_flow.state, "error", "the platform's 213 message waits, with its reason")
        self.assertIn("213", message_flow.error)
        # The next flows went on: the other invoice is accepted and Déposée, the cursors moved.
        self.assertEqual((other_flow.state, other.einvoice_status), ("accepted", "200"))
        incoming = [
            entry["flow"]["updatedAt"] for entry in self.pa.flows.values() if entry["flow"]["flowDirection"] == "In"
        ]
        self.assertEqual(self.platform.in_cursor, max(incoming))
        self.assertEqual(self.platform.out_cursor, self.pa.flows[other_flow.platform_flow_id]["flow"]["updatedAt"])

    def test_a_search_page_off_contract_stops_only_acknowledgements(self):
        self.fast(self.platform)
        invoice = self.invoice()
        self.send_all()
        # The acknowledgements' search gets "[]": incoming flows are received all the same.
        self.pa.script("POST", "/v1/flows/search", 200, [])
        with self.assertLogs(LOGGER, "WARNING") as logs:
            self.receive()
        self.assertIn("reading acknowledgements stopped", logs.output[0])
        self.assertIn("a JSON object is expected", logs.output[0])
        self.assertEqual(invoice.einvoice_flow_ids.filtered(lambda f: f.direction == "out").state, "sent")
        self.assertEqual(invoice.einvoice_status, "200", "the platform's 200 message was received")
        self.assertFalse(self.platform.out_cursor)
        self.receive()
        self.assertEqual(invoice.einvoice_flow_ids.filtered(lambda f: f.direction == "out").state, "accepted")

    def test_one_platform_down_does_not_stop_the_other(self):
        self.fast(self.platform)[0].max_attempts = 1
        self.fast(self.buyer_platform)
        xml = self.make_invoice(lines=[(self.service, 2, 450.0, self.tax_20)], post=False)._l10n_fr_einvoice_xml("cii")[
            0
        ]
        remote = self.pa_buyer.deliver(xml, "facture.xml")
        self.pa.fail_every(1)
        with self.assertLogs(LOGGER, "WARNING"):
            self.receive()
        self.pa.fail_every(None)
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual((flow.state, flow.company_id), ("done", self.buyer_company))
        self.assertEqual(self.buyer_platform.in_cursor, remote["updatedAt"])

    def test_incoming_flows_off_contract_are_kept_in_error_and_the_others_received(self):
        self.fast(self.buyer_platform)
        sent = [self.make_invoice(lines=[(self.service, n + 1, 450.0, self.tax_20)]) for n in range(3)]
        remotes = [self.pa_buyer.deliver(move._l10n_fr_einvoice_xml("cii")[0], f"{move.name}.xml") for move in sent]
        self.pa_buyer.corrupt(remotes[1]["flowId"], "updatedAt")
        self.receive()
        Flow = self.env["einvoice.flow"]
        flows = [Flow.search([("platform_flow_id", "=", remote["flowId"])]) for remote in remotes]
        self.assertEqual([flow.state for flow in flows], ["done", "error", "done"])
        self.assertIn("updatedAt is missing", flows[1].error)
        self.assertFalse(flows[1].attachment_id, "not fetched while its description is off contract")
        self.assertEqual(self.buyer_platform.in_cursor, remotes[2]["updatedAt"])
        # Once the platform describes it correctly, "Process again" fetches and imports it.
        self.pa_buyer._corrupted.clear()
        flows[1].action_process_again()
        self.assertEqual(flows[1].state, "done")
        self.assertEqual(flows[1].move_id.move_type, "in_invoice")
        self.assertEqual(flows[1].move_id.ref, sent[1].name)
