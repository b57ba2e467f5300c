"""Appending to a company's chain: records over exact bytes, their seal and timestamp token,
and the daily seal of the chain head.

The daily seal is itself a record (kind ``seal``) appended right after the head it seals, so
it is chained like any other record and none can be removed or replaced unseen (NF Z42-013:
timestamped logs, chained). Its bytes are a detached CMS/CAdES signature by the company over
the seal statement (UTF-8, five lines each ending with a line feed)::

    einvoice-archive-seal-v1
    company:<company identifier>
    date:<YYYY-MM-DD, the day sealed>
    sequence:<sequence of the sealed head, the record just before the seal>
    chain:<chain hash of that head>

and the signature carries, as CAdES-T unsigned attribute, an RFC 3161 token over its
signature value. Like every record, the seal record also gets a token over its chain hash.
"""

from __future__ import annotations

import datetime
import re

from asn1crypto import cms as asn1_cms

from ..errors import ArchiveError
from . import cms as cmsutil
from .record import GENESIS, ArchiveKind, ArchiveRecord, fingerprint

SEAL_FORMAT = "einvoice-archive-seal-v1"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def seal_statement(company, day, sequence, chain_hash):
    if not _DATE.fullmatch(day or ""):
        raise ArchiveError(f"date: YYYY-MM-DD is required, not {day!r}")
    return f"{SEAL_FORMAT}\ncompany:{company}\ndate:{day}\nsequence:{sequence}\nchain:{chain_hash}\n".encode()


def seal_bytes(identity, data_digest, signing_time, timestamper=None):
    """A detached CMS/CAdES signature (DER) over content of SHA-256 ``data_digest``; with a
    timestamper, CAdES-T (a token over the signature value as unsigned attribute)."""
    der, signature = cmsutil.signed_data_der(identity, "data", data_digest, signing_time=signing_time)
    if timestamper is None:
        return der
    # CAdES-T: the token over the signature value, as unsigned attribute.
    token = timestamper.timestamp(cmsutil.sha256(signature))
    unsigned = cmsutil.attribute_der("signature_time_stamp_token", asn1_cms.ContentInfo.load(token.der))
    return cmsutil.with_unsigned_attributes(der, unsigned)


class ArchiveChain:
    """The writer of one company's chain, from its head (``head``: the last record, or None).

    ``sealer``: the company's :class:`~einvoice.archive.cms.SignerIdentity`, which seals each
    record's bytes (``seal_records``) and the daily head; ``timestamper``: an authority (or a
    :class:`~einvoice.archive.timestamp.FallbackTimeStamper`) whose token stamps each record's
    chain hash. The caller stores each record returned before it appends the next one."""

    def __init__(self, company, head=None, sealer=None, timestamper=None, clock=None, seal_records=True):
        self.company = company
        self.head = head
        self.sealer = sealer
        self.timestamper = timestamper
        self.clock = clock or cmsutil.utcnow
        self.seal_records = seal_records
        if head is not None and head.company != company:
            raise ArchiveError(f"The head record belongs to company {head.company}, not {company}.")

    def _next(self, kind, origin, digest_hex, metadata, seal_for):
        now = self.clock()
        sequence = self.head.sequence + 1 if self.head else 1
        previous = self.head.chain_hash if self.head else GENESIS
        record = ArchiveRecord.create(sequence, previous, digest_hex, kind, now, self.company, origin, metadata)
        seal = seal_for(record, now) if seal_for else None
        token = self.timestamper.timestamp(bytes.fromhex(record.chain_hash)).der if self.timestamper else None
        record = record.with_proofs(seal=seal, token=token)
        self.head = record
        return record

    def append(self, data, kind, origin, metadata=None):
        """Archive ``data`` (exact bytes); returns the new head record."""
        if isinstance(kind, str) and kind == ArchiveKind.SEAL:
            raise ArchiveError("kind: seal records are made by seal_head()")
        digest_hex = fingerprint(data)
        seal_for = None
        if self.sealer is not None and self.seal_records:

            def seal_for(record, now):
                return seal_bytes(self.sealer, bytes.fromhex(digest_hex), now)

        return self._next(kind, origin, digest_hex, metadata, seal_for)

    def seal_head(self, day=None):
        """Seal the current head (the day's last record); returns the seal record."""
        if self.sealer is None:
            raise ArchiveError("No company certificate is configured to seal the archive.")
        if self.head is None:
            raise ArchiveError("The chain is empty: there is no head to seal.")
        now = self.clock()
        day = day or now.astimezone(datetime.timezone.utc).date().isoformat()
        statement = seal_statement(self.company, day, self.head.sequence, self.head.chain_hash)
        seal = seal_bytes(self.sealer, cmsutil.sha256(statement), now, self.timestamper)
        metadata = {"date": day, "sealed_sequence": self.head.sequence, "sealed_chain_hash": self.head.chain_hash}
        record = self._next(ArchiveKind.SEAL, f"seal:{day}", fingerprint(seal), metadata, lambda record, now: seal)
        return record
