"""Small e-reporting (Flux 10) reports, valid against the DGFiP XSD and the Flux 10 rules.

A transmission (``Report``, TB-0) holds one report: transactions (TB-2: an
international B2B invoice, block 10.1, and a day of B2C sales, block 10.3)
or payments (TB-3: an invoice's encashment, block 10.2, and a day of B2C
encashments, block 10.4). The declarant is the seller of :mod:`.cases`, the
sender an approved platform (scheme 0238, a 4-character number).

:func:`transactions` and :func:`payments` give the report model
(:mod:`einvoice.ereporting`); :func:`transactions_report` and
:func:`payments_report` give its XML tree, which tests change to break a
rule; :func:`to_bytes` serialises either.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from lxml import etree

from ..ereporting import (
    AggregateTaxSubtotal,
    Declarant,
    InvoiceEntry,
    InvoicePayment,
    InvoiceTaxSubtotal,
    Party,
    PaymentsAggregate,
    PaymentsReport,
    PaymentSubtotal,
    Report,
    ReportDocument,
    ReportPeriod,
    Sender,
    TransactionsAggregate,
    TransactionsReport,
    build_report,
    build_tree,
)
from .cases import SELLER_SIREN, SELLER_VAT

D = Decimal
PLATFORM_ID, PLATFORM_SCHEME = "0042", "0238"  # TT-8 / TT-7 (rule G6.22)
BUYER_ID = "DE136695976"  # a German company: scheme 0223, EU outside France (rule G2.19)
PERIOD = (datetime.date(2026, 9, 1), datetime.date(2026, 9, 10))  # a ten-day period (normal regime)
PAYMENTS_PERIOD = (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))  # payments: by month
INVOICE_NET = D("1000.00")
SELLER_NAME = "Atelier Dupont SARL"


def document(report_id, issued_at, type_code="IN", role="SE"):
    """TB-1: the transmission's identification, sender (the platform) and declarant (TT-15 SE or BY)."""
    return ReportDocument(
        id=report_id,  # TT-1
        name=f"E-reporting {report_id}",  # TT-2
        issued_at=issued_at,  # TT-3
        type_code=type_code,  # TT-4: IN initial, RE corrective
        sender=Sender(platform_id=PLATFORM_ID, scheme=PLATFORM_SCHEME, name="Plateforme Exemple"),
        declarant=Declarant(siren=SELLER_SIREN, name=SELLER_NAME, role=role),
    )


def international_invoice(number="F2026-0101", issued=datetime.date(2026, 9, 3), net=INVOICE_NET):
    """TG-8, block 10.1: goods delivered to a German company (intra-community, category K, no VAT)."""
    return InvoiceEntry(
        id=number,  # TT-19
        issue_date=issued,  # TT-20
        type_code="380",  # TT-21
        currency="EUR",  # TT-22
        billing_frame="B1",  # TT-28 (TT-29 is the e-reporting profile, rule S1.12)
        seller=Party(SELLER_SIREN, "0002", vat_id=SELLER_VAT, country="FR"),  # TT-33..35
        buyer=Party(BUYER_ID, "0223", vat_id=BUYER_ID, country="DE"),  # TT-36..39
        tax_exclusive_amount=net,  # TT-51
        tax_amount=D("0.00"),  # TT-52
        tax_subtotals=(InvoiceTaxSubtotal(taxable_amount=net, tax_amount=D("0.00"), rate=D(0), category="K"),),
    )


#: A day of B2C sales of goods (block 10.3): VAT rate -> taxable amount.
B2C_SALES = {D(20): D("200.00"), D("5.5"): D("100.00")}


def b2c_day(day=datetime.date(2026, 9, 4), sales=None, category="TLB1", count=12):
    """TG-31, block 10.3: one day x currency x category, the VAT per rate (TT-86..88)."""
    sales = B2C_SALES if sales is None else sales
    subtotals = tuple(
        AggregateTaxSubtotal(rate=rate, taxable_amount=base, tax_amount=(base * rate / 100).quantize(D("0.01")))
        for rate, base in sales.items()
    )
    return TransactionsAggregate(
        date=day,  # TT-77
        currency="EUR",  # TT-78
        category=category,  # TT-81: TLB1 goods, TPS1 services, TNT1, TMA1
        tax_exclusive_amount=sum(s.taxable_amount for s in subtotals),  # TT-82
        tax_total=sum(s.tax_amount for s in subtotals),  # TT-83
        count=count,  # TT-85
        subtotals=subtotals,
    )


def transactions(
    report_id="ER-2026-09-T1",
    issued_at=datetime.datetime(2026, 9, 11, 8, 30),
    period=PERIOD,
    type_code="IN",
    role="SE",
    invoices=None,
    aggregates=None,
):
    """A transactions transmission (TB-2), by default one international invoice and one day of B2C sales."""
    return Report(
        document(report_id, issued_at, type_code, role),
        transactions=TransactionsReport(
            period=ReportPeriod(*period),
            invoices=(international_invoice(),) if invoices is None else invoices,
            aggregates=(b2c_day(),) if aggregates is None else aggregates,
        ),
    )


def _rates(amounts):
    return tuple(PaymentSubtotal(rate=rate, amount=amount, currency="EUR") for rate, amount in amounts.items())


def payments(
    report_id="ER-2026-09-P1",
    issued_at=datetime.datetime(2026, 10, 1, 8, 30),
    period=PAYMENTS_PERIOD,
    type_code="IN",
    invoices=None,
    aggregates=None,
):
    """A payments transmission (TB-3) of September: a service invoice's encashment and a day of B2C encashments."""
    default_invoices = (
        InvoicePayment(  # TG-34, block 10.2
            invoice_id="F2026-0042",  # TT-91
            issue_date=datetime.date(2026, 9, 2),  # TT-102
            payment_date=datetime.date(2026, 9, 25),  # TT-92
            subtotals=_rates({D(20): D("1200.00")}),  # TT-93..95
        ),
    )
    default_days = (PaymentsAggregate(datetime.date(2026, 9, 26), _rates({D(20): D("240.00"), D(10): D("55.00")})),)
    return Report(
        document(report_id, issued_at, type_code),
        payments=PaymentsReport(
            period=ReportPeriod(*period),
            invoices=default_invoices if invoices is None else invoices,
            aggregates=default_days if aggregates is None else aggregates,
        ),
    )


def transactions_report(report_id="ER-2026-09-T1", issued_at=datetime.datetime(2026, 9, 11, 8, 30), period=PERIOD):
    """The XML tree of :func:`transactions`."""
    return build_tree(transactions(report_id, issued_at, period))


def payments_report(report_id="ER-2026-09-P1", issued_at=datetime.datetime(2026, 10, 1, 8, 30)):
    """The XML tree of :func:`payments`."""
    return build_tree(payments(report_id, issued_at))


def to_bytes(report):
    """XML bytes of a report model or of a (changed) tree."""
    if isinstance(report, Report):
        return build_report(report)
    return etree.tostring(report, xml_declaration=True, encoding="UTF-8")
