"""The e-reporting (Flux 10) engine: periods and deadlines, aggregation, IN then RE, build, parse, validate.

Facts checked here come from the DGFiP external specifications v3.2 (general
file §3.7.7, Tableau 13), annexes 6 (format, v1.10) and 7 (rules, v1.9), and
the FNFE Flux 10 rules; each built report must pass the DGFiP XSD and the
Flux 10 rules with no fatal finding.
"""

from __future__ import annotations

import datetime
import itertools
import time
import tracemalloc
from decimal import Decimal

import pytest
from lxml import etree

from einvoice.cli import main as cli_main
from einvoice.ereporting import (
    Address,
    AllowanceCharge,
    DataKind,
    Declarant,
    Delivery,
    InvoiceEntry,
    InvoiceLine,
    InvoicePaymentLine,
    InvoiceReference,
    InvoiceTaxSubtotal,
    Note,
    Party,
    PaymentLine,
    PaymentsReport,
    Report,
    ReportPeriod,
    SaleLine,
    TransactionsReport,
    VatRegime,
    aggregate_invoice_payments,
    aggregate_payments,
    aggregate_transactions,
    build_report,
    build_tree,
    invoice_entry,
    parse_report,
    period_containing,
    period_starting,
    periods_between,
    report_party,
    validate_report,
)
from einvoice.errors import ModelError, ParseError, ReportParseError, UnsafeInputError
from einvoice.testing import cases
from einvoice.testing import ereporting as samples
from einvoice.testing.cases import SELLER_SIREN, SELLER_VAT
from einvoice.validation import validate

D = Decimal
day = datetime.date
T, P = DataKind.TRANSACTIONS, DataKind.PAYMENTS


# --- periods and deadlines (DGFiP specifications v3.2 §3.7.7, Tableau 13) ---------------------


def _span(period):
    return (period.start, period.end, period.deadline)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # 1st décade: due on the 20th; 2nd: on the last day of the month; 3rd: on the 10th of the next month
        (day(2026, 9, 1), (day(2026, 9, 1), day(2026, 9, 10), day(2026, 9, 20))),
        (day(2026, 9, 10), (day(2026, 9, 1), day(2026, 9, 10), day(2026, 9, 20))),
        (day(2026, 9, 11), (day(2026, 9, 11), day(2026, 9, 20), day(2026, 9, 30))),
        (day(2026, 9, 21), (day(2026, 9, 21), day(2026, 9, 30), day(2026, 10, 10))),
        (day(2026, 10, 31), (day(2026, 10, 21), day(2026, 10, 31), day(2026, 11, 10))),
        # February: an 8-day third décade, 9 days in a leap year; the second décade is due on the 28th / 29th
        (day(2027, 2, 28), (day(2027, 2, 21), day(2027, 2, 28), day(2027, 3, 10))),
        (day(2028, 2, 29), (day(2028, 2, 21), day(2028, 2, 29), day(2028, 3, 10))),
        (day(2027, 2, 15), (day(2027, 2, 11), day(2027, 2, 20), day(2027, 2, 28))),
        (day(2028, 2, 15), (day(2028, 2, 11), day(2028, 2, 20), day(2028, 2, 29))),
        # year end: the last décade of December is due on 10 January
        (day(2026, 12, 31), (day(2026, 12, 21), day(2026, 12, 31), day(2027, 1, 10))),
    ],
)
def test_normal_monthly_regime_reports_transactions_by_decade(when, expected):
    assert _span(period_containing(VatRegime.NORMAL_MONTHLY, T, when)) == expected


def test_the_administration_deadline_is_8_am_the_day_after_the_platform_deadline():
    first = period_containing(VatRegime.NORMAL_MONTHLY, T, day(2026, 9, 5))
    assert first.administration_deadline == datetime.datetime(2026, 9, 21, 8, 0)  # "le 21 du mois ... à 8h00"
    second = period_containing(VatRegime.NORMAL_MONTHLY, T, day(2028, 2, 15))
    assert second.administration_deadline == datetime.datetime(2028, 3, 1, 8, 0)  # "le 1er du mois suivant"
    last = period_containing(VatRegime.NORMAL_MONTHLY, T, day(2026, 12, 25))
    assert last.administration_deadline == datetime.datetime(2027, 1, 11, 8, 0)  # "le 11 du mois suivant"
    simplified = period_containing(VatRegime.SIMPLIFIED, P, day(2026, 12, 3))
    assert simplified.administration_deadline == datetime.datetime(2027, 2, 1, 8, 0)  # "le 1er du deuxième mois"


@pytest.mark.parametrize(
    ("regime", "kind", "when", "expected"),
    [
        # normal monthly, payments: by month, due on the 10th of the next month
        (VatRegime.NORMAL_MONTHLY, P, day(2026, 9, 25), (day(2026, 9, 1), day(2026, 9, 30), day(2026, 10, 10))),
        (VatRegime.NORMAL_MONTHLY, P, day(2026, 12, 31), (day(2026, 12, 1), day(2026, 12, 31), day(2027, 1, 10))),
        (VatRegime.NORMAL_MONTHLY, P, day(2028, 2, 29), (day(2028, 2, 1), day(2028, 2, 29), day(2028, 3, 10))),
        # normal quarterly: transactions and payments by month, due on the 10th of the next month
        (VatRegime.NORMAL_QUARTERLY, T, day(2026, 9, 25), (day(2026, 9, 1), day(2026, 9, 30), day(2026, 10, 10))),
        (VatRegime.NORMAL_QUARTERLY, P, day(2027, 2, 1), (day(2027, 2, 1), day(2027, 2, 28), day(2027, 3, 10))),
        # simplified: by month, due on the last day of the next month (February: 28 or 29)
        (VatRegime.SIMPLIFIED, T, day(2027, 1, 15), (day(2027, 1, 1), day(2027, 1, 31), day(2027, 2, 28))),
        (VatRegime.SIMPLIFIED, T, day(2028, 1, 15), (day(2028, 1, 1), day(2028, 1, 31), day(2028, 2, 29))),
        (VatRegime.SIMPLIFIED, P, day(2026, 12, 3), (day(2026, 12, 1), day(2026, 12, 31), day(2027, 1, 31))),
        (VatRegime.SIMPLIFIED, P, day(2026, 11, 30), (day(2026, 11, 1), day(2026, 11, 30), day(2026, 12, 31))),
        # franchise: civil bimonths from 1 January, due on the last day of the following month
        (VatRegime.FRANCHISE, T, day(2026, 2, 28), (day(2026, 1, 1), day(2026, 2, 28), day(2026, 3, 31))),
        (VatRegime.FRANCHISE, T, day(2028, 1, 2), (day(2028, 1, 1), day(2028, 2, 29), day(2028, 3, 31))),
        (VatRegime.FRANCHISE, P, day(2026, 9, 1), (day(2026, 9, 1), day(2026, 10, 31), day(2026, 11, 30))),
        (VatRegime.FRANCHISE, P, day(2026, 12, 31), (day(2026, 11, 1), day(2026, 12, 31), day(2027, 1, 31))),
        (VatRegime.FRANCHISE, T, day(2027, 12, 1), (day(2027, 11, 1), day(2027, 12, 31), day(2028, 1, 31))),
    ],
)
def test_monthly_and_bimonthly_periods(regime, kind, when, expected):
    assert _span(period_containing(regime, kind, when)) == expected


