import json
import logging

from odoo import http
from odoo.http import request

from einvoice.platform import verify

_logger = logging.getLogger(__name__)

#: A webhook call carries one Flow object (a few kB); anything far bigger is not one.
MAX_WEBHOOK_BODY = 1024 * 1024


class PlatformWebhook(http.Controller):
    @http.route(
        "/einvoice/platform/<int:platform_id>/webhook",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def webhook(self, platform_id, **kwargs):
        """An approved platform announces a flow: checked by its signature, then fetched by the receiving cron.

        The caller has no Odoo session; the HMAC signature with the key the platform gave us
        at subscription is its credential (AFNOR Flow Service, createWebhook).
        """
        length = request.httprequest.content_length
        if length is None or length > MAX_WEBHOOK_BODY:
            return self._answer(413 if length else 411, "BODY_SIZE", "a body of at most 1 MB is expected")
        body = request.httprequest.get_data(cache=False)
        env = request.env(su=True)
        platform = env["einvoice.platform"].browse(platform_id).exists()
        key = platform.webhook_signing_key if platform and platform.active else None
        headers = request.httprequest.headers
        ok, reason = verify(key, body, headers.get("Afnor-Signature"), headers.get("Afnor-Signature-Timestamp"))
        if not ok:
            _logger.warning("Webhook call for platform %s refused: %s", platform_id, reason)
            return self._answer(401, "UNAUTHORIZED", "invalid or missing signature")
        try:
            flow = json.loads(body)
        except ValueError:
            return self._answer(400, "INVALID_BODY", "a Flow object in JSON is expected")
        if not isinstance(flow, dict) or not flow.get("flowId"):
            return self._answer(400, "INVALID_BODY", "flowId is missing")
        env.ref("pa_connector.cron_receive_flows")._trigger()
        return request.make_response("", status=200)

    @staticmethod
    def _answer(status, code, message):
        return request.make_json_response({"errorCode": code, "errorMessage": message}, status=status)
