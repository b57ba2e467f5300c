"""CDAR and e-reporting validation with the artefacts an install has: the pyfrctc package.

Without an artefacts directory (a fresh install), a CDAR runs the CDAR D22B XSD and the
BR-FR-CDV rules, and an e-reporting report the DGFiP e-reporting XSD and the Flux 10
rules, all four from pyfrctc; each report names the files that ran. An artefacts
directory holding its own copy of one of them overrides that file alone.
"""

import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar, cashed_amounts
from einvoice.config import ENV_VARIABLE, package_dir, package_version, set_artefacts_dir
from einvoice.detect import Syntax
from einvoice.testing import ereporting
from einvoice.validation import validate

PYFRCTC = f"pyfrctc {package_version('pyfrctc')}"
CDAR_XSD_FILE = {
    "rule_set": "XSD CDAR D22B",
    "origin": "package",
    "source": PYFRCTC,
    "path": "pyfrctc/cdar-xsd/CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
}
CDV_FILE = {
    "rule_set": "BR-FR-CDV",
    "origin": "package",
    "source": PYFRCTC,
    "path": "pyfrctc/cdar-schematron/BR-FR-CDV-Schematron-CDAR.xslt",
}
EREPORTING_XSD_FILE = {
    "rule_set": "XSD e-reporting",
    "origin": "package",
    "source": PYFRCTC,
    "path": "pyfrctc/frr-xsd/ereporting.xsd",
}
FLUX10_FILE = {
    "rule_set": "Flux 10",
    "origin": "package",
    "source": PYFRCTC,
    "path": "pyfrctc/frr-schematron/Flux10.xslt",
}


@pytest.fixture
def no_artefacts_dir(monkeypatch):
    """The engine as a fresh install has it: no artefacts directory."""
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    set_artefacts_dir(None)
    yield
    set_artefacts_dir(None)


def _status(code, details=(), business_process="REGULATED"):
    """A lifecycle message of the buyer about an invoice of the seller of einvoice.testing.cases."""
    return StatusMessage(
        id=f"F2026-0001_{code}_20261002101500",
        name=f"F2026-0001 {code}",
        issued_at=datetime.datetime(2026, 10, 2, 10, 15),
        status=code,
        invoice_number="F2026-0001",
        invoice_date=datetime.date(2026, 9, 15),
        received_at=datetime.datetime(2026, 9, 15, 18, 0),
        seller=CdarParty(id="732829320", scheme="0002"),
        issuer=CdarParty(id="552081317", scheme="0002", name="Client Industriel SA", role="BY"),
        recipients=[
            CdarParty(
                id="732829320", scheme="0002", name="Atelier Dupont SARL", role="SE", uri="732829320", uri_scheme="0225"
            )
        ],
        business_process=business_process,
        details=list(details),
    )


def _cashed():
    return build_cdar(
        _status("212", [cashed_amounts({Decimal(20): Decimal("1200.00"), Decimal("5.5"): Decimal("52.75")})])
    )


def _broken_transactions():
    """The sender is named by its SIRET (scheme 0009), not as an approved platform (0238)."""
    report = ereporting.transactions_report()
    report.find("ReportDocument/Sender/Id").set("schemeId", "0009")
    return report