@pytest.mark.parametrize(
    ("regime", "kind", "count"),
    [
        (VatRegime.NORMAL_MONTHLY, T, 36),
        (VatRegime.NORMAL_MONTHLY, P, 12),
        (VatRegime.NORMAL_QUARTERLY, T, 12),
        (VatRegime.SIMPLIFIED, P, 12),
        (VatRegime.FRANCHISE, T, 6),
    ],
)
def test_the_periods_of_a_year_follow_each_other_without_gap(regime, kind, count):
    periods = list(periods_between(regime, kind, day(2027, 1, 1), day(2027, 12, 31)))
    assert len(periods) == count
    assert periods[0].start == day(2027, 1, 1) and periods[-1].end == day(2027, 12, 31)
    for before, after in itertools.pairwise(periods):
        assert after.start == before.end + datetime.timedelta(days=1)
        assert after.previous() == before and before.next() == after
        assert before.deadline > before.end  # a period is reported after it ends


def test_the_periods_agree_with_pyfrctc_on_every_day_of_three_years():
    """pyfrctc (Akretion) computes the same periods on its own; every period start of 2026-2028 is compared."""
    from pyfrctc.ereporting import get_ereporting_end_date_and_deadline_from_start_date as pyfrctc_period

    periodicity = {
        VatRegime.NORMAL_MONTHLY: "1",
        VatRegime.NORMAL_QUARTERLY: "3",
        VatRegime.SIMPLIFIED: "12",
        VatRegime.FRANCHISE: None,
    }
    compared = 0
    when = day(2026, 1, 1)
    while when.year < 2029:
        for regime, code in periodicity.items():
            for kind, kind_code in ((T, "out_transaction"), (P, "payment")):
                period = period_containing(regime, kind, when)
                assert when in period
                if period.start == when:
                    assert (period.end, period.deadline) == pyfrctc_period(when, kind_code, code), (regime, kind, when)
                    compared += 1
        when += datetime.timedelta(days=1)
    assert compared == 3 * (36 + 12 + 12 + 12 + 12 + 12 + 6 + 6)


def test_a_period_is_looked_up_by_its_first_day_only():
    assert _span(period_starting("normal_monthly", "transactions", day(2026, 9, 11)))[1] == day(2026, 9, 20)
    with pytest.raises(ModelError, match="the period containing that day runs from 2026-09-11 to 2026-09-20"):
        period_starting(VatRegime.NORMAL_MONTHLY, T, day(2026, 9, 12))
    with pytest.raises(ModelError, match="unknown VAT regime 'mini_reel'"):
        period_containing("mini_reel", T, day(2026, 9, 12))
    with pytest.raises(ModelError, match="datetime.date"):
        period_containing(VatRegime.FRANCHISE, T, datetime.datetime(2026, 9, 12, 10, 0))
    assert period_containing(VatRegime.FRANCHISE, P, day(2026, 9, 12)).is_over(day(2026, 11, 1))
    assert not period_containing(VatRegime.FRANCHISE, P, day(2026, 9, 12)).is_over(day(2026, 10, 31))


# --- aggregation ----------------------------------------------------------------------------------


def test_b2c_sales_aggregate_per_day_currency_and_category_with_vat_per_rate():
    sales = [
        # two tickets of goods on the 4th: one at two rates (it counts once), one at 20 %
        SaleLine(day(2026, 9, 4), "EUR", "TLB1", D(20), D("100.00"), D("20.00")),
        SaleLine(day(2026, 9, 4), "EUR", "TLB1", D("5.5"), D("40.00"), D("2.20"), transactions=0),
        SaleLine(day(2026, 9, 4), "EUR", "TLB1", D("20.0"), D("50.00"), D("10.00")),
        # a service the same day, and goods on the 3rd (given later: the output is sorted)
        SaleLine(day(2026, 9, 4), "EUR", "TPS1", D(10), D("80.00"), D("8.00")),
        (day(2026, 9, 3), "EUR", "TLB1", D(20), D("10.00"), D("2.00"), 1, None, None),  # a plain tuple works too
    ]
    third, goods, services = aggregate_transactions(iter(sales))
    assert (third.date, third.category, third.tax_exclusive_amount, third.tax_total, third.count) == (
        day(2026, 9, 3),
        "TLB1",
        D("10.00"),
        D("2.00"),
        1,
    )
    assert (goods.date, goods.currency, goods.category) == (day(2026, 9, 4), "EUR", "TLB1")
    assert [(s.rate, s.taxable_amount, s.tax_amount) for s in goods.subtotals] == [
        (D(20), D("150.00"), D("30.00")),  # 20 and 20.0 are one rate
        (D("5.5"), D("40.00"), D("2.20")),
    ]
    assert (goods.tax_exclusive_amount, goods.tax_total, goods.count) == (D("190.00"), D("32.20"), 2)
    assert (services.category, services.tax_exclusive_amount, services.tax_total) == ("TPS1", D("80.00"), D("8.00"))


