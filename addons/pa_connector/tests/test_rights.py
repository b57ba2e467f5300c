from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestRights(PlatformCommon):
    """Who may point the connector somewhere, and who may make it act."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        companies = cls.company | cls.buyer_company

        def user(login, *groups):
            return cls.env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "company_id": cls.company.id,
                    "company_ids": [Command.set(companies.ids)],
                    "groups_id": [Command.set([cls.env.ref(group).id for group in groups])],
                }
            )

        cls.manager = user("pa-manager", "account.group_account_manager")
        cls.clerk = user("pa-clerk", "account.group_account_invoice")
        cls.reader = user("pa-reader", "base.group_user", "account.group_account_readonly")

    def test_a_manager_cannot_point_the_platform_elsewhere(self):
        platform = self.platform.with_user(self.manager)
        for values in (
            {"flow_url": "http://attacker.example"},
            {"token_url": "http://attacker.example/token"},
            {"directory_url": "http://attacker.example"},
            {"environment": "production"},
            {"auth_method": "token"},
            {"scope": "all"},
        ):
            with self.assertRaisesRegex(AccessError, "Only system administrators"):
                platform.write(values)
        self.assertEqual(self.platform.flow_url, self.pa.url)
        self.assertFalse(platform.can_edit_connection)
        # What is not the connection stays theirs.
        platform.write({"batch_size": 20, "timeout": 7, "name": "PA vendeur"})
        self.assertEqual(self.platform.batch_size, 20)
        # A real platform is set up by an administrator; a manager may try the sandbox.
        with self.assertRaisesRegex(AccessError, "Only system administrators can connect a real platform"):
            self.env["einvoice.platform"].with_user(self.manager).create(
                {"name": "Autre", "company_id": self.company.id, "flow_url": "http://attacker.example"}
            )

    def test_an_administrator_moving_an_endpoint_wipes_the_secrets(self):
        self.platform.write({"webhook_signing_key": "a2V5", "webhook_id": "W-1", "connection_state": "ok"})
        self.assertTrue(self.platform.can_edit_connection)
        self.platform.write({"flow_url": "https://pa.example.fr/flow"})
        self.assertEqual(
            (self.platform.client_secret, self.platform.webhook_signing_key, self.platform.webhook_id),
            (False, False, False),
        )
        self.assertEqual(self.platform.connection_state, "unknown")
        self.assertEqual(self.platform.client_id, "seller", "not a secret: kept")
        # Nothing is sent to the new address without credentials given for it.
        tokens = self.pa.tokens_issued
        self.assertEqual(self.platform.action_test_connection()["params"]["type"], "danger")
        self.assertEqual(self.pa.tokens_issued, tokens)
        # The same address written again wipes nothing; a new address with its secret keeps the new one.
        self.platform.write({"flow_url": self.pa.url, "client_secret": "seller-secret", "access_token": "T"})
        self.platform.write({"flow_url": self.pa.url})
        self.assertEqual((self.platform.client_secret, self.platform.access_token), ("seller-secret", "T"))
        self.platform.write(
            {
                "environment": "production",
                "flow_url": "https://pa.example.fr",
                "directory_url": False,
                "token_url": False,
            }
        )
        self.assertFalse(self.platform.client_secret or self.platform.access_token)

    def test_a_read_only_user_cannot_send_again_nor_process_again(self):
        self.fast(self.platform)
        self.pa.hold_submissions = True
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.send_all()
        flow = invoice.einvoice_flow_ids
        flow.write({"state": "error", "error": "stopped"})
        incoming = (
            self.env["einvoice.flow"]
            .sudo()
            .create(
                {
                    "name": "broken.xml",
                    "platform_id": self.platform.id,
                    "direction": "in",
                    "flow_type": "SupplierInvoice",
                    "state": "error",
                    "platform_flow_id": "X-1",
                }
            )
        )
        self.assertEqual(flow.with_user(self.reader).read(["state"])[0]["state"], "error", "the reader sees it")
        with self.assertRaises(AccessError):
            flow.with_user(self.reader).action_retry()
        with self.assertRaises(AccessError):
            incoming.with_user(self.reader).action_process_again()
        with self.assertRaises(AccessError):
            invoice.with_user(self.reader).action_einvoice_send_to_platform()
        self.assertEqual((flow.state, incoming.state), ("error", "error"), "nothing moved")
        self.assertEqual(len(self.pa.submissions()), 1)
        # An invoicing user may send their invoice again.
        flow.with_user(self.clerk).action_retry()
        self.assertEqual(flow.state, "queued")

    def test_buttons_check_their_rights(self):
        with self.assertRaises(AccessError):
            self.platform.with_user(self.clerk).action_test_connection()
        with self.assertRaises(AccessError):
            self.platform.with_user(self.clerk).action_subscribe_webhook()
        with self.assertRaises(AccessError):
            self.customer.with_user(self.reader).action_einvoice_directory_check()
        self.fast(self.platform)
        self.assertEqual(self.platform.with_user(self.manager).action_test_connection()["params"]["type"], "success")
