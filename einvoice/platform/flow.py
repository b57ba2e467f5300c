"""The Flow Service of an approved platform (AFNOR XP Z12-013, OpenAPI ``afnor-flow-service`` 1.3.0).

Every answer is checked before it is used: an answer that breaks the contract raises
:class:`~einvoice.platform.http.ProtocolError` (a :class:`~einvoice.errors.TransportError`)
naming what is wrong, never an ``AttributeError`` or a ``KeyError`` in the caller. The flows
of a search are checked one by one (:func:`check_flow`, :class:`MalformedFlow`), so that one
malformed flow does not hide the others.
"""

from __future__ import annotations

import hashlib
import json
import re
import time

from ..errors import TransportError
from .http import RETRIED_STATUSES, ApiClient, ProtocolError, ResponseTooLarge, json_kind, read_capped, remote_text

#: Pages of one search followed at most (a day of a large company at 100 flows per page).
MAX_PAGES = 2000
#: Longest flowId and trackingId (NotOnlyUuid, 1.3.0).
MAX_ID_LENGTH = 64
#: The acknowledgement statuses of a flow (FlowAckStatus).
ACK_STATUSES = frozenset({"Pending", "Ok", "Error"})
#: A date-time of the platform's clock (RFC 3339, as the OpenAPI ``date-time`` format): the
#: receiving cursor compares them as text, so a value of another shape is refused.
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


class MalformedFlow(ProtocolError):
    """A Flow object of an answer that breaks the contract. What could be read of it is kept,
    so that the caller can tell which flow it was: ``flow_id``, ``tracking_id``, ``updated_at``
    (each None when missing or unusable)."""

    def __init__(self, message, flow_id=None, tracking_id=None, updated_at=None):
        super().__init__(message, status=200)
        self.flow_id = flow_id
        self.tracking_id = tracking_id
        self.updated_at = updated_at


def _identifier(value):
    return value if isinstance(value, str) and value.strip() and len(value) <= MAX_ID_LENGTH else None


def _date_time(value):
    return value if isinstance(value, str) and DATE_TIME.fullmatch(value) else None


def check_flow(item, what="flow"):
    """``item`` if it is a usable Flow object, else :class:`MalformedFlow` naming the defect.

    Required: ``flowId`` (1 to 64 characters), ``updatedAt`` (an RFC 3339 date-time) and
    ``acknowledgement`` with its ``status`` (Pending, Ok or Error), as the Flow schema says;
    the optional fields used (``trackingId``, ``submittedAt``, ``name``, ``flowType``,
    ``flowSyntax``, ``flowDirection``, acknowledgement details) must have their type.
    """
    if not isinstance(item, dict):
        raise MalformedFlow(f"{what}: a Flow object is expected, not {json_kind(item)}")
    flow_id, tracking_id = _identifier(item.get("flowId")), _identifier(item.get("trackingId"))
    updated_at = _date_time(item.get("updatedAt"))
    name = f"{what} {remote_text(flow_id, MAX_ID_LENGTH)}" if flow_id else what

    def malformed(problem):
        return MalformedFlow(f"{name}: {problem}", flow_id=flow_id, tracking_id=tracking_id, updated_at=updated_at)

    if flow_id is None:
        raise malformed("flowId is missing or not an identifier of 1 to 64 characters")
    if item.get("trackingId") is not None and tracking_id is None:
        raise malformed("trackingId is not an identifier of 1 to 64 characters")
    if updated_at is None:
        raise malformed("updatedAt is missing or not a date-time")
    if item.get("submittedAt") is not None and _date_time(item["submittedAt"]) is None:
        raise malformed("submittedAt is not a date-time")
    for key, limit in (("name", 255), ("flowType", 64), ("flowSyntax", 64), ("flowDirection", 16)):
        value = item.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise malformed(f"{key} is not a text of at most {limit} characters")
    ack = item.get("acknowledgement")
    if not isinstance(ack, dict) or ack.get("status") not in ACK_STATUSES:
        raise malformed("acknowledgement.status is missing or not Pending, Ok or Error")
    details = ack.get("details")
    if details is not None and (
        not isinstance(details, list)
        or not all(
            isinstance(detail, dict)
            and all(isinstance(detail.get(key), (str, type(None))) for key in ("level", "item", "reasonCode"))
            and isinstance(detail.get("reasonMessage"), (str, type(None)))
            for detail in details
        )
    ):
        raise malformed("acknowledgement.details is not a list of details (level, item, reasonCode, reasonMessage)")
    return item


def check_submission(answer, tracking_id=None):
    """The answer of ``POST /v1/flows`` (FullFlowInfo) if usable, else :class:`ProtocolError`.

    ``flowId`` is required; ``submittedAt`` and ``trackingId`` must have their type, and the
    tracking id, when the platform repeats it, must be ours.
    """
    what = "POST /v1/flows"
    if not isinstance(answer, dict):
        raise ProtocolError(f"{what}: malformed answer: a JSON object is expected, not {json_kind(answer)}", status=202)
    if _identifier(answer.get("flowId")) is None:
        raise ProtocolError(f"{what}: malformed answer: flowId is missing or not an identifier", status=202)
    if answer.get("submittedAt") is not None and _date_time(answer["submittedAt"]) is None:
        raise ProtocolError(f"{what}: malformed answer: submittedAt is not a date-time", status=202)
    if tracking_id and answer.get("trackingId") not in (None, tracking_id):
        raise ProtocolError(f"{what}: the answer names another trackingId than the one sent", status=202)
    return answer