def test_the_vat_due_date_option_and_the_currency_split_a_day():
    sales = [
        SaleLine(day(2026, 9, 4), "EUR", "TPS1", D(20), D("100.00"), D("20.00"), tax_due_date_type="5"),
        SaleLine(day(2026, 9, 4), "EUR", "TPS1", D(20), D("30.00"), D("6.00")),
        SaleLine(day(2026, 9, 4), "USD", "TPS1", D(20), D("110.00"), D("22.00"), tax_amount_eur=D("20.13")),
    ]
    on_receipt, on_debits, dollars = aggregate_transactions(sales, count=False)
    assert (on_receipt.tax_due_date_type, on_receipt.tax_exclusive_amount, on_receipt.count) == (None, D("30.00"), None)
    assert (on_debits.tax_due_date_type, on_debits.tax_exclusive_amount) == ("5", D("100.00"))
    # the VAT total of a day in dollars is in euros (rule G6.23); the breakdown stays in dollars
    assert (dollars.currency, dollars.tax_total, dollars.subtotals[0].tax_amount) == ("USD", D("20.13"), D("22.00"))
    report = samples.transactions(invoices=(), aggregates=(on_receipt, on_debits, dollars))
    assert validate(build_report(report)).fatal == []


def test_aggregation_rounds_once_per_group_half_up():
    sales = [SaleLine(day(2026, 9, 4), "EUR", "TLB1", D(20), D("0.125"), D("0.025"))] * 3
    [aggregate] = aggregate_transactions(sales)
    assert (aggregate.tax_exclusive_amount, aggregate.tax_total) == (D("0.38"), D("0.08"))  # 0.375, 0.075


def test_aggregation_refuses_what_it_cannot_report():
    period = ReportPeriod(day(2026, 9, 1), day(2026, 9, 10))
    with pytest.raises(ModelError, match="2026-09-11 is outside the report period 2026-09-01 to 2026-09-10"):
        aggregate_transactions([SaleLine(day(2026, 9, 11), "EUR", "TLB1", D(20), D(1), D("0.2"))], period=period)
    with pytest.raises(ModelError, match="sale line 2: amounts must be Decimal"):
        aggregate_transactions(
            [
                SaleLine(day(2026, 9, 4), "EUR", "TLB1", D(20), D(1), D("0.2")),
                SaleLine(day(2026, 9, 4), "EUR", "TLB1", D(20), 1.5, D("0.3")),
            ]
        )
    with pytest.raises(ModelError, match=r"needs its VAT in euros .* \(rule G6.23\)"):
        aggregate_transactions([SaleLine(day(2026, 9, 4), "GBP", "TLB1", D(20), D(1), D("0.2"))])
    with pytest.raises(ModelError, match=r"the category \(TT-81\): 'TXX1' is not one of TLB1, TPS1, TNT1, TMA1"):
        aggregate_transactions([SaleLine(day(2026, 9, 4), "EUR", "TXX1", D(20), D(1), D("0.2"))])


def test_b2c_encashments_aggregate_per_day_and_rate():
    lines = [
        PaymentLine(day(2026, 9, 26), D(20), D("100.00"), "EUR"),
        PaymentLine(day(2026, 9, 25), D(10), D("11.00"), "EUR"),
        PaymentLine(day(2026, 9, 26), D(10), D("55.00"), "EUR"),
        PaymentLine(day(2026, 9, 26), D(20), D("140.00"), "EUR"),
    ]
    first, second = aggregate_payments(lines)
    assert (first.date, [(s.rate, s.amount) for s in first.subtotals]) == (day(2026, 9, 25), [(D(10), D("11.00"))])
    assert (second.date, [(s.rate, s.amount, s.currency) for s in second.subtotals]) == (
        day(2026, 9, 26),
        [(D(20), D("240.00"), "EUR"), (D(10), D("55.00"), "EUR")],
    )


def test_invoice_encashments_give_one_block_per_invoice_and_payment_date():
    lines = [
        InvoicePaymentLine("F2026-0042", day(2026, 9, 2), day(2026, 9, 25), D(20), D("700.00")),
        InvoicePaymentLine("F2026-0042", day(2026, 9, 2), day(2026, 9, 25), D(20), D("500.00")),
        InvoicePaymentLine("F2026-0042", day(2026, 9, 2), day(2026, 9, 28), D(20), D("120.00")),
        InvoicePaymentLine("F2026-0043", day(2026, 9, 3), day(2026, 9, 25), D(10), D("33.00")),
    ]
    blocks = aggregate_invoice_payments(lines)
    assert [(b.invoice_id, b.payment_date, [(s.rate, s.amount) for s in b.subtotals]) for b in blocks] == [
        ("F2026-0042", day(2026, 9, 25), [(D(20), D("1200.00"))]),
        ("F2026-0043", day(2026, 9, 25), [(D(10), D("33.00"))]),
        ("F2026-0042", day(2026, 9, 28), [(D(20), D("120.00"))]),
    ]
    report = samples.payments(invoices=blocks, aggregates=())
    assert validate(build_report(report)).fatal == []
    assert parse_report(build_report(report)) == report


