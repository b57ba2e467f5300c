"""SML lookup: from a participant to the URL of the SMP that publishes its capabilities.

Peppol Service Metadata Locator 1.3 / Policy for use of Identifiers 4.4 (in force since the
"CNAME to NAPTR" migration of 2025): the DNS name is the lower-cased participant value hashed
with SHA-256, in base32 without padding, under ``iso6523-actorid-upis.<SML zone>``; its U-NAPTR
record of service ``Meta:SMP`` gives the SMP's URL. The legacy scheme (``B-`` and the MD5 hex of
the same lower-cased value, a CNAME to the SMP host, reached over plain HTTP) is kept for SMLs
that still publish it, only when asked.

DNS goes through a resolver the caller gives: ``resolver(name, rdtype)`` returns the records
(:class:`Naptr` for ``"NAPTR"``, host names for ``"CNAME"``), an empty list for a name that does
not exist or has no such record, and raises :class:`~einvoice.errors.TransportError` when DNS
cannot answer. :func:`dns_resolver` builds one on dnspython.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re

from ..errors import ParticipantNotFound, TransportError
from .identifiers import PARTICIPANT_SCHEME, ParticipantId

#: SML DNS zones (the European Commission operates the SML for OpenPeppol).
SML_PRODUCTION = "edelivery.tech.ec.europa.eu"
SML_TEST = "acc.edelivery.tech.ec.europa.eu"

NAPTR_SERVICE = "Meta:SMP"

__all__ = ["Naptr", "ParticipantNotFound", "cname_name", "dns_resolver", "naptr_name", "smp_url"]


@dataclasses.dataclass(frozen=True)
class Naptr:
    """A NAPTR record (RFC 3403)."""

    order: int
    preference: int
    flags: str
    service: str
    regexp: str
    replacement: str = "."


def _participant(participant):
    return participant if isinstance(participant, ParticipantId) else ParticipantId.parse(participant)


def naptr_name(participant, zone=SML_PRODUCTION):
    """The DNS name whose U-NAPTR record points at the participant's SMP."""
    value = _participant(participant).value.lower().encode("utf-8")
    digest = base64.b32encode(hashlib.sha256(value).digest()).decode("ascii").rstrip("=").lower()
    return f"{digest}.{PARTICIPANT_SCHEME}.{zone}"


def cname_name(participant, zone=SML_PRODUCTION):
    """The legacy DNS name (``B-`` + MD5 hex), a CNAME to the SMP host."""
    value = _participant(participant).value.lower().encode("utf-8")
    return f"B-{hashlib.md5(value, usedforsecurity=False).hexdigest()}.{PARTICIPANT_SCHEME}.{zone}"


def apply_naptr(record, name):
    """The URL a U-NAPTR record's substitution expression gives for ``name``, or None."""
    expression = record.regexp or ""
    if len(expression) < 3:
        return None
    delimiter = expression[0]
    parts = expression[1:].split(delimiter)
    if len(parts) < 2:
        return None
    pattern, replacement = parts[0], parts[1]
    flags = re.IGNORECASE if len(parts) > 2 and "i" in parts[2] else 0
    # RFC 3402 back-references are \1..\9; Python's re reads them the same way.
    try:
        result, count = re.subn(pattern, replacement, name, count=1, flags=flags)
    except re.error:
        return None
    return result if count else None


def smp_url(participant, resolver, zone=SML_PRODUCTION, legacy_cname=False):
    """The base URL of the participant's SMP, from DNS.

    Raises :class:`ParticipantNotFound` when DNS has no record for the participant (it is
    not registered in this SML), :class:`TransportError` when DNS fails or its record is unusable.
    """
    participant = _participant(participant)
    name = naptr_name(participant, zone)
    records = [r for r in resolver(name, "NAPTR") if isinstance(r, Naptr)]
    usable = sorted(
        (r for r in records if r.flags.upper() == "U" and r.service.lower() == NAPTR_SERVICE.lower()),
        key=lambda r: (r.order, r.preference),
    )
    for record in usable:
        url = apply_naptr(record, name)
        if url and url.lower().startswith(("https://", "http://")):
            return url.rstrip("/")
    if usable:
        raise TransportError(f"SML: the {NAPTR_SERVICE} record of {participant} ({name}) does not give an http(s) URL")
    if legacy_cname:
        legacy = cname_name(participant, zone)
        if resolver(legacy, "CNAME"):
            # The legacy SMP answers on the hashed name itself, over HTTP.
            return f"http://{legacy}"
    raise ParticipantNotFound(
        f"{participant} is not registered in the PEPPOL network (no {NAPTR_SERVICE} record for {name})"
    )


def dns_resolver(lifetime=5.0, nameservers=None):
    """A resolver on dnspython (installed with pyfrctc); ``lifetime`` bounds each query."""
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver()
    resolver.lifetime = lifetime
    if nameservers:
        resolver.nameservers = list(nameservers)

    def resolve(name, rdtype):
        try:
            answer = resolver.resolve(name, rdtype)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as exc:
            raise TransportError(f"DNS: no answer for {name} ({rdtype}): {exc}") from exc
        if rdtype == "NAPTR":
            return [
                Naptr(
                    r.order, r.preference, r.flags.decode(), r.service.decode(), r.regexp.decode(), str(r.replacement)
                )
                for r in answer
            ]
        return [str(r.target) for r in answer]

    return resolve
