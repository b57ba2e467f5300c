import json
import logging

from odoo import http
from odoo.http import request

from einvoice.platform import verify

from ..models.einvoice_sandbox import MAX_SANDBOX_BODY, SANDBOX_PREFIX

_logger = logging.getLogger(__name__)

#: A webhook call carries one Flow object (a few kB); anything far bigger is not one.
MAX_WEBHOOK_BODY = 1024 * 1024
#: Headers of the sandbox's answer that belong to its own connection, not to the answer.
HOP_BY_HOP = frozenset(["connection", "content-length", "date", "keep-alive", "server", "transfer-encoding"])


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


class SandboxPlatform(http.Controller):
    @http.route(
        f"{SANDBOX_PREFIX}/<int:platform_id>/<path:subpath>",
        type="http",
        auth="none",
        methods=["GET", "POST", "DELETE"],
        csrf=False,
        save_session=False,
        readonly=False,
        max_content_length=MAX_SANDBOX_BODY,
    )
    def sandbox(self, platform_id, subpath, **kwargs):
        """The sandbox platform this Odoo serves: the AFNOR Flow and Directory APIs and the token endpoint.

        The caller has no Odoo session: its OAuth2 client credentials, then the token they give,
        are checked by the sandbox itself (``einvoice.testing.platform.SandboxPlatform``). The body
        was read before Odoo parsed its form fields (``ir.http._pre_dispatch``), where a body over
        35 MB is refused (413).
        """
        env = request.env(su=True)
        platform = env["einvoice.platform"].browse(platform_id).exists()
        if not platform or not platform.active or platform.environment != "sandbox":
            return PlatformWebhook._answer(404, "NOT_FOUND", "no sandbox here")
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_SANDBOX_BODY:
            return PlatformWebhook._answer(413, "BODY_SIZE", "the sandbox takes requests of at most 35 MB")
        body = httprequest.get_data(cache=True, parse_form_data=False)
        query = httprequest.query_string.decode("latin-1")
        target = f"/{subpath}" + (f"?{query}" if query else "")
        method, headers = httprequest.method, list(httprequest.headers.items())
        # In this request's transaction: the sandbox's state is committed with the answer.
        status, answer_headers, content = platform._sandbox_run(
            lambda simulator: simulator.handle(method, target, headers, body), same_transaction=True
        )
        return request.make_response(
            content,
            headers=[(name, value) for name, value in answer_headers if name.lower() not in HOP_BY_HOP],
            status=status,
        )
