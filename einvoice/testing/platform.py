"""An approved platform, simulated on 127.0.0.1 for the tests: Flow and Directory services.

It follows the AFNOR XP Z12-013 OpenAPI files (``afnor-flow-service`` and
``afnor-directory-service`` 1.3.0) for what it serves: an OAuth2 client-credentials token
endpoint, flow submission (multipart ``flowInfo`` + ``file``), search, download,
webhooks, directory lines and the health check. It keeps the flows, produces incoming
flows (``deliver``), calls the subscribed webhooks with the signed ``Flow`` payload of the
callback (``Afnor-Signature`` / ``Afnor-Signature-Timestamp``), answers the directory
(legal units, facilities, directory lines, see ``register``), and fails on demand
(``fail``, ``fail_every``: see :mod:`einvoice.testing.server`; ``script``: an answer of
one's choosing, before or after the request takes effect; ``corrupt``: a flow described
without some of its fields, as a faulty platform would).

As a real platform does, it gives its own lifecycle statuses on the invoices it is sent:
once an invoice passes its checks, a 200 (Déposée) status message arrives as an incoming
``CustomerInvoiceLC`` flow; when they fail (``acknowledge(..., "Error")``), a 213 (Rejetée).
The checks pass at once unless ``hold_submissions`` is set: the flows then wait
(acknowledgement ``Pending``) for the test to ``acknowledge`` them.

:class:`SandboxPlatform` is the same platform made to be served by an application on its
own routes, for its users to try every flow: it reads the invoices it is sent and answers
with the statuses of their buyer, delivers supplier invoices, and keeps its state as JSON.
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
from decimal import Decimal
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from .. import calc
from ..api import build, load
from ..cdar import CdarParty, StatusDetail, StatusMessage, build_cdar, parse_cdar
from ..ereporting import parse_report
from ..errors import EInvoiceError
from ..lifecycle import REQUESTED_ACTIONS, STATUSES, Phase
from ..model import (
    Address,
    Contact,
    CreditTransfer,
    Identifier,
    Invoice,
    Item,
    Line,
    Party,
    PaymentInstructions,
    Period,
    Price,
    french_electronic_address,
)
from ..profiles import Profile
from ..validation import validate
from .cases import notes
from .server import SimulatedService, SimulatorHandler


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: BT-3 codes of self-billed documents (G1.01): the buyer issues them, in the seller's name.
SELF_BILLED_TYPE_CODES = frozenset({"389", "261", "500", "501", "502", "471", "473"})


def _outgoing_invoice_type(content, name):
    """flowType of an invoice a client sends (Flow API FlowType): a self-billed outgoing invoice
    is a SupplierInvoice, any other a CustomerInvoice."""
    try:
        type_code = load(content, source=name).invoice.type_code
    except EInvoiceError:
        return "CustomerInvoice"
    return "SupplierInvoice" if type_code in SELF_BILLED_TYPE_CODES else "CustomerInvoice"


#: The administration's reasons for rejecting e-reporting data (status 301), DGFiP specifications v3.2
#: §3.7.10, Tableau 6: semantic format, uniqueness, data consistency, period.
REPORT_REJECTION_REASONS = frozenset({"REJ_SEMAN", "REJ_UNI", "REJ_COH", "REJ_PER"})


def report_flow_type(report):
    """flowType of an e-reporting flow (Flow API FlowType, FRR 10.x) from the blocks it holds: 10.1
    sales are a UnitaryCustomerTransactionReport, 10.1 purchases (declarant role BY) a
    UnitarySupplierTransactionReport, 10.3 an AggregatedCustomerTransactionReport, 10.2 a
    UnitaryCustomerPaymentReport, 10.4 an AggregatedCustomerPaymentReport; two of them a MultiFlowReport."""
    if report.transactions is not None:
        if report.document.declarant.role == "BY":
            return "UnitarySupplierTransactionReport"
        unitary, aggregated = "UnitaryCustomerTransactionReport", "AggregatedCustomerTransactionReport"
    else:
        unitary, aggregated = "UnitaryCustomerPaymentReport", "AggregatedCustomerPaymentReport"
    body = report.body
    if body.invoices and body.aggregates:
        return "MultiFlowReport"
    return unitary if body.invoices else aggregated


def _summary(invoice, received_at):
    """What a platform keeps of an invoice it took, to give its statuses on it (JSON-able)."""
    seller, buyer = invoice.seller, invoice.buyer
    address = seller.electronic_address
    return {
        "number": invoice.number,
        "date": invoice.issue_date.isoformat(),
        "type_code": invoice.type_code,
        "credit_note": invoice.is_credit_note,
        "seller_siren": seller.siren,
        "seller_name": seller.name,
        "seller_address": address.value if address and address.scheme == "0225" else seller.siren,
        "buyer_siren": buyer.siren,
        "buyer_name": buyer.name,
        "received_at": received_at,
    }


def status_message(summary, code, issuer, details=(), now=None):
    """The CDAR :class:`StatusMessage` of status ``code`` on the invoice ``summary`` describes,
    given by ``issuer`` (a CdarParty) and addressed to the seller."""
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    received = datetime.datetime.strptime(summary["received_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(microsecond=0)
    recipient = CdarParty(
        id=summary["seller_siren"],
        scheme="0002",
        name=summary["seller_name"],
        role="SE",
        uri=summary["seller_address"],
        uri_scheme="0225",
    )
    status = STATUSES[code]
    return StatusMessage(
        id=f"{summary['number']}_{code}_{now:%Y%m%d%H%M%S}",
        name=f"{summary['number']} {status.label_fr}",
        issued_at=now,
        status=code,
        invoice_number=summary["number"],
        invoice_date=datetime.date.fromisoformat(summary["date"]),
        invoice_type=summary["type_code"],
        received_at=received,
        seller=CdarParty(id=summary["seller_siren"], scheme="0002"),
        issuer=issuer,
        recipients=[recipient],
        details=list(details),
    )


class PlatformSimulator(SimulatedService):
    state_attributes = ("flows", "directory", "legal_units", "facilities", "routing_codes", "webhooks", "_tokens")
    #: whether ``POST /v1/webhooks`` subscribes (a platform may announce flows only by polling)
    offers_webhooks = True

    def __init__(
        self,
        client_id="odoo",
        client_secret="s3cret",
        token_lifetime=3600,
        slow_seconds=3,
        submit_delay=0,
        listen=True,
        name="Plateforme simulée",
    ):
        super().__init__(slow_seconds=slow_seconds, listen=listen)
        self.name = name
        self.submit_delay = submit_delay  # seconds each submission takes after it is stored (crash tests)
        self.hold_submissions = False  # invoices wait (Pending) for ``acknowledge`` instead of passing at once
        #: The administration's next answers on e-reporting flows, (code, reason code, reason) each: see _take_report
        self.report_answers = []
        self._scripts = []  # answers of the test's choosing: see ``script``
        self._corrupted = {}  # flowId -> (fields dropped, fields replaced) in the answers
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

    def _issue_token(self):
        token = uuid.uuid4().hex
        self._tokens.add(token)
        return token

    def _token_valid(self, token):
        return token in self._tokens

    def _moment(self):
        """The platform's clock for submittedAt / updatedAt."""
        return _now()

    def reset(self):
        """Forget flows, webhooks, requests, scripted answers and pending failures; checks pass at
        once again (the directory stays)."""
        with self._lock:
            self.flows.clear()
            self.webhooks.clear()
            self.webhook_calls.clear()
            self.requests.clear()
            self._scripts.clear()
            self._corrupted.clear()
            self.hold_submissions = False
            self.report_answers.clear()
        self._clear_failures()

    # --- answers of the test's choosing ------------------------------------------------------

    def script(self, method, path, status, payload=None, raw=None, after=False, times=1):
        """The next ``times`` requests ``method path`` get this answer (JSON ``payload`` or ``raw``
        bytes) instead of the real one: before the request takes effect (``after=False``: nothing
        is stored), or once it has (``after=True``: the answer is lost, e.g. a 502 of a proxy)."""
        with self._lock:
            self._scripts.append(
                {
                    "method": method,
                    "path": path,
                    "status": status,
                    "payload": payload,
                    "raw": raw,
                    "after": after,
                    "times": times,
                }
            )

    def _scripted(self, method, path):
        with self._lock:
            for entry in self._scripts:
                if (entry["method"], entry["path"]) == (method, path):
                    entry["times"] -= 1
                    if entry["times"] <= 0:
                        self._scripts.remove(entry)
                    return entry
        return None

    def submissions(self):
        """The flows the platform was sent (not the ones it delivers), oldest first."""
        with self._lock:
            flows = [entry["flow"] for entry in self.flows.values() if entry["flow"]["flowDirection"] == "Out"]
        return sorted(flows, key=lambda flow: (flow["submittedAt"], flow["flowId"]))

    def corrupt(self, flow_id, *drop, **replace):
        """From now on, this flow is described without the fields ``drop`` and with ``replace``
        (search results and metadata), as a faulty platform would."""
        with self._lock:
            self._corrupted[flow_id] = (frozenset(drop), dict(replace))

    def _render(self, flow):
        dropped, replaced = self._corrupted.get(flow["flowId"], ((), {}))
        if not dropped and not replaced:
            return flow
        return {**{key: value for key, value in flow.items() if key not in dropped}, **replaced}

    # --- directory --------------------------------------------------------------------------

    def register(
        self,
        siren,
        name,
        siret=None,
        routing_code=None,
        status="Enabled",
        entity_type=None,
        platform="WK",
        suffix=None,
    ):
        """A company in the directory, with one directory line: SIREN, SIRET, routing-code
        (``SIREN_SIRET_ROUTINGCODE``) or suffix level (``SIREN_SUFFIX``: a suffix, no SIRET)."""
        if suffix and siret:
            raise ValueError("a suffix line has no SIRET")
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
        if suffix:
            address = line["addressingIdentifier"] = f"{siren}_{suffix}"
            line["addressingSuffix"] = suffix
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
        for key in ("siren", "siret", "routingIdentifier", "addressingIdentifier", "addressingSuffix"):
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
        moment = self._moment()
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

    def _submitted(self, info, content):
        """A flow the client sends (POST /v1/flows): stored, then checked. An invoice this platform
        can read passes its checks at once (its 200 follows), or waits for ``acknowledge`` when
        ``hold_submissions`` is set; what it cannot read, it keeps as it is."""
        if info.get("flowSyntax") == "FRR":
            return self._take_report(info, content)
        if info.get("flowSyntax") == "CDAR":
            try:
                role = parse_cdar(content).issuer.role
            except EInvoiceError:
                role = None
            return self._store(info, content, "Out", "SupplierInvoiceLC" if role == "BY" else "CustomerInvoiceLC")
        flow = self._store(info, content, "Out", _outgoing_invoice_type(content, info.get("name")))
        try:
            invoice = load(content, source=flow["name"]).invoice
        except EInvoiceError:
            return flow
        with self._lock:
            self.flows[flow["flowId"]]["summary"] = _summary(invoice, flow["submittedAt"])
            if self.hold_submissions:
                flow["acknowledgement"] = {"status": "Pending"}
        if not self.hold_submissions:
            self._give_status(flow["flowId"], "200")
        return flow

    def acknowledge(self, flow_id, status, reason_code="REJ_SEMAN", reason="rejected"):
        """Change a flow's acknowledgement (``Error`` with a detail, or ``Ok``), as the platform's checks do;
        on an invoice it read, the platform then gives its status: 200 (``Ok``) or 213 (``Error``)."""
        with self._lock:
            flow = self.flows[flow_id]["flow"]
            flow["acknowledgement"] = {"status": status}
            if status == "Error":
                flow["acknowledgement"]["details"] = [
                    {"level": "Error", "item": flow["name"], "reasonCode": reason_code, "reasonMessage": reason}
                ]
            flow["updatedAt"] = self._moment()
        self._notify(flow)
        if status in ("Ok", "Error"):
            self._give_status(flow_id, "200" if status == "Ok" else "213", reason_code, reason)
        return flow

    def _give_status(self, flow_id, code, reason_code=None, reason=None):
        """The platform's own status (200 or 213, as issuing platform) on the invoice of a flow it
        was sent, delivered to its client as a CDAR flow; once per flow (213 ends it). Returns the
        delivered Flow, or None (an invoice it could not read, a status already given)."""
        with self._lock:
            entry = self.flows[flow_id]
            summary, given = entry.get("summary"), entry.setdefault("statuses", [])
            if summary is None or code in given or "213" in given:
                return None
            given.append(code)
        details = []
        if code == "213":
            code_213 = reason_code if reason_code in STATUSES["213"].reasons else "REJ_SEMAN"
            details.append(StatusDetail(reason_code=code_213, reason=(reason or None) and str(reason)[:250]))
        message = status_message(summary, code, CdarParty(name=self.name, role="WK"), details)
        return self.deliver(build_cdar(message), f"{message.id}.xml", syntax="CDAR", flow_type="CustomerInvoiceLC")

    # --- e-reporting ------------------------------------------------------------------------

    def _take_report(self, info, content):
        """An e-reporting flow (FRR) sent for the administration. The platform reads it and runs
        the DGFiP XSD and the Flux 10 rules; it forwards a report that passes, and the
        administration's answer (DGFiP specifications v3.2 §3.7.9 and §3.7.10: 300 Déposée, or
        301 Rejetée with its reasons) is the flow's acknowledgement: ``Ok`` for 300, ``Error``
        with the REJ_* code and its reason for 301. A report that cannot be read or breaks a
        rule gets 301 REJ_SEMAN; the same transmission id, declarant and period accepted before,
        301 REJ_UNI; otherwise the next of ``report_answers``, else 300. With
        ``hold_submissions`` set, the answer waits (``Pending``) for :meth:`answer_report`."""
        try:
            report = parse_report(content)
        except EInvoiceError as exc:
            flow = self._store(info, content, "Out", "Undefined")
            return self.answer_report(flow["flowId"], "301", "REJ_SEMAN", f"unreadable report: {exc}")
        flow = self._store(info, content, "Out", report_flow_type(report))
        document, period = report.document, report.period
        key = [document.id, document.declarant.siren, period.start.isoformat(), period.end.isoformat()]
        with self._lock:
            self.flows[flow["flowId"]]["report"] = key
        fatal = validate(content).fatal
        if fatal:
            reason = "; ".join(f"{finding.rule_id}: {finding.message_en}" for finding in fatal[:5])
            return self.answer_report(flow["flowId"], "301", "REJ_SEMAN", reason)
        for other_id, entry in list(self.flows.items()):
            if other_id != flow["flowId"] and entry.get("report") == key and entry.get("report_status") == "300":
                return self.answer_report(
                    flow["flowId"], "301", "REJ_UNI", f"transmission {document.id} of this period was already received"
                )
        if self.hold_submissions:
            with self._lock:
                flow["acknowledgement"] = {"status": "Pending"}
            return flow
        with self._lock:
            answer = self.report_answers.pop(0) if self.report_answers else ("300", None, None)
        return self.answer_report(flow["flowId"], *answer)

    def answer_report(self, flow_id, code="300", reason_code=None, reason=None):
        """The administration's answer on an e-reporting flow: 300 (``Ok``) or 301 (``Error``, with
        ``reason_code`` among REJ_SEMAN, REJ_UNI, REJ_COH, REJ_PER and ``reason``)."""
        if code not in ("300", "301"):
            raise ValueError(f"an e-reporting answer is 300 or 301, not {code!r}")
        if code == "301" and reason_code not in REPORT_REJECTION_REASONS:
            raise ValueError(f"a 301 needs one of {sorted(REPORT_REJECTION_REASONS)}, not {reason_code!r}")
        with self._lock:
            entry = self.flows[flow_id]
            flow = entry["flow"]
            entry["report_status"] = code
            flow["acknowledgement"] = {"status": "Ok" if code == "300" else "Error"}
            if code == "301":
                flow["acknowledgement"]["details"] = [
                    {"level": "Error", "item": flow["name"], "reasonCode": reason_code, "reasonMessage": reason or ""}
                ]
            flow["updatedAt"] = self._moment()
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
        page = [self._render(flow) for flow in flows[start : start + limit]]
        answer = {"limit": limit, "filters": where, "results": page}
        if start + limit < len(flows):
            answer["nextCursor"] = str(start + limit)
        return answer


