"""The official EN16931 examples: validation verdicts, and parse -> build -> parse keeps every term."""

import dataclasses
from decimal import Decimal

import pytest

from einvoice.cii import build_cii, parse_cii
from einvoice.detect import Syntax
from einvoice.profiles import Profile
from einvoice.ubl import build_ubl, parse_ubl
from einvoice.validation import validate
from einvoice.xmlsafe import parse_xml

CII_EXAMPLES = [
    "CII-BR-CO-10-RoundingIssue.xml",
    "CII_business_example_01.xml",
    "CII_business_example_02.xml",
    "CII_business_example_Z.xml",
    "CII_example1.xml",
    "CII_example2.xml",
    "CII_example3.xml",
    "CII_example4.xml",
    "CII_example5.xml",
    "CII_example6.xml",
    "CII_example7.xml",
    "CII_example8.xml",
    "CII_example9.xml",
    "XRechnung-O.xml",
    "huf_example_cii.xml",
]
UBL_EXAMPLES = [
    "BIS3_Invoice_negativ.XML",
    "BIS3_Invoice_positive.XML",
    "FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml",
    "guide-example1.xml",
    "guide-example2.xml",
    "guide-example3.xml",
    "issue116.xml",
    "sample-discount-price.xml",
    "ubl-tc434-creditnote1.xml",
] + [f"ubl-tc434-example{n}.xml" for n in range(1, 11)]


def test_every_example_of_the_reference_set_is_listed(reference_dir):
    assert sorted(p.name for p in (reference_dir / "en16931" / "cii").iterdir()) == sorted(CII_EXAMPLES)
    assert sorted(p.name for p in (reference_dir / "en16931" / "ubl").iterdir()) == sorted(UBL_EXAMPLES)


@pytest.mark.parametrize("name", CII_EXAMPLES)
def test_cii_example_is_valid_and_round_trips(reference_dir, name):
    data = (reference_dir / "en16931" / "cii" / name).read_bytes()
    report = validate(data)
    # The set's examples are valid EN16931 invoices (the rounding one shows BR-CO-10 is met
    # when the line amounts are summed before rounding); none is French, so BR-FR does not run.
    assert report.syntax == Syntax.CII
    assert report.fatal == [], [f.rule_id for f in report.fatal]
    assert not any(r.startswith("BR-FR") for r in report.rule_sets)
    first = parse_cii(data)
    built = build_cii(first, Profile.EN16931)
    second = parse_cii(built)
    assert second == dataclasses.replace(first, specification_id=second.specification_id)
    assert validate(built).fatal == []


@pytest.mark.parametrize("name", UBL_EXAMPLES)
def test_ubl_example_is_valid_and_round_trips(reference_dir, name):
    data = (reference_dir / "en16931" / "ubl" / name).read_bytes()
    report = validate(data)
    assert report.syntax == (Syntax.UBL_CREDIT_NOTE if "creditnote" in name else Syntax.UBL_INVOICE)
    assert report.fatal == [], [f.rule_id for f in report.fatal]
    first = parse_ubl(data)
    built = build_ubl(first, Profile.EN16931)
    second = parse_ubl(built)
    assert second == dataclasses.replace(first, specification_id=second.specification_id)
    assert validate(built).fatal == []


def test_credit_note_example_stays_a_credit_note(reference_dir):
    data = (reference_dir / "en16931" / "ubl" / "ubl-tc434-creditnote1.xml").read_bytes()
    invoice = parse_ubl(data)
    assert invoice.type_code == "381"
    root = parse_xml(build_ubl(invoice))
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    # and the same invoice in CII keeps its type code and every term
    assert parse_cii(build_cii(invoice)).type_code == "381"


@pytest.mark.parametrize("name", ["CII_example1.xml", "CII_example5.xml", "CII_business_example_01.xml"])
def test_cii_example_converted_to_ubl_is_valid_and_equal(reference_dir, name):
    invoice = parse_cii((reference_dir / "en16931" / "cii" / name).read_bytes())
    ubl = build_ubl(invoice)
    assert validate(ubl).fatal == []
    assert parse_ubl(ubl) == dataclasses.replace(invoice, specification_id="urn:cen.eu:en16931:2017")


def _same_terms(invoice):
    """The invoice with what a syntax change must rewrite normalised away, each because one of
    the two syntaxes cannot say it otherwise:
    - the specification identifier (BT-24) names the syntax's CIUS;
    - a VAT accounting currency equal to the invoice currency: CII's BR-53 forbids writing it,
      and it says nothing more than BT-5;
    - a total VAT amount (BT-110) left out when the VAT breakdown sums to zero: UBL's TaxTotal
      that holds the breakdown requires its TaxAmount;
    - a gross price (BT-148) without a price discount (BT-147): UBL writes the gross price as
      the base amount of a price allowance whose amount it requires (0); a discount without
      its gross price: CII writes the discount within the gross price, net + discount.
    """
    tax_currency = invoice.tax_currency if invoice.tax_currency != invoice.currency else None
    totals = invoice.totals
    if totals is not None and totals.tax_total is None and not any(v.tax_amount for v in invoice.vat_breakdown):
        totals = dataclasses.replace(totals, tax_total=Decimal(0))
    lines = []
    for line in invoice.lines:
        price = line.price
        if price.gross is None and price.discount is not None and price.net is not None:
            price = dataclasses.replace(price, gross=price.net + price.discount)
        if price.gross is not None and price.discount is None:
            price = dataclasses.replace(price, discount=Decimal(0))
        lines.append(dataclasses.replace(line, price=price))
    return dataclasses.replace(invoice, specification_id=None, tax_currency=tax_currency, totals=totals, lines=lines)


@pytest.mark.parametrize("name", CII_EXAMPLES)
def test_every_cii_example_goes_to_ubl_and_back_valid_and_intact(reference_dir, name):
    first = parse_cii((reference_dir / "en16931" / "cii" / name).read_bytes())
    ubl = build_ubl(first, Profile.EN16931)
    assert validate(ubl).fatal == [], [f.rule_id for f in validate(ubl).fatal]
    back = build_cii(parse_ubl(ubl), Profile.EN16931)
    assert validate(back).fatal == [], [f.rule_id for f in validate(back).fatal]
    assert _same_terms(parse_cii(back)) == _same_terms(first)


@pytest.mark.parametrize("name", UBL_EXAMPLES)
def test_every_ubl_example_goes_to_cii_and_back_valid_and_intact(reference_dir, name):
    first = parse_ubl((reference_dir / "en16931" / "ubl" / name).read_bytes())
    cii = build_cii(first, Profile.EN16931)
    assert validate(cii).fatal == [], [f.rule_id for f in validate(cii).fatal]
    back = build_ubl(parse_cii(cii), Profile.EN16931)
    assert validate(back).fatal == [], [f.rule_id for f in validate(back).fatal]
    assert _same_terms(parse_ubl(back)) == _same_terms(first)