def _clean_run(*args, cwd):
    """``python -m einvoice`` as on a fresh install: isolated mode, no EINVOICE_* variable, an empty home."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-I", "-m", "einvoice", *map(str, args)], capture_output=True, cwd=cwd, env=env, check=False
    )


def test_a_fresh_install_validates_a_cdar_and_e_reporting_with_pyfrctc(tmp_path):
    documents = {
        "cdar-212.xml": _cashed(),
        "transactions.xml": ereporting.to_bytes(ereporting.transactions_report()),
        "payments.xml": ereporting.to_bytes(ereporting.payments_report()),
        "broken.xml": ereporting.to_bytes(_broken_transactions()),
    }
    for name, data in documents.items():
        (tmp_path / name).write_bytes(data)
    result = _clean_run("validate", "--json", "--no-progress", *documents, cwd=tmp_path)
    assert result.returncode == 1, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    reports = {Path(r["file"]).name: r for r in json.loads(result.stdout)}

    cdar = reports["cdar-212.xml"]
    assert (cdar["status"], cdar["syntax"], cdar["profile"]) == ("valid", "CDAR", None)
    assert cdar["rule_sets"] == ["XSD CDAR D22B", "BR-FR-CDV"]
    assert cdar["files"] == [CDAR_XSD_FILE, CDV_FILE]
    assert cdar["findings"] == []

    for name in ("transactions.xml", "payments.xml"):
        report = reports[name]
        assert (report["status"], report["syntax"]) == ("valid", "e-reporting"), report["findings"]
        assert report["rule_sets"] == ["XSD e-reporting", "Flux 10"]
        assert report["files"] == [EREPORTING_XSD_FILE, FLUX10_FILE]
        assert report["findings"] == []

    broken = reports["broken.xml"]
    assert broken["status"] == "invalid" and broken["files"] == [EREPORTING_XSD_FILE, FLUX10_FILE]
    [finding] = broken["findings"]
    assert finding["rule_id"] == "G6.22" and finding["severity"] == "fatal" and finding["rule_set"] == "Flux 10"
    assert finding["location"] == "/Report[1]/ReportDocument[1]/Sender[1]/Id[1]"
    assert finding["message_fr"] == (
        "[G6.22] Le type d'identifiant de l'émetteur doit être 0238 (plateforme agréée). | Source : Annexe 7 v1.8 G6.22"
    )
    assert finding["message_en"].startswith("The sender must be an approved platform: scheme 0238 (TT-7)")
    assert finding["test"] == "@schemeId = '0238'"


def test_the_human_output_names_the_rules_of_an_e_reporting_report(tmp_path):
    (tmp_path / "broken.xml").write_bytes(ereporting.to_bytes(_broken_transactions()))
    result = _clean_run("validate", "broken.xml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "INVALID    broken.xml  (e-reporting): 1 fatal, 0 warning(s)  [XSD e-reporting, Flux 10]"
    assert lines[1].startswith("    fatal   G6.22: The sender must be an approved platform")
    assert lines[2].strip().startswith("[G6.22] Le type d'identifiant de l'émetteur doit être 0238")


@pytest.mark.parametrize(
    ("code", "details"),
    [
        ("205", []),
        ("210", [StatusDetail(reason_code="DOUBLON", reason="Facture déjà reçue", action_code="NIN")]),
        ("212", [cashed_amounts({Decimal(20): Decimal("1200.00")})]),
    ],
)
def test_a_cdar_built_by_the_engine_passes_the_packaged_rules(no_artefacts_dir, code, details):
    report = validate(build_cdar(_status(code, details)))
    assert report.syntax == Syntax.CDAR
    assert report.findings == []
    assert report.files == [CDAR_XSD_FILE, CDV_FILE]


def test_the_packaged_cdv_rules_catch_a_cashed_status_without_amounts(no_artefacts_dir):
    report = validate(build_cdar(_status("212")))
    assert {(f.rule_id, f.rule_set) for f in report.fatal} == {("BR-FR-CDV-14", "BR-FR-CDV")}


def test_e_reporting_findings_name_their_annex_7_rule(no_artefacts_dir):
    report = ereporting.transactions_report()
    report.find("ReportDocument/TypeCode").text = "XX"
    day = report.find("TransactionsReport/Transactions")
    day.find("TaxExclusiveAmount").text = "310.00"  # the rates add up to 300.00
    report.find("TransactionsReport/Invoice/TaxSubTotal/TaxCategory/Percent").text = "19"
    result = validate(ereporting.to_bytes(report))
    assert result.syntax == Syntax.EREPORTING and not result.is_valid
    found = {f.rule_id: f for f in result.fatal}
    assert sorted(found) == ["G1.24", "G1.53", "G8.01"]
    assert found["G1.53"].message_fr.startswith(
        "[G1.53] TaxExclusiveAmount (310) doit être égal à la somme TaxableAmount (300), avec une tolérance"
    )
    assert found["G1.53"].location == "/Report[1]/TransactionsReport[1]/Transactions[1]"
    assert found["G8.01"].message_en.startswith("The transmission type (TT-4) must be IN (initial) or RE (corrective).")
    assert found["G1.24"].location.endswith("/TaxCategory[1]/Percent[1]")


def test_a_transmission_holds_one_report_only(no_artefacts_dir):
    report = ereporting.payments_report()
    report.append(ereporting.transactions_report().find("TransactionsReport"))
    result = validate(ereporting.to_bytes(report))
    xsd = [f for f in result.fatal if f.rule_id == "XSD"]
    assert [f.rule_set for f in xsd] == ["XSD e-reporting"]
    assert "Element 'TransactionsReport': This element is not expected" in xsd[0].message_en
    assert "G6.29" in {f.rule_id for f in result.fatal}  # the schematron still runs after the XSD


def test_a_report_without_its_period_breaks_the_xsd(no_artefacts_dir):
    report = ereporting.payments_report()
    report.find("PaymentsReport").remove(report.find("PaymentsReport/ReportPeriod"))
    [finding] = validate(ereporting.to_bytes(report)).fatal
    assert finding.rule_id == "XSD" and "Expected is ( ReportPeriod )" in finding.message_fr


def test_the_flux10_rules_refuse_a_negative_encashment(no_artefacts_dir):
    """Known: G1.16 refuses the negative amounts annex 7 (G7.07) allows to correct an encashment.

    Reported to the FNFE (France_RFE issue 60, open); the source and pyfrctc's stylesheet agree.
    """
    report = ereporting.payments_report()
    report.find("PaymentsReport/Invoice/Payment/SubTotals/Amount").text = "-100.00"
    assert [(f.rule_id, f.location) for f in validate(ereporting.to_bytes(report)).fatal] == [
        ("G1.16", "/Report[1]/PaymentsReport[1]/Invoice[1]/Payment[1]/SubTotals[1]/Amount[1]")
    ]


def test_the_validation_helper_of_capped_workers_reports_the_same_files(tmp_path):
    """Odoo workers validate in a helper process (see einvoice.validation.isolated): same files, same findings."""
    broken = tmp_path / "broken.xml"
    broken.write_bytes(ereporting.to_bytes(_broken_transactions()))
    script = (
        "import json, resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2560 * 1024 * 1024, resource.RLIM_INFINITY))\n"
        "from einvoice.validation import validate\n"
        "from einvoice.validation.isolated import needs_helper\n"
        "report = validate(open(sys.argv[1], 'rb').read())\n"
        "print(json.dumps([needs_helper(), report.to_dict()]))\n"
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-I", "-c", script, str(broken)], capture_output=True, env=env, check=True, timeout=300
    )
    helper_used, report = json.loads(result.stdout)
    assert helper_used
    assert report["files"] == [EREPORTING_XSD_FILE, FLUX10_FILE]
    assert [(f["rule_id"], f["location"]) for f in report["findings"]] == [
        ("G6.22", "/Report[1]/ReportDocument[1]/Sender[1]/Id[1]")
    ]


# --- the artefacts directory as an override --------------------------------------------------

OWN_CDV = """<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <xsl:template match="/">
    <svrl:schematron-output>
      <svrl:failed-assert id="OVERRIDE-01" flag="fatal" location="/" test="false()">
        <svrl:text>[OVERRIDE-01] Règle du répertoire des artefacts.</svrl:text>
      </svrl:failed-assert>
    </svrl:schematron-output>
  </xsl:template>