class _Handler(SimulatorHandler):
    def _error(self, status, code, message):
        self._send(status, {"errorCode": code, "errorMessage": message})

    def _authorised(self):
        header = self.headers.get("Authorization") or ""
        return header.startswith("Bearer ") and self.simulator._token_valid(header[7:])

    def _send(self, status, payload=None, content_type="application/json", raw=None, headers=()):
        scripted, self._scripted_answer = getattr(self, "_scripted_answer", None), None
        if scripted is not None:
            # The request took effect; the answer it gets is the scripted one.
            return self._send_scripted(scripted)
        return super()._send(status, payload, content_type=content_type, raw=raw, headers=headers)

    def _send_scripted(self, scripted):
        super()._send(scripted["status"], scripted["payload"], raw=scripted["raw"])

    def _route(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.simulator.requests.append((method, self.path))
        self._scripted_answer = None
        if self.path == "/token" and method == "POST":
            return self._token()
        scripted = self.simulator._scripted(method, self.path.split("?", 1)[0])
        if scripted is not None and not scripted["after"]:
            return self._send_scripted(scripted)
        self._scripted_answer = scripted
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
        token = self.simulator._issue_token()
        return self._send(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": self.simulator.token_lifetime}
        )

    def _webhooks(self, method, path, body):
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
            if not self.simulator.offers_webhooks:
                return self._error(403, "WEBHOOKS_NOT_OFFERED", "this platform announces no flow: search them")
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
        return self._error(404, "NOT_FOUND", f"{method} {path}")

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
            flow = self.simulator._submitted(info, parts["file"])
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
                return self._send(200, self.simulator._render(stored["flow"]))
            return self._send(
                200,
                raw=stored["content"],
                content_type="application/octet-stream",
                headers=[("Content-Disposition", f"attachment;filename={stored['flow']['name']}")],
            )
        if path == "/v1/webhooks" or path.startswith("/v1/webhooks/"):
            return self._webhooks(method, path, body)
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


# --- the sandbox ----------------------------------------------------------------------------

#: What the sandbox's buyer does with each invoice it receives, and the status it ends with
#: after 204 (Prise en charge).
BUYER_ANSWERS = {"approve": "205", "refuse": "210", "dispute": "207"}
#: The action the buyer asks for with a refusal or a dispute (MDT-121).
BUYER_ACTIONS = {"refuse": "NIN", "dispute": "PIN"}

#: The sandbox's sample French supplier (identifiers valid for python-stdnum, of no real business).
SANDBOX_SUPPLIER_SIREN, SANDBOX_SUPPLIER_SIRET = "419876503", "41987650300014"
SANDBOX_SUPPLIER_VAT, SANDBOX_SUPPLIER_IBAN = "FR34419876503", "FR7630004000010009876543240"

#: The supplier invoices the sandbox delivers, in turn: billing frame (BT-23) and lines
#: (name, seller's item id, quantity, net price, unit), all at the standard rate.
_SUPPLIER_SAMPLES = (
    (
        "B1",
        (
            ("Ramette de papier A4 80 g (500 feuilles)", "FL-PAP-A4", "20", "4.60", "C62"),
            ("Cartouche d'encre noire XL", "FL-ENC-NXL", "4", "38.90", "C62"),
            ("Classeur à levier dos 80 mm", "FL-CLA-80", "30", "2.75", "C62"),
        ),
    ),
    (
        "S1",
        (
            ("Maintenance du parc informatique - forfait mensuel", "FL-MAINT-M", "1", "380.00", "MON"),
            ("Intervention sur site", "FL-INTERV", "3", "65.00", "HUR"),
        ),
    ),
    (
        "M1",
        (
            ("Fauteuil de bureau ergonomique", "FL-FAUT-ERG", "2", "245.00", "C62"),
            ("Montage et réglage sur site", "FL-MONTAGE", "2", "45.00", "HUR"),
        ),
    ),
)


def sandbox_supplier():
    """The sample French supplier whose invoices the sandbox delivers."""
    return Party(
        name="Fournitures Lefèvre SAS",
        identifiers=[Identifier(SANDBOX_SUPPLIER_SIRET, "0009")],
        legal_id=Identifier(SANDBOX_SUPPLIER_SIREN, "0002"),
        vat_id=SANDBOX_SUPPLIER_VAT,
        legal_info="SAS au capital de 50 000 EUR - RCS Lille Métropole 419 876 503",
        electronic_address=french_electronic_address(SANDBOX_SUPPLIER_SIREN),
        address=Address(line1="27 rue des Artisans", city="Lille", post_code="59000", country_code="FR"),
        contact=Contact(name="Service comptabilité", phone="+33 3 20 12 34 56", email="compta@lefevre.example.fr"),
    )


def sandbox_supplier_invoice(buyer, sequence, issue_date):
    """Invoice number ``sequence`` of the sample supplier to ``buyer`` (a model Party), valid
    for EN16931 and the French rules; the samples follow each other (goods, services, both)."""
    frame, lines = _SUPPLIER_SAMPLES[(sequence - 1) % len(_SUPPLIER_SAMPLES)]
    invoice = Invoice(
        number=f"FL-{issue_date.year}-{sequence:05d}",
        issue_date=issue_date,
        due_date=issue_date + datetime.timedelta(days=30),
        business_process=frame,
        purchase_order_reference=f"CMD-{issue_date.year}-{sequence:04d}",
        seller=sandbox_supplier(),
        buyer=buyer,
        notes=notes("B2B"),
        payment=PaymentInstructions(
            means_code="58",
            remittance_info=f"FL-{issue_date.year}-{sequence:05d}",
            credit_transfers=[CreditTransfer(SANDBOX_SUPPLIER_IBAN, "Fournitures Lefèvre SAS", "BNPAFRPP")],
        ),
        payment_terms="Paiement à 30 jours par virement",
        lines=[
            Line(
                id=str(number),
                quantity=Decimal(quantity),
                unit_code=unit,
                item=Item(name=name, seller_id=code),
                price=Price(net=Decimal(price)),
                vat_category="S",
                vat_rate=Decimal(20),
            )
            for number, (name, code, quantity, price, unit) in enumerate(lines, start=1)
        ],
    )
    if frame.startswith("S"):
        last_month_end = issue_date.replace(day=1) - datetime.timedelta(days=1)
        invoice.period = Period(last_month_end.replace(day=1), last_month_end)
    return calc.compute(invoice)


class SandboxPlatform(PlatformSimulator):
    """An approved platform to try every flow on, that an application serves on its own routes.

    It runs without a socket by default (``handle``, ``dump_state`` / ``load_state``: see
    :mod:`einvoice.testing.server`) and adds to the simulator what makes every flow work
    without a real platform:

    - tokens carry their own proof (the expiry and an HMAC of it keyed by the client
      secret): the state does not grow with them, and a new secret revokes them;
    - no webhooks (``POST /v1/webhooks`` answers 403): flows are found by searching, so
      the sandbox never calls its host back while the host is calling it;
    - an invoice submitted is read (CII, UBL or Factur-X) and refused, as a platform's
      checks would (acknowledgement ``Error``, and the platform's 213 when it could read
      the invoice), when it cannot be read (REJ_SEMAN), when its buyer is not in the
      directory (DEST_INC) or when its seller already sent that number (DOUBLON);
      otherwise, at the next search, the sandbox answers as the seller's platform (200,
      201), the buyer's platform (202, 203) and the buyer (204, then 205, 210 or 207 with
      its reason, as ``buyer_answer`` says), each status an incoming CDAR flow
      (``CustomerInvoiceLC``) built as a real platform would;
    - a status message submitted (CDAR) is kept as a ``SupplierInvoiceLC`` flow (given by
      the buyer) or a ``CustomerInvoiceLC`` flow (given by the seller);
    - :meth:`deliver_supplier_invoice`: a Factur-X invoice of a sample French supplier,
      addressed to the given buyer, arrives as an incoming ``SupplierInvoice`` flow;
    - :meth:`set_directory`: the companies the directory knows (SIREN-level lines).

    It sends no copy of the mandatory statuses to the tax administration and reports
    nothing to it.
    """

    state_attributes = ("flows", "directory", "legal_units", "facilities", "routing_codes", "pending", "sequence")
    offers_webhooks = False

    def __init__(
        self,
        client_id,
        client_secret,
        name="Sandbox",
        buyer_answer="approve",
        reason_code="TX_TVA_ERR",
        reason=None,
        token_lifetime=3600,
        listen=False,
    ):
        super().__init__(
            client_id=client_id, client_secret=client_secret, token_lifetime=token_lifetime, listen=listen, name=name
        )
        if buyer_answer not in BUYER_ANSWERS:
            raise ValueError(f"buyer_answer must be one of {', '.join(BUYER_ANSWERS)}")
        self.buyer_answer = buyer_answer
        self.reason_code = reason_code
        self.reason = reason
        self.pending = []  # invoices taken whose buyer has not answered yet
        self.sequence = 0  # supplier invoices delivered so far (numbers them)

    def reset(self):
        """Forget flows and pending answers; the directory and the supplier's numbering stay."""
        super().reset()
        with self._lock:
            self.pending.clear()

    # --- tokens and clock -------------------------------------------------------------------

    def _token_mac(self, expires):
        message = f"{self.client_id}:{expires}".encode()
        return hmac.new(self.client_secret.encode(), message, hashlib.sha256).hexdigest()

    def _issue_token(self):
        expires = int(time.time()) + int(self.token_lifetime)
        return f"{expires}.{self._token_mac(expires)}"

    def _token_valid(self, token):
        expires, _dot, mac = token.partition(".")
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(mac, self._token_mac(int(expires)))

    def _moment(self):
        """Strictly after every flow's updatedAt: searches by updatedAfter never miss a flow."""
        moment = _now()
        latest = max((entry["flow"]["updatedAt"] for entry in self.flows.values()), default="")
        if moment <= latest:
            following = datetime.datetime.strptime(latest, "%Y-%m-%dT%H:%M:%S.%fZ") + datetime.timedelta(microseconds=1)
            moment = following.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return moment

    # --- directory --------------------------------------------------------------------------

    def set_directory(self, companies):
        """The directory knows exactly ``companies``: ``(siren, name, public)`` each, with a
        SIREN-level line (public buyers receive through the public portal, platform DFH)."""
        with self._lock:
            self.directory.clear()
            self.legal_units.clear()
            self.facilities.clear()
            self.routing_codes.clear()
            for siren, name, public in companies:
                self.register(siren, name, entity_type="Public" if public else None, platform="DFH" if public else "WK")

    # --- flows submitted --------------------------------------------------------------------

    def _submitted(self, info, content):
        if info.get("flowSyntax") == "FRR":
            return self._take_report(info, content)
        if info.get("flowSyntax") == "CDAR":
            return self._take_status(info, content)
        return self._take_invoice(info, content)

    def _take_status(self, info, content):
        try:
            message = parse_cdar(content)
        except EInvoiceError as exc:
            flow = super()._store(info, content, "Out", "CustomerInvoiceLC")
            return self.acknowledge(flow["flowId"], "Error", "REJ_SEMAN", f"unreadable status message: {exc}")
        flow_type = "SupplierInvoiceLC" if message.issuer.role == "BY" else "CustomerInvoiceLC"
        return super()._store(info, content, "Out", flow_type)

    def _take_invoice(self, info, content):
        flow = super()._store(info, content, "Out", _outgoing_invoice_type(content, info.get("name")))
        try:
            invoice = load(content, source=flow["name"]).invoice
        except EInvoiceError as exc:
            return self.acknowledge(flow["flowId"], "Error", "REJ_SEMAN", f"unreadable invoice: {exc}")
        seller, buyer = invoice.seller, invoice.buyer
        summary = _summary(invoice, flow["submittedAt"])
        with self._lock:
            self.flows[flow["flowId"]]["summary"] = summary
        if not buyer.siren or buyer.siren not in self.legal_units:
            return self.acknowledge(
                flow["flowId"], "Error", "DEST_INC", f"the buyer {buyer.siren or buyer.name} is not in the directory"
            )
        key = [seller.siren, invoice.number, invoice.issue_date.year]
        for other_id, entry in self.flows.items():
            same = other_id != flow["flowId"] and entry.get("invoice") == key
            if same and entry["flow"]["acknowledgement"]["status"] == "Ok":
                return self.acknowledge(
                    flow["flowId"], "Error", "DOUBLON", f"invoice {invoice.number} was already received"
                )
        with self._lock:
            self.flows[flow["flowId"]]["invoice"] = key
            self.flows[flow["flowId"]]["statuses"] = ["200"]  # given with the answers, at the next search
            self.pending.append(
                {**summary, "answer": self.buyer_answer, "reason_code": self.reason_code, "reason": self.reason}
            )
        return flow

    # --- the other side's answers -------------------------------------------------------------

    def _search(self, params):
        self.answer_pending()
        return super()._search(params)

    def answer_pending(self):
        """Deliver the statuses of the invoices taken since the last search; returns them (CDAR bytes)."""
        with self._lock:
            pending, self.pending = self.pending, []
        delivered = []
        for entry in pending:
            for message in self._answers(entry):
                content = build_cdar(message)
                self.deliver(content, f"{message.id}.xml", syntax="CDAR", flow_type="CustomerInvoiceLC")
                delivered.append(content)
        return delivered

    def _answers(self, entry):
        """The status messages of one invoice: its platform (200, 201), the buyer's platform, then the buyer."""
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
        platform = CdarParty(name=self.name, role="WK")
        buyer = CdarParty(id=entry["buyer_siren"], scheme="0002", name=entry["buyer_name"], role="BY")
        codes = ["200", "201", "202", "203"]
        if not entry["credit_note"]:
            codes += ["204", BUYER_ANSWERS[entry["answer"]]]
        for code in codes:
            status = STATUSES[code]
            details = []
            if status.reason_required:
                action = BUYER_ACTIONS[entry["answer"]]
                details.append(
                    StatusDetail(
                        reason_code=entry["reason_code"],
                        reason=entry["reason"] or None,
                        action_code=action,
                        action=REQUESTED_ACTIONS[action][0],
                    )
                )
            issuer = platform if status.phase == Phase.TRANSMISSION else buyer
            yield status_message(entry, code, issuer, details, now=now)

    # --- supplier invoices --------------------------------------------------------------------

    def deliver_supplier_invoice(self, buyer, issue_date=None):
        """A Factur-X (PDF/A-3, EN 16931) of the sample supplier to ``buyer`` (a model Party)
        arrives as an incoming flow; returns ``(Flow object, model Invoice)``."""
        with self._lock:
            self.sequence += 1
            sequence = self.sequence
        invoice = sandbox_supplier_invoice(buyer, sequence, issue_date or datetime.date.today())
        pdf = build(invoice, "facturx", Profile.EN16931)
        flow = self.deliver(pdf, f"{invoice.number}.pdf", syntax="Factur-X", flow_type="SupplierInvoice")
        return flow, invoice
