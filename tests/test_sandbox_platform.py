"""The sandbox platform an application serves itself: the buyer's answers, supplier invoices, tokens."""

import datetime
import json
import time

import pytest
import requests

from einvoice.api import build, load, xml_of
from einvoice.cdar import CdarParty, StatusMessage, build_cdar, parse_cdar
from einvoice.errors import TransportError
from einvoice.pdf import extract_xml
from einvoice.platform import ClientCredentials, DirectoryClient, FlowClient
from einvoice.testing import cases
from einvoice.testing.platform import (
    SANDBOX_SUPPLIER_SIREN,
    SandboxPlatform,
    sandbox_supplier_invoice,
)
from einvoice.testing.server import InProcessAdapter
from einvoice.validation import validate

BASE = "http://erp.example/einvoice/sandbox/platform/1"


def make_sandbox(**options):
    sandbox = SandboxPlatform("sandbox-1", "a-secret", name="Bac à sable", **options)
    sandbox.set_directory([(cases.BUYER_SIREN, "Client Industriel SA", False), (cases.SELLER_SIREN, "Atelier", False)])
    return sandbox


def clients(sandbox, hooks=()):
    session = requests.Session()
    session.mount(f"{BASE}/", InProcessAdapter(sandbox, BASE))
    session.hooks["response"].extend(hooks)
    auth = ClientCredentials(f"{BASE}/token", "sandbox-1", "a-secret")
    return (
        FlowClient(BASE, auth, session=session, backoff=0.001),
        DirectoryClient(BASE, auth, session=session, backoff=0.001),
    )


def submit(flows, invoice, tracking="T-1", syntax="CII"):
    content = build(invoice, syntax.lower())
    return flows.submit(
        content,
        f"{invoice.number}.xml",
        {"name": f"{invoice.number}.xml", "flowSyntax": syntax, "trackingId": tracking},
    )


def incoming_statuses(flows):
    found = flows.search({"flowDirection": ["In"], "flowType": ["CustomerInvoiceLC"]})["results"]
    return [parse_cdar(flows.download(flow["flowId"])) for flow in found]


@pytest.mark.parametrize(
    ("answer", "last", "reason"),
    [("approve", "205", None), ("refuse", "210", "TX_TVA_ERR"), ("dispute", "207", "TX_TVA_ERR")],
)
def test_the_buyer_answers_at_the_next_search(reference_dir, answer, last, reason):
    sandbox = make_sandbox(buyer_answer=answer, reason_code="TX_TVA_ERR", reason="Taux de TVA erroné")
    flows, _directory = clients(sandbox)
    invoice = cases.b2b_services()
    submitted = submit(flows, invoice)
    assert sandbox.pending and not [f for f in sandbox.flows.values() if f["flow"]["flowDirection"] == "In"]
    messages = incoming_statuses(flows)
    # The seller's platform gives its 200 (Déposée) first, as a real platform does.
    assert [m.status for m in messages] == ["200", "201", "202", "203", "204", last]
    assert [m.issuer.role for m in messages] == ["WK", "WK", "WK", "WK", "BY", "BY"]
    assert {m.invoice_number for m in messages} == {invoice.number}
    assert {m.seller.id for m in messages} == {cases.SELLER_SIREN}
    assert messages[-1].issuer.id == cases.BUYER_SIREN
    assert messages[0].recipients[0].uri == cases.SELLER_SIREN
    assert {m.received_at.date() for m in messages} == {datetime.datetime.now(datetime.timezone.utc).date()}
    if reason:
        detail = messages[-1].details[0]
        assert (detail.reason_code, detail.reason) == (reason, "Taux de TVA erroné")
        assert detail.action_code == ("NIN" if answer == "refuse" else "PIN")
    for message in messages:
        report = validate(build_cdar(message))
        assert report.fatal == [], [(f.rule_id, f.message_en) for f in report.fatal]
    # The upload is acknowledged, once, and nobody answers twice.
    out = flows.search({"flowDirection": ["Out"]})["results"]
    assert [(f["flowId"], f["acknowledgement"]["status"]) for f in out] == [(submitted["flowId"], "Ok")]
    assert incoming_statuses(flows) == messages
    assert not sandbox.pending


def test_updated_at_only_grows_so_a_cursor_misses_nothing():
    sandbox = make_sandbox()
    flows, _directory = clients(sandbox)
    submit(flows, cases.b2b_services())
    first = flows.search({"flowDirection": ["In"]})["results"]
    stamps = [flow["updatedAt"] for flow in first]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    submit(flows, cases.b2b_goods_standard(), tracking="T-2")
    later = flows.search({"flowDirection": ["In"], "updatedAfter": stamps[-1]})["results"]
    assert [parse_cdar(flows.download(f["flowId"])).invoice_number for f in later] == ["F2026-0001"] * 6