def _many_sales(count):
    rates = (D(20), D(10), D("5.5"), D("2.1"))
    categories = ("TLB1", "TPS1")
    start = day(2026, 9, 1)
    days = [start + datetime.timedelta(days=offset) for offset in range(10)]
    for index in range(count):
        yield (
            days[index % 10],
            "EUR",
            categories[index // 10 % 2],
            rates[index % 4],
            D("12.50"),
            D("1.25"),
            1,
            None,
            None,
        )


def test_aggregation_streams_in_constant_memory():
    peaks = []
    for count in (20_000, 100_000):
        tracemalloc.start()
        aggregates = aggregate_transactions(_many_sales(count))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert sum(a.count for a in aggregates) == count
    assert peaks[1] < 1_000_000 and peaks[1] < 2 * peaks[0]  # five times the lines, not five times the memory


def test_a_million_sales_aggregate_within_30_seconds():
    started = time.perf_counter()
    aggregates = aggregate_transactions(_many_sales(1_000_000))
    elapsed = time.perf_counter() - started
    assert len(aggregates) == 20 and sum(a.tax_exclusive_amount for a in aggregates) == D("12500000.00")
    assert elapsed < 30, f"{elapsed:.1f} s"


# --- built reports: valid, and read back to the same model ---------------------------------------


def _service_invoice_with_everything():
    """A 10.1 sale of services to a US company, with the optional groups filled."""
    return InvoiceEntry(
        id="FA 2026/0107",
        issue_date=day(2026, 9, 7),
        type_code="380",
        currency="EUR",
        due_date=day(2026, 10, 7),
        tax_due_date_type="5",  # the seller opted for VAT on debits (rule G1.44)
        notes=(Note("Prestation de conseil", "AAI"),),
        billing_frame="S1",
        seller=Party(SELLER_SIREN, "0002", vat_id=SELLER_VAT, country="FR"),
        buyer=Party("USACME CORPORATIO", "0227", country="US"),  # HORS_UE: country + 16 letters of the name
        deliveries=(Delivery(day(2026, 9, 5), Address(line1="1 Main Street", city="Boston", country="US")),),
        period_start=day(2026, 9, 1),
        period_end=day(2026, 9, 5),
        allowance_charges=(
            AllowanceCharge(charge=False, amount=D("100.00"), tax_category="O", tax_rate=D(0)),
            AllowanceCharge(charge=True, amount=D("50.00"), tax_category="O", tax_rate=D(0)),
        ),
        tax_exclusive_amount=D("2450.00"),
        tax_amount=D("0.00"),
        tax_subtotals=(InvoiceTaxSubtotal(D("2450.00"), D("0.00"), D(0), category="O", exemption_reason="Hors champ"),),
        lines=(
            InvoiceLine(
                product_name="Conseil",
                quantity=D("10.5"),
                unit_code="HUR",
                net_price=D("240.000000"),
                price_discount=D(10),
                gross_price=D(250),
                notes=(Note("Jours sur site"),),
                delivery_name="Siège",
                delivery_address=Address(city="Boston", country="US"),
                period_start=day(2026, 9, 1),
                period_end=day(2026, 9, 5),
                allowance_charges=(AllowanceCharge(charge=False, amount=D("70.00")),),
            ),
        ),
    )


def _credit_note():
    invoice = samples.international_invoice(number="AV-2026-0003", net=D("-200.00"))
    return InvoiceEntry(
        **{
            **{name: getattr(invoice, name) for name in InvoiceEntry.__dataclass_fields__},
            "type_code": "381",
            "referenced_invoices": (InvoiceReference("F2026-0101", day(2026, 9, 3)),),
        }
    )


def _purchase():
    """A Bi2B purchase: the French buyer declares (role BY) goods bought from a German seller."""
    return InvoiceEntry(
        id="DE-77-2026",
        issue_date=day(2026, 9, 8),
        type_code="380",
        currency="EUR",
        billing_frame="B1",
        seller=Party(samples.BUYER_ID, "0223", vat_id=samples.BUYER_ID, country="DE"),
        buyer=Party(SELLER_SIREN, "0002", vat_id=SELLER_VAT, country="FR"),
        tax_exclusive_amount=D("800.00"),
        tax_amount=D("0.00"),
        tax_subtotals=(InvoiceTaxSubtotal(D("800.00"), D("0.00"), D(0), category="K"),),
    )


def _dollar_invoice():
    """A USD invoice: its VAT total (TT-52) stays in euros (rule G6.23)."""
    return InvoiceEntry(
        id="FA-2026-0110",
        issue_date=day(2026, 9, 9),
        type_code="380",
        currency="USD",
        billing_frame="S1",
        seller=Party(SELLER_SIREN, "0002", vat_id=SELLER_VAT, country="FR"),
        buyer=Party("USACME CORPORATIO", "0227", country="US"),
        tax_exclusive_amount=D("1100.00"),
        tax_amount=D("0.00"),
        tax_subtotals=(InvoiceTaxSubtotal(D("1100.00"), D("0.00"), D(0), category="O"),),
    )


def _franchise_payments():
    period = period_containing(VatRegime.FRANCHISE, P, day(2026, 9, 1))
    days = aggregate_payments([PaymentLine(day(2026, 10, 30), D(0), D("90.00"))])
    return samples.payments(
        report_id="ER-2026-SO-P",
        issued_at=datetime.datetime(2026, 11, 3, 9, 0),
        period=(period.start, period.end),
        invoices=(),
        aggregates=days,
    )


BUILT = {
    "10.1 and 10.3": lambda: samples.transactions(),
    "10.1 with every group": lambda: samples.transactions(
        invoices=(_service_invoice_with_everything(),), aggregates=()
    ),
    "10.1 credit note": lambda: samples.transactions(invoices=(_credit_note(),), aggregates=()),
    "10.1 in dollars": lambda: samples.transactions(invoices=(_dollar_invoice(),), aggregates=()),
    "10.1 purchase (BY)": lambda: samples.transactions(role="BY", invoices=(_purchase(),), aggregates=()),
    "10.3 only, margin scheme": lambda: samples.transactions(
        invoices=(), aggregates=(samples.b2c_day(category="TMA1", count=None),)
    ),
    "10.2 and 10.4": lambda: samples.payments(),
    "10.4 only, franchise bimonth": _franchise_payments,
}


@pytest.mark.parametrize("name", BUILT)
def test_each_built_report_is_valid_and_reads_back_the_same(name):
    report = BUILT[name]()
    data = build_report(report)
    result = validate(data)
    assert result.rule_sets == ["XSD e-reporting", "Flux 10"]
    assert result.fatal == [], [(f.rule_id, f.message_fr, f.location) for f in result.fatal]
    assert parse_report(data) == report


def test_the_builder_writes_the_annex_formats():
    data = build_report(samples.transactions(invoices=(_service_invoice_with_everything(),)))
    root = etree.fromstring(data)
    assert root.tag == "Report" and root.nsmap == {}  # no namespace (XSD v3.2)
    assert root.findtext("ReportDocument/IssueDateTime/DateTimeString") == "20260911083000"  # TT-3
    invoice = root.find("TransactionsReport/Invoice")
    assert invoice.findtext("IssueDate") == "20260907" and invoice.findtext("DueDate") == "20261007"  # AAAAMMJJ
    assert invoice.findtext("BusinessProcess/TypeID") == "urn.cpro.gouv.fr:1p0:ereporting"  # TT-29
    assert invoice.find("MonetaryTotal/TaxAmount").get("CurrencyCode") == "EUR"  # TT-202
    line = invoice.find("Line")
    assert (line.findtext("BilledQuantity"), line.find("BilledQuantity").get("UnitCode")) == ("10.5", "HUR")
    assert line.findtext("Price/PriceAmount") == "240"
    day_block = root.find("TransactionsReport/Transactions")
    assert [e.text for e in day_block.iter("TaxPercent")] == ["20", "5.5"]
    assert day_block.findtext("TaxSubtotal/TaxTotal") == "40.00"  # 2 decimals


def test_the_builder_refuses_a_day_outside_the_period():
    report = samples.transactions(aggregates=(samples.b2c_day(day=day(2026, 9, 11)),))
    with pytest.raises(ModelError, match="2026-09-11 is outside the report period .* REJ_PER"):
        build_report(report)


def test_the_builder_refuses_a_report_issued_before_its_period_ends():
    report = samples.transactions(issued_at=datetime.datetime(2026, 9, 10, 23, 0))
    with pytest.raises(ModelError, match="built after its period ends, not on 2026-09-10 .*G7.43"):
        build_report(report)


def test_the_model_refuses_what_no_report_may_hold():
    document = samples.document("ER-1", datetime.datetime(2026, 9, 11, 8, 0))
    period = ReportPeriod(day(2026, 9, 1), day(2026, 9, 10))
    with pytest.raises(ModelError, match="exactly one report.*G6.29"):
        Report(document, transactions=TransactionsReport(period), payments=PaymentsReport(period))
    with pytest.raises(ModelError, match="G6.29"):
        Report(document)
    with pytest.raises(ModelError, match=r"transmission id \(TT-1\) 'ER  1'.*G1.104"):
        samples.document("ER  1", datetime.datetime(2026, 9, 11, 8, 0))
    with pytest.raises(ModelError, match=r"SIREN \(TT-13\) must be 9 digits.*G6.26"):
        Declarant(siren="73282932", name="X")
    with pytest.raises(ModelError, match=r"transmission type \(TT-4\): 'XX' is not one of IN, RE"):
        samples.document("ER-1", datetime.datetime(2026, 9, 11, 8, 0), type_code="XX")
    with pytest.raises(ModelError, match="G6.25"):
        ReportPeriod(day(2026, 9, 10), day(2026, 9, 10))
    with pytest.raises(ModelError, match="must be a Decimal, not float"):
        InvoiceTaxSubtotal(1.0, D(0), D(0))
    with pytest.raises(ModelError, match="no second or third line"):
        InvoiceLine(delivery_address=Address(line2="B", country="FR"))


# --- initial then corrective -----------------------------------------------------------------------


def test_a_corrective_report_replaces_the_period_of_the_initial_one():
    sales = [SaleLine(day(2026, 9, 4), "EUR", "TLB1", D(20), D("200.00"), D("40.00"))]
    initial = samples.transactions(invoices=(), aggregates=aggregate_transactions(sales))
    assert not initial.is_corrective and validate(build_report(initial)).fatal == []

    # a forgotten ticket of the 4th: the corrective report carries the whole period again
    sales.append(SaleLine(day(2026, 9, 4), "EUR", "TLB1", D("5.5"), D("100.00"), D("5.50")))
    body = TransactionsReport(initial.period, invoices=(), aggregates=aggregate_transactions(sales))
    corrective = initial.correction("ER-2026-09-T1-RE1", datetime.datetime(2026, 9, 15, 10, 0), body)
    data = build_report(corrective)
    assert validate(data).fatal == []
    read = parse_report(data)
    assert read.is_corrective and read.document.type_code == "RE"
    assert (read.period, read.document.declarant, read.document.sender) == (
        initial.period,
        initial.document.declarant,
        initial.document.sender,
    )
    [aggregate] = read.transactions.aggregates
    assert (aggregate.tax_exclusive_amount, aggregate.tax_total) == (D("300.00"), D("45.50"))

    with pytest.raises(ModelError, match="new transmission id.*G8.05"):
        initial.correction("ER-2026-09-T1", datetime.datetime(2026, 9, 15, 10, 0), body)
    with pytest.raises(ModelError, match="covers the period it corrects"):
        initial.correction(
            "RE-2", datetime.datetime(2026, 9, 15), TransactionsReport(ReportPeriod(day(2026, 9, 11), day(2026, 9, 20)))
        )
    with pytest.raises(ModelError, match="same kind: expected a TransactionsReport, got a PaymentsReport"):
        initial.correction("RE-2", datetime.datetime(2026, 9, 15), PaymentsReport(initial.period))
    with pytest.raises(ModelError, match="issued after the report it corrects"):
        initial.correction("RE-2", datetime.datetime(2026, 9, 10), body)


def test_a_payments_report_is_corrected_the_same_way():
    initial = samples.payments()
    body = PaymentsReport(initial.period, invoices=initial.payments.invoices, aggregates=())
    corrective = initial.correction("ER-2026-09-P1-RE", datetime.datetime(2026, 10, 2, 8, 0), body)
    data = build_report(corrective)
    assert validate(data).fatal == []
    assert parse_report(data) == corrective and etree.fromstring(data).findtext("ReportDocument/TypeCode") == "RE"


# --- hand-written reports, one per block, with the annexes' values ------------------------------------

# TT-3 is the example of annex 6 (15/09/2023 15:34:30); the other values follow the annexes' formats.
HEADER = """
  <ReportDocument>
    <Id>TR-2023-09-D1</Id>
    <Name>Flux 10 septembre 2023</Name>
    <IssueDateTime><DateTimeString>20230915153430</DateTimeString></IssueDateTime>
    <TypeCode>IN</TypeCode>
    <Sender><Id schemeId="0238">0042</Id><Name>Plateforme Exemple</Name><RoleCode>WK</RoleCode></Sender>
    <Issuer><Id schemeId="0002">732829320</Id><Name>Atelier Dupont SARL</Name><RoleCode>SE</RoleCode></Issuer>
  </ReportDocument>"""

HAND_10_1 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Report>{HEADER}
  <TransactionsReport>
    <ReportPeriod><StartDate>20230901</StartDate><EndDate>20230910</EndDate></ReportPeriod>
    <Invoice>
      <ID>FA-2023-0042</ID>
      <IssueDate>20230905</IssueDate>
      <TypeCode>380</TypeCode>
      <CurrencyCode>EUR</CurrencyCode>
      <DueDate>20231005</DueDate>
      <BusinessProcess><ID>S1</ID><TypeID>urn.cpro.gouv.fr:1p0:ereporting</TypeID></BusinessProcess>
      <Seller>
        <CompanyId schemeId="0002">732829320</CompanyId>
        <TaxRegistrationId qualifyingId="VAT">FR44732829320</TaxRegistrationId>
        <PostalAddress><CountryId>FR</CountryId></PostalAddress>
      </Seller>
      <Buyer>
        <CompanyId schemeId="0227">USACME CORPORATIO</CompanyId>
        <PostalAddress><CountryId>US</CountryId></PostalAddress>
      </Buyer>
      <MonetaryTotal>
        <TaxExclusiveAmount>2500.00</TaxExclusiveAmount><TaxAmount CurrencyCode="EUR">0.00</TaxAmount>
      </MonetaryTotal>
      <TaxSubTotal>
        <TaxableAmount>2500.00</TaxableAmount><TaxAmount>0.00</TaxAmount>
        <TaxCategory><Code>O</Code><Percent>0</Percent></TaxCategory>
      </TaxSubTotal>
      <Line>
        <BilledQuantity UnitCode="HUR">10</BilledQuantity>
        <Price><PriceAmount>250</PriceAmount></Price>
        <Product><Name>Conseil</Name></Product>
      </Line>
    </Invoice>
  </TransactionsReport>
</Report>"""

HAND_10_3 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Report>{HEADER}
  <TransactionsReport>
    <ReportPeriod><StartDate>20230901</StartDate><EndDate>20230910</EndDate></ReportPeriod>
    <Transactions>
      <Date>20230904</Date>
      <TransactionsCurrency>EUR</TransactionsCurrency>
      <CategoryCode>TLB1</CategoryCode>
      <TaxExclusiveAmount>1200.00</TaxExclusiveAmount>
      <TaxTotal>211.00</TaxTotal>
      <TransactionsCount>37</TransactionsCount>
      <TaxSubtotal><TaxPercent>20</TaxPercent><TaxableAmount>1000.00</TaxableAmount><TaxTotal>200.00</TaxTotal></TaxSubtotal>
      <TaxSubtotal><TaxPercent>5.5</TaxPercent><TaxableAmount>200.00</TaxableAmount><TaxTotal>11.00</TaxTotal></TaxSubtotal>
    </Transactions>
    <Transactions>
      <Date>20230904</Date>
      <TransactionsCurrency>EUR</TransactionsCurrency>
      <TaxDueDateTypeCode>5</TaxDueDateTypeCode>
      <CategoryCode>TPS1</CategoryCode>
      <TaxExclusiveAmount>300.00</TaxExclusiveAmount>
      <TaxTotal>30.00</TaxTotal>
      <TaxSubtotal><TaxPercent>10</TaxPercent><TaxableAmount>300.00</TaxableAmount><TaxTotal>30.00</TaxTotal></TaxSubtotal>
    </Transactions>
  </TransactionsReport>
</Report>"""

HAND_10_2 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Report>{HEADER.replace("TR-2023-09-D1", "PA-2023-09").replace("20230915153430", "20231002090000")}
  <PaymentsReport>
    <ReportPeriod><StartDate>20230901</StartDate><EndDate>20230930</EndDate></ReportPeriod>
    <Invoice>
      <InvoiceID>FA-2023-0042</InvoiceID>
      <IssueDate>20230905</IssueDate>
      <Payment>
        <Date>20230920</Date>
        <SubTotals><TaxPercent>20</TaxPercent><CurrencyCode>EUR</CurrencyCode><Amount>1200.00</Amount></SubTotals>
        <SubTotals><TaxPercent>10</TaxPercent><CurrencyCode>EUR</CurrencyCode><Amount>330.00</Amount></SubTotals>
      </Payment>
    </Invoice>
  </PaymentsReport>
</Report>"""

HAND_10_4 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Report>{HEADER.replace("TR-2023-09-D1", "PA-2023-09-B2C").replace("20230915153430", "20231002090000")}
  <PaymentsReport>
    <ReportPeriod><StartDate>20230901</StartDate><EndDate>20230930</EndDate></ReportPeriod>
    <Transactions>
      <Payment>
        <Date>20230918</Date>
        <SubTotals><TaxPercent>20</TaxPercent><Amount>600.00</Amount></SubTotals>
        <SubTotals><TaxPercent>5.5</TaxPercent><Amount>105.50</Amount></SubTotals>
      </Payment>
    </Transactions>
  </PaymentsReport>
</Report>"""


def _same_tree(hand_written, built):
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(hand_written.encode(), parser)) == etree.tostring(
        etree.fromstring(built, parser)
    )


