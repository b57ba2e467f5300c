"""The command line, run as a user runs it (a real subprocess)."""

import json
import os
import subprocess
import sys

import pytest

from einvoice.config import ENV_VARIABLE


def run(*args, cwd=None, artefacts=None):
    env = dict(os.environ)
    if artefacts is not None:
        env[ENV_VARIABLE] = str(artefacts)
    return subprocess.run(
        [sys.executable, "-m", "einvoice", *map(str, args)], capture_output=True, cwd=cwd, env=env, check=False
    )


@pytest.fixture(scope="module")
def official_cii(reference_dir):
    return reference_dir / "en16931" / "cii" / "CII_example1.xml"


def test_validate_valid_official_example(official_cii, reference_dir):
    result = run("validate", "--json", official_cii, artefacts=reference_dir)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["status"] == "valid"
    assert report["syntax"] == "CII"
    assert not [f for f in report["findings"] if f["severity"] == "fatal"]


def test_validate_reports_rule_and_exit_code_1(official_cii, reference_dir, tmp_path):
    broken = tmp_path / "broken.xml"
    text = official_cii.read_text(encoding="utf-8")
    # BT-106 (sum of line net amounts) no longer matches the lines.
    start = text.index("<ram:LineTotalAmount>", text.index("SpecifiedTradeSettlementHeaderMonetarySummation"))
    end = text.index("</ram:LineTotalAmount>", start)
    broken.write_text(text[:start] + "<ram:LineTotalAmount>1.00" + text[end:], encoding="utf-8")
    result = run("validate", broken, artefacts=reference_dir)
    assert result.returncode == 1
    assert b"BR-CO-10" in result.stdout


def test_validate_unreadable_inputs_exit_2(tmp_path, reference_dir):
    not_xml = tmp_path / "notes.txt"
    not_xml.write_text("hello")
    not_invoice = tmp_path / "other.xml"
    not_invoice.write_text("<catalogue/>")
    result = run("validate", "--json", not_xml, not_invoice, "--no-progress", artefacts=reference_dir)
    assert result.returncode == 2
    reports = json.loads(result.stdout)
    assert [r["status"] for r in reports] == ["unreadable", "unreadable"]
    assert "not an XML document" in reports[0]["error"]
    assert "not an e-invoice" in reports[1]["error"]


def test_validate_several_files_keeps_the_worst_exit_code(official_cii, reference_dir, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<x")
    result = run("validate", official_cii, bad, "--jobs", "2", "--no-progress", artefacts=reference_dir)
    assert result.returncode == 2
    assert b"2 files: 1 valid, 0 invalid, 1 unreadable" in result.stdout


def test_convert_to_ubl_on_stdout_then_validate(official_cii, reference_dir, tmp_path):
    result = run("convert", official_cii, "--to", "ubl", artefacts=reference_dir)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.startswith(b"<?xml")
    assert b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" in result.stdout
    out = tmp_path / "converted.xml"
    out.write_bytes(result.stdout)
    check = run("validate", out, artefacts=reference_dir)
    assert check.returncode == 0, check.stdout.decode()


def test_convert_to_facturx_then_validate_and_show(official_cii, reference_dir, tmp_path):
    out = tmp_path / "invoice.pdf"
    result = run("convert", official_cii, "--to", "facturx", "-o", out, artefacts=reference_dir)
    assert result.returncode == 0, result.stderr.decode()
    assert out.read_bytes().startswith(b"%PDF-")
    check = run("validate", "--json", out, artefacts=reference_dir)
    assert check.returncode == 0, check.stdout.decode()
    shown = run("show", out, artefacts=reference_dir)
    assert shown.returncode == 0
    text = shown.stdout.decode()
    assert "embedded in a PDF" in text
    assert "BT-1    Invoice number" in text and "12115118" in text


def test_convert_refuses_terms_the_profile_does_not_allow(official_cii, reference_dir):
    result = run("convert", official_cii, "--to", "cii", "--profile", "MINIMUM", artefacts=reference_dir)
    assert result.returncode == 1
    assert b"MINIMUM does not allow" in result.stderr and b"BG-25" in result.stderr


def test_show_unknown_file_is_a_clear_error(tmp_path):
    result = run("show", tmp_path / "missing.xml")
    assert result.returncode == 2
    assert b"cannot be read" in result.stderr
