"""Small e-reporting (Flux 10) reports, valid against the DGFiP XSD and the Flux 10 rules.

A transmission (``Report``, TB-0) holds one report: transactions (TB-2: an
international B2B invoice, block 10.1, and a day of B2C sales, block 10.3)
or payments (TB-3: an invoice's encashment, block 10.2, and a day of B2C
encashments, block 10.4). The XML has no namespace (``ereporting.xsd``
declares none). The declarant is the seller of :mod:`.cases`, the sender an
approved platform (scheme 0238, a 4-character number).

Tests change the returned tree to break a rule; :func:`to_bytes` serialises it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from lxml import etree
from lxml.builder import E

from .cases import SELLER_SIREN, SELLER_VAT

D = Decimal
PROFILE_ID = "urn.cpro.gouv.fr:1p0:ereporting"  # TT-29 (rule S1.12)
PLATFORM_ID, PLATFORM_SCHEME = "0042", "0238"  # TT-8 / TT-7 (rule G6.22)
BUYER_ID = "DE136695976"  # a German company: scheme 0223, EU outside France (rule G2.19)
PERIOD = (datetime.date(2026, 9, 1), datetime.date(2026, 9, 10))  # a ten-day period (normal regime)
INVOICE_NET = D("1000.00")


def _day(value):
    return value.strftime("%Y%m%d")  # AAAAMMJJ (rule G1.09)


def _amount(value):
    return f"{D(value):.2f}"  # 2 decimals, a dot (rule G1.14)


def _rate(value):
    return f"{D(value).normalize():f}"


def report_document(report_id, issued_at, type_code="IN", role="SE"):
    """TB-1: the transmission's identification, sender (the platform) and declarant (TT-15 SE or BY)."""
    return E.ReportDocument(
        E.Id(report_id),  # TT-1
        E.Name(f"E-reporting {report_id}"),  # TT-2
        E.IssueDateTime(E.DateTimeString(issued_at.strftime("%Y%m%d%H%M%S"))),  # TT-3
        E.TypeCode(type_code),  # TT-4: IN initial, RE corrective
        E.Sender(E.Id(PLATFORM_ID, schemeId=PLATFORM_SCHEME), E.Name("Plateforme Exemple"), E.RoleCode("WK")),
        E.Issuer(E.Id(SELLER_SIREN, schemeId="0002"), E.Name("Atelier Dupont SARL"), E.RoleCode(role)),
    )


def _period(start, end):
    return E.ReportPeriod(E.StartDate(_day(start)), E.EndDate(_day(end)))


def international_invoice(number="F2026-0101", issued=datetime.date(2026, 9, 3), net=INVOICE_NET):
    """TG-8, block 10.1: goods delivered to a German company (intra-community, category K, no VAT)."""
    return E.Invoice(
        E.ID(number),  # TT-19
        E.IssueDate(_day(issued)),  # TT-20
        E.TypeCode("380"),  # TT-21
        E.CurrencyCode("EUR"),  # TT-22
        E.BusinessProcess(E.ID("B1"), E.TypeID(PROFILE_ID)),  # TT-28 billing frame, TT-29
        E.Seller(
            E.CompanyId(SELLER_SIREN, schemeId="0002"),  # TT-33
            E.TaxRegistrationId(SELLER_VAT, qualifyingId="VAT"),  # TT-34
            E.PostalAddress(E.CountryId("FR")),  # TT-35
        ),
        E.Buyer(
            E.CompanyId(BUYER_ID, schemeId="0223"),  # TT-36
            E.TaxRegistrationId(BUYER_ID, qualifyingId="VAT"),  # TT-38
            E.PostalAddress(E.CountryId("DE")),  # TT-39
        ),
        E.MonetaryTotal(
            E.TaxExclusiveAmount(_amount(net)),  # TT-51
            E.TaxAmount(_amount(0), CurrencyCode="EUR"),  # TT-52
        ),
        E.TaxSubTotal(
            E.TaxableAmount(_amount(net)),  # TT-54
            E.TaxAmount(_amount(0)),  # TT-55
            E.TaxCategory(E.Code("K"), E.Percent("0")),  # TT-56, TT-57
        ),
    )


#: A day of B2C sales of goods (block 10.3): VAT rate -> taxable amount.
B2C_SALES = {D(20): D("200.00"), D("5.5"): D("100.00")}


def b2c_day(day=datetime.date(2026, 9, 4), sales=None, category="TLB1"):
    """TG-31, block 10.3: one day x currency x category, the VAT per rate (TT-86..88)."""
    sales = B2C_SALES if sales is None else sales
    taxes = {rate: (base * rate / 100).quantize(D("0.01")) for rate, base in sales.items()}
    return E.Transactions(
        E.Date(_day(day)),  # TT-77
        E.TransactionsCurrency("EUR"),  # TT-78
        E.CategoryCode(category),  # TT-81: TLB1 goods, TPS1 services, TNT1, TMA1
        E.TaxExclusiveAmount(_amount(sum(sales.values()))),  # TT-82
        E.TaxTotal(_amount(sum(taxes.values()))),  # TT-83
        E.TransactionsCount(str(12)),  # TT-85
        *(
            E.TaxSubtotal(E.TaxPercent(_rate(rate)), E.TaxableAmount(_amount(base)), E.TaxTotal(_amount(taxes[rate])))
            for rate, base in sales.items()
        ),
    )


def transactions_report(report_id="ER-2026-09-T1", issued_at=datetime.datetime(2026, 9, 11, 8, 30), period=PERIOD):
    """A transactions transmission (TB-2): one international invoice and one day of B2C sales."""
    return E.Report(
        report_document(report_id, issued_at),
        E.TransactionsReport(_period(*period), international_invoice(), b2c_day()),
    )


def _payment(day, amounts):
    return E.Payment(
        E.Date(_day(day)),  # TT-92 / TT-96
        *(
            E.SubTotals(E.TaxPercent(_rate(rate)), E.CurrencyCode("EUR"), E.Amount(_amount(amount)))
            for rate, amount in amounts.items()
        ),
    )


def payments_report(report_id="ER-2026-09-P1", issued_at=datetime.datetime(2026, 10, 1, 8, 30)):
    """A payments transmission (TB-3) of September: a service invoice's encashment and a day of B2C encashments."""
    return E.Report(
        report_document(report_id, issued_at),
        E.PaymentsReport(
            _period(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30)),
            E.Invoice(  # TG-34, block 10.2
                E.InvoiceID("F2026-0042"),  # TT-91
                E.IssueDate(_day(datetime.date(2026, 9, 2))),  # TT-102
                _payment(datetime.date(2026, 9, 25), {D(20): D("1200.00")}),  # TT-93..95
            ),
            E.Transactions(_payment(datetime.date(2026, 9, 26), {D(20): D("240.00"), D(10): D("55.00")})),  # 10.4
        ),
    )


def to_bytes(report):
    return etree.tostring(report, xml_declaration=True, encoding="UTF-8")
