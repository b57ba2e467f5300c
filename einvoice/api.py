"""The engine's entry points: read any e-invoice file, build any syntax, check a file.

Everything goes through the semantic model: a file is read into an
:class:`~einvoice.model.Invoice`, and any syntax is built from it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .detect import Syntax, detect
from .errors import ModelError, ParseError
from .profiles import CII_PROFILES, UBL_PROFILES, Profile
from .xmlsafe import MAX_XML_BYTES, parse_xml

#: Largest file accepted on input (a Factur-X PDF with its attachments).
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclasses.dataclass
class LoadedInvoice:
    invoice: object  # model.Invoice
    syntax: Syntax
    profile: Profile | None
    xml: bytes
    from_pdf: bool
    pdf_filename: str | None = None


def read_bytes(path, max_bytes=MAX_FILE_BYTES):
    """Read a file with a size limit and a clear error.

    The limit holds while reading, not only by the size the file system announces: a pipe,
    ``/dev/stdin`` or a file growing under us is cut at ``max_bytes`` + 1 bytes and refused.
    """
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise ParseError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise ParseError(f"{path}: over the {max_bytes} bytes limit")
    return data


def xml_of(data, source="input"):
    """The invoice XML of a file's content: itself, or the XML embedded in a PDF.

    Returns ``(xml_bytes, from_pdf, embedded_filename)``.
    """
    from . import pdf

    if pdf.is_pdf(data):
        filename, xml = pdf.extract_xml(data)
        return xml, True, filename
    if len(data) > MAX_XML_BYTES:
        raise ParseError(f"{source}: {len(data)} bytes is over the {MAX_XML_BYTES} bytes limit for an XML document")
    return data, False, None


def load(data, source="input"):
    """Read an e-invoice (CII, UBL Invoice / CreditNote, or a Factur-X / ZUGFeRD PDF) into the model."""
    from .cii import parse_cii
    from .ubl import parse_ubl

    xml, from_pdf, filename = xml_of(data, source)
    root = parse_xml(xml, source=source)
    found = detect(root)
    if found.syntax == Syntax.CII:
        invoice = parse_cii(root)
    elif found.syntax in (Syntax.UBL_INVOICE, Syntax.UBL_CREDIT_NOTE):
        invoice = parse_ubl(root)
    else:
        raise ParseError(f"{source}: a {found.syntax} document is not an invoice")
    return LoadedInvoice(invoice, found.syntax, found.profile, xml, from_pdf, filename)


def load_file(path):
    return load(read_bytes(path), source=str(path))


def build(invoice, to, profile=Profile.EN16931, base_pdf=None, for_facturx=False):
    """Build ``to`` = 'cii', 'ubl' or 'facturx' from the model; returns bytes.

    Factur-X embeds the CII into ``base_pdf`` (bytes) or, without one, into
    a readable rendition of the invoice made by :mod:`einvoice.render`.
    ``for_facturx`` builds the CII that a Factur-X will carry (its BT-24: see
    :func:`einvoice.cii.specification_id`).
    """
    to = to.lower()
    if to == "cii":
        from .cii import build_cii

        _check_profile_for(profile, CII_PROFILES, "CII")
        return build_cii(invoice, profile, facturx=for_facturx)
    if to == "ubl":
        from .ubl import build_ubl

        _check_profile_for(profile, UBL_PROFILES, "UBL")
        return build_ubl(invoice, profile)
    if to == "facturx":
        from .cii import build_cii
        from .pdf import embed_xml
        from .render import render_pdf

        _check_profile_for(profile, CII_PROFILES, "Factur-X")
        xml = build_cii(invoice, profile, facturx=True)
        return embed_xml(base_pdf if base_pdf is not None else render_pdf(invoice), xml, profile)
    raise ModelError(f"Unknown target syntax {to!r}: choose cii, ubl or facturx")


def _check_profile_for(profile, allowed, syntax):
    if profile not in allowed:
        raise ModelError(
            f"Profile {profile} cannot be written in {syntax}; choose one of: {', '.join(p.value for p in allowed)}"
        )


def check(data, source="input", **options):
    """Validate a file's content (XML or PDF): returns a validation Report; a PDF gets the
    Factur-X container checks too (:func:`einvoice.pdf.container_findings`).

    Raises ParseError for unreadable input (not XML, no embedded XML, too large).
    """
    from .validation import validate

    xml, from_pdf, _filename = xml_of(data, source)
    report = validate(xml, facturx=from_pdf, **options)
    if from_pdf:
        # The XML is judged by its rules; the PDF around it must be the PDF/A-3 container.
        from .pdf import container_findings

        report.findings.extend(container_findings(data, report.profile))
        report.rule_sets.append("Factur-X PDF/A-3 container")
    return report


def check_file(path, **options):
    return check(read_bytes(path), source=str(path), **options)
