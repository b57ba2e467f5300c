import datetime
from decimal import Decimal

import pytest

from einvoice import calc
from einvoice.codes import Scheme
from einvoice.errors import ModelError
from einvoice.model import (
    Address,
    AllowanceCharge,
    Identifier,
    Invoice,
    Item,
    Line,
    LineAllowanceCharge,
    Party,
    Period,
    Price,
    check_siren,
    check_siret,
    french_electronic_address,
    populated_terms,
    siren_from_siret,
)
from einvoice.money import format_amount, format_quantity, format_unit_price, round_amount, to_decimal


def test_identifiers_are_checked_with_stdnum():
    assert check_siren("732 829 320") == "732829320"
    assert check_siret("73282932000074") == "73282932000074"
    assert siren_from_siret("73282932000074") == "732829320"
    with pytest.raises(ModelError, match="BT-47: '732829321' is not a valid SIREN"):
        check_siren("732829321", "BT-47")
    with pytest.raises(ModelError, match="not a valid SIRET"):
        check_siret("73282932000075")


def test_french_electronic_address_forms():
    assert str(french_electronic_address("732829320")) == "0225:732829320"
    assert french_electronic_address("732829320", "73282932000074", "SERV-1").value == "732829320_73282932000074_SERV-1"
    assert french_electronic_address("732829320", suffix="FACT").value == "732829320_FACT"
    with pytest.raises(ModelError, match="routing code needs the SIRET"):
        french_electronic_address("732829320", routing_code="SERV-1")


def test_populated_terms_name_terms_in_their_context():
    invoice = Invoice(number="F-1", issue_date=datetime.date(2026, 9, 1))
    invoice.buyer = Party(
        name="Buyer",
        legal_id=Identifier("732829320", Scheme.SIREN),
        address=Address(city="Paris", country_code="FR"),
    )
    invoice.allowances_charges = [AllowanceCharge(is_charge=True, amount=Decimal(5), reason="Transport")]
    invoice.lines = [
        Line(
            id="1",
            quantity=Decimal(1),
            unit_code="C62",
            net_amount=Decimal(10),
            item=Item(name="Chair"),
            price=Price(net=Decimal(10)),
            period=Period(start=datetime.date(2026, 9, 1)),
            allowances_charges=[LineAllowanceCharge(is_charge=False, amount=Decimal(1))],
        )
    ]
    terms = populated_terms(invoice)
    assert {"BT-44", "BT-47", "BT-47-1", "BG-8", "BT-52", "BT-55"} <= terms  # buyer, not seller, ids
    assert {"BG-21", "BT-99", "BT-104"} <= terms and "BT-92" not in terms  # a charge, not an allowance
    assert {"BG-26", "BT-134", "BG-27", "BT-136"} <= terms and "BT-73" not in terms
    assert "BT-27" not in terms and "BT-30" not in terms


def test_money_formatting_follows_the_precision_rules():
    assert format_amount(Decimal("12.5")) == "12.50"
    assert round_amount(Decimal("0.005")) == Decimal("0.01")  # half up
    assert format_amount(Decimal("0.005")) == "0.005"  # never rounded silently: the validator reports it
    assert format_amount(Decimal("-0.00")) == "0.00"
    assert format_quantity(Decimal("1.50")) == "1.5"
    assert format_unit_price(Decimal("0.12345678")) == "0.12345678"
    with pytest.raises(ModelError, match="not float"):
        to_decimal(0.1, "BT-146")


def test_compute_totals_and_vat_breakdown():
    invoice = Invoice(number="F-2", issue_date=datetime.date(2026, 9, 1))
    invoice.lines = [
        Line(id="1", quantity=Decimal(3), unit_code="C62", price=Price(net=Decimal("19.99")), vat_rate=Decimal(20)),
        Line(id="2", quantity=Decimal(1), unit_code="C62", price=Price(net=Decimal(10)), vat_rate=Decimal("5.5")),
    ]
    invoice.allowances_charges = [
        AllowanceCharge(is_charge=False, amount=Decimal("5.00"), vat_category="S", vat_rate=Decimal(20))
    ]
    calc.compute(invoice, prepaid=Decimal(10))
    totals = invoice.totals
    assert [line.net_amount for line in invoice.lines] == [Decimal("59.97"), Decimal("10.00")]
    assert totals.line_total == Decimal("69.97")
    assert totals.tax_exclusive == Decimal("64.97")
    by_rate = {b.rate: (b.taxable_amount, b.tax_amount) for b in invoice.vat_breakdown}
    assert by_rate == {
        Decimal(20): (Decimal("54.97"), Decimal("10.99")),
        Decimal("5.5"): (Decimal("10.00"), Decimal("0.55")),
    }
    assert totals.tax_total == Decimal("11.54")
    assert totals.tax_inclusive == Decimal("76.51")
    assert totals.due == Decimal("66.51")


def test_compute_needs_an_exchange_rate_for_vat_in_accounting_currency():
    invoice = Invoice(number="F-3", issue_date=datetime.date(2026, 9, 1), currency="USD", tax_currency="EUR")
    invoice.lines = [
        Line(id="1", quantity=Decimal(1), unit_code="C62", price=Price(net=Decimal(100)), vat_rate=Decimal(20))
    ]
    with pytest.raises(ModelError, match="BT-111"):
        calc.compute(invoice)
    calc.compute(invoice, exchange_rate=Decimal("0.9"))
    assert invoice.totals.tax_total_accounting == Decimal("18.00")


def test_identifier_problems_name_the_term():
    from einvoice.model import identifier_problems
    from einvoice.testing.cases import CASES

    invoice = CASES["b2b_goods_standard"]()
    assert identifier_problems(invoice) == []
    invoice.buyer.legal_id = Identifier("552081318", Scheme.SIREN)
    invoice.seller.identifiers = [Identifier("55208131700018", Scheme.SIRET)]
    invoice.seller.vat_id = "FR00732829320"
    invoice.payment.credit_transfers[0].account_id = "FR7630006000011234567890188"
    terms = [term for term, _message in identifier_problems(invoice)]
    # the buyer SIRET no longer starts with the (wrong) buyer SIREN either
    assert terms == ["BT-29", "BT-31", "BT-47", "BT-46", "BT-84"]
    # The same problems in French, for the French users of the addons.
    french = identifier_problems(invoice, "fr")
    assert [term for term, _message in french] == terms
    assert dict(french)["BT-47"] == "BT-47 : '552081318' n'est pas un SIREN valide (clé de contrôle incorrecte)"
    assert dict(french)["BT-84"] == "BT-84 : 'FR7630006000011234567890188' n'est pas un IBAN valide"
    assert dict(identifier_problems(invoice))["BT-84"] == "BT-84: 'FR7630006000011234567890188' is not a valid IBAN"
