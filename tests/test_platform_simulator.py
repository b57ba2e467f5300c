"""The platform simulator and the Flow client together, every exchange checked against the OpenAPI file."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from einvoice.errors import TransportError
from einvoice.platform import ClientCredentials, DirectoryClient, FlowClient, verify
from einvoice.platform.directory import best_line
from einvoice.platform.http import ResponseTooLarge
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
    with pytest.raises(TransportError, match="malformed answer"):
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
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = (self.headers["Afnor-Signature"], self.headers["Afnor-Signature-Timestamp"])
            received.append((body, *headers))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = checked.subscribe(
            {"callbackUrl": f"http://127.0.0.1:{server.server_address[1]}/hook", "flowDirection": "In"}
        )
        assert len(base64.b64decode(hook["signingKey"])) == 32  # 256 bits, given once
        flow = simulator.deliver(b"<x/>", "in.xml")
        [(body, signature, timestamp)] = received
        # The callback carries the Flow object, signed with the subscription's key.
        assert json.loads(body) == flow and flow["flowType"] == "SupplierInvoice"
        assert verify(hook["signingKey"], body, signature, timestamp) == (True, "")
        assert verify(hook["signingKey"], body + b" ", signature, timestamp)[0] is False
        assert verify(hook["signingKey"], body, signature, timestamp, now=int(timestamp) + 3600)[0] is False
        other_key = base64.b64encode(b"k" * 32).decode()
        assert verify(other_key, body, signature, timestamp) == (False, "signature does not match")
        assert checked.webhooks()["webhookIds"] == [hook["webhookId"]]
        assert "signingKey" not in checked.webhooks()["webhooks"][0]
        checked.unsubscribe(hook["webhookId"])
        assert checked.webhooks()["count"] == 0
    finally:
        server.shutdown()
        server.server_close()
    assert checked.violations == [], checked.violations


def test_the_openapi_check_catches_a_bad_request(checked):
    checked.request("POST", "/v1/flows/search", json={"limit": 10})  # no "where": not what the file allows
    assert len([v for v in checked.violations if v.startswith("request")]) == 1


def test_metadata_acknowledgement_and_paging(checked, simulator):
    sent = [
        checked.submit(b"<rsm:CrossIndustryInvoice/>", f"F{n}.xml", {"name": f"F{n}.xml", "flowSyntax": "CII"})
        for n in range(5)
    ]
    assert checked.metadata(sent[0]["flowId"])["acknowledgement"] == {"status": "Ok"}
    simulator.acknowledge(sent[1]["flowId"], "Error", reason="BR-FR-12: SIREN missing")
    rejected = checked.metadata(sent[1]["flowId"])["acknowledgement"]
    assert rejected["status"] == "Error" and rejected["details"][0]["reasonMessage"] == "BR-FR-12: SIREN missing"
    assert [f["flowId"] for f in checked.search_all({"flowDirection": ["Out"]}, limit=2)] == sorted(
        (f["flowId"] for f in sent), key=lambda i: (simulator.flows[i]["flow"]["updatedAt"], i)
    )
    assert [f["flowId"] for f in checked.search({"ackStatus": "Error"})["results"]] == [sent[1]["flowId"]]
    assert checked.violations == [], checked.violations


def test_every_tenth_call_fails_and_nothing_is_sent_twice(checked, simulator):
    simulator.fail_every(10)
    for n in range(30):
        checked.submit(b"<x/>", f"F{n}.xml", {"name": f"F{n}.xml", "flowSyntax": "CII", "trackingId": f"T{n}"})
    tracking = sorted(f["flow"]["trackingId"] for f in simulator.flows.values())
    assert tracking == sorted(f"T{n}" for n in range(30))
    assert checked.violations == [], checked.violations


@pytest.fixture
def directory(reference_dir, simulator):
    spec = json.loads((reference_dir / "fnfe-rfe" / "openapi" / "afnor-directory-service-1.3.0.json").read_text())
    spec["servers"] = [{"url": simulator.url}]
    # The official file contradicts itself: the status enum holds "Disabled" (8 characters)
    # under a maxLength of 7. The enum is the meaning; the length is lifted to fit it.
    for name in ("directoryLineStatus", "uniqueDirectoryLineStatus"):
        assert "Disabled" in spec["components"]["schemas"][name]["enum"]
        spec["components"]["schemas"][name]["maxLength"] = 8
    api = openapi_core.OpenAPI.from_dict(spec)
    violations = []

    def check(response, *args, **kwargs):
        if "/v1/" not in response.request.url:
            return response
        request = RequestsOpenAPIRequest(response.request)
        try:
            api.validate_request(request)
            api.validate_response(request, RequestsOpenAPIResponse(response))
        except Exception as exc:  # noqa: BLE001 - every kind of violation is recorded
            violations.append(f"{response.request.method} {response.request.url}: {exc!r} {exc.__cause__!r}")
        return response

    client = DirectoryClient(simulator.url, ClientCredentials(simulator.token_url, "odoo", "s3cret"), backoff=0.01)
    client.session.hooks["response"].append(check)
    client.violations = violations
    return client


def test_directory_answers_follow_the_openapi_file(directory, simulator):
    simulator.register("552081317", "Buyer SA")
    simulator.register("552081317", "Buyer SA", siret="55208131700016")
    simulator.register("552081317", "Buyer SA", siret="55208131700016", routing_code="SERV-1", status="Disabled")
    simulator.register("110000007", "Ville de Test", siret="11000000700012", entity_type="Public")
    assert directory.siren("552081317")["businessName"] == "Buyer SA"
    assert directory.siret("11000000700012")["legalUnit"]["entityType"] == "Public"
    lines = directory.lines_of("552081317")
    assert sorted(line["addressingIdentifier"] for line in lines) == [
        "552081317",
        "552081317_55208131700016",
        "552081317_55208131700016_SERV-1",
    ]
    assert lines[0]["legalUnit"]["siren"] == "552081317"
    assert best_line(lines)["addressingIdentifier"] == "552081317"
    assert best_line(lines, siret="55208131700016")["addressingIdentifier"] == "552081317_55208131700016"
    line = best_line(lines, siret="55208131700016", routing_code="SERV-1")
    assert line["directoryLineStatus"] == "Disabled"
    assert best_line(lines, siret="55208131799999")["addressingIdentifier"] == "552081317"
    assert directory.lines_of("999999999") == []
    found = directory.search("siren", {"filters": {"businessName": {"op": "contains", "value": "ville"}}})
    assert [unit["siren"] for unit in found["results"]] == ["110000007"]
    found = directory.search("siret", {"filters": {"siren": {"op": "strict", "value": "552081317"}}})
    assert [facility["siret"] for facility in found["results"]] == ["55208131700016"]
    routing = directory.routing_code("55208131700016", "SERV-1")
    assert (routing["routingIdentifierType"], routing["legalUnit"]["siren"]) == ("0224", "552081317")
    assert directory.healthcheck()
    with pytest.raises(TransportError) as caught:
        directory.routing_code("55208131700016", "NOPE")
    assert caught.value.status == 404
    with pytest.raises(TransportError) as caught:
        directory.siren("999999999")
    assert caught.value.status == 404
    assert directory.violations == [], directory.violations


def test_a_malformed_answer_to_a_submission_is_a_lost_answer(checked, simulator):
    simulator.fail("garbage")
    answer = checked.submit(b"<x/>", "G.xml", {"name": "G.xml", "flowSyntax": "CII", "trackingId": "G-1"})
    assert [entry["flow"]["trackingId"] for entry in simulator.flows.values()] == ["G-1"]
    assert answer["trackingId"] == "G-1"


def test_a_download_over_the_limit_is_refused_while_it_arrives(checked, simulator):
    flow = simulator.deliver(b"<x>" + b"a" * 300_000 + b"</x>", "big.xml")
    with pytest.raises(ResponseTooLarge):
        checked.download(flow["flowId"], max_bytes=100_000)
    assert len(checked.download(flow["flowId"], max_bytes=400_000)) == 300_007
