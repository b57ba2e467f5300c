"""PEPPOL participant identifiers and the SML host names derived from them."""

import importlib

import pytest

from einvoice.errors import ModelError, ParticipantNotFound, TransportError
from einvoice.peppol import sml
from einvoice.peppol.identifiers import (
    CODE_LIST_VERSION,
    DEPRECATED,
    REMOVED,
    SCHEMES,
    ParticipantId,
    ParticipantIdError,
)


def test_code_list_is_recorded_whole():
    # Version 9.3 of the code list has 100 entries; the schemes the reform names are active.
    assert CODE_LIST_VERSION == "9.3"
    assert len(SCHEMES) == 100
    for icd, scheme_id in {
        "0002": "FR:SIRENE",
        "0009": "FR:SIRET",
        "0088": "GLN",
        "0208": "BE:EN",
        "0225": "FR:CTC",
        "9925": "BE:VAT",
        "9957": "FR:VAT",
    }.items():
        assert SCHEMES[icd].scheme_id == scheme_id
        assert not SCHEMES[icd].deprecated
    assert SCHEMES["9956"].state == REMOVED and str(SCHEMES["9956"].removed_on) == "2023-12-31"
    assert SCHEMES["9909"].state == DEPRECATED


def test_every_check_module_exists():
    for scheme in SCHEMES.values():
        if scheme.check and scheme.check != "fr.siren_or_siret":
            importlib.import_module(f"stdnum.{scheme.check}")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("iso6523-actorid-upis::0208:0403019261", "0208:0403019261"),
        ("ISO6523-ACTORID-UPIS::0009:78430177200025", "0009:78430177200025"),
        ("0002:784301772", "0002:784301772"),
        ("0002:78430177200025", "0002:78430177200025"),  # a SIRET under 0002
        ("9925:BE0403019261", "9925:BE0403019261"),
        ("9957:FR40303265045", "9957:FR40303265045"),
        ("0088:5798000012349", "0088:5798000012349"),
        ("0225:315143296_31514329600014", "0225:315143296_31514329600014"),
        ("9933:094259216", "9933:094259216"),  # Greek VAT: EL prefix added for the check only
        (" 0192:974760673 ", "0192:974760673"),
    ],
)
def test_parse_valid(text, value):
    participant = ParticipantId.parse(text)
    assert participant.value == value
    assert participant.uri == f"iso6523-actorid-upis::{value}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("busdox-actorid-upis::0208:0403019261", "identifier scheme must be 'iso6523-actorid-upis'"),
        ("02080403019261", "expected ICD:identifier"),
        ("1234:0403019261", "'1234' is not a participant identifier scheme"),
        ("9956:0403019261", "removed from the Peppol Code Lists - Participant identifier schemes on 2023-12-31"),
        ("0208:", "is empty"),
        ("0208:0403019262", "not a valid BE:EN identifier"),
        ("0208:2403019261", "starts with 0 or 1"),
        ("0009:78430177200026", "not a valid FR:SIRET identifier"),
        ("0002:784301773", "not a valid FR:SIRENE identifier"),
        ("9957:FR41303265045", "not a valid FR:VAT identifier"),
        ("0088:5798000012345", "not a valid GLN identifier"),
        ("0225:315143296 31514329600014", "printable ASCII"),
        ("0225:315143296.314", "only letters, digits"),
        ("0060:" + "1" * 130, "over the 130"),
    ],
)
def test_parse_invalid(text, message):
    with pytest.raises(ParticipantIdError) as caught:
        ParticipantId.parse(text)
    assert message in str(caught.value)
    assert isinstance(caught.value, ModelError)


def test_check_digits_can_be_skipped_and_compare_case_insensitively():
    loose = ParticipantId.parse("0208:0403019262", check_digits=False)
    assert loose.value == "0208:0403019262"
    assert ParticipantId.parse("9925:be0403019261").same(ParticipantId.parse("9925:BE0403019261"))


def test_sml_names_match_published_records():
    # A participant registered in the production SML (its NAPTR record as DNS publishes it,
    # quoted in phoss-smp issue 362) and a legacy CNAME name quoted in phoss-smp issue 113.
    assert sml.naptr_name("0208:0677424046") == (
        "yrudm3nqrm76uobzh4griobewmqd4mx574cfdtm75zphrex4ydya.iso6523-actorid-upis.edelivery.tech.ec.europa.eu"
    )
    assert sml.cname_name("0106:27152051") == (
        "B-ad59c71cfeb7d3ac17a28bfd660b2a71.iso6523-actorid-upis.edelivery.tech.ec.europa.eu"
    )
    # The value is lower-cased before hashing: case does not change the name.
    assert sml.naptr_name("9925:BE0403019261") == sml.naptr_name("9925:be0403019261")
    assert sml.naptr_name("0208:0403019261", zone=sml.SML_TEST).endswith(".acc.edelivery.tech.ec.europa.eu")


def _resolver(records):
    def resolve(name, rdtype):
        return records.get((name, rdtype), [])

    return resolve


def test_smp_url_from_naptr():
    name = sml.naptr_name("0208:0677424046")
    records = {
        (name, "NAPTR"): [
            sml.Naptr(100, 20, "U", "Meta:SMP", "!.*!https://backup.example.test!"),
            sml.Naptr(100, 10, "U", "Meta:SMP", "!.*!http://smp.netfly.eu.com!"),
            sml.Naptr(50, 10, "U", "Other:Service", "!.*!https://other.example.test!"),
        ]
    }
    assert sml.smp_url("0208:0677424046", _resolver(records)) == "http://smp.netfly.eu.com"


def test_smp_url_not_registered_and_unusable_records():
    with pytest.raises(ParticipantNotFound) as caught:
        sml.smp_url("0208:0403019261", _resolver({}))
    assert "0208:0403019261 is not registered in the PEPPOL network" in str(caught.value)
    name = sml.naptr_name("0208:0403019261")
    bad = {(name, "NAPTR"): [sml.Naptr(100, 10, "U", "Meta:SMP", "!.*!ftp://smp.example.test!")]}
    with pytest.raises(TransportError) as caught:
        sml.smp_url("0208:0403019261", _resolver(bad))
    assert "does not give an http(s) URL" in str(caught.value)
    assert not isinstance(caught.value, ParticipantNotFound)


def test_smp_url_legacy_cname_only_when_asked():
    legacy = sml.cname_name("0106:27152051")
    records = {(legacy, "CNAME"): ["smp.example.test."]}
    with pytest.raises(ParticipantNotFound):
        sml.smp_url("0106:27152051", _resolver(records))
    assert sml.smp_url("0106:27152051", _resolver(records), legacy_cname=True) == f"http://{legacy}"
