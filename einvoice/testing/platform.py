"""An approved platform, simulated on 127.0.0.1 for the tests: Flow and Directory services.

It follows the AFNOR XP Z12-013 OpenAPI files (``afnor-flow-service`` and
``afnor-directory-service`` 1.3.0) for what it serves: an OAuth2 client-credentials token
endpoint, flow submission (multipart ``flowInfo`` + ``file``), search, download,
webhooks, directory lines and the health check. It keeps the flows, produces incoming
flows (``deliver``), calls the subscribed webhooks with the signed ``Flow`` payload of the
callback (``Afnor-Signature`` / ``Afnor-Signature-Timestamp``), answers the directory
(legal units, facilities, directory lines, see ``register``), and fails on demand
(``fail``, ``fail_every``: see :mod:`einvoice.testing.server`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from .server import SimulatedService, SimulatorHandler


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class PlatformSimulator(SimulatedService):
    state_attributes = ("flows", "directory", "legal_units", "facilities", "routing_codes", "webhooks", "_tokens")

    def __init__(
        self, client_id="odoo", client_secret="s3cret", token_lifetime=3600, slow_seconds=3, submit_delay=0, listen=True
    ):
        super().__init__(slow_seconds=slow_seconds, listen=listen)
        self.submit_delay = submit_delay  # seconds each submission takes after it is stored (crash tests)
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.flows = {}  # flowId -> {"flow": Flow object, "content": bytes}
        self.directory = {}  # addressing identifier -> directory line payload
        self.legal_units = {}  # SIREN -> legalUnitPayloadHistory
        self.facilities = {}  # SIRET -> facilityPayloadHistory
        self.routing_codes = {}  # (SIRET, routing identifier) -> routing code payload
        self.webhooks = {}  # webhookId -> WebhookParams + id
        self.webhook_calls = []
        self._tokens = set()

    @property
    def tokens_issued(self):
        return len(self._tokens)

    @property
    def token_url(self):
        return f"{self.url}/token"

    def reset(self):
        """Forget flows, webhooks, requests and pending failures (the directory stays)."""
        with self._lock:
            self.flows.clear()
            self.webhooks.clear()
            self.webhook_calls.clear()
            self.requests.clear()
        self._clear_failures()

    # --- directory --------------------------------------------------------------------------

    def register(self, siren, name, siret=None, routing_code=None, status="Enabled", entity_type=None, platform="WK"):
        """A company in the directory, with one directory line (SIREN, SIRET or routing-code level)."""
        unit = {
            "siren": siren,
            "businessName": name,
            "entityType": entity_type or "PrivateVatRegistered",
            "administrativeStatus": "A",
        }
        self.legal_units[siren] = unit
        address = siren
        line = {"addressingIdentifier": siren, "siren": siren, "directoryLineStatus": status, "platformType": platform}
        if siret:
            self.facilities[siret] = {
                "siret": siret,
                "siren": siren,
                "name": name,
                "facilityType": "P",
                "administrativeStatus": "A",
                "legalUnit": dict(unit),
            }
            address = line["addressingIdentifier"] = f"{siren}_{siret}"
            line["siret"] = siret
        if routing_code:
            address = line["addressingIdentifier"] = f"{address}_{routing_code}"
            line["routingIdentifier"] = routing_code
            self.routing_codes[(siret, routing_code)] = {
                "routingIdentifier": routing_code,
                "siret": siret,
                "routingIdentifierType": "0224",
                "routingCodeName": f"{name} - {routing_code}",
                "administrativeStatus": "A",
                "legalUnit": dict(unit),
            }
        self.directory[address] = line
        return line

    @staticmethod
    def _matches(record, filters):
        for key, criterion in filters.items():
            if not isinstance(criterion, dict) or "value" not in criterion:
                continue
            value, op, actual = str(criterion["value"]), criterion.get("op", "strict"), str(record.get(key) or "")
            if op == "contains" and value.lower() not in actual.lower():
                return False
            if op == "startWith" and not actual.lower().startswith(value.lower()):
                return False
            if op == "strict" and actual != value:
                return False
        return True

    def _search_registry(self, records, params):
        found = [r for r in records if self._matches(r, params.get("filters") or {})]
        ignore, limit = int(params.get("ignore") or 0), int(params.get("limit") or 50)
        return {"search": params, "totalNumberOfResults": len(found), "results": found[ignore : ignore + limit]}

    def _search_lines(self, params):
        filters = params.get("filters") or {}
        lines = sorted(self.directory.values(), key=lambda line: line["addressingIdentifier"])
        for key in ("siren", "siret", "routingIdentifier", "addressingIdentifier"):
            criterion = filters.get(key)
            if not criterion:
                continue
            value, op = criterion.get("value"), criterion.get("op", "strict")
            if op == "contains":
                lines = [line for line in lines if value in (line.get(key) or "")]
            else:
                lines = [line for line in lines if line.get(key) == value]
        ignore, limit = int(params.get("ignore") or 0), int(params.get("limit") or 50)
        results = []
        for line in lines[ignore : ignore + limit]:
            line = dict(line)
            if "siren" in (params.get("include") or []) and line["siren"] in self.legal_units:
                line["legalUnit"] = self.legal_units[line["siren"]]
            results.append(line)
        return {"search": params, "totalNumberOfResults": len(lines), "results": results}

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

    def acknowledge(self, flow_id, status, reason_code="REJ_SEMAN", reason="rejected"):
        """Change a flow's acknowledgement (``Error`` with a detail, or ``Ok``), as the platform's checks do."""
        with self._lock:
            flow = self.flows[flow_id]["flow"]
            flow["acknowledgement"] = {"status": status}
            if status == "Error":
                flow["acknowledgement"]["details"] = [
                    {"level": "Error", "item": flow["name"], "reasonCode": reason_code, "reasonMessage": reason}
                ]
            flow["updatedAt"] = _now()
        self._notify(flow)
        return flow

    @staticmethod
    def signature(signing_key, payload, timestamp):
        """Afnor-Signature: HMAC-SHA-256, with the webhook's key, of the SHA-256 fingerprint of
        ``payload@timestamp`` (the fingerprint written in lowercase hexadecimal, like FlowInfo's sha256)."""
        fingerprint = hashlib.sha256(payload + b"@" + str(timestamp).encode()).hexdigest()
        digest = hmac.new(base64.b64decode(signing_key), fingerprint.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def _notify(self, flow):
        for webhook in list(self.webhooks.values()):
            if webhook.get("flowDirection") not in (None, flow["flowDirection"]):
                continue
            if webhook.get("flowTypes") and flow["flowType"] not in webhook["flowTypes"]:
                continue
            payload = json.dumps(flow).encode()
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "Afnor-Signature": self.signature(webhook["signingKey"], payload, timestamp),
                "Afnor-Signature-Timestamp": str(timestamp),
            }
            try:
                response = requests.post(webhook["callbackUrl"], data=payload, headers=headers, timeout=30)
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
        if where.get("ackStatus"):
            flows = [f for f in flows if f["acknowledgement"]["status"] == where["ackStatus"]]
        if where.get("trackingId"):
            flows = [f for f in flows if f.get("trackingId") == where["trackingId"]]
        page = flows[start : start + limit]
        answer = {"limit": limit, "filters": where, "results": page}
        if start + limit < len(flows):
            answer["nextCursor"] = str(start + limit)
        return answer


class _Handler(SimulatorHandler):
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
        success = 202 if (method, self.path) == ("POST", "/v1/flows") else 200
        if self._fail(lambda status: {"errorCode": "UNAVAILABLE", "errorMessage": "try again"}, success):
            return None
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
            if self.simulator.submit_delay:
                time.sleep(self.simulator.submit_delay)
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
            query = parse_qs(urlsplit(self.path).query)
            if query.get("docType", ["Metadata"])[0] == "Metadata":
                return self._send(200, stored["flow"])
            return self._send(
                200,
                raw=stored["content"],
                content_type="application/octet-stream",
                headers=[("Content-Disposition", f"attachment;filename={stored['flow']['name']}")],
            )
        if path == "/v1/webhooks" and method == "GET":
            # The signing key is given once, at creation.
            hooks = [
                {key: value for key, value in hook.items() if key != "signingKey"}
                for hook in self.simulator.webhooks.values()
            ]
            return self._send(
                200, {"count": len(hooks), "webhookIds": [h["webhookId"] for h in hooks], "webhooks": hooks}
            )
        if path == "/v1/webhooks" and method == "POST":
            params = json.loads(body or b"{}")
            if not params.get("callbackUrl"):
                return self._error(400, "MISSING_REQUIRED_FIELD", "callbackUrl")
            webhook = {
                "webhookId": str(uuid.uuid4()),
                "signingKey": base64.b64encode(secrets.token_bytes(32)).decode(),
                "createdAt": _now(),
                **params,
            }
            self.simulator.webhooks[webhook["webhookId"]] = webhook
            return self._send(201, {key: webhook[key] for key in ("webhookId", "signingKey", "createdAt")})
        if path.startswith("/v1/webhooks/") and method == "DELETE":
            if self.simulator.webhooks.pop(path.rsplit("/", 1)[-1], None) is None:
                return self._error(404, "NOT_FOUND", "no such webhook")
            return self._send(204)
        if method == "GET" and path.startswith("/v1/siren/code-insee:"):
            unit = self.simulator.legal_units.get(unquote(path.split("code-insee:", 1)[1]))
            return self._send(200, unit) if unit else self._error(404, "NOT_FOUND", "no legal unit")
        if method == "GET" and path.startswith("/v1/siret/code-insee:"):
            facility = self.simulator.facilities.get(unquote(path.split("code-insee:", 1)[1]))
            return self._send(200, facility) if facility else self._error(404, "NOT_FOUND", "no facility")
        if method == "POST" and path == "/v1/siren/search":
            units = sorted(self.simulator.legal_units.values(), key=lambda unit: unit["siren"])
            return self._send(200, self.simulator._search_registry(units, json.loads(body or b"{}")))
        if method == "POST" and path == "/v1/siret/search":
            facilities = sorted(self.simulator.facilities.values(), key=lambda facility: facility["siret"])
            return self._send(200, self.simulator._search_registry(facilities, json.loads(body or b"{}")))
        if method == "GET" and path.startswith("/v1/routing-code/siret:"):
            siret, _sep, code = unquote(path[len("/v1/routing-code/siret:") :]).partition("/code:")
            routing = self.simulator.routing_codes.get((siret, code))
            return self._send(200, routing) if routing else self._error(404, "NOT_FOUND", "no routing code")
        if method == "POST" and path == "/v1/directory-line/search":
            return self._send(200, self.simulator._search_lines(json.loads(body or b"{}")))
        if method == "GET" and path.startswith("/v1/directory-line/code:"):
            line = self.simulator.directory.get(unquote(path.split("code:", 1)[1]))
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


PlatformSimulator.handler_class = _Handler
