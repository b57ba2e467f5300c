import base64
import datetime
import logging

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ChorusCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSecurity(ChorusCommon):
    def secrets(self):
        sim = self.sim
        account = base64.b64encode(f"{sim.login}:{sim.password}".encode()).decode()
        return [sim.client_secret, sim.password, account]

    def test_secrets_are_for_system_administrators_only(self):
        accountant = self.env["res.users"].create(
            {
                "name": "Comptable",
                "login": "comptable-chorus",
                "email": "comptable@atelier-dupont.example.fr",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("account.group_account_manager").id])],
            }
        )
        account = self.account.with_user(accountant)
        self.assertEqual(account.read(["syntax"])[0]["syntax"], "cii", "the settings are readable")
        for field in ("piste_client_secret", "technical_password", "piste_client_id", "technical_login"):
            with self.assertRaises(AccessError):
                account.read([field])
        with self.assertRaises(AccessError):
            account.write({"syntax": "ubl"})
        # An accountant still sends and reads statuses: the jobs use the secrets, not the user.
        invoice = self.public_invoice().with_user(accountant)
        invoice.action_chorus_send()
        self.assertEqual(invoice.chorus_state, "deposited")

    def test_other_companies_do_not_see_the_connection(self):
        other = self.env["res.users"].create(
            {
                "name": "Acheteur",
                "login": "acheteur-chorus",
                "company_id": self.buyer_company.id,
                "company_ids": [(6, 0, self.buyer_company.ids)],
                "groups_id": [(6, 0, [self.env.ref("account.group_account_manager").id])],
            }
        )
        self.assertFalse(self.env["chorus.pro.account"].with_user(other).search([]))
        self.public_invoice()
        self.send_all()
        self.assertFalse(self.env["chorus.pro.submission"].with_user(other).search([]))
        self.assertTrue(self.env["chorus.pro.submission"].search([]))

    def test_credentials_never_in_logs_nor_messages(self):
        with self.assertLogs(level=logging.DEBUG) as logs:
            invoice = self.public_invoice()
            self.send_all()
            self.poll()
            self.sim.advance(int(invoice.chorus_invoice_id), "SUSPENDUE", "RIB manquant")
            self.poll()
            self.sim.revoke_tokens()
            self.public_customer.action_chorus_sync()
            self.sim.fail(503, 503)
            self.public_invoice()
            self.env["chorus.pro.submission"]._cron_send()
            # Wrong password: the connection test fails and says why, without the password.
            self.account.technical_password = "wr0ng-Pa55word!"
            self.fast()
            answer = self.account.action_test_connection()
            self.env["chorus.pro.submission"]._cron_send()
        self.assertEqual(answer["params"]["type"], "danger")
        self.assertIn("technical account", answer["params"]["message"])
        # odoo.sql_db logs every query with its parameters at DEBUG level: that core switch
        # (--log-level=debug_sql) shows whatever the database holds and is never on in production.
        records = [record for record in logs.records if record.name != "odoo.sql_db"]
        logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''} {record.args!r}" for record in records)
        self.assertTrue(any(record.name.startswith("einvoice") for record in records))
        texts = [
            logged,
            self.account.connection_message or "",
            "\n".join(self.env["chorus.pro.submission"].search([]).mapped(lambda s: s.error or "")),
            "\n".join(self.env["account.move"].search([]).mapped(lambda m: m.chorus_error or "")),
            "\n".join(self.env["mail.message"].search([]).mapped("body")),
            repr(self.account._client()),
        ]
        for secret in [*self.secrets(), "wr0ng-Pa55word!"]:
            for text in texts:
                self.assertNotIn(secret, text)

    def test_password_expiry_reminder(self):
        today = fields.Date.context_today(self.account)
        self.account.password_expiry_date = today + datetime.timedelta(days=60)
        self.env["chorus.pro.account"]._cron_expiry_reminder()
        self.assertFalse(self.account.activity_ids, "not yet")
        self.account.password_expiry_date = today + datetime.timedelta(days=20)
        self.env["chorus.pro.account"]._cron_expiry_reminder()
        self.env["chorus.pro.account"]._cron_expiry_reminder()
        activity = self.account.activity_ids
        self.assertEqual(len(activity), 1, "reminded once")
        self.assertIn("renew", activity.summary)
        self.assertEqual(activity.date_deadline, today + datetime.timedelta(days=13))

    def test_connection_test(self):
        answer = self.account.action_test_connection()
        self.assertEqual(answer["params"]["type"], "success")
        self.assertEqual(self.account.connection_state, "ok")
        self.assertIn("Atelier Dupont", self.account.connection_message)
