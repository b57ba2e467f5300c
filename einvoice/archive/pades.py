"""PAdES seal of a Factur-X PDF (ETSI EN 319 142, baseline B-B, or B-T with a timestamp).

The seal is an incremental update appended after the XML is embedded: the original bytes,
the embedded XML and the PDF/A-3 metadata stay as they are, and the signature covers them.
It is made with pyHanko (optional: ``pip install pyhanko``), the reference open-source PDF
signer, which writes the ``ETSI.CAdES.detached`` signature dictionary and the signing
certificate attribute PAdES requires. Timestamps come from this package's authorities (the
configured TSA, or the internal one), so one time source serves the archive and the PDFs.
"""

from __future__ import annotations

import io

from cryptography.hazmat.primitives import serialization

from ..errors import ArchiveError, TimestampError

MAX_PDF_BYTES = 50 * 1024 * 1024


def _pyhanko():
    try:
        from pyhanko.sign import fields, signers, timestamps
    except ImportError as exc:
        raise ArchiveError("The PAdES seal of PDFs needs the pyhanko package (pip install pyhanko).") from exc
    return fields, signers, timestamps


def available():
    """Whether PDFs can be sealed here (pyHanko is installed)."""
    try:
        _pyhanko()
    except ArchiveError:
        return False
    return True


def _timestamper(authority, timestamps):
    from asn1crypto import cms

    class _Bridge(timestamps.TimeStamper):
        """pyHanko's timestamper interface over one of this package's authorities."""

        async def async_timestamp(self, message_digest, md_algorithm):
            if md_algorithm != "sha256":
                raise TimestampError(f"Only SHA-256 imprints are timestamped, not {md_algorithm}.")
            return cms.ContentInfo.load(authority.timestamp(message_digest).der)

    return _Bridge()


def seal_pdf(pdf, identity, timestamper=None, reason="Facture électronique scellée par l'émetteur", location=None):
    """``pdf`` (bytes) with a PAdES seal by ``identity`` (a
    :class:`~einvoice.archive.cms.SignerIdentity`), timestamped when ``timestamper`` is given."""
    fields, signers, timestamps = _pyhanko()
    from asn1crypto import keys
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    if not isinstance(pdf, (bytes, bytearray)) or not bytes(pdf[:5]) == b"%PDF-":
        raise ArchiveError("Only a PDF file (bytes starting with %PDF-) can be sealed.")
    if len(pdf) > MAX_PDF_BYTES:
        raise ArchiveError(f"The PDF is larger than {MAX_PDF_BYTES} bytes.")
    key = keys.PrivateKeyInfo.load(
        identity.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    chain = [identity.asn1_certificate] + [_asn1(certificate) for certificate in identity.chain]
    signer = signers.SimpleSigner(
        signing_cert=identity.asn1_certificate,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="EInvoiceSeal",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(bytes(pdf)), strict=False)
        output = signers.sign_pdf(
            writer,
            metadata,
            signer=signer,
            timestamper=_timestamper(timestamper, timestamps) if timestamper is not None else None,
        )
    except (PdfError, ValueError) as exc:
        # ValueError: pyHanko's SigningError (a seal field filled already, a key that does not fit).
        raise ArchiveError(f"The PDF cannot be sealed: {exc}") from exc
    return output.getvalue()


def _asn1(certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def verify_pdf_seal(pdf, trust):
    """Check every signature of ``pdf`` with pyHanko against ``trust``'s roots: each must be
    intact, cover the whole file (but what a later signature adds) and chain to a root; its
    timestamp, when it has one, must stamp its signature value (an internal authority's token
    is accepted over a trusted company key, see :mod:`einvoice.archive.timestamp`).
    Returns pyHanko's status of each; raises ArchiveError naming the first that fails."""
    _pyhanko()
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from .cms import sha256
    from .timestamp import check_token

    roots = [_asn1(certificate) for certificate in trust.roots]
    try:
        reader = PdfFileReader(io.BytesIO(bytes(pdf)), strict=False)
        signatures = reader.embedded_signatures
    except PdfError as exc:
        raise ArchiveError(f"The PDF cannot be read: {exc}") from exc
    if not signatures:
        raise ArchiveError("The PDF carries no signature.")
    statuses = []
    for signature in signatures:
        name = signature.field_name
        token = _signature_timestamp(signature.signer_info)
        ts_roots = list(roots)
        if token is not None:
            try:
                checked = check_token(token, sha256(signature.signer_info["signature"].native), trust)
            except TimestampError as exc:
                raise ArchiveError(f"The PDF signature {name}'s timestamp does not hold: {exc}") from exc
            if checked.internal:
                ts_roots.append(_asn1(checked.tsa_certificate))
        status = validate_pdf_signature(
            signature,
            signer_validation_context=ValidationContext(trust_roots=roots, allow_fetching=False),
            ts_validation_context=ValidationContext(trust_roots=ts_roots, allow_fetching=False),
        )
        if not (status.intact and status.valid and status.trusted):
            raise ArchiveError(f"The PDF signature {name} does not hold: {status.summary()}")
        if token is not None and not (status.timestamp_validity and status.timestamp_validity.trusted):
            raise ArchiveError(f"The PDF signature {name}'s timestamp does not hold: {status.summary()}")
        if status.coverage.name not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
            raise ArchiveError(f"The PDF signature {name} does not cover the document.")
        statuses.append(status)
    return statuses


def _signature_timestamp(signer_info):
    attributes = signer_info["unsigned_attrs"]
    for attribute in [] if attributes.native is None else attributes:
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0].dump()
    return None
