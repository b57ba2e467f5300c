"""Archive records and their hash chain.

A record stands for exact bytes (a file sent or received, a CDAR message, an e-reporting
flow, a scan, a policy document, a daily seal): their SHA-256 *fingerprint*, what they are,
where they come from, when they were archived, and the *chain hash* that ties the record to
the previous one of the same company.

Canonical serialisation (version 1), the bytes whose SHA-256 is the chain hash: UTF-8 text,
nine lines, each ending with a line feed (0x0A), no other whitespace::

    einvoice-archive-record-v1
    sequence:<decimal, first record 1>
    previous:<chain hash of the previous record, 64 lowercase hex; 64 zeros for the first>
    fingerprint:<SHA-256 of the bytes, 64 lowercase hex>
    kind:<kind, [a-z0-9_.-]>
    timestamp:<archiving time, UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ>
    company:<company identifier>
    origin:<origin reference>
    metadata:<JSON object, keys sorted, separators "," and ":", non-ASCII as \\uXXXX>

No value may hold a control character, so a line cannot be forged inside another one. An
auditor recomputes a chain hash with ``printf '%s\\n' <the nine lines> | sha256sum``
(:meth:`ArchiveRecord.canonical` gives the same bytes).
"""

from __future__ import annotations

import base64
import datetime
import enum
import hashlib
import json
import re
from dataclasses import dataclass, field

from ..errors import ArchiveError

FORMAT = "einvoice-archive-record-v1"
#: The "previous chain hash" of the first record of a chain.
GENESIS = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_KIND = re.compile(r"[a-z0-9_.-]{1,64}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT = 512


class ArchiveKind(enum.StrEnum):
    """What the archived bytes are."""

    INVOICE_SENT = "invoice_sent"  # the XML or Factur-X PDF sent
    INVOICE_RECEIVED = "invoice_received"  # a file received, as received
    CDAR_IN = "cdar_in"  # a lifecycle message (CDAR) received
    CDAR_OUT = "cdar_out"  # a lifecycle message (CDAR) sent
    EREPORTING_FLOW = "ereporting_flow"  # an e-reporting flow submitted
    EREPORTING_ANSWER = "ereporting_answer"  # the platform's answer to a flow
    SCAN = "scan"  # a scanned paper invoice (arrêté of 22 March 2017)
    POLICY = "policy"  # a version of the archiving policy
    SEAL = "seal"  # the daily seal of the chain head
    EXPORT = "export"  # an auditor or reversibility export


def format_time(moment):
    if moment.tzinfo is None:
        raise ArchiveError("An archive timestamp must carry its time zone (UTC).")
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError) as exc:
        raise ArchiveError(f"timestamp: {text!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ") from exc


def _text(name, value):
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or _CONTROL.search(value):
        raise ArchiveError(
            f"{name}: a non-empty text of at most {MAX_TEXT} characters without control characters is required"
        )
    return value


def _no_floats(value, path="metadata"):
    if isinstance(value, float):
        raise ArchiveError(f"{path}: decimal numbers are written as text (a float has no single canonical form)")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ArchiveError(f"{path}: keys must be text")
            _no_floats(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _no_floats(item, f"{path}[{index}]")
    elif not isinstance(value, (str, int, bool, type(None))):
        raise ArchiveError(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_metadata(metadata):
    if not isinstance(metadata, dict):
        raise ArchiveError("metadata: a JSON object (dict) is required")
    _no_floats(metadata)
    return json.dumps(metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical_bytes(sequence, previous, fingerprint, kind, timestamp, company, origin, metadata):
    """The version-1 serialisation (module docstring); ``metadata`` is a dict or its canonical JSON."""
    if isinstance(metadata, dict):
        metadata = canonical_metadata(metadata)
    return (
        f"{FORMAT}\nsequence:{sequence}\nprevious:{previous}\nfingerprint:{fingerprint}\nkind:{kind}\n"
        f"timestamp:{timestamp}\ncompany:{company}\norigin:{origin}\nmetadata:{metadata}\n"
    ).encode()


@dataclass(frozen=True)
class ArchiveRecord:
    """One record of a company's chain. ``seal``: a detached CMS signature (DER) over the bytes
    (for a daily seal record, over the seal statement); ``token``: an RFC 3161 token (DER)
    over the chain hash. Neither is part of the chain hash: each is checked against it."""

    sequence: int
    company: str
    kind: str
    origin: str
    fingerprint: str
    timestamp: str  # format_time() text, kept as text so the chain hash is recomputed from it
    metadata: str  # canonical JSON text
    previous: str
    chain_hash: str
    seal: bytes | None = field(default=None, repr=False)
    token: bytes | None = field(default=None, repr=False)

    @classmethod
    def create(cls, sequence, previous, fingerprint, kind, timestamp, company, origin, metadata=None, **extra):
        """A new record with its chain hash; every field is checked (ArchiveError names it)."""
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
            raise ArchiveError("sequence: a whole number from 1 is required")
        for name, value in (("previous", previous), ("fingerprint", fingerprint)):
            if not isinstance(value, str) or not _HEX64.fullmatch(value):
                raise ArchiveError(f"{name}: 64 lowercase hexadecimal digits (SHA-256) are required")
        if not isinstance(kind, str) or not _KIND.fullmatch(kind):
            raise ArchiveError("kind: 1 to 64 characters among a-z, 0-9, '_', '.' and '-' are required")
        if isinstance(timestamp, datetime.datetime):
            stamp = format_time(timestamp)
        else:
            parse_time(timestamp)  # checks the text form
            stamp = timestamp
        meta = canonical_metadata(metadata or {})
        record = cls(
            sequence,
            _text("company", company),
            str(kind),
            _text("origin", origin),
            fingerprint,
            stamp,
            meta,
            previous,
            "",
            **extra,
        )
        object.__setattr__(record, "chain_hash", record.compute_chain_hash())
        return record

    @property
    def archived_at(self):
        return parse_time(self.timestamp)

    @property
    def metadata_dict(self):
        return json.loads(self.metadata)

    def canonical(self):
        return canonical_bytes(
            self.sequence,
            self.previous,
            self.fingerprint,
            self.kind,
            self.timestamp,
            self.company,
            self.origin,
            self.metadata,
        )

    def compute_chain_hash(self):
        return hashlib.sha256(self.canonical()).hexdigest()

    @property
    def label(self):
        """How a report names the record."""
        return f"record {self.sequence} ({self.kind} {self.origin})"

    def with_proofs(self, seal=None, token=None):
        return ArchiveRecord(**{**self.as_fields(), "seal": seal, "token": token})

    def as_fields(self):
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def to_json(self):
        """One JSON object (a manifest line); seal and token in base64."""
        values = self.as_fields()
        for name in ("seal", "token"):
            values[name] = base64.b64encode(values[name]).decode() if values[name] else None
        return json.dumps(values, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text):
        """A record from :meth:`to_json`, as stored: nothing is recomputed (a verifier does it)."""
        try:
            values = json.loads(text)
            for name in ("seal", "token"):
                values[name] = base64.b64decode(values[name]) if values.get(name) else None
            record = cls(**values)
        except (TypeError, ValueError, KeyError) as exc:
            raise ArchiveError(f"An archive record line cannot be read: {type(exc).__name__}") from exc
        if not isinstance(record.sequence, int):
            raise ArchiveError("sequence: a whole number is required")
        return record


def fingerprint(data):
    """The SHA-256 of exact bytes, as 64 lowercase hex digits."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArchiveError("Only exact bytes are archived (bytes, not text).")
    return hashlib.sha256(data).hexdigest()
