"""Two transactions send the same invoice at once: one deposit, whatever the order.

The other tests run in the test's single transaction; here two real database cursors, in
two threads, act on committed data as two users' requests would. The data is the demo
company's (committed at installation), with a connection of its own to a simulator for
the time of the test, all removed afterwards.
"""

import threading

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from einvoice.testing.chorus import ChorusProSimulator


@tagged("post_install_l10n", "post_install", "-at_install")
class TestConcurrentSends(TransactionCase):
    def environment(self, cr, company_id):
        if getattr(cr, "transaction", None) is None:
            # The registry as the test has it (looking it up by name waits for the lock the test runner holds).
            cr.transaction = api.Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, {"lang": "en_US", "allowed_company_ids": [company_id]})

    def cursor(self):
        """A cursor of its own connection, committed when its block ends, as a worker's (never the test's)."""
        return db_connect(self.env.cr.dbname).cursor()

    def committed(self, sim):
        """The invoice to send, committed: what both transactions see."""
        with self.cursor() as cr:
            env = self.environment(cr, self.env.ref("l10n_fr_einvoice.demo_company").id)
            company = env.ref("l10n_fr_einvoice.demo_company")
            city = env.ref("chorus_pro_connector.demo_public_architecture")
            sim.add_structure(company.siret.replace(" ", ""), company.name, public=False)
            sim.add_structure(city.siret, city.name, services=[("DIR-ARCHI", "Direction de l'architecture")])
            sandbox = env.ref("chorus_pro_connector.demo_account")
            sandbox.with_context(tracking_disable=True).active = False
            account = env["chorus.pro.account"].create(
                {
                    "name": "Chorus Pro (concurrency test)",
                    "company_id": company.id,
                    "api_url": sim.api_url,
                    "token_url": sim.token_url,
                    "piste_client_id": sim.client_id,
                    "piste_client_secret": sim.client_secret,
                    "technical_login": sim.login,
                    "technical_password": sim.password,
                    "environment": "qualification",
                    "syntax": "cii",
                    "auto_send": False,
                    "timeout": 10,
                }
            )
            journal = env["account.journal"].create(
                {"name": "Chorus Pro concurrency test", "code": "TCCP", "type": "sale", "company_id": company.id}
            )
            tax = env["account.chart.template"].with_company(company).ref("tva_normale_encaissement")
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "partner_id": city.id,
                    "l10n_fr_buyer_reference": "DIR-ARCHI",
                    "l10n_fr_purchase_order_ref": "EJ-2026-0045871",
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": env.ref("chorus_pro_connector.demo_product_design_mission").id,
                                "tax_ids": [(6, 0, tax.ids)],
                            },
                        )
                    ],
                }
            )
            move.action_post()
            self.assertFalse(move.chorus_state, "not queued: sent from the button")
            return company.id, account.id, journal.id, move.id

    def remove(self, company_id, account_id, journal_id, move_id):
        with self.cursor() as cr:
            env = self.environment(cr, company_id)
            move = env["account.move"].browse(move_id).exists()
            if move:
                move.button_draft()
                move.with_context(force_delete=True).unlink()
            env["chorus.pro.submission"].search([("account_id", "=", account_id)]).unlink()
            env["chorus.pro.account"].browse(account_id).unlink()
            env["account.journal"].browse(journal_id).unlink()
            env.ref("chorus_pro_connector.demo_account").with_context(tracking_disable=True).active = True

    def test_two_transactions_send_the_same_invoice_once(self):
        if not self.env.ref("chorus_pro_connector.demo_account", raise_if_not_found=False):
            self.skipTest("installed without demo data")
        with ChorusProSimulator() as sim:
            sim.deposit_delay = 0.5  # the first one is still waiting for Chorus Pro when the second acts
            company_id, account_id, journal_id, move_id = self.committed(sim)
            self.addCleanup(self.remove, company_id, account_id, journal_id, move_id)
            barrier = threading.Barrier(2, timeout=30)
            answers, failures = {}, []

            def send(index):
                try:
                    with self.cursor() as cr:
                        move = self.environment(cr, company_id)["account.move"].browse(move_id)
                        self.assertFalse(move.chorus_state)  # each transaction has read the invoice unsent
                        barrier.wait()
                        answers[index] = move._chorus_send_now()
                except Exception as exc:  # noqa: BLE001 - reported by the test thread below
                    failures.append(exc)

            threads = [threading.Thread(target=send, args=(index,)) for index in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            self.assertFalse([thread for thread in threads if thread.is_alive()], "a transaction waits forever")
            self.assertFalse(failures)
            deposit_calls = [r for r in sim.requests if r[1] == "/cpro/factures/v1/deposer/flux"]
            self.assertEqual(len(deposit_calls), 1, f"one deposit reached Chorus Pro: {answers}")
            self.assertEqual(len(sim.flows), 1)
        self.assertEqual(sorted(answers), [0, 1])
        refused = [answer for answer in answers.values() if answer]
        self.assertEqual(len(refused), 1, answers)
        self.assertRegex(refused[0], "being deposited on Chorus Pro by another user or job|already deposited")
        with self.cursor() as cr:
            env = self.environment(cr, company_id)
            submissions = env["chorus.pro.submission"].search([("account_id", "=", account_id)])
            self.assertEqual(len(submissions), 1, "one deposit in the database")
            move = env["account.move"].browse(move_id)
            self.assertEqual((move.chorus_state, move.chorus_submission_id), ("deposited", submissions))
            self.assertEqual(submissions.numero_flux, next(iter(sim.flows)))
            self.assertEqual(submissions.line_ids.move_id, move)
