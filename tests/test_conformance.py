"""The engine's acceptance: every business case, built in every applicable syntax and profile,
passes the official XSD and schematron with no fatal finding, and parses back to the same model;
every broken case is caught with the rule the official schematron names."""

import dataclasses

import pytest

from einvoice.cii import build_cii, parse_cii
from einvoice.profiles import SPECIFICATION_IDS, Profile
from einvoice.testing.cases import BROKEN_CASES, CASES
from einvoice.ubl import build_ubl, for_peppol, parse_ubl
from einvoice.validation import validate

BUILDS = {
    "cii-en16931": (build_cii, parse_cii, Profile.EN16931),
    "cii-extended-ctc-fr": (build_cii, parse_cii, Profile.EXTENDED_CTC_FR),
    "ubl-en16931": (build_ubl, parse_ubl, Profile.EN16931),
    "ubl-extended-ctc-fr": (build_ubl, parse_ubl, Profile.EXTENDED_CTC_FR),
}


def _fatal(report):
    return [f for f in report.findings if f.severity == "fatal"]


def _explain(findings):
    return "\n".join(f"{f.rule_id} [{f.rule_set}] {f.bt or ''} {f.message_en} @ {f.location}" for f in findings)


def _expected(invoice, profile):
    return dataclasses.replace(invoice, specification_id=SPECIFICATION_IDS[profile])


@pytest.mark.parametrize("build_id", sorted(BUILDS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_case_is_valid_and_round_trips(reference_dir, name, build_id):
    build, parse, profile = BUILDS[build_id]
    invoice = CASES[name]()
    xml = build(invoice, profile)
    report = validate(xml)
    fatal = _fatal(report)
    assert not fatal, f"{name} as {build_id}: rule sets {report.rule_sets}\n{_explain(fatal)}"
    assert any("BR-FR" in rule_set for rule_set in report.rule_sets)
    assert parse(xml) == _expected(invoice, profile)


@pytest.mark.parametrize("name", sorted(CASES))
def test_cii_to_ubl_keeps_every_term(name):
    invoice = CASES[name]()
    from_cii = parse_cii(build_cii(invoice, Profile.EN16931))
    from_ubl = parse_ubl(build_ubl(from_cii, Profile.EN16931))
    assert from_ubl == from_cii


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_broken_case_is_caught_with_its_rule(reference_dir, name, syntax):
    factory, rule = BROKEN_CASES[name]
    xml = (build_cii if syntax == "cii" else build_ubl)(factory(), Profile.EN16931)
    fatal = _fatal(validate(xml))
    ids = {f.rule_id for f in fatal}
    assert any(i == rule or i.startswith((rule + "_", rule + "/")) for i in ids), (
        f"{name}: expected {rule}, got {sorted(ids)}"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_as_facturx_pdf(reference_dir, name):
    """The Factur-X path end to end: CII embedded in the rendered PDF, validated as a Factur-X file."""
    from einvoice.api import build, check, load

    invoice = CASES[name]()
    pdf = build(invoice, "facturx", Profile.EN16931)
    report = check(pdf)
    assert report.rule_sets[:2] == ["XSD Factur-X EN 16931", "Factur-X EN 16931"]
    assert not _fatal(report), _explain(_fatal(report))
    # No empty element either (PEPPOL-EN16931-R008 of the Factur-X rules): a warning-free file.
    assert "PEPPOL-EN16931-R008" not in {f.rule_id for f in report.warnings}
    loaded = load(pdf)
    assert loaded.from_pdf and loaded.pdf_filename == "factur-x.xml"
    assert loaded.invoice == _expected(invoice, Profile.EN16931)


@pytest.mark.parametrize("name", ["b2b_goods_standard", "credit_note", "intra_eu_supply", "foreign_currency"])
def test_case_as_peppol_bis(name):
    """PEPPOL BIS 3.0 is EN16931-valid, but its BT-23 (the PEPPOL process id) is not a French
    billing frame (BR-FR-08) and its single note carries no subject (BR-FR-05), so French flows
    use the EN 16931 / EXTENDED-CTC-FR CIUS."""
    invoice = CASES[name]()
    xml = build_ubl(invoice, Profile.PEPPOL)
    report = validate(xml, french_rules=False)
    assert not _fatal(report), _explain(_fatal(report))
    assert {f.rule_id for f in _fatal(validate(xml, french_rules=True))} == {"BR-FR-05", "BR-FR-08"}
    parsed = parse_ubl(xml)
    # PEPPOL carries its own process identifier in BT-23: the French billing frame stays out of it.
    assert parsed == dataclasses.replace(
        for_peppol(invoice), specification_id=SPECIFICATION_IDS[Profile.PEPPOL], business_process=None
    )
