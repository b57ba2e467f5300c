"""PEPPOL participant identifiers: ``iso6523-actorid-upis::0208:0123456789``.

A participant is named by an identifier scheme (always ``iso6523-actorid-upis`` for
parties) and a value made of an ICD code (the *participant identifier scheme*, ``0208``)
and the identifier the issuing agency gave (``0123456789``). The rules applied here:

- Peppol Policy for use of Identifiers 4.4: the value is at most 130 characters
  (50 before 4.4) and is compared case-insensitively (the SML hashes it lower-cased);
- the Peppol code list "Participant identifier schemes" (:data:`SCHEMES`): an ICD that
  the list does not know, or that it marks as removed, is refused; a deprecated one is
  read but :attr:`Scheme.deprecated` tells it should not be issued any more;
- the check digits of the schemes that have them, through python-stdnum.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import re

from ..errors import ModelError

#: The identifier scheme of every party identifier in PEPPOL.
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
#: Longest value (ICD, colon and identifier): Peppol Policy for use of Identifiers 4.4.
MAX_VALUE_LENGTH = 130

#: The code list the table below records: "Peppol Code Lists - Participant identifier
#: schemes", version 9.3 (100 entries, OpenPeppol eDEC code lists, docs.peppol.eu/edelivery/codelists).
CODE_LIST = "Peppol Code Lists - Participant identifier schemes"
CODE_LIST_VERSION = "9.3"

ACTIVE, DEPRECATED, REMOVED = "active", "deprecated", "removed"


class ParticipantIdError(ModelError):
    """A participant identifier that cannot be used: bad syntax, unknown or removed scheme,
    wrong check digits. The message names the identifier and the rule."""


@dataclasses.dataclass(frozen=True)
class Scheme:
    icd: str  # ISO 6523 International Code Designator, "0208"
    scheme_id: str  # the code list's short name, "BE:EN"
    country: str  # ISO 3166 alpha-2, or "international"
    state: str  # ACTIVE, DEPRECATED or REMOVED
    since: str  # code list version that added it
    deprecated_in: str | None = None  # code list version that deprecated it
    removed_on: datetime.date | None = None
    #: python-stdnum module that checks the identifier (None: the scheme has no check digits
    #: that stdnum knows); "vatin" checks a VAT number with its country prefix.
    check: str | None = None

    @property
    def deprecated(self):
        return self.state != ACTIVE


def _s(icd, scheme_id, country, since, check=None, state=ACTIVE, deprecated_in=None, removed_on=None):
    removed = datetime.date.fromisoformat(removed_on) if removed_on else None
    return Scheme(icd, scheme_id, country, state, since, deprecated_in, removed, check)


_VAT_COUNTRIES = (
    "9922 AD", "9923 AL", "9924 BA", "9925 BE", "9926 BG", "9927 CH", "9928 CY", "9929 CZ",
    "9930 DE", "9931 EE", "9932 GB", "9933 GR", "9934 HR", "9935 IE", "9936 LI", "9937 LT",
    "9938 LU", "9939 LV", "9940 MC", "9941 ME", "9942 MK", "9943 MT", "9944 NL", "9945 PL",
    "9946 PT", "9947 RO", "9948 RS", "9949 SI", "9950 SK", "9951 SM", "9952 TR", "9953 VA",
)  # fmt: skip

_INTL = "international"

#: The Peppol participant identifier schemes (code list version :data:`CODE_LIST_VERSION`).
SCHEMES = {
    s.icd: s
    for s in (
        _s("0002", "FR:SIRENE", "FR", "1.0.0", "fr.siren_or_siret"),
        _s("0007", "SE:ORGNR", "SE", "1.0.0", "se.orgnr"),
        _s("0009", "FR:SIRET", "FR", "1.1.1", "fr.siret"),
        _s("0037", "FI:OVT", "FI", "1.0.0", state=REMOVED, deprecated_in="8.9", removed_on="2024-12-31"),
        _s("0060", "DUNS", _INTL, "1.0.0"),
        _s("0088", "GLN", _INTL, "1.0.0", "ean"),
        _s("0096", "DK:P", "DK", "1.0.0"),
        _s("0097", "IT:FTI", "IT", "1.0.0"),
        _s("0106", "NL:KVK", "NL", "1.1.2"),
        _s("0130", "EU:NAL", _INTL, "4"),
        _s("0135", "IT:SIA", "IT", "1.0.0"),
        _s("0142", "IT:SECETI", "IT", "1.0.0"),
        _s("0151", "AU:ABN", "AU", "5", "au.abn"),
        _s("0183", "CH:UIDB", "CH", "5", "ch.uid"),
        _s("0184", "DK:DIGST", "DK", "1.2.1", "dk.cvr"),
        _s("0188", "JP:SST", "JP", "8.1"),
        _s("0190", "NL:OINO", "NL", "2"),
        _s("0191", "EE:CC", "EE", "2", "ee.registrikood"),
        _s("0192", "NO:ORG", "NO", "2", "no.orgnr"),
        _s("0193", "UBLBE", "BE", "3"),
        _s("0195", "SG:UEN", "SG", "4"),
        _s("0196", "IS:KTNR", "IS", "4", "is_.kennitala"),
        _s("0198", "DK:ERST", "DK", "5"),
        _s("0199", "LEI", _INTL, "5", "lei"),
        _s("0200", "LT:LEC", "LT", "5"),
        _s("0201", "IT:CUUO", "IT", "6"),
        _s("0204", "DE:LWID", "DE", "6"),
        # The code list: "Participants with this ID CAN NOT be registered in the SMP/SML".
        _s("0205", "IT:COD", "IT", "8.4"),
        _s("0208", "BE:EN", "BE", "7", "be.vat"),
        _s("0209", "GS1", _INTL, "7.5"),
        _s("0210", "IT:CFI", "IT", "7.5", "it.codicefiscale"),
        _s("0211", "IT:IVA", "IT", "7.5", "it.iva"),
        _s("0212", "FI:ORG", "FI", "7.5", state=REMOVED, deprecated_in="8.9", removed_on="2024-12-31"),
        _s("0213", "FI:VAT", "FI", "7.5", state=REMOVED, deprecated_in="8.9", removed_on="2024-12-31"),
        _s("0215", "FI:NSI", "FI", "8.1", state=REMOVED, deprecated_in="8.9", removed_on="2024-12-31"),
        _s("0216", "FI:OVT2", "FI", "8.1"),
        _s("0218", "LV:URN", "LV", "8.8"),
        _s("0221", "JP:IIN", "JP", "8.5"),
        # FRCTC electronic address (AIFE): the French reform's address in the directory.
        _s("0225", "FR:CTC", "FR", "9.1"),
        _s("0230", "MY:EIF", "MY", "8.5"),
        _s("0235", "AE:TIN", "AE", "9.1"),
        _s("0240", "LU:MAT", "LU", "9.1"),
        _s("0242", "SPIS", _INTL, "9.3"),
        _s("9901", "DK:CPR", "DK", "1.0.0", state=REMOVED, deprecated_in="8.6", removed_on="2023-11-30"),
        _s("9902", "DK:CVR", "DK", "1.0.0", state=REMOVED, deprecated_in="8.6", removed_on="2023-11-30"),
        _s("9904", "DK:SE", "DK", "1.0.0", state=REMOVED, deprecated_in="8.6", removed_on="2023-11-30"),
        _s("9905", "DK:VANS", "DK", "1.0.0", state=REMOVED, deprecated_in="8.6", removed_on="2023-11-30"),
        _s("9906", "IT:VAT", "IT", "1.0.0", state=REMOVED, deprecated_in="8.1", removed_on="2023-05-24"),
        _s("9907", "IT:CF", "IT", "1.0.0", state=REMOVED, deprecated_in="8.1", removed_on="2023-05-24"),
        _s("9908", "NO:ORGNR", "NO", "1.0.0", state=REMOVED, deprecated_in="8.3", removed_on="2023-05-24"),
        _s("9909", "NO:VAT", "NO", "1.0.0", state=DEPRECATED, deprecated_in="1.1.0"),
        _s("9910", "HU:VAT", "HU", "1.0.0", "vatin"),
        _s("9912", "EU:VAT", _INTL, "1.0.0", state=DEPRECATED, deprecated_in="1.1.0"),
        _s("9913", "EU:REID", _INTL, "1.0.0"),
        _s("9914", "AT:VAT", "AT", "1.0.0", "vatin"),
        _s("9915", "AT:GOV", "AT", "1.0.0"),
        _s("9916", "AT:CID", "AT", "1.0.0", state=DEPRECATED, deprecated_in="1.0.2"),
        _s("9917", "IS:KT", "IS", "1.0.0", state=DEPRECATED, deprecated_in="4"),
        _s("9918", "IBAN", _INTL, "1.0.1", "iban"),
        _s("9919", "AT:KUR", "AT", "1.0.2"),
        _s("9920", "ES:VAT", "ES", "1.0.2", "vatin"),
        _s("9921", "IT:IPA", "IT", "1.1.0", state=REMOVED, deprecated_in="6", removed_on="2023-11-30"),
        *(_s(icd, f"{cc}:VAT", cc, "1.1.0", "vatin") for icd, cc in (e.split() for e in _VAT_COUNTRIES)),
        _s("9954", "NL:OIN", "NL", "1.1.3", state=DEPRECATED, deprecated_in="2"),
        _s("9955", "SE:VAT", "SE", "1.2.0", state=REMOVED, deprecated_in="8.4", removed_on="2023-07-31"),
        _s("9956", "BE:CBE", "BE", "1.2.1", state=REMOVED, deprecated_in="7.4", removed_on="2023-12-31"),
        _s("9957", "FR:VAT", "FR", "1.2.1", "fr.tva"),
        _s("9958", "DE:LID", "DE", "3", state=REMOVED, deprecated_in="6", removed_on="2023-07-31"),
        _s("9959", "US:EIN", "US", "8.3", "us.ein"),
    )
}

# Value characters: printable US-ASCII without spaces (what DNS hashing and the SMP URL carry
# unambiguously); the FR:CTC registration narrows 0225 further to letters, digits, "-" and "_".
_VALUE = re.compile(r"^[\x21-\x7e]+$")
_FRCTC = re.compile(r"^[A-Za-z0-9_-]+$")
# VAT prefixes that differ from the ISO country code.
_VAT_PREFIX = {"GR": "EL"}


def _check_digits(scheme, identifier):
    """The reason the identifier fails its scheme's check, or None."""
    if scheme.icd == "0225" and not _FRCTC.match(identifier):
        return "an FR:CTC address has only letters, digits, '-' and '_'"
    if scheme.icd == "0208" and not (len(identifier) == 10 and identifier[:1] in "01"):
        return "a Belgian enterprise number has 10 digits and starts with 0 or 1"
    if scheme.check is None:
        return None
    from stdnum.exceptions import ValidationError

    if scheme.check == "fr.siren_or_siret":
        # 0002 carries a SIREN (9 digits) or, for an establishment, a SIRET (14).
        module = "fr.siret" if len(identifier) == 14 else "fr.siren"
        what = identifier
    elif scheme.check == "vatin":
        module = "vatin"
        prefix = _VAT_PREFIX.get(scheme.country, scheme.country)
        what = identifier if identifier[:2].upper() == prefix else prefix + identifier
    else:
        module, what = scheme.check, identifier
    checker = importlib.import_module(f"stdnum.{module}")
    try:
        checker.validate(what)
    except ValidationError as exc:
        return f"{exc} (python-stdnum {module})"
    return None