def ambiguous(error):
    """Whether a failed call may still have taken effect on the platform: no answer (network
    error, timeout, deadline), a 5xx or 429 answer, or an answer that cannot be read."""
    if isinstance(error, (ProtocolError, ResponseTooLarge)):
        return True
    return error.status is None or error.status in RETRIED_STATUSES


class FlowClient(ApiClient):
    """Submit, search and download flows; manage webhooks; check the service."""

    def healthcheck(self):
        return self.request("GET", "/v1/healthcheck").status_code == 200

    def submit(self, content, filename, flow_info):
        """POST /v1/flows: the file and its flowInfo; returns the platform's answer (flowId...).

        ``flow_info`` is the FlowInfo object of the OpenAPI file (trackingId, name,
        flowSyntax, flowProfile, processingRule, sha256...); the SHA-256 of the file is
        added when missing, so that the platform can check the upload's integrity.

        A submission is not idempotent: after a failure that may have taken effect (see
        :func:`ambiguous`: an answer lost, a 502 or 504 once the request was sent, a reset
        connection, an unreadable 202), the flow is looked up by its tracking id before any
        new attempt, and the flow found is returned. Without a tracking id, such a failure
        is never retried.
        """
        info = dict(flow_info)
        info.setdefault("sha256", hashlib.sha256(content).hexdigest())
        mimetype = "application/pdf" if content[:5] == b"%PDF-" else "application/xml"
        files = {
            "flowInfo": (None, json.dumps(info), "application/json"),
            "file": (filename, content, mimetype),
        }
        tracking_id = info.get("trackingId")
        last_error = None
        for attempt in range(1, self.max_attempts + 1):
            if last_error is not None:
                # The platform may have taken the flow before the answer was lost: never send it twice.
                found = self.find(tracking_id)
                if found is not None:
                    return found
                time.sleep(self._delay(attempt - 1))
            try:
                answer = self.request_json("POST", "/v1/flows", expected=(202,), attempts=1, files=files)
                return check_submission(answer, tracking_id)
            except TransportError as exc:
                if not ambiguous(exc) or not tracking_id:
                    raise
                last_error = exc
        found = self.find(tracking_id)
        if found is not None:
            return found
        raise last_error

    def find(self, tracking_id):
        """The flow submitted with ``tracking_id`` (a checked Flow object), or None.

        Only a flow that carries this very tracking id is taken: a platform that ignored the
        criterion and answered other flows does not make one of them ours.
        """
        page = self.search({"trackingId": tracking_id})
        found = [
            check_flow(item, "POST /v1/flows/search: flow")
            for item in page.get("results") or []
            if isinstance(item, dict) and item.get("trackingId") == tracking_id
        ]
        return min(found, key=lambda flow: (flow.get("submittedAt") or "", flow["flowId"])) if found else None

    def search(self, filters, limit=None, cursor=None):
        """POST /v1/flows/search with SearchFlowParams (``where``, ``limit``, ``cursor``); returns the
        answer, a SearchFlowContent object whose ``results`` is a list (its flows are not checked
        here: see :func:`check_flow`)."""
        body = {"where": filters}
        if limit is not None:
            body["limit"] = limit
        if cursor is not None:
            body["cursor"] = cursor
        page = self.request_object("POST", "/v1/flows/search", json=body)
        if not isinstance(page.get("results", []), list):
            raise ProtocolError("POST /v1/flows/search: results is not a list", status=200)
        return page

    def download(self, flow_id, doc_type="Original", max_bytes=None):
        """GET /v1/flows/{flowId}?docType=...: the flow's file (bytes), the original one by default.

        With ``max_bytes``, a bigger file is refused while it arrives (:class:`ResponseTooLarge`),
        never held whole in memory.
        """
        what = f"flow {flow_id}"
        with self.watch(what):
            response = self.request("GET", f"/v1/flows/{flow_id}", params={"docType": doc_type}, stream=True)
            return read_capped(response, max_bytes, what)

    def metadata(self, flow_id):
        """GET /v1/flows/{flowId} (docType Metadata): the Flow object, with its acknowledgement."""
        return check_flow(self.request_json("GET", f"/v1/flows/{flow_id}"), f"GET /v1/flows/{flow_id}")

    def search_all(self, filters, limit=100, max_pages=MAX_PAGES):
        """Every flow matching ``filters``, following the cursor from page to page.

        The flows are yielded as the platform gave them: check each with :func:`check_flow`.
        At most ``max_pages`` pages, and never the same cursor twice: a platform whose cursor
        goes round in circles gets a TransportError instead of an endless loop.
        """
        cursor, seen = None, set()
        for _page in range(max_pages):
            page = self.search(filters, limit=limit, cursor=cursor)
            yield from page.get("results") or []
            cursor = page.get("nextCursor")
            if not cursor:
                return
            if not isinstance(cursor, (str, int)) or cursor in seen:
                raise ProtocolError(
                    f"POST /v1/flows/search: the platform repeats its cursor {remote_text(cursor, 50)!r}", status=200
                )
            seen.add(cursor)
        raise TransportError(f"POST /v1/flows/search: more than {max_pages} pages; narrow the search")

    def webhooks(self):
        return self.request_object("GET", "/v1/webhooks")

    def subscribe(self, params):
        """POST /v1/webhooks; returns the answer, whose ``webhookId`` and ``signingKey`` are checked."""
        answer = self.request_object("POST", "/v1/webhooks", expected=(201,), json=params)
        if _identifier(answer.get("webhookId")) is None or not isinstance(answer.get("signingKey"), str):
            raise ProtocolError("POST /v1/webhooks: the answer lacks webhookId or signingKey", status=201)
        return answer

    def unsubscribe(self, webhook_uid):
        self.request("DELETE", f"/v1/webhooks/{webhook_uid}", expected=(204,))
