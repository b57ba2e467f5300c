"""Probative archive: records over exact bytes, a hash chain per company, seals, RFC 3161
timestamps, and their verification.

- :mod:`.record`: the record and its canonical serialisation (the chain hash an auditor
  recomputes with ``sha256sum``);
- :mod:`.chain`: appending records, sealing each one's bytes and the daily chain head;
- :mod:`.timestamp`: RFC 3161 requests and tokens, an HTTP TSA client, the internal authority;
- :mod:`.cms`: CMS/CAdES signatures (SignedData) and certificate checks;
- :mod:`.verify`: one record, a whole chain (streamed), a report naming the first broken link.
- :mod:`.pades`: the PAdES seal of a Factur-X PDF and its check (needs pyHanko).

Libraries: ``cryptography`` (already a dependency) for keys, signatures and X.509, and
``asn1crypto`` for the CMS (RFC 5652), ESS (RFC 5035) and TSP (RFC 3161) structures: pure
Python, no native code, a dependency of pyHanko and of the certificate validators, and
it writes what we need as well as reads it (the internal authority and the test TSA issue
tokens, which verifier-only libraries cannot). Not chosen: ``rfc3161-client`` (only requests
and verifies tokens; issuing one is out of its scope) and ``pyhanko`` for the core (it requires
cryptography >= 48 and aiohttp, beyond what an Odoo 18 install accepts today); pyHanko is
used, optionally, only for the PAdES signature of PDFs.
"""

from .chain import ArchiveChain, seal_statement
from .cms import SignerIdentity, TrustStore
from .record import GENESIS, ArchiveKind, ArchiveRecord, canonical_bytes, fingerprint
from .timestamp import (
    INTERNAL_POLICY_OID,
    FallbackTimeStamper,
    HttpTimeStampAuthority,
    InternalTimeStampAuthority,
    TimestampToken,
    check_token,
)
from .verify import ArchiveFinding, ChainReport, trust_store, verify_chain, verify_record

__all__ = [
    "GENESIS",
    "INTERNAL_POLICY_OID",
    "ArchiveChain",
    "ArchiveFinding",
    "ArchiveKind",
    "ArchiveRecord",
    "ChainReport",
    "FallbackTimeStamper",
    "HttpTimeStampAuthority",
    "InternalTimeStampAuthority",
    "SignerIdentity",
    "TimestampToken",
    "TrustStore",
    "canonical_bytes",
    "check_token",
    "fingerprint",
    "seal_statement",
    "trust_store",
    "verify_chain",
    "verify_record",
]