def test_a_hand_written_10_1_report_reads_back_its_figures():
    assert validate(HAND_10_1.encode()).fatal == []
    report = parse_report(HAND_10_1.encode())
    document = report.document
    assert (document.id, document.issued_at, document.type_code) == (
        "TR-2023-09-D1",
        datetime.datetime(2023, 9, 15, 15, 34, 30),
        "IN",
    )
    assert (document.sender.platform_id, document.sender.scheme, document.sender.role) == ("0042", "0238", "WK")
    assert (document.declarant.siren, document.declarant.role) == ("732829320", "SE")
    assert report.period == ReportPeriod(day(2023, 9, 1), day(2023, 9, 10))
    [invoice] = report.transactions.invoices
    assert (invoice.id, invoice.issue_date, invoice.due_date, invoice.billing_frame) == (
        "FA-2023-0042",
        day(2023, 9, 5),
        day(2023, 10, 5),
        "S1",
    )
    assert invoice.buyer == Party("USACME CORPORATIO", "0227", country="US")
    assert (invoice.tax_exclusive_amount, invoice.tax_amount) == (D("2500.00"), D("0.00"))
    assert [(s.taxable_amount, s.category, s.rate) for s in invoice.tax_subtotals] == [(D("2500.00"), "O", D(0))]
    [line] = invoice.lines
    assert (line.quantity, line.unit_code, line.net_price, line.product_name) == (D(10), "HUR", D(250), "Conseil")
    # the builder writes the same document back
    assert _same_tree(HAND_10_1, build_report(report))


