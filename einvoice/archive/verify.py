"""Verification of one record and of a whole chain.

:func:`verify_chain` reads the records from any iterator (a database cursor, a manifest file),
in sequence order, keeping only the previous record: memory does not grow with the chain.
Each record is checked for: its bytes against its fingerprint (when the bytes are given), its
sequence (no gap, no reordering), its link to the previous record, its own chain hash (an
altered field), its company, its seal and its timestamp token. The report names the first
broken link and why; after a break the verifier goes on from the record as stored, so one
tampering gives one finding, not a cascade.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization

from ..errors import ArchiveError, TimestampError
from . import cms as cmsutil
from .chain import seal_statement
from .record import _HEX64, GENESIS, ArchiveKind, ArchiveRecord, fingerprint
from .timestamp import MAX_TOKEN_DELAY, check_token

#: What :func:`verify_chain` checks cryptographically: every seal and token, only the daily
#: seals (and their tokens), or nothing (hashes and links only).
SIGNATURES_ALL, SIGNATURES_DAILY, SIGNATURES_NONE = "all", "daily", "none"


@dataclass(frozen=True)
class ArchiveFinding:
    """A broken link: the record (sequence, kind, origin), a code and a sentence."""

    sequence: int | None
    kind: str
    origin: str
    code: str  # fingerprint, sequence, link, chain_hash, company, seal, token, head, format
    message: str

    def __str__(self):
        where = f"record {self.sequence} ({self.kind} {self.origin})" if self.sequence is not None else "chain"
        return f"{where}: [{self.code}] {self.message}"


def _is_hex64(value):
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def _finding(record, code, message):
    return ArchiveFinding(record.sequence, record.kind, record.origin, code, message)


def _check_seal(record, trust, statement=None):
    """Check a record's CMS seal: over its bytes, or for a seal record over its statement."""
    try:
        info = cmsutil.load_content_info(record.seal, "seal")
        digest = cmsutil.sha256(statement) if statement is not None else bytes.fromhex(record.fingerprint)
        checked = cmsutil.check_signed_data(info, digest, "seal")
        if checked.signing_time is None:
            raise cmsutil.SignatureCheckError("the seal has no signing-time attribute")
        archived = record.archived_at
        if abs(checked.signing_time - archived) > cmsutil.CLOCK_SKEW:
            raise cmsutil.SignatureCheckError(
                f"the seal's signing time {checked.signing_time.isoformat()} is not the archiving time"
            )
        cmsutil.check_path(checked.signer, trust, checked.signing_time, others=checked.certificates)
        if not cmsutil.allows_signatures(checked.signer):
            raise cmsutil.SignatureCheckError(
                f"the certificate {checked.signer.subject.rfc4514_string()} is not for signatures (key usage)"
            )
        if trust.company_certificates and trust.company_key_of(checked.signer) is None:
            raise cmsutil.SignatureCheckError(
                f"the seal is signed by {checked.signer.subject.rfc4514_string()}, not a company certificate"
            )
        return info, checked
    except (ValueError, TypeError, KeyError) as exc:
        raise cmsutil.SignatureCheckError(f"the seal is unreadable ({type(exc).__name__})") from exc


