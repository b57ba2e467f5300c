"""Profiles: their BT-24 specification identifiers and the terms each allows."""

from enum import StrEnum

from .errors import ModelError


class Profile(StrEnum):
    MINIMUM = "MINIMUM"
    BASIC_WL = "BASIC WL"
    BASIC = "BASIC"
    EN16931 = "EN 16931"
    EXTENDED = "EXTENDED"
    EXTENDED_CTC_FR = "EXTENDED-CTC-FR"
    PEPPOL = "PEPPOL BIS 3.0"


#: BT-24 per profile (Factur-X 1.08 §7.3.1; French CIUS for EXTENDED-CTC-FR;
#: PEPPOL BIS Billing 3.0 rule R004).
SPECIFICATION_IDS = {
    Profile.MINIMUM: "urn:factur-x.eu:1p0:minimum",
    Profile.BASIC_WL: "urn:factur-x.eu:1p0:basicwl",
    Profile.BASIC: "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    Profile.EN16931: "urn:cen.eu:en16931:2017",
    Profile.EXTENDED: "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
    Profile.EXTENDED_CTC_FR: "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr",
    Profile.PEPPOL: "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
}

#: PEPPOL BIS Billing 3.0 ProfileID (UBL cbc:ProfileID).
PEPPOL_PROCESS_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

PROFILE_BY_SPECIFICATION_ID = {urn: profile for profile, urn in SPECIFICATION_IDS.items()}
# Identifiers seen in the field for the same profiles (ZUGFeRD 2.x, older Factur-X).
PROFILE_BY_SPECIFICATION_ID.update(
    {
        "urn:zugferd.de:2p0:minimum": Profile.MINIMUM,
        "urn:zugferd.de:2p0:basicwl": Profile.BASIC_WL,
        "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p0:basic": Profile.BASIC,
        "urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended": Profile.EXTENDED,
        "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:en16931": Profile.EN16931,
    }
)

#: Factur-X XMP fx:ConformanceLevel per profile (Factur-X §6).
FACTURX_CONFORMANCE_LEVEL = {
    Profile.MINIMUM: "MINIMUM",
    Profile.BASIC_WL: "BASIC WL",
    Profile.BASIC: "BASIC",
    Profile.EN16931: "EN 16931",
    Profile.EXTENDED: "EXTENDED",
    # EXTENDED-CTC-FR is a subset of Factur-X EXTENDED (FNFE note §1, step 2).
    Profile.EXTENDED_CTC_FR: "EXTENDED",
}

#: Profiles a CII builder can produce, and those a UBL builder can produce.
CII_PROFILES = (
    Profile.MINIMUM,
    Profile.BASIC_WL,
    Profile.BASIC,
    Profile.EN16931,
    Profile.EXTENDED,
    Profile.EXTENDED_CTC_FR,
)
UBL_PROFILES = (Profile.EN16931, Profile.PEPPOL, Profile.EXTENDED_CTC_FR)


def profile_from_specification_id(urn):
    """The profile of a BT-24 value, or None when it is not one we know."""
    if urn is None:
        return None
    return PROFILE_BY_SPECIFICATION_ID.get(urn.strip())


def parse_profile(text):
    """Read a profile name as a user types it: 'en16931', 'basic-wl', 'EXTENDED-CTC-FR'..."""
    key = text.strip().upper().replace("_", " ").replace("-", " ")
    aliases = {
        "MINIMUM": Profile.MINIMUM,
        "BASIC WL": Profile.BASIC_WL,
        "BASICWL": Profile.BASIC_WL,
        "BASIC": Profile.BASIC,
        "EN 16931": Profile.EN16931,
        "EN16931": Profile.EN16931,
        "COMFORT": Profile.EN16931,
        "EXTENDED": Profile.EXTENDED,
        "EXTENDED CTC FR": Profile.EXTENDED_CTC_FR,
        "CTC FR": Profile.EXTENDED_CTC_FR,
        "PEPPOL": Profile.PEPPOL,
        "PEPPOL BIS 3.0": Profile.PEPPOL,
    }
    try:
        return aliases[key]
    except KeyError:
        raise ModelError(f"Unknown profile {text!r}; choose one of: {', '.join(p.value for p in Profile)}") from None


# --- terms each profile allows ----------------------------------------------------------

#: Factur-X MINIMUM (Factur-X 1.09, MINIMUM XSD): header identification and the four totals.
_MINIMUM = frozenset(
    [
        "BT-1",
        "BT-2",
        "BT-3",
        "BT-5",
        "BT-10",
        "BT-13",
        "BT-23",
        "BT-24",
        "BG-4",
        "BT-27",
        "BT-30",
        "BT-30-1",
        "BT-31",
        "BT-32",
        "BG-5",
        "BT-40",
        "BG-7",
        "BT-44",
        "BT-47",
        "BT-47-1",
        "BG-22",
        "BT-109",
        "BT-110",
        "BT-112",
        "BT-115",
    ]
)
#: Terms of the invoice lines (BG-25 and everything under it).
_LINE_TERMS = frozenset(
    ["BG-25", "BG-26", "BG-27", "BG-28", "BG-29", "BG-30", "BG-31", "BG-32", "BT-128-1", "BT-157-1", "BT-158-1"]
    + ["BT-158-2"]
    + [f"BT-{n}" for n in range(126, 162)]
)
#: Header terms of EN 16931 that neither BASIC WL nor BASIC carry (their XSD has no element for them):
#: seller additional legal information, contacts, account name and BIC, card, supporting documents.
_HEADER_NOT_IN_BASIC = frozenset(
    ["BT-33", "BG-6", "BT-41", "BT-42", "BT-43", "BG-9", "BT-56", "BT-57", "BT-58", "BT-85", "BT-86"]
    + ["BG-18", "BT-87", "BT-88", "BG-24", "BT-122", "BT-123", "BT-124", "BT-125", "BT-125-1", "BT-125-2"]
    + ["BT-17", "BT-18", "BT-18-1"]
)
#: Line terms of EN 16931 that the Factur-X BASIC line does not carry.
_LINE_NOT_IN_BASIC = frozenset(
    ["BT-128", "BT-128-1", "BT-132", "BT-133", "BT-154", "BT-155", "BT-156", "BT-158", "BT-158-1", "BT-158-2"]
    + ["BT-159", "BG-32", "BT-160", "BT-161"]
)

#: Terms each profile refuses (absent: every EN16931 term of the model is allowed).
_REFUSED = {
    Profile.BASIC_WL: _LINE_TERMS | _HEADER_NOT_IN_BASIC,
    Profile.BASIC: _LINE_NOT_IN_BASIC | _HEADER_NOT_IN_BASIC,
}


def check_profile(invoice, profile):
    """Raise ProfileError listing every populated term that ``profile`` cannot carry."""
    from .errors import ProfileError
    from .model import populated_terms

    profile = Profile(profile)
    terms = populated_terms(invoice)
    if profile == Profile.MINIMUM:
        # BG-4/BG-7 sub-terms other than those listed are refused too.
        refused = {t for t in terms if t not in _MINIMUM}
    else:
        refused = terms & _REFUSED.get(profile, frozenset())
    if refused:
        raise ProfileError(profile, refused)