def test_a_hand_written_10_3_report_reads_back_its_figures():
    assert validate(HAND_10_3.encode()).fatal == []
    report = parse_report(HAND_10_3.encode())
    goods, services = report.transactions.aggregates
    assert (goods.date, goods.currency, goods.category, goods.count) == (day(2023, 9, 4), "EUR", "TLB1", 37)
    assert (goods.tax_exclusive_amount, goods.tax_total) == (D("1200.00"), D("211.00"))
    assert [(s.rate, s.taxable_amount, s.tax_amount) for s in goods.subtotals] == [
        (D(20), D("1000.00"), D("200.00")),
        (D("5.5"), D("200.00"), D("11.00")),
    ]
    assert (services.category, services.tax_due_date_type, services.count, services.tax_total) == (
        "TPS1",
        "5",
        None,
        D("30.00"),
    )
    assert _same_tree(HAND_10_3, build_report(report))


def test_a_hand_written_10_2_report_reads_back_its_figures():
    assert validate(HAND_10_2.encode()).fatal == []
    report = parse_report(HAND_10_2.encode())
    assert report.period == ReportPeriod(day(2023, 9, 1), day(2023, 9, 30))
    [payment] = report.payments.invoices
    assert (payment.invoice_id, payment.issue_date, payment.payment_date) == (
        "FA-2023-0042",
        day(2023, 9, 5),
        day(2023, 9, 20),
    )
    assert [(s.rate, s.currency, s.amount) for s in payment.subtotals] == [
        (D(20), "EUR", D("1200.00")),
        (D(10), "EUR", D("330.00")),
    ]
    assert _same_tree(HAND_10_2, build_report(report))