def verify_record(record, data=None, previous=None, trust=None, signatures=True):
    """The findings on one record (an empty list when it holds).

    ``data``: its bytes (checked against the fingerprint when given); ``previous``: the record
    before it (checks the link; for the first record, None checks the genesis link); ``trust``:
    a :class:`~einvoice.archive.cms.TrustStore` for the seal and the token; ``signatures``:
    False checks hashes and links only."""
    findings = []
    if data is not None and fingerprint(data) != record.fingerprint:
        findings.append(
            _finding(
                record,
                "fingerprint",
                f"the bytes' SHA-256 is {fingerprint(data)}, the record says {record.fingerprint}",
            )
        )
    malformed = [name for name in ("previous", "fingerprint", "chain_hash") if not _is_hex64(getattr(record, name))]
    if malformed or not isinstance(record.sequence, int):
        names = ", ".join(malformed) or "sequence"
        return findings + [_finding(record, "format", f"malformed {names}: the record cannot be checked")]
    try:
        recomputed = record.compute_chain_hash()
    except ArchiveError as exc:
        return findings + [_finding(record, "format", str(exc))]
    if recomputed != record.chain_hash:
        findings.append(
            _finding(record, "chain_hash", "a field was altered: its chain hash recomputes to " + recomputed)
        )
    if previous is None:
        if record.sequence == 1 and record.previous != GENESIS:
            findings.append(_finding(record, "link", "the first record does not start from the genesis hash"))
    else:
        if record.sequence != previous.sequence + 1:
            findings.append(
                _finding(
                    record,
                    "sequence",
                    f"sequence {record.sequence} follows {previous.sequence}: a record is missing, added or moved",
                )
            )
        if record.previous != previous.chain_hash:
            findings.append(
                _finding(record, "link", f"its previous chain hash is not the chain hash of record {previous.sequence}")
            )
        if record.company != previous.company:
            findings.append(_finding(record, "company", f"company {record.company} in the chain of {previous.company}"))
    if signatures and trust is not None:
        findings.extend(_check_proofs(record, previous, trust))
    return findings


def _check_proofs(record, previous, trust):
    findings = []
    try:
        archived = record.archived_at
    except ArchiveError as exc:
        return [_finding(record, "format", str(exc))]
    if record.kind == ArchiveKind.SEAL:
        findings.extend(_check_daily_seal(record, previous, trust))
    elif record.seal is not None:
        try:
            _check_seal(record, trust)
        except cmsutil.SignatureCheckError as exc:
            findings.append(_finding(record, "seal", f"invalid seal: {exc}"))
    if record.token is None:
        findings.append(_finding(record, "token", "no timestamp token"))
    else:
        try:
            check_token(
                record.token,
                bytes.fromhex(record.chain_hash),
                trust,
                not_before=archived,
                not_after=archived + MAX_TOKEN_DELAY,
            )
        except TimestampError as exc:
            findings.append(_finding(record, "token", str(exc)))
    return findings


def _check_daily_seal(record, previous, trust):
    if record.seal is None:
        return [_finding(record, "seal", "a seal record without its seal")]
    if fingerprint(record.seal) != record.fingerprint:
        return [_finding(record, "seal", "the seal's bytes are not the ones fingerprinted (seal replaced)")]
    try:
        meta = record.metadata_dict
        day = meta["date"]
    except (ValueError, KeyError, TypeError):
        return [_finding(record, "seal", "the seal record's metadata lacks its date")]
    if previous is None:
        return [_finding(record, "seal", "a seal record with no head before it")]
    if meta.get("sealed_sequence") != previous.sequence or meta.get("sealed_chain_hash") != previous.chain_hash:
        return [_finding(record, "seal", f"the seal does not name record {previous.sequence} as its head")]
    try:
        statement = seal_statement(record.company, day, previous.sequence, previous.chain_hash)
    except ArchiveError as exc:
        return [_finding(record, "seal", f"the seal record's metadata is malformed: {exc}")]
    try:
        info, checked = _check_seal(record, trust, statement)
        attribute = cmsutil.unsigned_attribute(info, "signature_time_stamp_token")
        if attribute is not None:
            try:
                check_token(
                    attribute.dump(),
                    cmsutil.sha256(checked.signature),
                    trust,
                    not_before=record.archived_at,
                    not_after=record.archived_at + MAX_TOKEN_DELAY,
                )
            except TimestampError as exc:
                raise cmsutil.SignatureCheckError(f"its signature timestamp: {exc}") from exc
    except cmsutil.SignatureCheckError as exc:
        return [_finding(record, "seal", f"invalid daily seal: {exc}")]
    return []