def test_a_credit_note_is_only_transmitted():
    sandbox = make_sandbox()
    flows, _directory = clients(sandbox)
    submit(flows, cases.credit_note())
    assert [m.status for m in incoming_statuses(flows)] == ["200", "201", "202", "203"]


def test_what_a_platform_refuses(reference_dir):
    sandbox = make_sandbox()
    flows, _directory = clients(sandbox)
    unreadable = flows.submit(
        b"<Invoice>?</Invoice>", "x.xml", {"name": "x.xml", "flowSyntax": "UBL", "trackingId": "A"}
    )
    consumer = submit(flows, cases.b2c_consumer(), tracking="B")
    first = submit(flows, cases.b2b_goods_standard(), tracking="C")
    again = submit(flows, cases.b2b_goods_standard(), tracking="D")
    acks = {f["flowId"]: f["acknowledgement"] for f in flows.search({"flowDirection": ["Out"]})["results"]}
    assert acks[unreadable["flowId"]]["details"][0]["reasonCode"] == "REJ_SEMAN"
    assert acks[consumer["flowId"]]["details"][0]["reasonCode"] == "DEST_INC"
    assert acks[first["flowId"]] == {"status": "Ok"}
    assert acks[again["flowId"]]["details"][0]["reasonCode"] == "DOUBLON"
    # The platform gives its 213 on what it could read and refused; only the accepted one goes further.
    statuses = [
        (m.invoice_number, m.status, m.details[0].reason_code if m.details else None) for m in incoming_statuses(flows)
    ]
    consumer_number = cases.b2c_consumer().number
    assert [s for s in statuses if s[1] == "213"] == [
        (consumer_number, "213", "DEST_INC"),
        ("F2026-0001", "213", "DOUBLON"),
    ]
    assert [s[1] for s in statuses if s[1] != "213"] == ["200", "201", "202", "203", "204", "205"]
    assert {s[0] for s in statuses if s[1] != "213"} == {"F2026-0001"}, "only the accepted one is answered"


def test_status_messages_submitted_are_kept_by_who_gives_them():
    sandbox = make_sandbox()
    flows, _directory = clients(sandbox)
    now = datetime.datetime(2026, 10, 2, 10, 15)
    seller = CdarParty(id=cases.SELLER_SIREN, scheme="0002")
    for role, status in (("BY", "205"), ("SE", "212")):
        message = StatusMessage(
            id=f"M-{status}",
            issued_at=now,
            status=status,
            invoice_number="F1",
            invoice_date=now.date(),
            seller=seller,
            issuer=CdarParty(id="552081317", scheme="0002", role=role),
        )
        flows.submit(build_cdar(message), f"{status}.xml", {"name": f"{status}.xml", "flowSyntax": "CDAR"})
    flows.submit(b"<x/>", "bad.xml", {"name": "bad.xml", "flowSyntax": "CDAR"})
    out = flows.search({"flowDirection": ["Out"]})["results"]
    assert [(f["name"], f["flowType"], f["acknowledgement"]["status"]) for f in out] == [
        ("205.xml", "SupplierInvoiceLC", "Ok"),
        ("212.xml", "CustomerInvoiceLC", "Ok"),
        ("bad.xml", "CustomerInvoiceLC", "Error"),
    ]
    assert not sandbox.pending


def test_tokens_prove_themselves_and_are_not_kept():
    sandbox = make_sandbox(token_lifetime=60)
    flows, _directory = clients(sandbox)
    assert flows.search({})["results"] == []
    token = flows.auth.header(flows.session, 5)[7:]
    assert sandbox._token_valid(token)
    assert "_tokens" not in json.loads(sandbox.dump_state())
    expires, _dot, mac = token.partition(".")
    assert not sandbox._token_valid(f"{int(expires) + 1}.{mac}"), "the expiry is signed"
    assert not sandbox._token_valid(f"{int(time.time()) - 1}.{sandbox._token_mac(int(time.time()) - 1)}")
    assert not sandbox._token_valid("garbage")
    other = SandboxPlatform("sandbox-1", "another-secret")
    assert not other._token_valid(token), "a new secret revokes the tokens"
    wrong = FlowClient(BASE, ClientCredentials(f"{BASE}/token", "sandbox-1", "nope"), session=flows.session)
    with pytest.raises(TransportError, match="refused the client credentials"):
        wrong.search({})


def test_no_webhooks():
    sandbox = make_sandbox()
    flows, _directory = clients(sandbox)
    with pytest.raises(TransportError, match="403 WEBHOOKS_NOT_OFFERED"):
        flows.subscribe({"callbackUrl": "http://127.0.0.1:1/hook"})
    assert flows.webhooks()["count"] == 0