@dataclasses.dataclass(frozen=True)
class ParticipantId:
    """One participant: ``icd`` (``"0208"``) and ``identifier`` (``"0123456789"``)."""

    icd: str
    identifier: str

    @classmethod
    def parse(cls, text, check_digits=True):
        """Read ``iso6523-actorid-upis::0208:0123456789`` or ``0208:0123456789``.

        Raises :class:`ParticipantIdError` naming the rule that fails.
        """
        raw = (text or "").strip()
        value = raw
        scheme, sep, rest = raw.partition("::")
        if sep:
            if scheme.lower() != PARTICIPANT_SCHEME:
                raise ParticipantIdError(
                    f"Participant {raw!r}: the identifier scheme must be {PARTICIPANT_SCHEME!r}, not {scheme!r}"
                )
            value = rest
        icd, sep, identifier = value.partition(":")
        if not sep:
            raise ParticipantIdError(
                f"Participant {raw!r}: expected ICD:identifier, for instance 0208:0123456789 or 0009:78430177200025"
            )
        return cls.of(icd, identifier, check_digits=check_digits)

    @classmethod
    def of(cls, icd, identifier, check_digits=True):
        """A participant from its scheme code (EAS / ICD, as in BT-34 / BT-49 ``schemeID``) and value."""
        icd, identifier = (icd or "").strip(), (identifier or "").strip()
        shown = f"{icd}:{identifier}"
        scheme = SCHEMES.get(icd)
        if scheme is None:
            raise ParticipantIdError(
                f"Participant {shown!r}: {icd!r} is not a participant identifier scheme of the {CODE_LIST} "
                f"{CODE_LIST_VERSION}"
            )
        if scheme.state == REMOVED:
            raise ParticipantIdError(
                f"Participant {shown!r}: the scheme {icd} ({scheme.scheme_id}) was removed from the {CODE_LIST} "
                f"on {scheme.removed_on}; the participant needs an identifier of another scheme"
            )
        if not identifier:
            raise ParticipantIdError(f"Participant {shown!r}: the identifier after {icd}: is empty")
        if len(shown) > MAX_VALUE_LENGTH:
            raise ParticipantIdError(
                f"Participant {shown[:40]!r}...: {len(shown)} characters, over the {MAX_VALUE_LENGTH} the "
                "Peppol Policy for use of Identifiers allows"
            )
        if not _VALUE.match(identifier):
            raise ParticipantIdError(
                f"Participant {shown!r}: only printable ASCII characters without spaces are allowed"
            )
        if check_digits:
            problem = _check_digits(scheme, identifier)
            if problem:
                raise ParticipantIdError(f"Participant {shown!r}: not a valid {scheme.scheme_id} identifier: {problem}")
        return cls(icd, identifier)

    @property
    def scheme(self):
        return SCHEMES[self.icd]

    @property
    def value(self):
        """``0208:0123456789``: the participant identifier value, as SMP and AS4 carry it."""
        return f"{self.icd}:{self.identifier}"

    @property
    def uri(self):
        """``iso6523-actorid-upis::0208:0123456789``: the identifier with its scheme (SMP URLs)."""
        return f"{PARTICIPANT_SCHEME}::{self.value}"

    def __str__(self):
        return self.value

    def same(self, other):
        """Identifiers of this scheme compare case-insensitively (Policy for use of Identifiers)."""
        return self.value.lower() == other.value.lower()
