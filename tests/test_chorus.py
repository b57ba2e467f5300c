"""The Chorus Pro client against the PISTE + Chorus Pro simulator on 127.0.0.1."""

import base64
import io
import logging
import tarfile
import time

import pytest
import requests
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from einvoice import lifecycle
from einvoice.api import build
from einvoice.chorus import (
    ChorusProClient,
    ChorusProError,
    DepositUncertain,
    FlowTooLargeError,
    OutcomeUnknown,
    PisteCredentials,
    build_batch,
    codes,
    explain,
    guess_syntax,
    safe_filename,
)
from einvoice.codes import Scheme
from einvoice.model import Identifier, french_electronic_address
from einvoice.testing.cases import CASES, PUBLIC_SIREN, PUBLIC_SIRET, SELLER_SIRET
from einvoice.testing.chorus import BUYER_PATH, SERVICE_DONE_COMMENT, ChorusProSimulator
from einvoice.testing.server import InProcessAdapter


def _siret(nic_start):
    """A valid SIRET of the public buyer's SIREN (another establishment)."""
    body = f"{PUBLIC_SIREN}{nic_start:04d}"
    value = body + luhn.calc_check_digit(body)
    assert stdnum_siret.is_valid(value)
    return value


COMMITMENT_SIRET = _siret(2)  # requires a commitment number
EITHER_SIRET = _siret(3)  # requires a service code or a commitment number
CLOSED_SIRET = _siret(4)  # inactive
UNKNOWN_SIRET = _siret(5)  # not in Chorus Pro
SERVICES = [("SERV-ACHATS", "Service achats"), ("SERV-TRAVAUX", "Travaux")] + [
    (f"SERV-{n:02d}", f"Service {n}") for n in range(12)
]


@pytest.fixture
def sim():
    with ChorusProSimulator(slow_seconds=2) as simulator:
        simulator.add_structure(SELLER_SIRET, "Atelier Dupont SARL", public=False)
        simulator.add_structure(
            PUBLIC_SIRET,
            "Mairie de Paris",
            service_required=True,
            services=[*SERVICES, ("SERV-FERME", "Service fermé", False)],
            commitments={"EJ-1000234567", "EJ-2000000001"},
        )
        simulator.add_structure(COMMITMENT_SIRET, "Mairie - travaux", commitment_required=True)
        simulator.add_structure(EITHER_SIRET, "Mairie - écoles", service_or_commitment=True)
        simulator.add_structure(CLOSED_SIRET, "Ancienne régie", active=False)
        yield simulator


def make_client(sim, **options):
    credentials = PisteCredentials(
        sim.client_id, sim.client_secret, token_url=sim.token_url, clock=options.pop("clock", None)
    )
    options.setdefault("timeout", 1)
    options.setdefault("backoff", 0.01)
    return ChorusProClient(sim.api_url, credentials, sim.login, sim.password, **options)


@pytest.fixture
def client(sim):
    return make_client(sim)


def public_invoice(number, service="SERV-ACHATS", commitment="EJ-1000234567", buyer_siret=PUBLIC_SIRET):
    """The project's B2G case, with this number and routing data (BT-10, BT-13, buyer SIRET)."""
    invoice = CASES["b2g_public_buyer"]()
    invoice.number = number
    invoice.buyer_reference = service
    invoice.purchase_order_reference = commitment
    invoice.buyer.identifiers = [Identifier(buyer_siret, Scheme.SIRET)]
    invoice.buyer.electronic_address = french_electronic_address(PUBLIC_SIREN, buyer_siret, service)
    return invoice


def files(*invoices, to="cii"):
    suffix = {"cii": "xml", "ubl": "xml", "facturx": "pdf"}[to]
    return [(f"{invoice.number}.{suffix}", build(invoice, to)) for invoice in invoices]


def api_calls(sim, route):
    return [r for r in sim.requests if r[1] == f"/cpro/{route}"]


# --- PISTE token and headers ---------------------------------------------------------------


def test_token_is_asked_with_form_fields_and_cached(sim, client):
    for _ in range(3):
        assert client.structure_id(PUBLIC_SIRET) is not None
    assert sim.tokens_issued == 1
    token_requests = [e for e in sim.exchanges if e["path"] == "/api/oauth/token"]
    assert len(token_requests) == 1
    form = token_requests[0]["body"].decode()
    assert "grant_type=client_credentials" in form and "scope=openid" in form
    assert f"client_id={sim.client_id}" in form and f"client_secret={sim.client_secret}" in form
    assert not any(name.lower() == "authorization" for name, _ in token_requests[0]["headers"])


def test_every_api_call_carries_the_token_and_the_technical_account(sim, client):
    client.structure_id(PUBLIC_SIRET)
    client.history(
        client.deposit_report(client.deposit_invoices(files(public_invoice("F-1"))).numero_flux).invoices[0].invoice_id
    )
    account = base64.b64encode(f"{sim.login}:{sim.password}".encode()).decode()
    api = [e for e in sim.exchanges if e["path"].startswith("/cpro/")]
    assert len(api) >= 4
    for exchange in api:
        headers = dict(exchange["headers"])
        assert headers["Authorization"].startswith("Bearer ")
        assert headers["cpro-account"] == account
        assert headers["Content-Type"] == "application/json;charset=utf-8"


def test_token_is_renewed_when_it_expires_on_the_client_clock(sim):
    now = [1000.0]
    client = make_client(sim, clock=lambda: now[0])
    client.structure_id(PUBLIC_SIRET)
    now[0] += 3600 - 60 - 1  # just before expiry minus the margin
    client.structure_id(PUBLIC_SIRET)
    assert sim.tokens_issued == 1
    now[0] += 2
    client.structure_id(PUBLIC_SIRET)
    assert sim.tokens_issued == 2


