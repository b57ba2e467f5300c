"""An approved platform, simulated on 127.0.0.1 for the tests: Flow and Directory services.

It follows the AFNOR XP Z12-013 OpenAPI files (``afnor-flow-service`` and
``afnor-directory-service`` 1.3.0) for what it serves: an OAuth2 client-credentials token
endpoint, flow submission (multipart ``flowInfo`` + ``file``), search, download,
webhooks, directory lines and the health check. It keeps the flows, produces incoming
flows (``deliver``), calls the subscribed webhooks, and fails on demand: ``fail(503)``,
``fail(429)``, ``fail("drop")`` (connection closed), ``fail("slow")`` (answers after the
client's timeout) and ``fail("garbage")`` (a malformed body), one per coming request.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class PlatformSimulator:
    def __init__(self, client_id="odoo", client_secret="s3cret", token_lifetime=3600, slow_seconds=3):
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.slow_seconds = slow_seconds
        self.flows = {}  # flowId -> {"flow": Flow object, "content": bytes}
        self.directory = {}  # addressing identifier -> directory line payload
        self.webhooks = {}  # webhookId -> WebhookParams + id
        self.requests = []  # (method, path) of every request
        self.webhook_calls = []
        self._failures = []
        self._tokens = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = None

    # --- life -------------------------------------------------------------------------------

    def __enter__(self):
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def tokens_issued(self):
        return len(self._tokens)

    @property
    def token_url(self):
        return f"{self.url}/token"

    def fail(self, *failures):
        """Answer the next requests with these failures, one each, before answering normally."""
        with self._lock:
            self._failures.extend(failures)

    # --- flows ------------------------------------------------------------------------------

    def _store(self, info, content, direction, flow_type):
        flow_id = str(uuid.uuid4())
        moment = _now()
        flow = {
            "flowId": flow_id,
            "submittedAt": moment,
            "updatedAt": moment,
            "name": info.get("name") or f"{flow_id}.xml",
            "flowSyntax": info.get("flowSyntax", "CII"),
            "flowProfile": info.get("flowProfile", "CIUS"),
            "processingRule": info.get("processingRule", "B2B"),
            "processingRuleSource": "Input" if info.get("processingRule") else "Computed",
            "flowDirection": direction,
            "flowType": flow_type,
            "sha256": hashlib.sha256(content).hexdigest(),
            "acknowledgement": {"status": "Ok"},
        }
        if info.get("trackingId"):
            flow["trackingId"] = info["trackingId"]
        with self._lock:
            self.flows[flow_id] = {"flow": flow, "content": content}
        self._notify(flow)
        return flow

    def deliver(self, content, name, syntax="CII", flow_type="SupplierInvoice", profile="CIUS"):
        """An incoming flow (an invoice or a status for the platform's client); returns its Flow."""
        info = {"name": name, "flowSyntax": syntax, "flowProfile": profile, "processingRule": "B2B"}
        return self._store(info, content, "In", flow_type)

    def _notify(self, flow):
        for webhook in list(self.webhooks.values()):
            if webhook.get("flowDirection") not in (None, flow["flowDirection"]):
                continue
            if webhook.get("flowTypes") and flow["flowType"] not in webhook["flowTypes"]:
                continue
            try:
                response = requests.post(
                    webhook["callbackUrl"], json={"flowId": flow["flowId"], "flowType": flow["flowType"]}, timeout=5
                )
                self.webhook_calls.append((webhook["callbackUrl"], flow["flowId"], response.status_code))
            except requests.RequestException as exc:
                self.webhook_calls.append((webhook["callbackUrl"], flow["flowId"], type(exc).__name__))

    def _search(self, params):
        where = params.get("where") or {}
        limit = int(params.get("limit") or 25)
        start = int(params.get("cursor") or 0)
        with self._lock:
            flows = sorted((f["flow"] for f in self.flows.values()), key=lambda f: (f["updatedAt"], f["flowId"]))
        for key, field in (
            ("flowDirection", "flowDirection"),
            ("flowType", "flowType"),
            ("processingRule", "processingRule"),
        ):
            if where.get(key):
                flows = [f for f in flows if f[field] in where[key]]
        if where.get("updatedAfter"):
            flows = [f for f in flows if f["updatedAt"] > where["updatedAfter"]]
        if where.get("trackingId"):
            flows = [f for f in flows if f.get("trackingId") == where["trackingId"]]
        page = flows[start : start + limit]
        answer = {"limit": limit, "filters": where, "results": page}
        if start + limit < len(flows):
            answer["nextCursor"] = str(start + limit)
        return answer

    # --- HTTP -------------------------------------------------------------------------------

    def _handler(self):
        return type("Handler", (_Handler,), {"simulator": self})


class _Handler(BaseHTTPRequestHandler):
    simulator = None  # set by PlatformSimulator
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, payload=None, content_type="application/json", raw=None, headers=()):
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
        self.send_response(status)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status, code, message):
        self._send(status, {"errorCode": code, "errorMessage": message})

    def _authorised(self):
        header = self.headers.get("Authorization") or ""
        return header.startswith("Bearer ") and header[7:] in self.simulator._tokens

    def _route(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.simulator.requests.append((method, self.path))
        if self.path == "/token" and method == "POST":
            return self._token()
        with self.simulator._lock:
            failure = self.simulator._failures.pop(0) if self.simulator._failures else None
        if failure == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        if failure == "slow":
            time.sleep(self.simulator.slow_seconds)
        elif failure == "garbage":
            return self._send(200, raw=b"{not json", content_type="application/json")
        elif failure:
            headers = [("Retry-After", "0")] if failure == 429 else []
            return self._send(failure, {"errorCode": "UNAVAILABLE", "errorMessage": "try again"}, headers=headers)
        if self.path == "/v1/healthcheck":
            return self._send(200)
        if not self._authorised():
            return self._error(401, "UNAUTHORIZED", "missing or invalid token")
        return self._api(method, body)

    def _token(self):
        expected = base64.b64encode(f"{self.simulator.client_id}:{self.simulator.client_secret}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            return self._error(401, "INVALID_CLIENT", "unknown client")
        token = uuid.uuid4().hex
        self.simulator._tokens.add(token)
        return self._send(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": self.simulator.token_lifetime}
        )

    def _api(self, method, body):
        path = self.path.split("?", 1)[0]
        if method == "POST" and path == "/v1/flows":
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode() + body
            )
            parts = (
                {
                    part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                    for part in message.iter_parts()
                }
                if message.is_multipart()
                else {}
            )
            if "flowInfo" not in parts or "file" not in parts:
                return self._error(400, "MISSING_REQUIRED_FIELD", "flowInfo and file are required")
            info = json.loads(parts["flowInfo"])
            missing = [key for key in ("name", "flowSyntax") if not info.get(key)]  # required by CoreFlowInfo
            if missing:
                return self._error(400, "MISSING_REQUIRED_FIELD", ", ".join(missing))
            if info.get("sha256") and info["sha256"] != hashlib.sha256(parts["file"]).hexdigest():
                return self._error(422, "INTEGRITY_ERROR", "sha256 does not match the file")
            flow = self.simulator._store(info, parts["file"], "Out", "CustomerInvoice")
            answer = {key: flow[key] for key in ("flowId", "submittedAt", "name", "flowSyntax", "sha256")}
            for key in ("trackingId", "flowProfile", "processingRule"):
                if key in flow:
                    answer[key] = flow[key]
            return self._send(202, answer)
        if method == "POST" and path == "/v1/flows/search":
            return self._send(200, self.simulator._search(json.loads(body or b"{}")))
        if method == "GET" and path.startswith("/v1/flows/"):
            stored = self.simulator.flows.get(path.rsplit("/", 1)[-1])
            if stored is None:
                return self._error(404, "NOT_FOUND", "no such flow")
            return self._send(
                200,
                raw=stored["content"],
                content_type="application/octet-stream",
                headers=[("Content-Disposition", f"attachment;filename={stored['flow']['name']}")],
            )
        if path == "/v1/webhooks" and method == "GET":
            hooks = list(self.simulator.webhooks.values())
            return self._send(
                200, {"count": len(hooks), "webhookIds": [h["webhookId"] for h in hooks], "webhooks": hooks}
            )
        if path == "/v1/webhooks" and method == "POST":
            params = json.loads(body or b"{}")
            webhook = {"webhookId": str(uuid.uuid4()), "createdAt": _now(), **params}
            self.simulator.webhooks[webhook["webhookId"]] = webhook
            return self._send(201, webhook)
        if path.startswith("/v1/webhooks/") and method == "DELETE":
            if self.simulator.webhooks.pop(path.rsplit("/", 1)[-1], None) is None:
                return self._error(404, "NOT_FOUND", "no such webhook")
            return self._send(204)
        if method == "GET" and path.startswith("/v1/directory-line/code:"):
            line = self.simulator.directory.get(path.split("code:", 1)[1])
            if line is None:
                return self._error(404, "NOT_FOUND", "no directory line")
            return self._send(200, line)
        return self._error(404, "NOT_FOUND", f"{method} {path}")

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_DELETE(self):
        self._route("DELETE")
