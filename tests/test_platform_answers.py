"""The Flow client against answers a real platform may give: lost, malformed, off contract;
and the simulated platform's own statuses (200, 213) on the invoices it takes."""

import pytest

from einvoice.api import build
from einvoice.cdar import parse_cdar
from einvoice.errors import EInvoiceError, TransportError
from einvoice.platform import ClientCredentials, DirectoryClient, FlowClient, MalformedFlow, ProtocolError, check_flow
from einvoice.platform.directory import best_line, choose_line
from einvoice.testing import cases
from einvoice.testing.platform import PlatformSimulator

UPDATED = "2026-09-15T10:00:00.000000Z"


@pytest.fixture
def platform():
    with PlatformSimulator() as simulator:
        yield simulator


def flow_client(platform, **options):
    return FlowClient(
        platform.url, ClientCredentials(platform.token_url, "odoo", "s3cret"), timeout=2, backoff=0.01, **options
    )


def posts(platform):
    return [path for method, path in platform.requests if (method, path) == ("POST", "/v1/flows")]


def submit(client, tracking="T-1", content=b"<x/>"):
    return client.submit(content, "F.xml", {"name": "F.xml", "flowSyntax": "CII", "trackingId": tracking})


# --- submissions: never twice --------------------------------------------------------------


def test_a_502_after_the_platform_stored_the_flow_ends_with_one_submission(platform):
    client = flow_client(platform)
    platform.script("POST", "/v1/flows", 502, {"errorCode": "BAD_GATEWAY", "errorMessage": "proxy"}, after=True)
    answer = submit(client)
    assert len(platform.submissions()) == 1, "looked up by its tracking id, not sent again"
    assert answer["flowId"] == platform.submissions()[0]["flowId"]
    assert len(posts(platform)) == 1


def test_a_504_then_a_lost_lookup_answer_never_sends_twice(platform):
    client = flow_client(platform, max_attempts=3)
    platform.script("POST", "/v1/flows", 504, {"errorCode": "TIMEOUT", "errorMessage": "gateway"}, after=True)
    # The look-up is retried like any search (3 attempts), and fails every time.
    platform.script("POST", "/v1/flows/search", 503, {"errorCode": "UNAVAILABLE", "errorMessage": "busy"}, times=3)
    # The submission's fate is unknown: the call fails, without a second POST.
    with pytest.raises(TransportError) as caught:
        submit(client)
    assert caught.value.status == 503
    assert len(posts(platform)) == 1
    # The next attempt (a later run) looks it up first and finds it.
    assert client.find("T-1")["flowId"] == platform.submissions()[0]["flowId"]


def test_an_empty_list_for_an_answer_is_looked_up_then_sent_once(platform):
    client = flow_client(platform)
    platform.script("POST", "/v1/flows", 202, [])  # answered before anything was stored
    answer = submit(client)
    assert [flow["trackingId"] for flow in platform.submissions()] == ["T-1"]
    assert answer["flowId"] == platform.submissions()[0]["flowId"]
    assert len(posts(platform)) == 2


def test_an_answer_without_flow_id_on_every_attempt_is_a_protocol_error(platform):
    client = flow_client(platform, max_attempts=2)
    platform.script("POST", "/v1/flows", 202, {"submittedAt": UPDATED}, times=2)
    with pytest.raises(ProtocolError, match="flowId is missing") as caught:
        submit(client)
    assert isinstance(caught.value, TransportError) and isinstance(caught.value, EInvoiceError)
    assert caught.value.status == 202
    assert platform.submissions() == []


def test_without_a_tracking_id_an_ambiguous_failure_is_not_retried(platform):
    client = flow_client(platform)
    platform.script("POST", "/v1/flows", 502, {"errorCode": "BAD_GATEWAY", "errorMessage": "proxy"}, after=True)
    with pytest.raises(TransportError) as caught:
        client.submit(b"<x/>", "F.xml", {"name": "F.xml", "flowSyntax": "CII"})
    assert caught.value.status == 502
    assert len(posts(platform)) == 1 and len(platform.submissions()) == 1


def test_a_flow_of_another_tracking_id_is_never_taken_for_ours(platform):
    client = flow_client(platform)
    submit(client, tracking="OTHER")
    # A platform that ignores the trackingId criterion answers every flow.
    platform.script("POST", "/v1/flows/search", 200, {"results": [platform.submissions()[0]]})
    assert client.find("T-1") is None


def test_a_search_answer_that_is_not_an_object_is_a_protocol_error(platform):
    client = flow_client(platform)
    platform.script("POST", "/v1/flows/search", 200, [])
    with pytest.raises(ProtocolError, match="a JSON object is expected, not a list of 0 item"):
        client.search({})
    platform.script("POST", "/v1/flows/search", 200, {"results": {"flowId": "x"}})
    with pytest.raises(ProtocolError, match="results is not a list"):
        client.search({})


# --- flows checked one by one ----------------------------------------------------------------


def good_flow(**values):
    return {"flowId": "F-1", "updatedAt": UPDATED, "acknowledgement": {"status": "Ok"}, **values}


@pytest.mark.parametrize(
    ("flow", "problem"),
    [
        ([], "a Flow object is expected, not a list"),
        ({"updatedAt": UPDATED, "acknowledgement": {"status": "Ok"}}, "flowId is missing"),
        ({"flowId": "x" * 65, "updatedAt": UPDATED, "acknowledgement": {"status": "Ok"}}, "flowId is missing"),
        ({"flowId": "F-1", "acknowledgement": {"status": "Ok"}}, "updatedAt is missing"),
        (good_flow(updatedAt="zzzz"), "updatedAt is missing or not a date-time"),
        (good_flow(acknowledgement={"status": "Fine"}), "acknowledgement.status"),
        (good_flow(acknowledgement=None), "acknowledgement.status"),
        (good_flow(acknowledgement={"status": "Error", "details": "bad"}), "acknowledgement.details"),
        (good_flow(trackingId=12), "trackingId"),
        (good_flow(name=["x"]), "name is not a text"),
    ],
)
def test_a_malformed_flow_names_its_defect(flow, problem):
    with pytest.raises(MalformedFlow, match=problem):
        check_flow(flow)