def test_a_short_lived_token_is_renewed_in_real_time(sim):
    sim.token_lifetime = 1
    client = ChorusProClient(
        sim.api_url,
        PisteCredentials(sim.client_id, sim.client_secret, token_url=sim.token_url, margin=0),
        sim.login,
        sim.password,
        backoff=0.01,
    )
    client.structure_id(PUBLIC_SIRET)
    time.sleep(1.1)
    client.structure_id(PUBLIC_SIRET)
    assert sim.tokens_issued == 2
    assert not [r for r in sim.requests if r[1] == "/cpro/structures/v1/rechercher"][2:]  # no 401 round


def test_a_token_refused_by_piste_is_renewed_once(sim, client):
    client.structure_id(PUBLIC_SIRET)
    sim.revoke_tokens()
    assert client.structure_id(PUBLIC_SIRET) is not None
    assert sim.tokens_issued == 2
    assert len(api_calls(sim, "structures/v1/rechercher")) == 3  # one 401, then the renewed call


def test_wrong_piste_credentials(sim):
    client = ChorusProClient(
        sim.api_url,
        PisteCredentials(sim.client_id, "wrong-secret", token_url=sim.token_url),
        sim.login,
        sim.password,
        backoff=0.01,
    )
    with pytest.raises(ChorusProError) as error:
        client.structure_id(PUBLIC_SIRET)
    assert (error.value.status, error.value.code) == (401, "invalid_client")
    assert error.value.advice.key == "APPLICATION_REFUSED"
    assert "PISTE" in error.value.text("fr")
    assert not api_calls(sim, "structures/v1/rechercher")


def test_wrong_technical_account(sim):
    client = ChorusProClient(
        sim.api_url,
        PisteCredentials(sim.client_id, sim.client_secret, token_url=sim.token_url),
        sim.login,
        "expired-password",
        backoff=0.01,
    )
    with pytest.raises(ChorusProError) as error:
        client.structure_id(PUBLIC_SIRET)
    assert error.value.status == 403
    assert error.value.advice.key == "TECHNICAL_ACCOUNT_REFUSED"
    assert "compte technique" in error.value.text("fr")
    assert len(api_calls(sim, "structures/v1/rechercher")) == 1  # a refused account is not retried


# --- deposits and reports ------------------------------------------------------------------


@pytest.mark.parametrize(
    "to, syntax",
    [("cii", codes.SYNTAX_CII), ("ubl", codes.SYNTAX_UBL), ("facturx", codes.SYNTAX_FACTURX)],
)
def test_one_invoice_is_deposited_and_integrated(sim, client, to, syntax):
    [(name, content)] = files(public_invoice("F2026-0101"), to=to)
    deposit = client.deposit_invoices([(name, content)])
    assert deposit.syntax == syntax and deposit.numero_flux.startswith("CPP")
    flow = sim.flows[deposit.numero_flux]
    assert flow["content"] == content and flow["syntaxeFlux"] == syntax and flow["nomFichier"] == name
    report = client.deposit_report(deposit.numero_flux)
    assert report.done and report.state == codes.FLOW_INTEGRATED
    [reported] = report.invoices
    assert reported.number == "F2026-0101" and reported.integrated and reported.status == "DEPOSEE"
    stored = sim.invoices[reported.invoice_id]
    assert (stored["codeDestinataire"], stored["codeServiceExecutant"], stored["numeroBonCommande"]) == (
        PUBLIC_SIRET,
        "SERV-ACHATS",
        "EJ-1000234567",
    )