@dataclass
class ChainReport:
    """What :func:`verify_chain` found."""

    company: str | None = None
    records: int = 0
    files_checked: int = 0
    seals_checked: int = 0
    tokens_checked: int = 0
    internal_tokens: int = 0
    head_sequence: int = 0
    head_chain_hash: str = GENESIS
    last_seal_sequence: int = 0
    findings: list = field(default_factory=list)
    truncated: bool = False  # more findings than kept

    @property
    def ok(self):
        return not self.findings

    @property
    def first_broken(self):
        return self.findings[0] if self.findings else None

    @property
    def unsealed(self):
        """Records after the last daily seal (not yet protected by a seal)."""
        return self.head_sequence - self.last_seal_sequence

    def summary(self):
        if self.ok:
            return (
                f"{self.records} record(s) verified, head {self.head_sequence} {self.head_chain_hash}, "
                f"{self.unsealed} after the last seal"
            )
        return f"broken chain: {self.first_broken} ({len(self.findings)} finding(s))"


def _items(items):
    for item in items:
        if isinstance(item, ArchiveRecord):
            yield item, None
        else:
            yield item


def verify_chain(
    items,
    trust=None,
    company=None,
    signatures=SIGNATURES_ALL,
    expected_head=None,
    max_findings=100,
):
    """Verify a chain read from ``items``: records, or ``(record, bytes or None)`` pairs, in
    sequence order from the first. ``expected_head``: ``(sequence, chain hash)`` known from
    elsewhere (the last seal kept apart, an earlier report), which reveals records cut from
    the end. Returns a :class:`ChainReport`."""
    report = ChainReport(company=company)
    previous = None
    known_hash = None  # the chain hash read at expected_head's sequence
    check_all = signatures == SIGNATURES_ALL
    check_daily = signatures in (SIGNATURES_ALL, SIGNATURES_DAILY)
    for record, data in _items(items):
        findings = []
        if data is not None:
            report.files_checked += 1
        if previous is None and record.sequence != 1:
            findings.append(_finding(record, "sequence", f"the chain starts at {record.sequence}, not 1"))
        if company is not None and record.company != company:
            findings.append(_finding(record, "company", f"company {record.company}, not {company}"))
        is_seal = record.kind == ArchiveKind.SEAL
        check_this = trust is not None and (check_all or (check_daily and is_seal))
        findings.extend(verify_record(record, data, previous, trust, signatures=check_this))
        if check_this:
            report.tokens_checked += record.token is not None
            report.seals_checked += record.seal is not None
        if is_seal and not any(f.code == "seal" for f in findings):
            report.last_seal_sequence = record.sequence
        for finding in findings:
            if len(report.findings) < max_findings:
                report.findings.append(finding)
            else:
                report.truncated = True
        report.records += 1
        if expected_head is not None and record.sequence == expected_head[0]:
            known_hash = record.chain_hash
        previous = record
    if previous is not None:
        report.head_sequence = previous.sequence
        report.head_chain_hash = previous.chain_hash
    if expected_head is not None:
        sequence, chain_hash = expected_head
        if report.head_sequence < sequence:
            report.findings.append(
                ArchiveFinding(
                    report.head_sequence,
                    previous.kind if previous else "",
                    previous.origin if previous else "",
                    "head",
                    f"the chain ends at {report.head_sequence}; records up to {sequence} were archived",
                )
            )
        elif known_hash != chain_hash:
            report.findings.append(
                ArchiveFinding(sequence, "", "", "head", f"record {sequence}'s chain hash is not the one known")
            )
    return report


def trust_store(roots=(), intermediates=(), company_certificates=()):
    """A :class:`~einvoice.archive.cms.TrustStore` from certificates or PEM bytes."""
    from cryptography import x509

    def load(values):
        certificates = []
        for value in values:
            if isinstance(value, (bytes, bytearray)):
                certificates.extend(x509.load_pem_x509_certificates(bytes(value)))
            else:
                certificates.append(value)
        return certificates

    return cmsutil.TrustStore(load(roots), load(intermediates), load(company_certificates))


def certificate_pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


__all__ = [
    "SIGNATURES_ALL",
    "SIGNATURES_DAILY",
    "SIGNATURES_NONE",
    "ArchiveFinding",
    "ChainReport",
    "certificate_pem",
    "trust_store",
    "verify_chain",
    "verify_record",
]
