from odoo import Command
from odoo.tests import HttpCase, TransactionCase, tagged

from einvoice.cdar import parse_cdar
from einvoice.testing.server import InProcessAdapter


class DemoMixin:
    """The French demo company and its sandbox, when the database has the demo data."""

    def demo_sandbox(self):
        company = self.env.ref("l10n_fr_einvoice.demo_company", raise_if_not_found=False)
        sandbox = self.env["einvoice.platform"].search(
            [("company_id", "=", company.id if company else 0), ("environment", "=", "sandbox")], limit=1
        )
        if not sandbox:
            self.skipTest("the database has no demo data")
        return company, sandbox

    def statuses(self, move):
        return move.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id)).mapped("status")


@tagged("post_install_l10n", "post_install", "-at_install")
class TestDemoStory(DemoMixin, TransactionCase):
    def test_the_demo_company_tried_every_flow_in_its_sandbox(self):
        company, sandbox = self.demo_sandbox()
        Move = self.env["account.move"]
        flows = self.env["einvoice.flow"].search([("platform_id", "=", sandbox.id)])
        # Its own moves: other connectors' sandboxes (Chorus Pro) mark theirs too.
        invoices = flows.filtered(lambda f: f.flow_type == "CustomerInvoice").move_id.sorted("id")
        self.assertEqual(len(invoices), 3)
        self.assertEqual(set(invoices.mapped("einvoice_sandbox")), {True})
        approved, refused, cashed = invoices
        self.assertEqual(self.statuses(approved), ["200", "201", "202", "203", "204", "205"])
        self.assertEqual(self.statuses(refused)[-1], "210")
        refusal = refused.einvoice_event_ids.filtered(lambda e: e.status == "210")
        self.assertEqual(refusal.reason_code, "CMD_ERR")
        self.assertIn("bon de commande", refusal.reason)
        self.assertEqual(self.statuses(cashed)[-1], "212")
        self.assertEqual(cashed.payment_state, "paid")
        # Every flow went through; the EU company's invoice stayed out of the platform.
        self.assertEqual(set(flows.mapped("state")), {"accepted", "done"}, flows.mapped("error"))
        self.assertEqual(set(flows.mapped("sandbox")), {True})
        eu = Move.search([("partner_id", "=", self.env.ref("l10n_fr_einvoice.demo_customer_eu").id)])
        self.assertEqual(eu.state, "posted")
        self.assertFalse(eu.einvoice_flow_ids or eu.einvoice_sandbox)
        # Three supplier Factur-X invoices became bills: approved, refused with its reason, paid (211).
        bills = flows.filtered(lambda f: f.flow_type == "SupplierInvoice").move_id.sorted("ref")
        self.assertEqual(len(bills), 3)
        self.assertEqual(set(bills.mapped("einvoice_sandbox")), {True})
        self.assertEqual(
            [self.statuses(bill) for bill in bills], [["204", "205"], ["204", "210"], ["204", "205", "211"]]
        )
        self.assertEqual(bills.mapped("state"), ["posted", "draft", "posted"])
        self.assertEqual(bills[2].payment_state, "paid")
        self.assertEqual(set(bills.mapped("partner_id.name")), {"Fournitures Lefèvre SAS"})
        # The sandbox holds our statuses as CDAR, the 212 with its cashed amount.
        sent = [entry for entry in sandbox._sandbox_state().flows.values() if entry["flow"]["flowSyntax"] == "CDAR"]
        by_status = {}
        for entry in sent:
            if entry["flow"]["flowDirection"] == "Out":
                message = parse_cdar(entry["content"])
                by_status.setdefault(message.status, []).append(message)
        self.assertEqual(sorted(by_status), ["204", "205", "210", "211", "212"])
        self.assertEqual(by_status["210"][0].details[0].reason_code, "CMD_ERR")
        self.assertEqual(by_status["212"][0].invoice_number, cashed.name)
        # The lifecycle dashboard counts them.
        stats = self.env["einvoice_lifecycle.stats"].search([("company_id", "=", company.id)])
        out = stats.filtered(lambda s: s.direction == "out")
        self.assertGreaterEqual(sum(out.mapped("invoice_count")), 3)
        self.assertGreaterEqual(sum(out.mapped("refused_count")), 1)
        self.assertGreaterEqual(sum(stats.filtered(lambda s: s.direction == "in").mapped("invoice_count")), 2)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestDemoSandboxOverHttp(DemoMixin, HttpCase):
    """The demo database's sandbox walked through real HTTP: an invoice sent, its status back, a
    supplier invoice received as a bill, our status sent."""

    def test_walk_the_demo_sandbox(self):
        company, sandbox = self.demo_sandbox()
        env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        flows_client = sandbox._clients()[0]
        self.assertNotIsInstance(
            flows_client.session.get_adapter(f"{flows_client.base_url}/v1/flows"), InProcessAdapter
        )
        Flow = env["einvoice.flow"]
        customer = env.ref("l10n_fr_einvoice.demo_customer_b2b")
        customer.invoice_edi_format = "fr_cii"  # a Factur-X needs wkhtmltopdf (tested on its own)
        invoice = (
            env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": env.ref("l10n_fr_einvoice.demo_product_maintenance").id,
                                "quantity": 1,
                                "price_unit": 450.0,
                                "tax_ids": [
                                    Command.set(
                                        env["account.chart.template"].with_company(company).ref("tva_normale").ids
                                    )
                                ],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        Flow._cron_send_flows()
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "sent", flow.error)
        stored = sandbox._sandbox_state().flows[flow.platform_flow_id]
        self.assertEqual(stored["flow"]["trackingId"], flow.tracking_id)
        Flow._cron_receive_flows()
        self.assertEqual(self.statuses(invoice), ["200", "201", "202", "203", "204", "205"])

        sandbox.with_company(company).action_sandbox_receive_supplier_invoice()
        Flow._cron_receive_flows()
        received = Flow.search(
            [("platform_id", "=", sandbox.id), ("flow_type", "=", "SupplierInvoice")], order="id desc", limit=1
        )
        bill = received.move_id
        self.assertEqual((bill.state, bill.einvoice_sandbox, bill.company_id), ("draft", True, company))
        self.assertTrue(bill.ref.endswith("-00004"), "after the demo's three")
        bill.action_post()
        bill.action_einvoice_approve()
        Flow._cron_send_flows()
        answers = [
            parse_cdar(entry["content"])
            for entry in sandbox._sandbox_state().flows.values()
            if entry["flow"]["flowType"] == "SupplierInvoiceLC"
        ]
        self.assertEqual(sorted(m.status for m in answers if m.invoice_number == bill.ref), ["204", "205"])
