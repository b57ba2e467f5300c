import contextlib
import http.client
import json

import requests

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged

from einvoice.cdar import parse_cdar
from einvoice.testing import cases
from einvoice.testing.platform import SANDBOX_SUPPLIER_SIREN
from einvoice.testing.server import InProcessAdapter

from ..models.einvoice_sandbox import MAX_SANDBOX_BODY
from .common import SandboxCommon

#: How the chatter says a flow went through the sandbox (the test company writes in English).
SANDBOX_MARK = "(sandbox)"


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSandbox(SandboxCommon, HttpCase):
    """The sandbox through real HTTP on this server's own routes: the test's thread calls the
    crons, the server's thread answers on the test's cursor."""

    def test_reached_over_http_on_this_server(self):
        self.assertEqual(self.sandbox.sandbox_url, f"{self.base_url()}/einvoice/sandbox/platform/{self.sandbox.id}")
        flows, directory = self.sandbox._clients()
        self.assertNotIsInstance(flows.session.get_adapter(f"{flows.base_url}/v1/flows"), InProcessAdapter)
        self.assertTrue(flows.healthcheck() and directory.healthcheck())
        self.assertEqual(requests.get(f"{self.sandbox.sandbox_url}/v1/healthcheck", timeout=10).status_code, 200)
        # Its credentials are made at creation, for system administrators only.
        self.assertTrue(self.sandbox.sudo().client_secret)
        self.assertEqual(self.sandbox.action_test_connection()["params"]["type"], "success")
        # The directory knows the company and its French customers, not the foreign ones nor consumers.
        self.assertEqual(directory.lines_of(cases.BUYER_SIREN)[0]["directoryLineStatus"], "Enabled")
        self.assertEqual(directory.lines_of(cases.SELLER_SIREN)[0]["siren"], cases.SELLER_SIREN)
        public = directory.lines_of(cases.PUBLIC_SIREN)[0]
        self.assertEqual((public["platformType"], public["legalUnit"]["entityType"]), ("DFH", "Public"))
        state = self.sandbox._sandbox_state()
        self.assertNotIn(self.german_customer.name, [unit["businessName"] for unit in state.legal_units.values()])
        self.assertNotIn(self.consumer.name, [unit["businessName"] for unit in state.legal_units.values()])

    def test_an_invoice_is_sent_once_and_its_buyer_answers(self):
        invoice = self.invoice()
        flow = invoice.einvoice_flow_ids
        self.assertEqual((flow.state, flow.sandbox, invoice.einvoice_sandbox), ("queued", True, True))
        self.send_all()
        self.send_all()  # nothing more leaves
        sent = self.sandbox_flows("Out")
        self.assertEqual(len(sent), 1, "the invoice arrived in the sandbox exactly once")
        remote, content = sent[0]
        self.assertEqual((remote["trackingId"], remote["flowType"]), (flow.tracking_id, "CustomerInvoice"))
        self.assertEqual(content, flow.attachment_id.raw)
        self.assertIn(invoice.name.encode(), content)
        # Uploaded, not "Déposée": the sandbox gives its 200 itself, as a real platform does.
        self.assertEqual(flow.state, "sent")
        self.assertFalse(invoice.einvoice_status)
        self.assertEqual(self.customer.einvoice_directory_state, "enabled", "looked up in the sandbox's directory")
        self.receive()
        self.assertEqual(flow.state, "accepted")
        events = invoice.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id))
        self.assertEqual(events.mapped("status"), ["200", "201", "202", "203", "204", "205"])
        self.assertEqual(
            events.mapped("emitter"),
            ["issuer_platform", "issuer_platform", "receiver_platform", "receiver_platform", "buyer", "buyer"],
        )
        self.assertEqual(invoice.einvoice_status, "205")
        self.assertTrue(events[0].reported_at, "the platform reports its own 200 to the administration")
        incoming = invoice.einvoice_flow_ids.filtered(lambda f: f.direction == "in")
        self.assertEqual(len(incoming), 6)
        self.assertEqual(set(incoming.mapped("sandbox")), {True})
        self.assertEqual(set(incoming.mapped("state")), {"done"})
        notes = invoice.message_ids.mapped("body")
        self.assertTrue(any("Bac à sable" in note and SANDBOX_MARK in note for note in notes))
        self.assertTrue(any("205" in note and SANDBOX_MARK in note for note in notes))
        # Read again, nothing new lands.
        self.sandbox.in_cursor = False
        self.receive()
        self.assertEqual(len(invoice.einvoice_event_ids), 6)

    def test_the_buyer_refuses_with_its_reason_or_disputes(self):
        self.sandbox.write(
            {"sandbox_buyer_answer": "refuse", "sandbox_reason_code": "TX_TVA_ERR", "sandbox_reason": "Taux erroné"}
        )
        refused = self.invoice()
        self.send_all()
        self.sandbox.write({"sandbox_buyer_answer": "dispute", "sandbox_reason_code": "CMD_ERR"})
        disputed = self.invoice()
        self.send_all()
        self.receive()
        event = refused.einvoice_event_ids.filtered(lambda e: e.status == "210")
        self.assertEqual((event.reason_code, event.reason, event.emitter), ("TX_TVA_ERR", "Taux erroné", "buyer"))
        self.assertEqual(refused.einvoice_status, "210")
        self.assertTrue(refused.activity_ids, "the salesperson is asked for a credit note")
        self.assertEqual(disputed.einvoice_status, "207")
        self.assertEqual(disputed.einvoice_event_ids.filtered(lambda e: e.status == "207").reason_code, "CMD_ERR")

    def test_a_supplier_invoice_becomes_a_draft_bill_and_our_statuses_travel_back(self):
        answer = self.sandbox.action_sandbox_receive_supplier_invoice()
        self.assertIn("FL-", answer["params"]["message"])
        self.receive()
        flow = self.env["einvoice.flow"].search(
            [("platform_id", "=", self.sandbox.id), ("flow_type", "=", "SupplierInvoice")]
        )
        self.assertEqual((flow.state, flow.syntax, flow.sandbox), ("done", "Factur-X", True), flow.error)
        bill = flow.move_id
        self.assertEqual((bill.move_type, bill.state, bill.company_id), ("in_invoice", "draft", self.company))
        self.assertTrue(bill.einvoice_sandbox)
        self.assertEqual(bill.partner_id.name, "Fournitures Lefèvre SAS")
        self.assertEqual(bill.partner_id.l10n_fr_siren, SANDBOX_SUPPLIER_SIREN)
        self.assertTrue(bill.ref.startswith("FL-") and bill.ref.endswith("-00001"))
        lines = bill.invoice_line_ids.sorted("sequence")
        self.assertEqual(
            [(line.name, line.quantity, line.price_unit) for line in lines],
            [
                ("Ramette de papier A4 80 g (500 feuilles)", 20, 4.60),
                ("Cartouche d'encre noire XL", 4, 38.90),
                ("Classeur à levier dos 80 mm", 30, 2.75),
            ],
        )
        self.assertEqual(set(lines.tax_ids.mapped("amount")), {20.0})
        self.assertEqual((bill.amount_untaxed, bill.amount_tax, bill.amount_total), (330.10, 66.02, 396.12))
        self.assertIn(
            bill.l10n_fr_einvoice_state, ("valid", "warning"), "the supplier's file passes the official rules"
        )
        self.assertTrue(any(SANDBOX_MARK in body for body in bill.message_ids.mapped("body")))

        # Posting takes it in charge (204), approving it gives 205: both leave as CDAR for the sandbox.
        bill.action_post()
        bill.action_einvoice_approve()
        self.send_all()
        statuses = [parse_cdar(content) for _remote, content in self.sandbox_flows("Out", "SupplierInvoiceLC")]
        self.assertEqual([message.status for message in statuses], ["204", "205"])
        self.assertEqual({message.invoice_number for message in statuses}, {bill.ref})
        self.assertEqual({message.issuer.role for message in statuses}, {"BY"})
        cdar_flows = bill.einvoice_flow_ids.filtered(lambda f: f.syntax == "CDAR")
        self.assertEqual(set(cdar_flows.mapped("state")), {"sent"})
        self.assertEqual(set(cdar_flows.mapped("sandbox")), {True})
        self.receive()
        self.assertEqual(set(cdar_flows.mapped("state")), {"accepted"})

        # A second one refused, with its reason.
        self.sandbox.action_sandbox_receive_supplier_invoice()
        self.receive()
        second = (
            self.env["einvoice.flow"]
            .search(
                [("platform_id", "=", self.sandbox.id), ("flow_type", "=", "SupplierInvoice"), ("id", "!=", flow.id)]
            )
            .move_id
        )
        self.assertEqual(second.amount_total, 690.0, "the services sample: 380 + 3 x 65, VAT 20 %")
        second._einvoice_give_status("210", reason_code="CMD_ERR", reason="Non commandée", action_code="CNF")
        self.send_all()
        refusal = parse_cdar(self.sandbox_flows("Out", "SupplierInvoiceLC")[-1][1])
        self.assertEqual((refusal.status, refusal.invoice_number), ("210", second.ref))
        detail = refusal.details[0]
        self.assertEqual((detail.reason_code, detail.reason, detail.action_code), ("CMD_ERR", "Non commandée", "CNF"))

    def test_an_invoice_whose_buyer_is_not_in_the_directory_is_rejected(self):
        invoice = self.invoice()
        self.sandbox._sandbox_run(lambda simulator: simulator.set_directory([]))
        self.customer.einvoice_directory_state = "enabled"  # an answer fresh enough not to be asked again
        self.customer.einvoice_directory_checked_on = invoice.create_date
        self.send_all()
        self.receive()
        flow = invoice.einvoice_flow_ids.filtered(lambda f: f.flow_type == "CustomerInvoice")
        self.assertEqual(flow.state, "rejected")
        self.assertIn("DEST_INC", flow.error)
        self.assertEqual(invoice.einvoice_status, "213")
        # The acknowledgement and the platform's 213 message tell one rejection: recorded once, no 200 before it.
        self.assertEqual(invoice.einvoice_event_ids.mapped("status"), ["213"])
        status_flow = invoice.einvoice_flow_ids.filtered(lambda f: f.direction == "in")
        self.assertEqual((status_flow.state, status_flow.event_id), ("done", invoice.einvoice_event_ids))

    def test_the_controller_refuses_what_is_not_its_own(self):
        base = f"/einvoice/sandbox/platform/{self.sandbox.id}"
        self.assertEqual(self.url_open(f"{base}/v1/healthcheck").status_code, 200)
        unknown = self.url_open("/einvoice/sandbox/platform/987654/v1/healthcheck")
        self.assertEqual((unknown.status_code, unknown.json()["errorCode"]), (404, "NOT_FOUND"))
        real = self.env["einvoice.platform"].create(
            {
                "name": "PA réelle",
                "environment": "test",
                "company_id": self.buyer_company.id,
                "flow_url": "https://pa.test",
            }
        )
        self.env.flush_all()
        self.assertEqual(self.url_open(f"/einvoice/sandbox/platform/{real.id}/v1/healthcheck").status_code, 404)
        # A wrong token, wrong client credentials.
        search = self.url_open(
            f"{base}/v1/flows/search",
            data=json.dumps({"where": {}}),
            headers={"Authorization": "Bearer 9999999999.forged", "Content-Type": "application/json"},
        )
        self.assertEqual((search.status_code, search.json()["errorCode"]), (401, "UNAUTHORIZED"))
        token = requests.post(
            f"{self.base_url()}{base}/token", data={"grant_type": "client_credentials"}, auth=("x", "y"), timeout=10
        )
        self.assertEqual(token.status_code, 401)
        # A body over 35 MB is refused before it is read.
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port(), timeout=10)
        connection.putrequest("POST", f"{base}/v1/flows")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(MAX_SANDBOX_BODY + 1))
        connection.endheaders()
        answer = connection.getresponse()
        self.assertEqual((answer.status, json.loads(answer.read())["errorCode"]), (413, "BODY_SIZE"))
        connection.close()
        # No webhooks: the sandbox never calls Odoo back.
        with self.assertRaisesRegex(UserError, "webhook"):
            self.sandbox.action_subscribe_webhook()
        flows = self.sandbox._clients()[0]
        response = flows.session.post(
            f"{flows.base_url}/v1/webhooks",
            json={"callbackUrl": "http://127.0.0.1:1/x"},
            headers={"Authorization": flows.auth.header(flows.session, 10)},
            timeout=10,
        )
        self.assertEqual(response.status_code, 403)
        # An archived sandbox answers no more.
        self.sandbox.active = False
        self.env.flush_all()
        self.assertEqual(self.url_open(f"{base}/v1/healthcheck").status_code, 404)

    def test_reset_forgets_the_flows_and_keeps_the_directory(self):
        self.invoice()
        self.send_all()
        self.assertEqual(len(self.sandbox_flows("Out")), 1)
        self.sandbox.action_sandbox_reset()
        self.assertEqual(self.sandbox_flows(), [])
        self.assertIn(cases.BUYER_SIREN, self.sandbox._sandbox_state().legal_units)
        self.assertFalse(self.sandbox.in_cursor)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestNeverMixed(SandboxCommon):
    """A sandbox and a real platform are never active together; what went through the sandbox stays there."""

    def production(self, **values):
        return self.env["einvoice.platform"].create(
            {
                "name": "PA de production",
                "environment": "production",
                "company_id": self.company.id,
                "flow_url": "https://api.pa.example.fr",
                "token_url": "https://api.pa.example.fr/token",
                **values,
            }
        )

    @contextlib.contextmanager
    def refused(self, exception, pattern):
        """assertRaisesRegex in a savepoint: a record refused by a constraint is not left behind."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def test_one_or_the_other(self):
        with self.refused(ValidationError, "archive the sandbox first"):
            self.production()
        self.sandbox.active = False
        production = self.production()
        self.assertTrue(production.active)
        with self.refused(ValidationError, "a sandbox cannot be active at the same time"):
            self.sandbox.active = True
        with self.refused(ValidationError, "a sandbox cannot be active at the same time"):
            self.env["einvoice.platform"].create(
                {"name": "Autre", "environment": "sandbox", "company_id": self.company.id}
            )
        with self.refused(UserError, "stays a sandbox"):
            self.sandbox.environment = "production"
        with self.refused(UserError, "never becomes one"):
            production.environment = "sandbox"
        with self.refused(ValidationError, "Flow Service URL"):
            self.production(flow_url=False, company_id=self.buyer_company.id)

    def test_what_went_through_the_sandbox_never_goes_live(self):
        invoice = self.invoice()
        self.send_all()
        self.receive()
        self.assertTrue(invoice.einvoice_sandbox)
        self.sandbox.action_sandbox_receive_supplier_invoice()
        self.receive()
        bill = (
            self.env["einvoice.flow"]
            .search([("platform_id", "=", self.sandbox.id), ("flow_type", "=", "SupplierInvoice")])
            .move_id
        )
        self.assertTrue(bill.einvoice_sandbox)
        # Going live: the sandbox archived, the production platform activated.
        self.sandbox.active = False
        self.assertEqual(self.customer.einvoice_directory_state, "unknown", "asked again of the real directory")
        production = self.production()
        Flow = self.env["einvoice.flow"]
        # Posted again, sent on demand, its statuses: nothing of the sandbox invoice reaches production.
        invoice.button_draft()
        invoice.action_post()
        with self.refused(UserError, "went through the sandbox"):
            invoice.action_einvoice_send_to_platform()
        invoice._einvoice_give_status("212", amounts=invoice._einvoice_amounts_by_rate())
        bill.action_post()
        bill.action_einvoice_approve()
        self.assertFalse(Flow.search_count([("platform_id", "=", production.id)]))
        # A new invoice goes to production, unmarked.
        real = self.invoice()
        self.assertFalse(real.einvoice_sandbox)
        self.assertEqual(real.einvoice_flow_ids.platform_id, production)
        self.assertFalse(real.einvoice_flow_ids.sandbox)

    def test_in_process_when_no_server_shares_the_transaction(self):
        """A test in one transaction (and a module being installed) reaches the sandbox in-process."""
        flows = self.sandbox._clients()[0]
        self.assertIsInstance(flows.session.get_adapter(f"{flows.base_url}/v1/flows"), InProcessAdapter)
        invoice = self.invoice()
        self.send_all()
        self.receive()
        self.assertEqual(invoice.einvoice_status, "205")

    def test_try_the_sandbox_opens_the_company_s_sandbox(self):
        action = self.env["einvoice.platform"].with_company(self.company).action_try_sandbox()
        self.assertEqual((action["res_model"], action["res_id"]), ("einvoice.platform", self.sandbox.id))
        other = self.env["einvoice.platform"].with_company(self.buyer_company).action_try_sandbox()
        sandbox = self.env["einvoice.platform"].browse(other["res_id"])
        self.assertEqual((sandbox.company_id, sandbox.environment), (self.buyer_company, "sandbox"))
        self.assertTrue(sandbox.sudo().client_id and sandbox.sudo().client_secret)
        self.assertIn(cases.BUYER_SIREN, sandbox._sandbox_state().legal_units, "the company itself")

    def test_a_customer_created_later_is_known_at_its_first_look_up(self):
        partner = self._french_company(
            "Menuiserie Durand SARL", "50312345700106", "FR40503123457", "3 rue du Port", "33000", "Bordeaux"
        )
        self.assertNotIn(partner.l10n_fr_siren, self.sandbox._sandbox_state().legal_units)
        partner.action_einvoice_directory_check()
        self.assertEqual(partner.einvoice_directory_state, "enabled")
        self.assertEqual(partner.l10n_fr_electronic_address, partner.l10n_fr_siren)
        # A foreign company has no SIREN: the directory cannot know it, its invoices are not sent.
        self.assertFalse(self.german_customer.l10n_fr_siren)
        invoice = self.invoice(partner=self.german_customer)
        self.assertFalse(invoice.einvoice_flow_ids or invoice.einvoice_sandbox)