def test_a_hand_written_10_4_report_reads_back_its_figures():
    assert validate(HAND_10_4.encode()).fatal == []
    report = parse_report(HAND_10_4.encode())
    [encashments] = report.payments.aggregates
    assert encashments.date == day(2023, 9, 18)
    assert [(s.rate, s.currency, s.amount) for s in encashments.subtotals] == [
        (D(20), None, D("600.00")),
        (D("5.5"), None, D("105.50")),
    ]
    assert _same_tree(HAND_10_4, build_report(report))


# --- hostile and broken input ------------------------------------------------------------------------


def test_an_oversized_report_is_refused_before_parsing():
    with pytest.raises(ParseError, match="over the 1000 bytes limit"):
        parse_report(HAND_10_3.encode(), max_bytes=1000)


@pytest.mark.parametrize(
    "data",
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE Report [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b"<Report>&b;</Report>"
        ),
        b'<?xml version="1.0"?><!DOCTYPE Report SYSTEM "http://example.com/report.dtd"><Report/>',
        b'<?xml version="1.0"?><!DOCTYPE Report [<!ENTITY x SYSTEM "file:///etc/passwd">]><Report>&x;</Report>',
    ],
    ids=["entity expansion", "external DTD", "external entity"],
)
def test_entities_and_dtds_are_refused(data):
    with pytest.raises(UnsafeInputError, match="DTD"):
        parse_report(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01garbage", "this is not an XML document"),
        (b"<Report><ReportDocument>", "not well-formed XML"),
        (
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
            "the root element is {urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice, not Report",
        ),
        (b"<Report/>", r"TB-1 \(ReportDocument\) is missing"),
        (
            HAND_10_3.replace("<Date>20230904</Date>", "<Date>2023-09-04</Date>", 1).encode(),
            "not a date written AAAAMMJJ",
        ),
        (HAND_10_3.replace("<Date>20230904</Date>", "<Date>20230231</Date>", 1).encode(), "not a calendar date"),
        (HAND_10_3.replace("<Date>20230904</Date>", "", 1).encode(), r"Transactions\[1\]: TT-77 \(Date\) is missing"),
        (
            HAND_10_3.replace("<TaxTotal>211.00</TaxTotal>", "<TaxTotal>211,00</TaxTotal>").encode(),
            r"TT-83 \(TaxTotal\) '211,00' is not a decimal number written with a dot",
        ),
        (HAND_10_3.replace("TLB1", "TXX1").encode(), r"the category \(TT-81\): 'TXX1' is not one of"),
        (
            HAND_10_3.replace("<TransactionsCount>37", "<TransactionsCount>3.7").encode(),
            r"TT-85 \(TransactionsCount\) '3.7' is not a whole number",
        ),
        (
            HAND_10_2.replace("</PaymentsReport>", "</PaymentsReport><TransactionsReport/>").encode(),
            "not both.*G6.29",
        ),
        (HAND_10_2.replace("</PaymentsReport>", "</PaymentsReport><Extra/>").encode(), "unexpected element.*Extra"),
        (
            HAND_10_4.replace("20231002090000", "2023-10-02T09").encode(),
            r"timestamp \(TT-3\) '2023-10-02T09' is not written AAAAMMJJHHMMSS",
        ),
        (
            HAND_10_1.replace(
                '<TaxAmount CurrencyCode="EUR">0.00</TaxAmount>', '<TaxAmount CurrencyCode="EUR"/>'
            ).encode(),
            r"MonetaryTotal/TaxAmount: TT-52 is empty",
        ),
    ],
    ids=[
        "garbage",
        "truncated",
        "an invoice",
        "empty report",
        "ISO date",
        "30 February",
        "missing date",
        "decimal comma",
        "unknown category",
        "fractional count",
        "both reports",
        "unknown element",
        "bad timestamp",
        "empty VAT total",
    ],
)
def test_broken_input_raises_a_parse_error_naming_the_term(data, message):
    with pytest.raises(ParseError, match=message) as raised:
        parse_report(data)
    if raised.type is not ParseError:
        assert raised.type is ReportParseError