def test_a_batch_of_25_invoices_in_one_tar_gz_all_get_their_identifier(sim, client):
    invoices = [public_invoice(f"F2026-{n:04d}") for n in range(1, 26)]
    deposit = client.deposit_invoices(files(*invoices), batch_name="lot septembre")
    assert deposit.invoice_count == 25 and deposit.filename == "lot_septembre.tar.gz"
    assert len(api_calls(sim, "factures/v1/deposer/flux")) == 1 and len(sim.flows) == 1
    with tarfile.open(fileobj=io.BytesIO(sim.flows[deposit.numero_flux]["content"]), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == sorted(f"F2026-{n:04d}.xml" for n in range(1, 26))
    report = client.deposit_report(deposit.numero_flux, numbers=[i.number for i in invoices])
    assert report.state == codes.FLOW_INTEGRATED
    by_number = report.by_number()
    assert set(by_number) == {i.number for i in invoices}
    assert all(r.integrated and r.status == "DEPOSEE" for r in by_number.values())
    assert len({r.invoice_id for r in by_number.values()}) == 25
    for number, reported in by_number.items():
        assert sim.invoices[reported.invoice_id]["numeroFacture"] == number
    # The simulator serves 10 invoices a page: the three pages were read.
    assert len(api_calls(sim, "factures/v1/rechercher/fournisseur")) == 3


def test_a_partly_integrated_batch_says_why_each_invoice_was_rejected(sim, client):
    deposit = client.deposit_invoices(
        files(
            public_invoice("F-OK"),
            public_invoice("F-NO-SERVICE", service=None),
            public_invoice("F-WHO", buyer_siret=UNKNOWN_SIRET),
        )
    )
    report = client.deposit_report(deposit.numero_flux)
    assert report.state == codes.FLOW_PARTLY_INTEGRATED
    by_number = report.by_number()
    assert by_number["F-OK"].integrated
    assert not by_number["F-NO-SERVICE"].integrated
    assert by_number["F-NO-SERVICE"].advice.key == "SERVICE_CODE_MISSING"
    assert "code service" in by_number["F-NO-SERVICE"].advice.fr and "BT-10" in by_number["F-NO-SERVICE"].advice.en
    assert by_number["F-WHO"].advice.key == "BUYER_UNKNOWN"
    assert UNKNOWN_SIRET in by_number["F-WHO"].error


@pytest.mark.parametrize(
    "invoice, key",
    [
        (lambda: public_invoice("R-1", commitment=None, buyer_siret=COMMITMENT_SIRET), "COMMITMENT_MISSING"),
        (
            lambda: public_invoice("R-2", service=None, commitment=None, buyer_siret=EITHER_SIRET),
            "SERVICE_OR_COMMITMENT_MISSING",
        ),
        (lambda: public_invoice("R-3", buyer_siret=CLOSED_SIRET), "STRUCTURE_INACTIVE"),
        (lambda: public_invoice("R-4", service="SERV-INCONNU"), "SERVICE_CODE_UNKNOWN"),
        (lambda: public_invoice("R-5", service="SERV-FERME"), "SERVICE_CODE_UNKNOWN"),
    ],
)
def test_rejections_are_explained(sim, client, invoice, key):
    invoice = invoice()
    report = client.deposit_report(client.deposit_invoices(files(invoice)).numero_flux)
    assert report.state == codes.FLOW_REJECTED
    [reported] = report.invoices
    assert (reported.number, reported.invoice_id, reported.advice.key) == (invoice.number, None, key)
    assert reported.advice.fr and reported.advice.en
    assert not sim.invoices


def test_a_number_used_twice_is_a_duplicate(sim, client):
    first = client.deposit_report(client.deposit_invoices(files(public_invoice("F-DUP"))).numero_flux)
    second = client.deposit_report(client.deposit_invoices(files(public_invoice("F-DUP"))).numero_flux)
    assert first.invoices[0].integrated
    assert second.state == codes.FLOW_REJECTED and second.invoices[0].advice.key == "DUPLICATE_INVOICE"
    assert len(sim.invoices) == 1


def test_an_unknown_supplier_is_rejected(sim, client):
    sim.structures = {k: v for k, v in sim.structures.items() if v["siret"] != SELLER_SIRET}
    report = client.deposit_report(client.deposit_invoices(files(public_invoice("F-S"))).numero_flux)
    assert report.invoices[0].advice.key == "SUPPLIER_UNKNOWN"


def test_an_unreadable_file_is_a_technical_error(sim, client):
    deposit = client.deposit(b"<Invoice><oops/></Invoice>", "bad.xml", codes.SYNTAX_UBL)
    report = client.deposit_report(deposit.numero_flux)
    assert report.state == codes.FLOW_REJECTED and report.invoices == []
    [error] = report.technical_errors
    assert error["codeErreur"] == "SYNTAXE" and explain(None, error["libelleErreur"]).key == "UNREADABLE_FLOW"


def test_the_report_may_wait(sim, client):
    sim.pending_reports = 1
    deposit = client.deposit_invoices(files(public_invoice("F-W")))
    waiting = client.deposit_report(deposit.numero_flux, numbers=["F-W"])
    assert not waiting.done and waiting.state == codes.FLOW_PENDING
    assert [(r.number, r.invoice_id) for r in waiting.invoices] == [("F-W", None)]
    assert client.deposit_report(deposit.numero_flux).invoices[0].integrated


# --- invoices: search, history, statuses ---------------------------------------------------

EXPECTED_REFORM = {
    "DEPOSEE": "200",
    "EN_COURS_ACHEMINEMENT": None,
    "MISE_A_DISPOSITION": "203",
    "A_RECYCLER": None,
    "REJETEE": "210",
    "SUSPENDUE": "208",
    "COMPLETEE": "209",
    "SERVICE_FAIT": "204",
    "MANDATEE": "204",
    "MISE_A_DISPOSITION_COMPTABLE": "204",
    "COMPTABILISEE": "204",
    "MISE_EN_PAIEMENT": "211",
}


def test_every_status_is_read_back_with_its_reform_code(sim, client):
    report = client.deposit_report(client.deposit_invoices(files(public_invoice("F-ST"))).numero_flux)
    invoice_id = report.invoices[0].invoice_id
    for status in codes.STATUSES:
        if status != "DEPOSEE":
            sim.advance(invoice_id, status, comment=f"vers {status}")
        history = client.history(invoice_id)
        assert history.status == status and history.events[-1].status == status
        assert history.events[-1].reform_status == EXPECTED_REFORM[status]
    assert [e.status for e in history.events] == list(codes.STATUSES)
    assert history.events[1].comment == "vers EN_COURS_ACHEMINEMENT" and history.number == "F-ST"
    with pytest.raises(ValueError, match="not a Chorus Pro status"):
        sim.advance(invoice_id, "PAYEE")


def test_the_status_table_matches_the_reform_table():
    assert {code: status.reform_code for code, status in codes.STATUSES.items()} == EXPECTED_REFORM
    for status in codes.STATUSES.values():
        assert status.reform_code is None or status.reform_code in lifecycle.STATUSES
        assert status.label_fr and status.label_en and status.source
    assert codes.status_label("SUSPENDUE") == "Suspendue" and codes.status_label("SUSPENDUE", "en") == "Suspended"
    assert codes.reform_status("INCONNU") is None


def test_search_reads_every_page_and_filters(sim, client):
    deposit = client.deposit_invoices(files(*(public_invoice(f"S-{n:02d}") for n in range(23))))
    found = client.find_invoices(numero_flux=deposit.numero_flux)
    assert [i.number for i in found] == [f"S-{n:02d}" for n in range(23)]
    assert all(i.buyer_code == PUBLIC_SIRET and i.service_code == "SERV-ACHATS" for i in found)
    sim.advance(found[3].invoice_id, "SUSPENDUE")
    sim.advance(found[7].invoice_id, "MISE_EN_PAIEMENT")
    suspended = client.find_invoices(statuses=["SUSPENDUE"])
    assert [(i.number, i.status, i.reform_status) for i in suspended] == [("S-03", "SUSPENDUE", "208")]
    assert [i.invoice_id for i in client.find_invoices(number="S-07")] == [found[7].invoice_id]
    assert client.find_invoices(number="NOPE") == []


def test_a_suspended_invoice_is_completed_with_a_file(sim, client):
    report = client.deposit_report(client.deposit_invoices(files(public_invoice("F-SUSP"))).numero_flux)
    invoice_id = report.invoices[0].invoice_id
    sim.advance(invoice_id, "SUSPENDUE", "Bon de livraison manquant")
    answer = client.attach_and_complete(invoice_id, b"%PDF-1.7 bon de livraison", "BL 2026/17.pdf", "Voici le BL")
    assert answer["identifiantFactureCPP"] == invoice_id and answer["numeroFacture"] == "F-SUSP"
    [attachment_id] = sim.invoices[invoice_id]["attachments"]
    assert sim.attachments[attachment_id] == {"name": "BL_2026_17.pdf", "content": b"%PDF-1.7 bon de livraison"}
    history = client.history(invoice_id)
    assert [(e.status, e.reform_status) for e in history.events[-2:]] == [("SUSPENDUE", "208"), ("COMPLETEE", "209")]
    assert history.events[-1].comment == "Voici le BL"
    with pytest.raises(ChorusProError) as error:  # COMPLETEE now: no second completion
        client.complete(invoice_id, "encore")
    assert (error.value.status, error.value.code, error.value.advice.key) == (200, 20104, "NOT_SUSPENDED")


def test_an_unknown_commitment_is_recycled(sim, client):
    report = client.deposit_report(
        client.deposit_invoices(files(public_invoice("F-EJ", commitment="EJ-9999"))).numero_flux
    )
    [reported] = report.invoices
    assert reported.status == "A_RECYCLER" and reported.integrated
    with pytest.raises(ChorusProError) as error:
        client.recycle(reported.invoice_id, commitment="EJ-0000")
    assert error.value.advice.key == "COMMITMENT_INVALID" and "BT-13" in error.value.advice.en
    answer = client.recycle(reported.invoice_id, service_code="SERV-TRAVAUX", commitment="EJ-2000000001")
    assert answer["statutFacture"] == "DEPOSEE"
    stored = sim.invoices[reported.invoice_id]
    assert (stored["codeServiceExecutant"], stored["numeroBonCommande"]) == ("SERV-TRAVAUX", "EJ-2000000001")
    assert [e.status for e in client.history(reported.invoice_id).events] == ["DEPOSEE", "A_RECYCLER", "DEPOSEE"]
    with pytest.raises(ChorusProError) as error:
        client.recycle(reported.invoice_id, commitment="EJ-1000234567")
    assert error.value.advice.key == "NOT_TO_RECYCLE"


def test_recycling_to_another_recipient(sim, client):
    report = client.deposit_report(
        client.deposit_invoices(files(public_invoice("F-RC", commitment="EJ-X"))).numero_flux
    )
    invoice_id = report.invoices[0].invoice_id
    with pytest.raises(ChorusProError) as error:
        client.recycle(invoice_id, buyer_siret=UNKNOWN_SIRET)
    assert error.value.advice.key == "BUYER_UNKNOWN"
    client.recycle(invoice_id, buyer_siret=COMMITMENT_SIRET, comment="Bon destinataire")
    assert sim.invoices[invoice_id]["codeDestinataire"] == COMMITMENT_SIRET
    assert client.history(invoice_id).events[-1].comment == "Bon destinataire"


def test_a_business_error_comes_with_http_200(sim, client):
    with pytest.raises(ChorusProError) as error:
        client.history(424242)
    exc = error.value
    assert (exc.status, exc.code, exc.remote_code) == (200, 20103, 20103)
    assert exc.libelle == "Facture 424242 inconnue" and exc.advice.key == "INVOICE_UNKNOWN"
    assert "identifiant Chorus Pro" in exc.text("fr") and "identifier" in exc.text("en")
    assert "20103" in str(exc) and exc.advice.en in str(exc)


def test_an_attachment_over_10_mb_is_refused(sim, client):
    with pytest.raises(ChorusProError) as error:
        client.add_file(b"x" * (10 * 1024 * 1024 + 1), "gros.pdf")
    assert (error.value.code, error.value.advice.key) == (20003, "ATTACHMENT_TOO_LARGE")


# --- structures and commitments ------------------------------------------------------------


def test_structures_services_and_requirements(sim, client):
    structure_id = client.structure_id(PUBLIC_SIRET)
    [found] = client.find_structures(PUBLIC_SIRET)
    assert (found.structure_id, found.identifier, found.name, found.status) == (
        structure_id,
        PUBLIC_SIRET,
        "Mairie de Paris",
        "ACTIF",
    )
    details = client.structure(structure_id)
    assert (details.service_code_required, details.commitment_required, details.service_or_commitment) == (
        True,
        False,
        False,
    )
    assert details.missing(None, "EJ-1") == ["SERVICE_CODE_MISSING"] and details.missing("S", None) == []
    either = client.structure(client.structure_id(EITHER_SIRET))
    assert either.service_or_commitment and either.missing() == ["SERVICE_OR_COMMITMENT_MISSING"]
    assert client.structure(client.structure_id(COMMITMENT_SIRET)).missing("S") == ["COMMITMENT_MISSING"]
    assert not client.structure(client.structure_id(CLOSED_SIRET)).active
    services = client.services(structure_id)
    assert [s.code for s in services] == [code for code, _ in SERVICES] + ["SERV-FERME"]
    assert [s.active for s in services if s.code == "SERV-FERME"] == [False]
    assert len(api_calls(sim, "structures/v1/rechercher/services")) == 2  # 15 services, 10 a page
    assert client.structure_id(UNKNOWN_SIRET) is None
    with pytest.raises(ChorusProError) as error:
        client.structure(1)
    assert error.value.code == 20106


def test_commitment_numbers_are_checked(sim, client):
    structure_id = client.structure_id(PUBLIC_SIRET)
    assert client.check_commitment(structure_id, " EJ-1000234567 ")
    assert not client.check_commitment(structure_id, "EJ-404")


# --- limits and failures -----------------------------------------------------------------


def test_a_flow_over_30_mb_is_refused_before_sending(sim):
    # The 30 MB edge deposit takes the simulator a while to decode on a loaded machine.
    client = make_client(sim, timeout=30)
    content = b"<Invoice/>" + b" " * codes.MAX_FLOW_BYTES
    with pytest.raises(FlowTooLargeError) as error:
        client.deposit(content, "huge.xml", codes.SYNTAX_UBL)
    assert error.value.advice.key == "FLOW_TOO_LARGE" and "30 Mo" in error.value.text("fr")
    assert str(codes.MAX_FLOW_BYTES) in str(error.value)
    assert not api_calls(sim, "factures/v1/deposer/flux")
    assert client.deposit(b"<Invoice/>" + b" " * (codes.MAX_FLOW_BYTES - 10), "edge.xml", codes.SYNTAX_UBL)


def test_the_simulator_refuses_a_large_flow_too(sim, client):
    big = base64.b64encode(b"x" * (codes.MAX_FLOW_BYTES + 1)).decode()
    with pytest.raises(ChorusProError) as error:
        client.call(
            "factures/v1/deposer/flux",
            {"fichierFlux": big, "nomFichier": "x.xml", "syntaxeFlux": codes.SYNTAX_UBL, "avecSignature": False},
        )
    assert (error.value.status, error.value.code, error.value.advice.key) == (200, 20001, "FLOW_TOO_LARGE")


def test_a_deposit_is_sent_again_only_after_503_or_429(sim, client):
    # 503 and 429 say the request was not processed: sending it again cannot make a second flow.
    sim.fail(503, 429)
    deposit = client.deposit_invoices(files(public_invoice("F-RETRY")))
    assert len(api_calls(sim, "factures/v1/deposer/flux")) == 3
    assert list(sim.flows) == [deposit.numero_flux]
    assert client.deposit_report(deposit.numero_flux).invoices[0].integrated


@pytest.mark.parametrize("failure", [502, 504, "drop"])
def test_a_deposit_whose_answer_is_lost_is_sent_once_and_found_by_the_lookup(sim, client, failure):
    # Chorus Pro stored the flow, then the gateway lost the answer (502, 504) or the connection was reset.
    sim.fail_after(failure)
    with pytest.raises(DepositUncertain, match="may have been taken") as error:
        client.deposit_invoices(files(public_invoice("F-LOST")))
    assert error.value.answered is False and error.value.filename == "F-LOST.xml"
    assert len(api_calls(sim, "factures/v1/deposer/flux")) == 1, "never sent again blindly"
    [numero] = sim.flows
    found = client.find_deposited("F-LOST", supplier_siret=SELLER_SIRET, buyer_siret=PUBLIC_SIRET, year=2026)
    assert found.numero_flux == numero
    assert found.invoice_id == sim.invoice_by_number("F-LOST")["identifiantFactureCPP"]
    assert found.status == "DEPOSEE"
    assert api_calls(sim, "factures/v1/rechercher/fournisseur"), "through the supplier's search service"
    assert len(sim.flows) == 1


def test_a_deposit_lost_before_chorus_pro_stored_it_is_not_found(sim, client):
    sim.fail(502)  # the gateway failed before Chorus Pro saw the flow: the client cannot tell
    with pytest.raises(DepositUncertain):
        client.deposit_invoices(files(public_invoice("F-NEVER")))
    assert len(api_calls(sim, "factures/v1/deposer/flux")) == 1 and not sim.flows
    assert client.find_deposited("F-NEVER", supplier_siret=SELLER_SIRET) is None


def test_the_lookup_matches_the_supplier_the_buyer_and_the_year(sim, client):
    client.deposit_invoices(files(public_invoice("F-KEY")))
    assert client.find_deposited("F-KEY", supplier_siret=SELLER_SIRET, buyer_siret=PUBLIC_SIRET, year=2026)
    assert client.find_deposited("F-KEY", supplier_siret="55208131700018") is None, "another supplier's"
    assert client.find_deposited("F-KEY", buyer_siret=COMMITMENT_SIRET) is None, "another buyer's"
    assert client.find_deposited("F-KEY", year=2025) is None, "a number of another year"
    assert client.find_deposited("F-KE") is None, "the exact number only"


def test_a_deposit_that_never_left_is_sent_again():
    # Nothing listens on the API's port: the connection is refused, the request never left.
    with ChorusProSimulator() as sim:
        credentials = PisteCredentials(sim.client_id, sim.client_secret, token_url=sim.token_url)
        client = ChorusProClient(
            "http://127.0.0.1:9/cpro/", credentials, sim.login, sim.password, timeout=1, max_attempts=3, backoff=0.01
        )
        with pytest.raises(ChorusProError, match="after 1 attempt") as error:
            client.deposit(b"<Invoice/>", "f.xml", codes.SYNTAX_UBL)
        assert not isinstance(error.value, DepositUncertain)
        assert error.value.status is None


@pytest.mark.parametrize(
    ("failure", "reason"),
    [({"numeroFluxDepot": None}, "without a usable numeroFluxDepot"), ("garbage", "could not be read")],
)
def test_a_deposit_answer_that_cannot_be_used_is_uncertain(sim, client, failure, reason):
    sim.fail_after(failure)
    with pytest.raises(DepositUncertain, match=reason) as error:
        client.deposit_invoices(files(public_invoice("F-ODD")))
    assert error.value.answered is True
    assert len(api_calls(sim, "factures/v1/deposer/flux")) == 1
    assert client.find_deposited("F-ODD").numero_flux == next(iter(sim.flows))


def test_a_flow_number_that_is_not_one_is_refused_and_cut_short(sim, client):
    sim.fail_after({"numeroFluxDepot": "<script>" + "x" * 5000})
    with pytest.raises(DepositUncertain) as error:
        client.deposit_invoices(files(public_invoice("F-BIG")))
    assert len(str(error.value)) < 600 and "<script>" in str(error.value)


@pytest.mark.parametrize(
    ("route", "answer", "call"),
    [
        ("factures/v1/consulter/historique", {"historiquesDesStatuts": "none"}, lambda c: c.history(1_000_001)),
        (
            "factures/v1/consulter/historique",
            {"historiquesDesStatuts": {"histoStatut": ["DEPOSEE"]}},
            lambda c: c.history(1_000_001),
        ),
        ("factures/v1/rechercher/fournisseur", {"listeFactures": {"a": 1}}, lambda c: c.find_invoices(number="F-M")),
        ("transverses/v1/consulterCRDetaille", {"listeErreurDP": "oops"}, None),
        ("structures/v1/consulter", {"parametres": [1, 2]}, lambda c: c.structure(26_000_002)),
    ],
)
def test_answers_are_checked_before_use(sim, client, route, answer, call):
    deposit = client.deposit_invoices(files(public_invoice("F-M")))
    sim.fail_after(answer, route=route)
    with pytest.raises(ChorusProError, match="cannot be used") as error:
        (call or (lambda c: c.deposit_report(deposit.numero_flux)))(client)
    assert error.value.status == 200


def test_reads_survive_a_slow_answer_and_every_nth_failure(sim, client):
    structure_id = client.structure_id(PUBLIC_SIRET)
    sim.fail("slow")
    assert client.structure(structure_id).service_code_required
    sim.fail_every(3)
    for _ in range(6):
        assert client.structure(structure_id).structure_id == structure_id
    sim.fail_every(None)


def test_a_deposit_whose_answer_is_lost_is_not_sent_twice(sim, client):
    sim.fail("slow")
    with pytest.raises(ChorusProError, match="may have been taken"):
        client.deposit_invoices(files(public_invoice("F-SLOW")))
    time.sleep(sim.slow_seconds)  # the simulator finishes the work it was given
    assert len(api_calls(sim, "factures/v1/deposer/flux")) == 1 and len(sim.flows) == 1
    [found] = client.find_invoices(number="F-SLOW")
    assert found.status == "DEPOSEE"


def test_gives_up_after_the_attempts(sim):
    client = make_client(sim, max_attempts=3)
    sim.fail(503, 503, 503)
    with pytest.raises(ChorusProError) as error:
        client.structure_id(PUBLIC_SIRET)
    assert error.value.status == 503
    with pytest.raises(ChorusProError) as error:
        sim.fail(503, 503, 503)
        client.deposit_invoices(files(public_invoice("F-503")))
    assert error.value.status == 503 and not sim.flows


def test_a_malformed_answer_is_an_error(sim, client):
    sim.fail("garbage")
    with pytest.raises(ChorusProError, match="not JSON") as error:
        client.structure_id(PUBLIC_SIRET)
    assert error.value.status == 200


def test_an_unreachable_service():
    client = ChorusProClient(
        "http://127.0.0.1:9/cpro/",
        PisteCredentials("id", "secret", token_url="http://127.0.0.1:9/token"),
        "login",
        "password",
        timeout=1,
        max_attempts=2,
        backoff=0.01,
    )
    with pytest.raises(ChorusProError, match="unreachable") as error:
        client.structure_id(PUBLIC_SIRET)
    assert error.value.status is None


# --- secrets -------------------------------------------------------------------------------


def test_secrets_never_leak(sim, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(sim)
    account = base64.b64encode(f"{sim.login}:{sim.password}".encode()).decode()
    secrets = [sim.client_secret, sim.password, account]
    messages = []
    sim.revoke_tokens()
    sim.fail(503, "garbage")
    for action in (
        lambda: client.structure_id(PUBLIC_SIRET),
        lambda: client.history(1),
        lambda: client.deposit(b"x" * (codes.MAX_FLOW_BYTES + 1), "big.xml", codes.SYNTAX_UBL),
        lambda: make_client(sim, max_attempts=1).services(12),
        lambda: ChorusProClient(
            sim.api_url, PisteCredentials("x", sim.client_secret, token_url=sim.token_url), "l", sim.password
        ).services(1),
        lambda: ChorusProClient(sim.api_url, client.auth, sim.login, "bad").services(1),
    ):
        try:
            action()
        except ChorusProError as exc:
            messages.append(f"{exc} {exc!r} {exc.text('fr')} {exc.text('en')}")
    assert len(messages) >= 5
    client.deposit_report(client.deposit_invoices(files(public_invoice("F-SEC"))).numero_flux)
    visible = " ".join([repr(client), repr(client.auth), str(vars(client.auth).get("_token")), caplog.text, *messages])
    for secret in secrets:
        assert secret not in visible
    # On the wire: the PISTE secret only in token requests, the account only in its header.
    for exchange in sim.exchanges:
        body = exchange["body"].decode("latin-1")
        headers = " ".join(f"{k}: {v}" for k, v in exchange["headers"] if k.lower() != "cpro-account")
        assert sim.password not in body + headers and account not in body + headers
        if exchange["path"] != "/api/oauth/token":
            assert sim.client_secret not in body + headers


# --- table and helpers ---------------------------------------------------------------------


def test_the_advice_table():
    for advice in codes.ADVICES.values():
        assert advice.fr and advice.en and advice.fr != advice.en
        assert advice.patterns or advice.codes
    assert explain(20001).key == "FLOW_TOO_LARGE" and explain("20003").key == "ATTACHMENT_TOO_LARGE"
    assert explain(None, "Le numéro d'engagement est obligatoire").key == "COMMITMENT_MISSING"
    assert explain(None, "LE NUMERO D'ENGAGEMENT EST INCONNU").key == "COMMITMENT_INVALID"
    assert explain(None, "Doublon détecté").key == "DUPLICATE_INVOICE"
    assert explain(20999, "message sans rapport") is None and explain() is None


def test_helpers():
    assert safe_filename("F 2026/01: lot#3@x.xml") == "F_2026_01_lot_3_x.xml"
    assert len(safe_filename("a" * 300 + ".xml")) == 256 and safe_filename("a" * 300 + ".xml").endswith(".xml")
    assert guess_syntax(b"%PDF-1.7") == codes.SYNTAX_FACTURX
    cii, ubl = build(public_invoice("H-1"), "cii"), build(public_invoice("H-1"), "ubl")
    assert (guess_syntax(cii), guess_syntax(ubl)) == (codes.SYNTAX_CII, codes.SYNTAX_UBL)
    with pytest.raises(ValueError):
        guess_syntax(b"<other/>")
    archive = build_batch([("a.xml", b"1"), ("a.xml", b"2"), ("b/c.xml", b"3")])
    assert archive == build_batch([("a.xml", b"1"), ("a.xml", b"2"), ("b/c.xml", b"3")])  # reproducible
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        assert [(m.name, tar.extractfile(m).read()) for m in tar] == [
            ("a.xml", b"1"),
            ("a-2.xml", b"2"),
            ("b_c.xml", b"3"),
        ]


# --- without a socket: state saved and restored, the public buyer acting by itself --------

PREFIX = "http://sandbox.invalid/chorus"


def in_process_client(service):
    """A client of a service without a socket, through a requests session (no network at all)."""
    session = requests.Session()
    session.mount(PREFIX, InProcessAdapter(service, PREFIX))
    credentials = PisteCredentials(service.client_id, service.client_secret, token_url=f"{PREFIX}/api/oauth/token")
    return ChorusProClient(
        f"{PREFIX}/cpro/", credentials, service.login, service.password, session=session, backoff=0.01
    )


def in_process_sandbox(**options):
    service = ChorusProSimulator(listen=False, **options)
    service.add_structure(SELLER_SIRET, "Atelier Dupont SARL", public=False)
    service.add_structure(PUBLIC_SIRET, "Mairie de Paris", service_required=True, services=SERVICES[:2])
    return service


def test_the_state_goes_from_one_simulator_to_another(sim, client):
    deposit = client.deposit_invoices(files(public_invoice("F-STATE-1"), public_invoice("F-STATE-2")))
    state = sim.dump_state()
    assert isinstance(state, str) and "F-STATE-1" in state
    other = ChorusProSimulator(listen=False)
    assert other.server is None and other.url is None
    with pytest.raises(RuntimeError, match="without a socket"):
        other.__enter__()
    other.load_state(state)
    assert other.structures == sim.structures and other._numbers == sim._numbers
    assert other.flows[deposit.numero_flux]["content"] == sim.flows[deposit.numero_flux]["content"]
    # The token the first simulator gave is still good in the second one (wall-clock expiry).
    restored = in_process_client(other)
    restored.auth = client.auth
    report = restored.deposit_report(deposit.numero_flux)
    assert report.state == codes.FLOW_INTEGRATED
    assert {r.number for r in report.invoices} == {"F-STATE-1", "F-STATE-2"}
    assert other.tokens_issued == sim.tokens_issued == 1
    assert [r[1] for r in other.requests] == ["/cpro/transverses/v1/consulterCRDetaille"] + [
        "/cpro/factures/v1/rechercher/fournisseur"
    ] * (len(other.requests) - 1)
    # Counters go on from where they were: no number is given twice.
    other_deposit = restored.deposit_invoices(files(public_invoice("F-STATE-3")))
    assert other_deposit.numero_flux not in sim.flows
    [third] = restored.deposit_report(other_deposit.numero_flux).invoices
    assert third.invoice_id not in sim.invoices and third.integrated
    # A state restored twice is the same state; a second load replaces the first.
    again = ChorusProSimulator(listen=False)
    again.load_state(other.dump_state())
    assert again.dump_state() == other.dump_state()
    again.load_state(state)
    assert "F-STATE-3" not in again.dump_state()


def test_expired_tokens_are_refused_and_forgotten():
    service = in_process_sandbox(token_lifetime=3600)
    client = in_process_client(service)
    client.structure_id(PUBLIC_SIRET)
    [(token, expiry)] = service._tokens.items()
    assert time.time() + 3500 < expiry <= time.time() + 3600
    service._tokens[token] = time.time() - 1  # as if an hour had gone by
    restored = ChorusProSimulator(listen=False)
    restored.load_state(service.dump_state())
    status, headers, body = restored.handle(
        "POST",
        "/cpro/structures/v1/rechercher",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        b"{}",
    )
    assert status == 401 and b"invalid_token" in body
    assert ("WWW-Authenticate", 'Bearer error="invalid_token"') in headers
    client.auth.invalidate()
    client.structure_id(PUBLIC_SIRET)
    assert token not in service._tokens and len(service._tokens) == 1


def read_history(service, client, invoice_id, times=1):
    for _ in range(times):
        history = client.history(invoice_id)
    return history


def test_the_public_buyer_pays_one_step_per_reading():
    service = in_process_sandbox(progress_on_read=True, keep_flow_files=False)
    client = in_process_client(service)
    deposit = client.deposit_invoices(files(public_invoice("F-PATH")))
    assert service.flows[deposit.numero_flux]["content"] == b"", "the sandbox keeps the invoice's file only"
    [reported] = client.deposit_report(deposit.numero_flux).invoices
    assert service.invoices[reported.invoice_id]["content"].startswith(b"<?xml")
    seen = [client.history(reported.invoice_id).status]
    assert seen == ["DEPOSEE"], "a status is read once before the buyer moves on"
    for _ in range(len(BUYER_PATH)):
        seen.append(client.history(reported.invoice_id).status)
    assert seen == [*BUYER_PATH, "MISE_EN_PAIEMENT"]
    history = client.history(reported.invoice_id)
    assert [e.status for e in history.events] == list(BUYER_PATH)
    assert [e.reform_status for e in history.events] == ["200", "203", "204", "204", "204", "204", "211"]
    assert history.events[2].comment == SERVICE_DONE_COMMENT
    # Searches and reports do not move it; without progress_on_read nothing moves.
    still = in_process_sandbox()
    still_client = in_process_client(still)
    invoice_id = still_client.deposit_report(
        still_client.deposit_invoices(files(public_invoice("F-STILL"))).numero_flux
    )
    invoice_id = invoice_id.invoices[0].invoice_id
    assert read_history(still, still_client, invoice_id, times=3).status == "DEPOSEE"


def test_the_public_buyer_suspends_then_goes_on_once_completed():
    service = in_process_sandbox(progress_on_read=True, buyer_behaviour="suspend")
    client = in_process_client(service)
    [reported] = client.deposit_report(client.deposit_invoices(files(public_invoice("F-SUSP"))).numero_flux).invoices
    service.buyer_behaviour = "normal"  # the behaviour is the one of the deposit
    history = read_history(service, client, reported.invoice_id, times=3)
    assert [e.status for e in history.events] == ["DEPOSEE", "MISE_A_DISPOSITION", "SUSPENDUE"]
    assert history.events[-1].comment == "Pièce justificative manquante : procès-verbal de réception des travaux"
    assert read_history(service, client, reported.invoice_id, times=3).status == "SUSPENDUE", "it waits"
    client.attach_and_complete(reported.invoice_id, b"%PDF-1.7 PV", "pv.pdf", "PV joint")
    assert client.history(reported.invoice_id).status == "COMPLETEE"
    history = read_history(service, client, reported.invoice_id, times=5)
    assert [e.status for e in history.events][3:] == [
        "COMPLETEE",
        "SERVICE_FAIT",
        "MANDATEE",
        "MISE_A_DISPOSITION_COMPTABLE",
        "COMPTABILISEE",
        "MISE_EN_PAIEMENT",
    ]


@pytest.mark.parametrize("behaviour", ["reject", "recycle"])
def test_the_public_buyer_rejects_or_chorus_pro_asks_to_recycle(behaviour):
    service = in_process_sandbox(progress_on_read=True, buyer_behaviour=behaviour, buyer_reason="Motif de l'essai")
    client = in_process_client(service)
    [reported] = client.deposit_report(client.deposit_invoices(files(public_invoice("F-DEV"))).numero_flux).invoices
    history = read_history(service, client, reported.invoice_id, times=4)
    if behaviour == "reject":
        assert [e.status for e in history.events] == ["DEPOSEE", "MISE_A_DISPOSITION", "REJETEE"]
        assert history.events[-1].reform_status == "210"
    else:
        assert [e.status for e in history.events] == ["DEPOSEE", "A_RECYCLER"]
        client.recycle(reported.invoice_id, service_code="SERV-TRAVAUX")
        history = read_history(service, client, reported.invoice_id, times=3)
        assert [e.status for e in history.events] == [
            "DEPOSEE",
            "A_RECYCLER",
            "DEPOSEE",
            "MISE_A_DISPOSITION",
            "SERVICE_FAIT",
        ], "recycled once, then paid as any other"
    assert [e.comment for e in history.events if e.status in ("REJETEE", "A_RECYCLER")] == ["Motif de l'essai"]
    with pytest.raises(ValueError, match="not a buyer behaviour"):
        ChorusProSimulator(listen=False, buyer_behaviour="pays-late")


@pytest.mark.parametrize("failure", [502, "drop"])
def test_a_completion_or_a_file_whose_answer_is_lost_is_not_sent_again(sim, client, failure):
    [reported] = client.deposit_report(client.deposit_invoices(files(public_invoice("F-CPL"))).numero_flux).invoices
    sim.advance(reported.invoice_id, "SUSPENDUE", "PV manquant")
    sim.fail_after(failure, route="transverses/v1/ajouter/fichier")
    with pytest.raises(OutcomeUnknown, match="may have been taken") as error:
        client.add_file(b"%PDF-1.7 PV", "pv.pdf")
    assert not isinstance(error.value, DepositUncertain)
    assert len(api_calls(sim, "transverses/v1/ajouter/fichier")) == 1 and len(sim.attachments) == 1
    sim.fail_after(failure, route="factures/v1/completer")
    with pytest.raises(OutcomeUnknown, match="Read the invoice's status"):
        client.complete(reported.invoice_id, comment="PV joint")
    assert len(api_calls(sim, "factures/v1/completer")) == 1
    assert client.history(reported.invoice_id).status == "COMPLETEE", "done once, as the status says"
