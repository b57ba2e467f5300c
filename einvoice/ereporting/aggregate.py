"""Individual sales and encashments turned into the aggregated blocks 10.3, 10.2 and 10.4.

The functions stream: they read their input once and keep one running total
per group (a day has a handful of currencies, categories and VAT rates), so
memory does not grow with the number of lines. The input may be individual
lines or rows already summed by SQL; plain tuples in the field order of the
named tuples below work too.

Grouping, from the DGFiP external specifications v3.2:

- 10.3 (§3.7.5): one block per day, currency and category of transactions
  (TT-81), the VAT per rate (TG-32); the VAT due date option (TT-80) is part
  of the key, since one block carries one option. The VAT total (TT-83) is in
  euros (rule G6.23), so sales in another currency give their VAT in euros too.
- 10.2 (§3.7.4): one block per encashment of one invoice, split by VAT rate.
- 10.4 (§3.7.6): one block per day of encashments, split by VAT rate.

Amounts are rounded half up to the cent once per group, after summing.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from ..errors import ModelError
from .model import (
    VAT_CURRENCY,
    AggregateTaxSubtotal,
    InvoicePayment,
    PaymentsAggregate,
    PaymentSubtotal,
    TransactionsAggregate,
)

CENT = Decimal("0.01")
ZERO = Decimal(0)


class SaleLine(NamedTuple):
    """One B2C sale at one VAT rate (or SQL's sum of several)."""

    day: datetime.date  # TT-77: the date of the operation
    currency: str  # TT-78
    category: str  # TT-81: TLB1, TPS1, TNT1, TMA1
    rate: Decimal  # TT-86
    taxable_amount: Decimal  # TT-87 (the margin for TMA1, rule G1.57)
    tax_amount: Decimal  # TT-88, in the transactions' currency
    #: How many transactions the line adds to TT-85: 1 for a ticket, 0 for the ticket's other VAT rates.
    transactions: int = 1
    tax_due_date_type: str | None = None  # TT-80
    #: The VAT in euros, required when the currency is not the euro (TT-83, rule G6.23).
    tax_amount_eur: Decimal | None = None


class PaymentLine(NamedTuple):
    """One B2C encashment at one VAT rate (block 10.4)."""

    day: datetime.date  # TT-96
    rate: Decimal  # TT-97
    amount: Decimal  # TT-99, in euros (rule G6.27)
    currency: str | None = None  # TT-98


class InvoicePaymentLine(NamedTuple):
    """One encashment of an international invoice at one VAT rate (block 10.2)."""

    invoice_id: str  # TT-91
    issue_date: datetime.date  # TT-102
    payment_date: datetime.date  # TT-92
    rate: Decimal  # TT-93
    amount: Decimal  # TT-95, in euros (rule G6.27)
    currency: str | None = None  # TT-94


def _cents(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _outside(period, day, what):
    return ModelError(
        f"{what} of {day} is outside the report period {period.start} to {period.end}: "
        "it belongs to another period's report"
    )


def aggregate_transactions(lines, *, period=None, count=True):
    """Block 10.3: B2C sales grouped by day, currency, category and VAT due date option.

    Returns the ``TransactionsAggregate`` list sorted by day, currency and category;
    ``count`` adds TT-85 (optional since XSD v3.1). With ``period``, a sale dated outside
    it raises ModelError.
    """
    groups = {}
    index = 0
    try:
        for index, line in enumerate(lines):  # noqa: B007 (index names the faulty line)
            if len(line) != 9:
                line = SaleLine(*line)
            day, currency, category, rate, taxable, tax, transactions, due_type, tax_eur = line
            if period is not None and not period.start <= day <= period.end:
                raise _outside(period, day, "a sale")
            key = (day, currency, category, due_type)
            group = groups.get(key)
            if group is None:
                group = groups[key] = [{}, 0, ZERO]
            rates = group[0]
            sums = rates.get(rate)
            if sums is None:
                rates[rate] = [taxable + ZERO, tax + ZERO]
            else:
                sums[0] += taxable
                sums[1] += tax
            group[1] += transactions
            if currency != VAT_CURRENCY:
                if tax_eur is None:
                    raise ModelError(
                        f"a {currency} sale of {day} needs its VAT in euros (tax_amount_eur): "
                        "the VAT total of a day (TT-83) is in euros (rule G6.23)"
                    )
                group[2] += tax_eur
    except TypeError as exc:
        raise ModelError(f"sale line {index + 1}: amounts must be Decimal ({exc})") from None

    aggregates = []
    for (day, currency, category, due_type), (rates, transactions, tax_eur) in sorted(groups.items(), key=_group_order):
        subtotals = tuple(
            AggregateTaxSubtotal(rate=rate, taxable_amount=_cents(taxable), tax_amount=_cents(tax))
            for rate, (taxable, tax) in sorted(rates.items(), reverse=True)
        )
        tax_total = sum((s.tax_amount for s in subtotals), ZERO) if currency == VAT_CURRENCY else _cents(tax_eur)
        aggregates.append(
            TransactionsAggregate(
                date=day,
                currency=currency,
                category=category,
                tax_exclusive_amount=sum((s.taxable_amount for s in subtotals), ZERO),
                tax_total=tax_total,
                subtotals=subtotals,
                tax_due_date_type=due_type,
                count=transactions if count else None,
            )
        )
    return aggregates


def _group_order(item):
    day, currency, category, due_type = item[0]
    return (day, currency, category, due_type or "")


def _subtotals(amounts):
    # highest rate first, as VAT breakdowns usually read
    return tuple(
        PaymentSubtotal(rate=rate, amount=_cents(amount), currency=currency)
        for (rate, currency), amount in sorted(amounts.items(), key=lambda item: (-item[0][0], item[0][1] or ""))
    )


def aggregate_payments(lines, *, period=None):
    """Block 10.4: B2C encashments grouped by day, split by VAT rate (and currency when given)."""
    days = {}
    index = 0
    try:
        for index, line in enumerate(lines):  # noqa: B007
            if len(line) != 4:
                line = PaymentLine(*line)
            day, rate, amount, currency = line
            if period is not None and not period.start <= day <= period.end:
                raise _outside(period, day, "an encashment")
            amounts = days.get(day)
            if amounts is None:
                amounts = days[day] = {}
            key = (rate, currency)
            amounts[key] = amounts.get(key, ZERO) + amount
    except TypeError as exc:
        raise ModelError(f"payment line {index + 1}: amounts must be Decimal ({exc})") from None
    return [PaymentsAggregate(date=day, subtotals=_subtotals(amounts)) for day, amounts in sorted(days.items())]


def aggregate_invoice_payments(lines, *, period=None):
    """Block 10.2: encashments of international invoices, one block per invoice and payment date."""
    payments = {}
    index = 0
    try:
        for index, line in enumerate(lines):  # noqa: B007
            if len(line) != 6:
                line = InvoicePaymentLine(*line)
            invoice_id, issue_date, payment_date, rate, amount, currency = line
            if period is not None and not period.start <= payment_date <= period.end:
                raise _outside(period, payment_date, f"the encashment of invoice {invoice_id}")
            key = (payment_date, invoice_id, issue_date)
            amounts = payments.get(key)
            if amounts is None:
                amounts = payments[key] = {}
            sub_key = (rate, currency)
            amounts[sub_key] = amounts.get(sub_key, ZERO) + amount
    except TypeError as exc:
        raise ModelError(f"invoice payment line {index + 1}: amounts must be Decimal ({exc})") from None
    return [
        InvoicePayment(invoice_id=invoice_id, issue_date=issue_date, payment_date=payment_date, subtotals=_subtotals(a))
        for (payment_date, invoice_id, issue_date), a in sorted(payments.items())
    ]