</xsl:stylesheet>
"""


def test_the_artefacts_directory_overrides_the_files_it_holds(tmp_path):
    stylesheet = tmp_path / "fnfe-rfe" / "CDAR" / "2xslt" / "BR-FR-CDV-Schematron-CDAR.xslt"
    stylesheet.parent.mkdir(parents=True)
    stylesheet.write_text(OWN_CDV, encoding="utf-8")
    set_artefacts_dir(tmp_path)
    try:
        report = validate(_cashed())
    finally:
        set_artefacts_dir(None)
    assert report.rule_sets == ["XSD CDAR D22B", "BR-FR-CDV"]
    # The directory holds the stylesheet only: the XSD still comes from pyfrctc.
    assert report.files == [
        CDAR_XSD_FILE,
        {
            "rule_set": "BR-FR-CDV",
            "origin": "artefacts-dir",
            "source": "artefacts directory",
            "path": "fnfe-rfe/CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt",
        },
    ]
    [finding] = report.findings
    assert (finding.rule_id, finding.rule_set, finding.message_fr) == (
        "OVERRIDE-01",
        "BR-FR-CDV",
        "[OVERRIDE-01] Règle du répertoire des artefacts.",
    )


def test_the_reference_directory_runs_its_own_cdar_and_e_reporting_files(reference_dir):
    set_artefacts_dir(reference_dir)
    try:
        cdar = validate(_cashed())
        report = validate(ereporting.to_bytes(ereporting.transactions_report()))
    finally:
        set_artefacts_dir(None)
    assert [(f["origin"], f["path"]) for f in cdar.files] == [
        ("artefacts-dir", "fnfe-rfe/CDAR/1xsd-CDAR_D22B_uncoupled/CrossDomainAcknowledgementAndResponse_100pD22B.xsd"),
        ("artefacts-dir", "fnfe-rfe/CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt"),
    ]
    # The FNFE publishes Flux 10 as a schematron source: pyfrctc's compiled stylesheet runs.
    assert [(f["origin"], f["path"]) for f in report.files] == [
        ("artefacts-dir", "dgfip/xsd/ereporting.xsd"),
        ("package", "pyfrctc/frr-schematron/Flux10.xslt"),
    ]
    assert cdar.findings == [] and report.findings == []


def test_the_fixed_cdv_rules_of_the_directory_accept_every_mdt_2_value(reference_dir, monkeypatch):
    """FNFE fix V1.4.0.03 corrected BR-FR-CDV-CL-01, which refused any MDT-2 but REGULATED."""
    xml = build_cdar(_status("205", business_process="B2C"))
    set_artefacts_dir(reference_dir)
    try:
        fixed = validate(xml)
    finally:
        set_artefacts_dir(None)
    assert fixed.findings == []
    if package_version("pyfrctc") != "0.24":
        pytest.skip("the rest documents the BR-FR-CDV stylesheet of pyfrctc 0.24")
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    packaged = validate(xml)
    assert [(f.rule_id, f.rule_set) for f in packaged.fatal] == [("BR-FR-CDV-CL-01", "BR-FR-CDV")]
    assert 'Valeur MDT-2 : "B2C"' in packaged.fatal[0].message_fr


# --- pyfrctc against the FNFE sources ----------------------------------------------------------

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"


def _norm(text):
    return " ".join((text or "").split())


def _message(element, ns):
    """An assert's message, its computed parts (value-of, name) written as {expression}."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{{{ns}}}value-of":
            parts.append(f" {{{_norm(child.get('select'))}}} ")
        elif child.tag == f"{{{ns}}}name":
            parts.append(f" {{{child.get('path') or 'name(.)'}}} ")
        parts.append(child.tail or "")
    return _norm("".join(parts))