def test_the_directory_knows_exactly_whom_it_is_given():
    sandbox = make_sandbox()
    _flows, directory = clients(sandbox)
    assert directory.lines_of(cases.BUYER_SIREN)[0]["platformType"] == "WK"
    sandbox.set_directory([(cases.PUBLIC_SIREN, "Mairie de Paris", True)])
    assert directory.lines_of(cases.BUYER_SIREN) == []
    line = directory.lines_of(cases.PUBLIC_SIREN)[0]
    assert (line["platformType"], line["legalUnit"]["entityType"]) == ("DFH", "Public")


def test_supplier_invoices_arrive_as_valid_facturx(reference_dir):
    sandbox = make_sandbox()
    flows, _directory = clients(sandbox)
    buyer = cases.seller()
    day = datetime.date(2026, 12, 1)
    delivered = [sandbox.deliver_supplier_invoice(buyer, day) for _n in range(4)]
    assert [invoice.number for _flow, invoice in delivered] == [f"FL-2026-0000{n}" for n in range(1, 5)]
    assert [invoice.business_process for _flow, invoice in delivered] == ["B1", "S1", "M1", "B1"]
    found = flows.search({"flowDirection": ["In"], "flowType": ["SupplierInvoice"]})["results"]
    assert [(f["flowSyntax"], f["name"]) for f in found] == [("Factur-X", f"FL-2026-0000{n}.pdf") for n in range(1, 5)]
    pdf = flows.download(found[0]["flowId"])
    filename, xml = extract_xml(pdf)
    assert filename == "factur-x.xml" and b"FL-2026-00001" in xml
    report = validate(xml_of(pdf)[0], facturx=True)
    assert report.fatal == [], [(f.rule_id, f.message_en) for f in report.fatal]
    invoice = load(pdf).invoice
    assert (invoice.seller.siren, invoice.buyer.siren) == (SANDBOX_SUPPLIER_SIREN, cases.SELLER_SIREN)
    assert (invoice.totals.tax_exclusive, invoice.totals.tax_inclusive) == (
        delivered[0][1].totals.tax_exclusive,
        delivered[0][1].totals.tax_inclusive,
    )
    assert str(invoice.totals.tax_inclusive) == "396.12"
    # Forgetting the flows keeps the numbering: a supplier never reuses a number.
    sandbox.reset()
    assert sandbox.flows == {} and sandbox.sequence == 4
    assert sandbox.deliver_supplier_invoice(buyer, day)[1].number == "FL-2026-00005"


def test_a_services_invoice_covers_last_month():
    invoice = sandbox_supplier_invoice(cases.seller(), 2, datetime.date(2026, 3, 10))
    assert (invoice.period.start, invoice.period.end) == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert str(invoice.totals.tax_inclusive) == "690.00"


def test_the_state_round_trip_keeps_pending_answers():
    sandbox = make_sandbox(buyer_answer="refuse")
    flows, _directory = clients(sandbox)
    submit(flows, cases.b2b_services())
    restored = SandboxPlatform("sandbox-1", "a-secret")  # approves: the answer was decided on arrival
    restored.load_state(sandbox.dump_state())
    assert [m.status for m in incoming_statuses(clients(restored)[0])][-1] == "210"


def test_the_sandbox_speaks_the_openapi_files(reference_dir):
    openapi_core = pytest.importorskip("openapi_core")
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    apis = {}
    for name in ("flow", "directory"):
        spec = json.loads((reference_dir / "fnfe-rfe" / "openapi" / f"afnor-{name}-service-1.3.0.json").read_text())
        spec["servers"] = [{"url": BASE}]
        apis[name] = openapi_core.OpenAPI.from_dict(spec)
    violations = []
    checked = 0

    def check(response, *args, **kwargs):
        nonlocal checked
        path = response.request.url[len(BASE) :]
        if not path.startswith("/v1/"):
            return response
        checked += 1
        api = apis["flow"] if path.startswith(("/v1/flows", "/v1/webhooks", "/v1/healthcheck")) else apis["directory"]
        request = RequestsOpenAPIRequest(response.request)
        for label, call in (
            ("request", lambda: api.validate_request(request)),
            ("response", lambda: api.validate_response(request, RequestsOpenAPIResponse(response))),
        ):
            try:
                call()
            except Exception as exc:  # noqa: BLE001 - every kind of violation is recorded
                violations.append(f"{label} {response.request.method} {path}: {exc!r}")
        return response

    sandbox = make_sandbox()
    flows, directory = clients(sandbox, hooks=[check])
    submit(flows, cases.b2b_services())
    for found in flows.search({"flowDirection": ["In"]})["results"]:
        flows.download(found["flowId"])
        flows.metadata(found["flowId"])
    directory.lines_of(cases.BUYER_SIREN)
    assert violations == [], violations
    assert checked == 15, "every exchange but the token was checked: submit, search, 6 x 2 reads, directory"
