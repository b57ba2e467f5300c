"""The platform simulator and the Flow client together, every exchange checked against the OpenAPI file."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from einvoice.errors import TransportError
from einvoice.platform import ClientCredentials, FlowClient
from einvoice.testing.platform import PlatformSimulator

openapi_core = pytest.importorskip("openapi_core")
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse  # noqa: E402


@pytest.fixture
def simulator():
    with PlatformSimulator(slow_seconds=2) as platform:
        yield platform


@pytest.fixture
def checked(reference_dir, simulator):
    """A FlowClient whose every request and answer are validated against the official file."""
    spec = json.loads((reference_dir / "fnfe-rfe" / "openapi" / "afnor-flow-service-1.3.0.json").read_text())
    spec["servers"] = [{"url": simulator.url}]
    api = openapi_core.OpenAPI.from_dict(spec)
    violations = []

    def check(response, *args, **kwargs):
        if "/v1/" not in response.request.url or response.status_code >= 500 or response.status_code == 429:
            return response
        request = RequestsOpenAPIRequest(response.request)
        for label, call in (
            ("request", lambda: api.validate_request(request)),
            ("response", lambda: api.validate_response(request, RequestsOpenAPIResponse(response))),
        ):
            try:
                call()
            except Exception as exc:  # noqa: BLE001 - every kind of violation is recorded
                violations.append(f"{label} {response.request.method} {response.request.url}: {exc!r}")
        return response

    flows = FlowClient(simulator.url, ClientCredentials(simulator.token_url, "odoo", "s3cret"), timeout=1, backoff=0.01)
    flows.session.hooks["response"].append(check)
    flows.violations = violations
    return flows


def test_submit_search_download(checked, simulator):
    answer = checked.submit(b"<Invoice/>", "F1.xml", {"name": "F1.xml", "flowSyntax": "UBL", "trackingId": "T-1"})
    assert answer["trackingId"] == "T-1" and len(answer["sha256"]) == 64
    simulator.deliver(b"<rsm:CrossIndustryInvoice/>", "incoming.xml")
    found = checked.search({"flowDirection": ["In"]})
    assert [f["name"] for f in found["results"]] == ["incoming.xml"]
    assert checked.download(found["results"][0]["flowId"]) == b"<rsm:CrossIndustryInvoice/>"
    by_tracking = checked.search({"trackingId": "T-1"})
    assert by_tracking["results"][0]["flowId"] == answer["flowId"]
    assert checked.healthcheck()
    assert checked.violations == [], checked.violations


def test_search_pages(checked, simulator):
    for n in range(5):
        simulator.deliver(b"<x/>", f"in-{n}.xml")
    first = checked.search({"flowDirection": ["In"]}, limit=2)
    second = checked.search({"flowDirection": ["In"]}, limit=2, cursor=first["nextCursor"])
    last = checked.search({"flowDirection": ["In"]}, limit=2, cursor=second["nextCursor"])
    names = [f["name"] for page in (first, second, last) for f in page["results"]]
    assert names == [f"in-{n}.xml" for n in range(5)]
    assert "nextCursor" not in last
    assert checked.violations == []


def test_failures_are_survived(checked, simulator):
    simulator.fail(503, 429, "drop")
    answer = checked.submit(b"<Invoice/>", "F2.xml", {"name": "F2.xml", "flowSyntax": "CII", "trackingId": "T-2"})
    assert answer["flowId"] in simulator.flows
    assert len(simulator.flows) == 1


def test_a_lost_answer_does_not_send_twice(checked, simulator):
    # The platform takes the flow but answers after the client gave up waiting.
    simulator.fail("slow")
    answer = checked.submit(b"<Invoice/>", "F4.xml", {"name": "F4.xml", "flowSyntax": "CII", "trackingId": "T-4"})
    assert len(simulator.flows) == 1
    assert answer["trackingId"] == "T-4"
    assert answer["flowId"] in simulator.flows


def test_a_malformed_answer_is_an_error(checked, simulator):
    simulator.fail("garbage")
    with pytest.raises(ValueError):
        checked.search({})  # never silently taken for an empty result


def test_integrity_is_checked(checked):
    with pytest.raises(TransportError, match="INTEGRITY_ERROR"):
        checked.submit(b"<Invoice/>", "F3.xml", {"name": "F3.xml", "flowSyntax": "CII", "sha256": "0" * 64})


def test_webhooks_are_called(checked, simulator):
    received = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = checked.subscribe(
            {"callbackUrl": f"http://127.0.0.1:{server.server_address[1]}/hook", "flowDirection": "In"}
        )
        flow = simulator.deliver(b"<x/>", "in.xml")
        assert received == [{"flowId": flow["flowId"], "flowType": "SupplierInvoice"}]
        assert checked.webhooks()["webhookIds"] == [hook["webhookId"]]
        checked.unsubscribe(hook["webhookId"])
        assert checked.webhooks()["count"] == 0
    finally:
        server.shutdown()
        server.server_close()
    assert checked.violations == [], checked.violations


def test_the_openapi_check_catches_a_bad_request(checked):
    checked.request("POST", "/v1/flows/search", json={"limit": 10})  # no "where": not what the file allows
    assert len([v for v in checked.violations if v.startswith("request")]) == 1
