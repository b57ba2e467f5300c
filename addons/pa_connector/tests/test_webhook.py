import json
import time

from odoo.tests import HttpCase, tagged

from einvoice.platform import signature

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestWebhook(PlatformCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.fast(self.buyer_platform)
        self.buyer_platform.action_subscribe_webhook()
        self.cron = self.env.ref("pa_connector.cron_receive_flows")

    def post(self, body, headers):
        return self.url_open(
            f"/einvoice/platform/{self.buyer_platform.id}/webhook",
            data=body,
            headers={"Content-Type": "application/json", **headers},
        )

    def triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def test_signed_announcement_triggers_receiving(self):
        self.assertTrue(self.buyer_platform.webhook_id)
        before = self.triggers()
        self.env.flush_all()  # the platform calls from another thread: the subscription must be in the database
        remote = self.pa_buyer.deliver(b"<x/>", "x.xml")
        self.assertEqual(self.pa_buyer.webhook_calls[-1][1:], (remote["flowId"], 200))
        self.assertEqual(self.triggers(), before + 1)

    def test_calls_without_valid_credentials_are_refused(self):
        before = self.triggers()
        body = json.dumps({"flowId": "f-1"}).encode()
        now = int(time.time())
        key = self.buyer_platform.sudo().webhook_signing_key
        wrong_key = "a2V5LW9mLWFub3RoZXItd2ViaG9vay0zMi1ieXRlcyE="
        for headers in (
            {},
            {"Afnor-Signature-Timestamp": str(now)},
            {"Afnor-Signature": signature(wrong_key, body, now), "Afnor-Signature-Timestamp": str(now)},
            {"Afnor-Signature": signature(key, body, now - 3600), "Afnor-Signature-Timestamp": str(now - 3600)},
            {"Afnor-Signature": signature(key, body + b" ", now), "Afnor-Signature-Timestamp": str(now)},
        ):
            with self.assertLogs("odoo.addons.pa_connector.controllers.main", "WARNING"):
                response = self.post(body, headers)
            self.assertEqual(response.status_code, 401, headers)
            self.assertEqual(response.json()["errorCode"], "UNAUTHORIZED")
        self.assertEqual(self.triggers(), before, "a refused call changes nothing")
        response = self.post(
            body, {"Afnor-Signature": signature(key, body, now), "Afnor-Signature-Timestamp": str(now)}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.triggers(), before + 1)
        # Another platform's id, or an archived platform, has no valid key.
        self.buyer_platform.active = False
        with self.assertLogs("odoo.addons.pa_connector.controllers.main", "WARNING"):
            response = self.post(
                body, {"Afnor-Signature": signature(key, body, now), "Afnor-Signature-Timestamp": str(now)}
            )
        self.assertEqual(response.status_code, 401)

    def test_an_oversized_call_is_refused_before_it_is_read(self):
        response = self.post(b"{" + b" " * (1024 * 1024 + 1) + b"}", {})
        self.assertEqual(response.status_code, 413)
