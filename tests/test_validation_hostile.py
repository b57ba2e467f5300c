"""Ordinary invalid invoices that Saxon's rules cannot read end as fatal findings naming the
rule set, never as an exception: in this process, in the helper process Odoo workers use, and
in the command line with several files."""

import json
import subprocess
import sys
import textwrap

import pytest
from lxml import etree

from einvoice import api
from einvoice.testing.cases import CASES
from einvoice.validation import validate

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def _cii(mutate):
    root = etree.fromstring(api.build(CASES["b2b_goods_standard"](), "cii"))
    mutate(root)
    return etree.tostring(root)


def _amount(text):
    def mutate(root):
        root.find(f".//{{{RAM}}}SpecifiedLineTradeSettlement//{{{RAM}}}LineTotalAmount").text = text

    return mutate


def _guideline_twice(root):
    guideline = root.find(f".//{{{RAM}}}GuidelineSpecifiedDocumentContextParameter")
    guideline.append(etree.fromstring(etree.tostring(guideline.find(f"{{{RAM}}}ID"))))


def _deep(root):
    node = root.find(f".//{{{RAM}}}IncludedNote")
    for _ in range(120):
        node = etree.SubElement(node, f"{{{RAM}}}Content")


def _many_attributes(root):
    node = root.find(f".//{{{RAM}}}IncludedNote")
    for index in range(250):
        node.set(f"a{index}", "x")


HOSTILE = {
    "amount abc": _amount("abc"),
    "amount 1E5": _amount("1E5"),
    "BT-24 twice": _guideline_twice,
    "120 nested elements": _deep,
    "250 attributes": _many_attributes,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_rules_that_cannot_read_a_document_give_a_fatal_finding(name):
    report = validate(_cii(HOSTILE[name]))
    assert not report.is_valid
    unchecked = [f for f in report.fatal if f.rule_id == "RULES-NOT-RUN"]
    if name == "250 attributes":
        # lxml's XSD already refuses the attributes; Saxon's parser refuses the document.
        assert any(f.rule_id == "XSD" for f in report.fatal)
    for finding in unchecked:
        assert finding.rule_set in finding.message_en and finding.rule_set in finding.message_fr
        assert finding.rule_set not in report.rule_sets  # a set that did not run is not listed as run
    if name in ("amount abc", "amount 1E5", "BT-24 twice", "120 nested elements"):
        assert unchecked, [f.rule_id for f in report.fatal]


def test_the_helper_process_survives_and_reports(tmp_path):
    paths = []
    for index, mutate in enumerate(HOSTILE.values()):
        path = tmp_path / f"hostile{index}.xml"
        path.write_bytes(_cii(mutate))
        paths.append(str(path))
    script = textwrap.dedent(
        """
        import json, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2560 * 1024 * 1024, resource.RLIM_INFINITY))
        from einvoice import api
        from einvoice.testing import cases
        from einvoice.validation import validate
        from einvoice.validation.isolated import needs_helper
        out = [needs_helper()]
        for path in sys.argv[1:]:
            out.append(validate(open(path, "rb").read()).to_dict()["valid"])
        out.append(validate(api.build(cases.b2b_goods_standard(), "cii")).to_dict()["valid"])
        print(json.dumps(out))
        """
    )
    result = subprocess.run([sys.executable, "-c", script, *paths], capture_output=True, check=True, timeout=300)
    helper_used, *verdicts, good = json.loads(result.stdout)
    assert helper_used and verdicts == [False] * len(HOSTILE) and good is True


def test_the_command_line_reports_every_file_with_two_jobs(tmp_path):
    bad, good = tmp_path / "bad.xml", tmp_path / "good.xml"
    bad.write_bytes(_cii(_amount("abc")))
    good.write_bytes(api.build(CASES["b2b_goods_standard"](), "cii"))
    result = subprocess.run(
        [sys.executable, "-m", "einvoice", "validate", "--json", "-j", "2", str(bad), str(good)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert b"Traceback" not in result.stderr
    reports = json.loads(result.stdout)
    assert [r["valid"] for r in sorted(reports, key=lambda r: r["file"])] == [False, True]
