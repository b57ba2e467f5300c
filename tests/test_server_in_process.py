"""Simulators without a socket: one raw exchange in-process, the state as JSON, a requests adapter."""

import json

import pytest
import requests

from einvoice.errors import TransportError
from einvoice.platform import ClientCredentials, FlowClient
from einvoice.testing.platform import PlatformSimulator
from einvoice.testing.server import InProcessAdapter, SimulatedService

BASE = "http://odoo.example/sandbox/7"


@pytest.fixture
def platform():
    return PlatformSimulator(client_id="odoo", client_secret="s3cret", listen=False)


@pytest.fixture
def flows(platform):
    session = requests.Session()
    session.mount(f"{BASE}/", InProcessAdapter(platform, BASE))
    return FlowClient(BASE, ClientCredentials(f"{BASE}/token", "odoo", "s3cret"), session=session, backoff=0.001)


def test_a_service_without_socket_has_no_url_and_cannot_be_started():
    service = PlatformSimulator(listen=False)
    assert service.server is None and service.url is None
    with pytest.raises(RuntimeError, match="without a socket"), service:
        pass


def test_handle_runs_the_same_handler(platform):
    status, headers, body = platform.handle("GET", "/v1/healthcheck")
    assert (status, body) == (200, b"")
    assert dict(headers)["Content-Length"] == "0"
    status, headers, body = platform.handle("POST", "/v1/flows/search", {"Content-Type": "application/json"}, b"{}")
    assert status == 401
    assert json.loads(body)["errorCode"] == "UNAUTHORIZED"
    assert platform.requests == [("GET", "/v1/healthcheck"), ("POST", "/v1/flows/search")]
    # The caller's framing headers are replaced by the exchange's own.
    status, _headers, body = platform.handle(
        "POST", "/token", [("Authorization", "Basic b2RvbzpzM2NyZXQ="), ("Content-Length", "999")], b""
    )
    assert status == 200 and json.loads(body)["token_type"] == "Bearer"


def test_handle_keeps_the_query_string(platform):
    platform.deliver(b"<x/>", "x.xml")
    flow_id = next(iter(platform.flows))
    token = json.loads(platform.handle("POST", "/token", {"Authorization": "Basic b2RvbzpzM2NyZXQ="})[2])
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    status, headers, body = platform.handle("GET", f"/v1/flows/{flow_id}?docType=Original", auth)
    assert (status, body) == (200, b"<x/>")
    assert dict(headers)["Content-Type"] == "application/octet-stream"
    status, _headers, body = platform.handle("GET", f"/v1/flows/{flow_id}", auth)
    assert json.loads(body)["flowId"] == flow_id


class _Store(SimulatedService):
    state_attributes = ("items", "seen", "untouched")

    def __init__(self):
        super().__init__(listen=False)
        self.items = {}
        self.seen = set()
        self.untouched = "default"


def test_state_round_trip_with_bytes_tuples_sets_and_odd_keys():
    store = _Store()
    store.items = {
        "plain": {"content": b"\x00\xffPDF", "nested": [b"a", (1, "b")]},
        ("SIRET", "CODE"): {"routing": "x"},
        7: "int key",
        "$dollar": "a key that looks like a tag",
    }
    store.seen = {"t1", "t2"}
    text = store.dump_state()
    json.loads(text)  # JSON text
    again = _Store()
    again.untouched = "kept"
    again.load_state(text)
    assert again.items == store.items
    assert isinstance(again.items["plain"]["nested"][1], tuple)
    assert again.items[("SIRET", "CODE")] == {"routing": "x"}
    assert again.seen == {"t1", "t2"}
    assert again.untouched == "default", "every state attribute is restored"
    # A state without an attribute leaves it; an empty state changes nothing.
    partial = _Store()
    partial.untouched = "kept"
    partial.load_state(json.dumps({"items": {}}))
    assert partial.untouched == "kept"
    partial.load_state("")
    assert partial.items == {}


def test_a_platform_survives_a_dump_and_load_between_requests(flows, platform):
    answer = flows.submit(b"<Invoice/>", "F1.xml", {"name": "F1.xml", "flowSyntax": "UBL", "trackingId": "T-1"})
    platform.register("552081317", "Client Industriel SA", siret="55208131700018", routing_code="ACHATS")
    restored = PlatformSimulator(client_id="odoo", client_secret="s3cret", listen=False)
    restored.load_state(platform.dump_state())
    assert restored.flows[answer["flowId"]]["content"] == b"<Invoice/>"
    assert ("55208131700018", "ACHATS") in restored.routing_codes
    assert restored._tokens == platform._tokens, "a token given before the restart is still good"
    flows.session.mount(f"{BASE}/", InProcessAdapter(restored, BASE))
    assert flows.search({"trackingId": "T-1"})["results"][0]["flowId"] == answer["flowId"]


def test_the_adapter_carries_the_flow_client(flows, platform):
    answer = flows.submit(b"<Invoice/>", "F1.xml", {"name": "F1.xml", "flowSyntax": "UBL", "trackingId": "T-1"})
    assert answer["trackingId"] == "T-1"
    assert platform.flows[answer["flowId"]]["content"] == b"<Invoice/>"
    platform.deliver(b"<rsm:CrossIndustryInvoice/>", "in.xml")
    found = flows.search({"flowDirection": ["In"]})["results"]
    assert [flow["name"] for flow in found] == ["in.xml"]
    assert flows.download(found[0]["flowId"]) == b"<rsm:CrossIndustryInvoice/>"
    assert flows.healthcheck()
    assert ("POST", "/token") in platform.requests, "the token request went through the adapter too"


def test_a_dropped_connection_is_a_requests_connection_error(flows, platform):
    platform.fail("drop")
    session = flows.session
    with pytest.raises(requests.ConnectionError, match="without answering"):
        session.get(f"{BASE}/v1/healthcheck")
    # The client retries it like any lost connection, and fails when every attempt is lost.
    platform.fail("drop")
    assert flows.healthcheck()
    flows.max_attempts = 2
    platform.fail("drop", "drop")
    with pytest.raises(TransportError, match="ConnectionError after 2 attempt"):
        flows.healthcheck()


def test_other_failures_come_through_the_adapter(flows, platform):
    platform.fail(503)
    assert flows.search({})["results"] == [], "retried after the 503"
    platform.fail("garbage")
    with pytest.raises(TransportError, match="malformed"):
        flows.search({})
    platform.fail(429)
    assert flows.search({})["results"] == [], "retried after the 429 (Retry-After: 0)"