def _parse(path):
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()


def _source_asserts(path):
    """(id, context, test, flag, message) of every assert of a schematron source."""
    return [
        (item.get("id"), _norm(rule.get("context")), _norm(item.get("test")), item.get("flag"), _message(item, SCH))
        for rule in _parse(path).iter(f"{{{SCH}}}rule")
        for item in rule.iter(f"{{{SCH}}}assert")
    ]


def _compiled_asserts(path):
    """The same of a stylesheet compiled by the ISO schematron skeleton (one template per rule)."""
    found = []
    for template in _parse(path).iter(f"{{{XSL}}}template"):
        for choose in template.iter(f"{{{XSL}}}choose"):
            failed = choose.find(f".//{{{SVRL}}}failed-assert")
            if failed is None:
                continue
            attributes = {a.get("name"): _norm(a.text) for a in failed.iter(f"{{{XSL}}}attribute") if a.text}
            found.append(
                (
                    attributes.get("id"),
                    _norm(template.get("match")),
                    _norm(choose.find(f"{{{XSL}}}when").get("test")),
                    attributes.get("flag"),
                    _message(failed.find(f"{{{SVRL}}}text"), XSL),
                )
            )
    return found


def test_pyfrctc_compiles_every_assert_of_the_fnfe_flux10_source(reference_dir):
    """Same 150 asserts (context, test, flag, message): the packaged stylesheet is the FNFE source's."""
    source = _source_asserts(reference_dir / "fnfe-rfe" / "Flux10" / "Flux10.sch")
    compiled = _compiled_asserts(package_dir("pyfrctc") / "frr-schematron" / "Flux10.xslt")
    assert len(source) == 150
    assert sorted(compiled, key=repr) == sorted(source, key=repr)


def test_pyfrctc_cdv_rules_are_the_fnfe_ones_before_fix_03(reference_dir):
    """pyfrctc 0.24 ships the BR-FR-CDV stylesheet of FNFE v1.4.0; the directory has fix V1.4.0.03."""
    if package_version("pyfrctc") != "0.24":
        pytest.skip("documents the BR-FR-CDV stylesheet of pyfrctc 0.24")
    packaged = _compiled_asserts(package_dir("pyfrctc") / "cdar-schematron" / "BR-FR-CDV-Schematron-CDAR.xslt")
    fixed = _compiled_asserts(reference_dir / "fnfe-rfe" / "CDAR" / "2xslt" / "BR-FR-CDV-Schematron-CDAR.xslt")
    assert len(packaged) == len(fixed) == 42
    source = _source_asserts(reference_dir / "fnfe-rfe" / "CDAR" / "schematron" / "BR-FR-CDV-Schematron-CDAR.sch")
    assert sorted(fixed, key=repr) == sorted(source, key=repr)  # the directory's stylesheet is its source's
    by_id = {item[0]: item for item in packaged}, {item[0]: item for item in fixed}
    changed = sorted(rule for rule in by_id[1] if by_id[0][rule] != by_id[1][rule])
    assert changed == ["BR-FR-CDV-13_MDT-129", "BR-FR-CDV-16_MDT-124-2", "BR-FR-CDV-CL-01_MDT-2"]
    # Only CL-01 changed its test; the other two their message.
    assert [rule for rule in changed if by_id[0][rule][2] != by_id[1][rule][2]] == ["BR-FR-CDV-CL-01_MDT-2"]
    assert by_id[0]["BR-FR-CDV-16_MDT-124-2"][4].startswith("[BR-FR-CDV-13/MDT-124-2]")
    assert by_id[1]["BR-FR-CDV-16_MDT-124-2"][4].startswith("[BR-FR-CDV-16/MDT-124-2]")