def test_what_a_malformed_flow_still_tells():
    with pytest.raises(MalformedFlow) as caught:
        check_flow({"flowId": "F-9", "trackingId": "T-9", "acknowledgement": {"status": "Ok"}})
    assert (caught.value.flow_id, caught.value.tracking_id, caught.value.updated_at) == ("F-9", "T-9", None)
    with pytest.raises(MalformedFlow) as caught:
        check_flow({"updatedAt": UPDATED, "acknowledgement": {}})
    assert (caught.value.flow_id, caught.value.updated_at) == (None, UPDATED)
    assert check_flow(good_flow()) == good_flow()


def test_a_corrupted_flow_is_described_without_its_fields(platform):
    client = flow_client(platform)
    delivered = platform.deliver(b"<x/>", "x.xml")
    platform.corrupt(delivered["flowId"], "updatedAt", flowType=42)
    found = client.search({"flowDirection": ["In"]})["results"][0]
    assert "updatedAt" not in found and found["flowType"] == 42
    with pytest.raises(MalformedFlow, match="updatedAt"):
        client.metadata(delivered["flowId"])


# --- the platform's own statuses -------------------------------------------------------------


def invoice_bytes():
    return build(cases.b2b_goods_standard(), "cii")


def statuses(client):
    found = client.search({"flowDirection": ["In"], "flowType": ["CustomerInvoiceLC"]})["results"]
    return [parse_cdar(client.download(flow["flowId"])) for flow in found]


def test_an_invoice_that_passes_the_checks_gets_the_platform_s_200(platform):
    client = flow_client(platform)
    submit(client, content=invoice_bytes())
    [message] = statuses(client)
    assert (message.status, message.issuer.role, message.invoice_number) == ("200", "WK", "F2026-0001")
    assert message.seller.id == cases.SELLER_SIREN


def test_an_invoice_held_then_refused_gets_only_the_213(platform):
    client = flow_client(platform)
    platform.hold_submissions = True
    answer = submit(client, content=invoice_bytes())
    assert platform.submissions()[0]["acknowledgement"] == {"status": "Pending"}
    assert statuses(client) == []
    platform.acknowledge(answer["flowId"], "Error", reason_code="REJ_COH", reason="BR-FR-12")
    platform.acknowledge(answer["flowId"], "Ok")  # nothing after a 213
    [message] = statuses(client)
    assert (message.status, message.details[0].reason_code, message.details[0].reason) == ("213", "REJ_COH", "BR-FR-12")


def test_what_the_platform_cannot_read_gets_no_status(platform):
    client = flow_client(platform)
    submit(client)
    assert statuses(client) == []
    assert platform.submissions()[0]["acknowledgement"] == {"status": "Ok"}


# --- the directory: every addressing mesh ------------------------------------------------------


def line(address, status="Enabled", **values):
    return {"addressingIdentifier": address, "siren": address[:9], "directoryLineStatus": status, **values}


def test_a_company_addressed_only_by_a_suffix_is_found():
    lines = [line("552081317_FACTURES", addressingSuffix="FACTURES")]
    assert best_line(lines)["addressingIdentifier"] == "552081317_FACTURES"
    assert best_line(lines, address="552081317_FACTURES")["addressingIdentifier"] == "552081317_FACTURES"


def test_the_partner_s_electronic_address_says_which_line():
    siren_line = line("552081317")
    suffix_a = line("552081317_ACHATS", addressingSuffix="ACHATS")
    suffix_b = line("552081317_TRAVAUX", addressingSuffix="TRAVAUX")
    assert best_line([siren_line, suffix_a, suffix_b]) is siren_line
    assert best_line([siren_line, suffix_a, suffix_b], address="552081317_TRAVAUX") is suffix_b
    assert choose_line([suffix_a, suffix_b]) == (None, [suffix_a, suffix_b]), "two suffixes: the partner must say"
    assert choose_line([suffix_a, suffix_b], address="552081317_ACHATS") == (suffix_a, [])


def test_routing_codes_resolve():
    siret = "55208131700016"
    routing = line(f"552081317_{siret}_SERV-1", siret=siret, routingIdentifier="SERV-1")
    other = line(f"552081317_{siret}_SERV-2", siret=siret, routingIdentifier="SERV-2", status="Disabled")
    assert best_line([routing], siret=siret) is routing, "the one service of the facility"
    assert best_line([routing, other], siret=siret) is routing, "the one that receives"
    assert best_line([routing, other], siret=siret, routing_code="SERV-2") is other
    assert best_line([routing], siret="55208131799999") is None, "another facility's service"
    assert best_line([routing], siret=siret, routing_code="SERV-9") is None, "another service"


def test_lines_of_follow_the_pages(platform):
    for number in range(7):
        platform.register("552081317", "Buyer SA", suffix=f"S{number}")
    directory = DirectoryClient(platform.url, ClientCredentials(platform.token_url, "odoo", "s3cret"), backoff=0.01)
    lines = directory.lines_of("552081317", limit=3)
    assert sorted(found["addressingSuffix"] for found in lines) == [f"S{number}" for number in range(7)]
    platform.script("POST", "/v1/directory-line/search", 200, {"results": [{"siren": "552081317"}]})
    with pytest.raises(ProtocolError, match="addressingIdentifier"):
        directory.lines_of("552081317")
