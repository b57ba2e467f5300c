"""The Flow Service of an approved platform (AFNOR XP Z12-013, OpenAPI ``afnor-flow-service`` 1.3.0)."""

from __future__ import annotations

import hashlib
import json
import time

from ..errors import TransportError
from .http import RETRIED_STATUSES, ApiClient, read_capped

#: Pages of one search followed at most (a day of a large company at 100 flows per page).
MAX_PAGES = 2000


class FlowClient(ApiClient):
    """Submit, search and download flows; manage webhooks; check the service."""

    def healthcheck(self):
        return self.request("GET", "/v1/healthcheck").status_code == 200

    def submit(self, content, filename, flow_info):
        """POST /v1/flows: the file and its flowInfo; returns the platform's answer (flowId...).

        ``flow_info`` is the FlowInfo object of the OpenAPI file (trackingId, name,
        flowSyntax, flowProfile, processingRule, sha256...); the SHA-256 of the file is
        added when missing, so that the platform can check the upload's integrity.
        """
        info = dict(flow_info)
        info.setdefault("sha256", hashlib.sha256(content).hexdigest())
        mimetype = "application/pdf" if content[:5] == b"%PDF-" else "application/xml"
        files = {
            "flowInfo": (None, json.dumps(info), "application/json"),
            "file": (filename, content, mimetype),
        }
        tracking_id = info.get("trackingId")
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self.request_json("POST", "/v1/flows", expected=(202,), attempts=1, files=files)
            except TransportError as exc:
                if exc.status is not None and exc.status not in RETRIED_STATUSES:
                    raise
                # The platform may have taken the flow before the answer was lost: never send it twice.
                if tracking_id:
                    found = self.search({"trackingId": tracking_id}).get("results") or []
                    if found:
                        return found[0]
                if attempt == self.max_attempts:
                    raise
                time.sleep(self._delay(attempt))
        return None

    def search(self, filters, limit=None, cursor=None):
        """POST /v1/flows/search with SearchFlowParams (``where``, ``limit``, ``cursor``); returns the answer."""
        body = {"where": filters}
        if limit is not None:
            body["limit"] = limit
        if cursor is not None:
            body["cursor"] = cursor
        return self.request_json("POST", "/v1/flows/search", json=body)

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
        return self.request_json("GET", f"/v1/flows/{flow_id}")

    def search_all(self, filters, limit=100, max_pages=MAX_PAGES):
        """Every flow matching ``filters``, following the cursor from page to page.

        At most ``max_pages`` pages, and never the same cursor twice: a platform whose cursor
        goes round in circles gets a TransportError instead of an endless loop.
        """
        cursor, seen = None, set()
        for _page in range(max_pages):
            page = self.search(filters, limit=limit, cursor=cursor)
            if not isinstance(page, dict):
                raise TransportError("POST /v1/flows/search: the answer is not a search result")
            results = page.get("results") or []
            if not isinstance(results, list):
                raise TransportError("POST /v1/flows/search: results is not a list")
            yield from results
            cursor = page.get("nextCursor")
            if not cursor:
                return
            if not isinstance(cursor, (str, int)) or cursor in seen:
                raise TransportError(f"POST /v1/flows/search: the platform repeats its cursor {str(cursor)[:50]!r}")
            seen.add(cursor)
        raise TransportError(f"POST /v1/flows/search: more than {max_pages} pages; narrow the search")

    def webhooks(self):
        return self.request_json("GET", "/v1/webhooks")

    def subscribe(self, params):
        return self.request_json("POST", "/v1/webhooks", expected=(201,), json=params)

    def unsubscribe(self, webhook_uid):
        self.request("DELETE", f"/v1/webhooks/{webhook_uid}", expected=(204,))