def test_the_command_line_validates_a_built_report(tmp_path, capsys):
    good, bad = tmp_path / "payments.xml", tmp_path / "broken.xml"
    good.write_bytes(build_report(samples.payments()))
    broken = build_tree(samples.payments())
    broken.find("PaymentsReport/Transactions/Payment/SubTotals/TaxPercent").text = "19"
    bad.write_bytes(etree.tostring(broken))
    assert cli_main(["validate", "--no-progress", "--jobs", "1", str(good), str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("VALID      ") and "payments.xml  (e-reporting): 0 fatal" in out[0]
    assert out[1].startswith("INVALID    ") and "(e-reporting): 1 fatal" in out[1]
    assert out[2].startswith("    fatal   G1.24: ")
    assert out[-1] == "2 files: 1 valid, 1 invalid, 0 unreadable"


def test_validate_report_gives_the_findings_of_a_model():
    report = samples.transactions(aggregates=(samples.b2c_day(sales={D(19): D("100.00")}),))
    assert [(f.rule_id, f.rule_set, f.location) for f in validate_report(report).fatal] == [
        ("G1.24", "Flux 10", "/Report[1]/TransactionsReport[1]/Transactions[1]/TaxSubtotal[1]/TaxPercent[1]")
    ]
    assert validate_report(samples.transactions()).is_valid


def test_the_command_line_shows_the_figures_of_a_report(tmp_path, capsys):
    path = tmp_path / "payments.xml"
    path.write_text(HAND_10_2)
    assert cli_main(["show", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: e-reporting, payments report"
    assert "TT-1  transmission PA-2023-09 (IN), issued 2023-10-02 09:00:00" in out
    assert "  10.2  invoice FA-2023-0042 of 2023-09-05, paid 2023-09-20: 20 %: 1200.00 EUR; 10 %: 330.00 EUR" in out
    path.write_text(HAND_10_3)
    assert cli_main(["show", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  10.3  2023-09-04 EUR TPS1, VAT due date 5: net 300.00, VAT 30.00" in out
    assert "        5.5 %: 200.00 taxable, 11.00 VAT" in out


# --- 10.1 from the EN16931 invoice model --------------------------------------------------------------


@pytest.mark.parametrize("name", ["intra_eu_supply", "export_outside_eu"])
def test_an_international_invoice_of_the_model_becomes_a_valid_10_1_entry(name):
    invoice = cases.CASES[name]()
    entry = invoice_entry(invoice, with_lines=True)
    assert (entry.id, entry.issue_date, entry.billing_frame) == (invoice.number, invoice.issue_date, "B1")
    assert entry.seller == Party(SELLER_SIREN, "0002", vat_id=SELLER_VAT, country="FR")
    assert (entry.tax_exclusive_amount, entry.tax_amount) == (invoice.totals.tax_exclusive, invoice.totals.tax_total)
    assert [(s.taxable_amount, s.category) for s in entry.tax_subtotals] == [
        (vat.taxable_amount, vat.category) for vat in invoice.vat_breakdown
    ]
    assert [line.product_name for line in entry.lines] == [line.item.name for line in invoice.lines]
    report = samples.transactions(invoices=(entry,), aggregates=())
    assert validate_report(report).fatal == []
    assert parse_report(build_report(report)) == report


def test_the_parties_of_10_1_are_named_as_rule_g2_19_says():
    german, american = cases.buyer_german(), cases.buyer_american()
    assert report_party(german, "buyer") == Party("DE136695976", "0223", vat_id="DE136695976", country="DE")
    assert report_party(american, "buyer") == Party("USAcme Trading Inc", "0227", country="US")  # 16 letters
    assert report_party(cases.seller(), "seller").scheme == "0002"
    with pytest.raises(ModelError, match="French buyer needs its SIREN"):
        report_party(cases.consumer(), "buyer")
    german.vat_id = None
    with pytest.raises(ModelError, match=r"another EU country \(DE\) is e-reported by its VAT number"):
        report_party(german, "buyer")


def test_a_purchase_from_a_german_seller_is_declared_by_the_buyer():
    invoice = cases.CASES["intra_eu_supply"]()
    invoice.seller, invoice.buyer = cases.buyer_german(), cases.seller()
    entry = invoice_entry(invoice)
    assert (entry.seller.scheme, entry.buyer.company_id) == ("0223", SELLER_SIREN)
    report = samples.transactions(role="BY", invoices=(entry,), aggregates=())
    assert report.document.declarant.role == "BY"
    assert validate_report(report).fatal == []


def test_an_invoice_in_dollars_needs_its_vat_in_euros():
    invoice = cases.CASES["export_outside_eu"]()
    invoice.currency = "USD"
    with pytest.raises(ModelError, match=r"VAT total in euros \(BT-111, with BT-6 EUR\).*G6.23"):
        invoice_entry(invoice)
    invoice.tax_currency, invoice.totals.tax_total_accounting = "EUR", D("0.00")
    assert invoice_entry(invoice).tax_amount == D("0.00")
