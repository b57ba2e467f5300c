import threading
import time
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import PlatformCommon
from .test_demo import DemoMixin


@tagged("post_install_l10n", "post_install", "-at_install")
class TestOneLiveFlow(PlatformCommon):
    def test_the_database_refuses_a_second_live_flow_of_an_invoice(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "queued")
        # Whatever path tries it (no lock, no check), a second live flow does not get in.
        with mute_logger("odoo.sql_db"), self.assertRaisesRegex(UserError, "already sent or queued"):
            self.env["einvoice.flow"]._queue(self.platform, "CustomerInvoice", invoice, syntax="CII")
        # Once the first one stopped in error, a new one may be queued; its retry is then refused.
        flow.write({"state": "error", "error": "stopped"})
        invoice.action_einvoice_send_to_platform()
        self.assertEqual(len(invoice.einvoice_flow_ids), 2)
        with mute_logger("odoo.sql_db"), self.assertRaisesRegex(UserError, "another flow of"):
            flow.action_retry()
        self.assertEqual(flow.state, "error")


@tagged("post_install_l10n", "post_install", "-at_install")
class TestTwoConcurrentSends(DemoMixin, TransactionCase):
    """Two users click "Send to platform" on one invoice at the same moment, each in a database
    transaction of their own: one flow is queued, one submission reaches the platform.

    The invoice must exist for both transactions: it is committed on the demo company (its
    sandbox is the platform), and everything this test commits is removed afterwards."""

    def test_two_concurrent_sends_make_one_flow_and_one_submission(self):
        company, sandbox = self.demo_sandbox()
        registry = self.registry
        context = {"allowed_company_ids": company.ids, "tracking_disable": True}
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            last_trigger = cr.fetchone()[0]
            partner = env.ref("l10n_fr_einvoice.demo_customer_b2b")
            edi_format = partner.invoice_edi_format
            state = env["einvoice.sandbox.state"].search([("platform_id", "=", sandbox.id)]).state
            partner.invoice_edi_format = "fr_cii"  # a Factur-X needs wkhtmltopdf (tested on its own)
            tax = env["account.chart.template"].with_company(company).ref("tva_normale")
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": env.ref("l10n_fr_einvoice.demo_product_maintenance").id,
                                "quantity": 1,
                                "price_unit": 450.0,
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            # Its first sending stopped in error: "Send to platform" is offered again.
            move.einvoice_flow_ids.write({"state": "error", "error": "stopped"})
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._purge, move.id, partner.id, edi_format, sandbox.id, state, last_trigger)

        first_sent, second_trying = threading.Event(), threading.Event()
        outcomes = {}

        def send(name, wait=None, signal=None):
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, context)
                    if wait:
                        wait.wait(30)
                        second_trying.set()
                    env["account.move"].browse(move.id).action_einvoice_send_to_platform()
                    if signal:
                        signal.set()
                        second_trying.wait(30)
                        time.sleep(0.5)  # the second one is now waiting on the invoice's row
                    outcomes[name] = "queued"
            except (UserError, pg_errors.SerializationFailure) as exc:
                outcomes[name] = exc

        threads = [
            threading.Thread(target=send, args=("first",), kwargs={"signal": first_sent}),
            threading.Thread(target=send, args=("second",), kwargs={"wait": first_sent}),
        ]
        # The test runner holds the registry's lock, which every new environment takes: the two
        # users' threads go without it, as Odoo's own HTTP tests do (Registry.enter_test_mode).
        with patch.object(Registry, "_lock", DummyRLock()):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        self.assertFalse(any(thread.is_alive() for thread in threads), "nobody waits for ever")
        self.assertEqual(outcomes["first"], "queued")
        second = outcomes["second"]
        # It waited for the first, then failed: on a serialization error Odoo runs the call again.
        self.assertIsInstance(second, (pg_errors.SerializationFailure, UserError))
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            flows = env["account.move"].browse(move.id).einvoice_flow_ids
            self.assertEqual(sorted(flows.mapped("state")), ["error", "queued"], "one new flow")
            # The second call run again sees the flow.
            with self.assertRaisesRegex(UserError, "already sent or queued"):
                env["account.move"].browse(move.id).action_einvoice_send_to_platform()
            env["einvoice.flow"]._cron_send_flows()
            live = flows.filtered(lambda f: f.state != "error")
            self.assertEqual(live.state, "sent", live.error)
            submitted = [
                entry["flow"]
                for entry in sandbox.with_env(env)._sandbox_state().flows.values()
                if entry["flow"]["flowDirection"] == "Out"
                and entry["flow"].get("trackingId") in flows.mapped("tracking_id")
            ]
            self.assertEqual([flow["trackingId"] for flow in submitted], [live.tracking_id], "one submission")
            cr.commit()  # pylint: disable=invalid-commit

    def _purge(self, move_id, partner_id, edi_format, sandbox_id, state, last_trigger):
        """Remove what this test committed: the invoice and all that hangs on it, the sandbox's flows."""
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM einvoice_flow WHERE move_id = %s", [move_id])
            cr.execute("DELETE FROM ir_attachment WHERE res_model = 'account.move' AND res_id = %s", [move_id])
            cr.execute("DELETE FROM mail_message WHERE model = 'account.move' AND res_id = %s", [move_id])
            cr.execute("DELETE FROM mail_followers WHERE res_model = 'account.move' AND res_id = %s", [move_id])
            cr.execute("DELETE FROM mail_activity WHERE res_model = 'account.move' AND res_id = %s", [move_id])
            cr.execute("DELETE FROM account_move WHERE id = %s", [move_id])
            api.Environment(cr, SUPERUSER_ID, {})["res.partner"].browse(partner_id).invoice_edi_format = edi_format
            cr.execute("UPDATE einvoice_sandbox_state SET state = %s WHERE platform_id = %s", [state, sandbox_id])
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [last_trigger])
            cr.commit()  # pylint: disable=invalid-commit
