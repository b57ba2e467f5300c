"""Report model -> e-reporting XML (DGFiP ``ereporting.xsd``, v3.2).

The XML has no namespace (v3.2 removed ``xmlns:ereporting``, XSD changelog);
elements follow the XSD's sequence. Dates are AAAAMMJJ (rule G1.09), the
timestamp AAAAMMJJHHMMSS (TT-3, rule G7.53), amounts carry 2 decimals and a
dot (rule G1.14), rates their significant digits (G1.24).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from ..errors import ModelError
from .model import VAT_CURRENCY, Report

CENT = Decimal("0.01")


def _day(value):
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _amount(value):
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return "0.00" if value == 0 else f"{value:f}"


def _number(value, decimals, term):
    """A quantity (4 decimals, G1.15) or unit price (6 decimals, G1.16), as given without trailing zeros."""
    text = f"{value.normalize():f}" if value != 0 else "0"
    if "." in text and len(text.split(".")[1]) > decimals:
        raise ModelError(f"{term} {value} has more than {decimals} decimals")
    return text


def _rate(value):
    return f"{value.normalize():f}" if value != 0 else "0"


def _sub(parent, tag, text=None, **attributes):
    element = etree.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _opt(parent, tag, value, render=str):
    if value is not None:
        _sub(parent, tag, render(value))


def _party_id(parent, tag, value, scheme, scheme_attribute="schemeId"):
    _sub(parent, tag, value, **{scheme_attribute: scheme})


def _document(parent, document):
    element = _sub(parent, "ReportDocument")
    _sub(element, "Id", document.id)  # TT-1
    _opt(element, "Name", document.name)  # TT-2
    stamp = _sub(element, "IssueDateTime")
    _sub(stamp, "DateTimeString", document.issued_at.strftime("%Y%m%d%H%M%S"))  # TT-3
    _sub(element, "TypeCode", document.type_code.value)  # TT-4
    sender = _sub(element, "Sender")  # TG-3
    _party_id(sender, "Id", document.sender.platform_id, document.sender.scheme)  # TT-8 / TT-7
    _sub(sender, "Name", document.sender.name)  # TT-9
    _sub(sender, "RoleCode", document.sender.role)  # TT-10
    if document.sender.electronic_address:
        _sub(_sub(sender, "URIUniversalCommunication"), "URIID", document.sender.electronic_address)  # TT-11
    issuer = _sub(element, "Issuer")  # TG-5
    _party_id(issuer, "Id", document.declarant.siren, document.declarant.scheme)  # TT-13 / TT-12
    _sub(issuer, "Name", document.declarant.name)  # TT-14
    _sub(issuer, "RoleCode", document.declarant.role.value)  # TT-15
    if document.declarant.electronic_address:
        _sub(_sub(issuer, "URIUniversalCommunication"), "URIID", document.declarant.electronic_address)  # TT-16


def _period(parent, period):
    element = _sub(parent, "ReportPeriod")
    _sub(element, "StartDate", _day(period.start))
    _sub(element, "EndDate", _day(period.end))


def _reference(parent, reference):
    element = _sub(parent, "ReferencedDocument")
    _opt(element, "ID", reference.id)  # TT-30 (required in TG-11) / TT-300
    _opt(element, "IssueDate", reference.issue_date, _day)  # TT-31 / TT-301


def _party(parent, tag, party, required):
    element = _sub(parent, tag)
    if party.company_id is not None or required:
        if not party.company_id or not party.scheme:
            raise ModelError(f"the {tag.lower()}'s identifier and its scheme (TT-33 / TT-33-1) are required")
        _party_id(element, "CompanyId", party.company_id, party.scheme)  # TT-33 / TT-36
    if party.vat_id is not None:
        _sub(element, "TaxRegistrationId", party.vat_id, qualifyingId="VAT")  # TT-34 / TT-38 (rule G2.33)
    if party.country is not None:
        _sub(_sub(element, "PostalAddress"), "CountryId", party.country)  # TT-35 / TT-39


def _address(parent, address, line_level=False):
    element = _sub(parent, "Location")
    _opt(element, "LineOne", address.line1)
    if not line_level:
        _opt(element, "LineTwo", address.line2)
        _opt(element, "LineThree", address.line3)
    _opt(element, "CityName", address.city)
    _opt(element, "PostalZone", address.post_code)
    _opt(element, "CountrySubentity", address.subdivision)
    _opt(element, "CountryId", address.country)


def _invoice_period(parent, start, end):
    if start is not None or end is not None:
        element = _sub(parent, "InvoicePeriod")
        _opt(element, "StartDate", start, _day)
        _opt(element, "EndDate", end, _day)


def _allowance_charge(parent, item, line_level=False):
    element = _sub(parent, "AllowanceCharge", ChargeIndicator="true" if item.charge else "false")
    if line_level and item.amount is None:
        raise ModelError("a line's allowance or charge needs its amount (TT-67 / TT-68)")
    _opt(element, "Amount", item.amount, _amount)
    if not line_level:
        _opt(element, "TaxCategoryCode", item.tax_category)
        _opt(element, "TaxPercent", item.tax_rate, _rate)


def _line(parent, line):
    element = _sub(parent, "Line")  # TG-24
    for note in line.notes:
        note_element = _sub(element, "Note")
        _opt(note_element, "Code", note.subject)  # TT-61-0
        _opt(note_element, "Comment", note.content)  # TT-61-1
    if line.quantity is not None:
        _sub(element, "BilledQuantity", _number(line.quantity, 4, "TT-62"), UnitCode=line.unit_code)  # TT-62/63
    if line.referenced_invoice is not None:
        _reference(element, line.referenced_invoice)  # TG-40
    if line.delivery_name is not None or line.delivery_address is not None:
        delivery = _sub(element, "Delivery")  # TG-41
        _opt(delivery, "Name", line.delivery_name)  # TT-302
        if line.delivery_address is not None:
            _address(delivery, line.delivery_address, line_level=True)  # TG-42
    _invoice_period(element, line.period_start, line.period_end)  # TG-25
    for item in line.allowance_charges:
        _allowance_charge(element, item, line_level=True)  # TG-26 / TG-27
    if line.net_price is not None or line.price_discount is not None or line.gross_price is not None:
        price = _sub(element, "Price")  # TG-28
        _opt(price, "PriceAmount", line.net_price, lambda v: _number(v, 6, "TT-69"))
        _opt(price, "AllowanceChargeAmount", line.price_discount, lambda v: _number(v, 6, "TT-70"))
        _opt(price, "AllowanceChargeBaseAmount", line.gross_price, lambda v: _number(v, 6, "TT-71"))
    if line.product_name is not None:
        _sub(_sub(element, "Product"), "Name", line.product_name)  # TT-76


def _invoice(parent, invoice):
    element = _sub(parent, "Invoice")  # TG-8
    _sub(element, "ID", invoice.id)  # TT-19
    _sub(element, "IssueDate", _day(invoice.issue_date))  # TT-20
    _sub(element, "TypeCode", str(invoice.type_code))  # TT-21
    _sub(element, "CurrencyCode", invoice.currency)  # TT-22
    _opt(element, "DueDate", invoice.due_date, _day)  # TT-201
    _opt(element, "TaxDueDateTypeCode", invoice.tax_due_date_type, lambda code: code.value)  # TT-24
    for note in invoice.notes:
        note_element = _sub(element, "IncludedNote")  # TG-9
        _opt(note_element, "Subject", note.subject)  # TT-26
        _opt(note_element, "Content", note.content)  # TT-27
    process = _sub(element, "BusinessProcess")  # TG-10
    _sub(process, "ID", invoice.billing_frame)  # TT-28
    _sub(process, "TypeID", invoice.profile)  # TT-29
    for reference in invoice.referenced_invoices:
        if not reference.id:
            raise ModelError(f"invoice {invoice.id}: a preceding invoice reference needs its number (TT-30)")
        _reference(element, reference)  # TG-11
    _party(element, "Seller", invoice.seller, required=True)  # TG-12
    if invoice.buyer is not None:
        _party(element, "Buyer", invoice.buyer, required=False)  # TG-14
    if invoice.seller_tax_representative_vat_id is not None:
        representative = _sub(element, "SellerTaxRepresentative")  # TG-16
        _sub(
            representative,
            "TaxRegistrationId",
            invoice.seller_tax_representative_vat_id,
            schemeId=invoice.seller_tax_representative_scheme or "VAT",
        )
    for delivery in invoice.deliveries:
        delivery_element = _sub(element, "Delivery")  # TG-17
        _opt(delivery_element, "Date", delivery.date, _day)  # TT-41
        if delivery.address is not None:
            _address(delivery_element, delivery.address)  # TG-19
    _invoice_period(element, invoice.period_start, invoice.period_end)  # TG-18
    for item in invoice.allowance_charges:
        _allowance_charge(element, item)  # TG-20 / TG-21
    totals = _sub(element, "MonetaryTotal")  # TG-22
    _opt(totals, "TaxExclusiveAmount", invoice.tax_exclusive_amount, _amount)  # TT-51
    _sub(totals, "TaxAmount", _amount(invoice.tax_amount), CurrencyCode=VAT_CURRENCY)  # TT-52 / TT-202
    for subtotal in invoice.tax_subtotals:
        tax = _sub(element, "TaxSubTotal")  # TG-23
        _sub(tax, "TaxableAmount", _amount(subtotal.taxable_amount))  # TT-54
        _sub(tax, "TaxAmount", _amount(subtotal.tax_amount))  # TT-55
        category = _sub(tax, "TaxCategory")  # TT-194
        _opt(category, "Code", subtotal.category)  # TT-56
        _sub(category, "Percent", _rate(subtotal.rate))  # TT-57
        _opt(category, "TaxExemptionReason", subtotal.exemption_reason)  # TT-58
        _opt(category, "TaxExemptionReasonCode", subtotal.exemption_code)  # TT-59
    for line in invoice.lines:
        _line(element, line)


def _check_day(period, day, what):
    if day not in period:
        raise ModelError(
            f"{what} of {day} is outside the report period {period.start} to {period.end} "
            "(the administration rejects such a report, REJ_PER)"
        )


def _transactions(parent, report):
    element = _sub(parent, "TransactionsReport")  # TB-2
    _period(element, report.period)  # TG-7
    for invoice in report.invoices:
        _invoice(element, invoice)
    for day in report.aggregates:
        _check_day(report.period, day.date, "the B2C transactions")
        block = _sub(element, "Transactions")  # TG-31
        _sub(block, "Date", _day(day.date))  # TT-77
        _sub(block, "TransactionsCurrency", day.currency)  # TT-78
        _opt(block, "TaxDueDateTypeCode", day.tax_due_date_type, lambda code: code.value)  # TT-80
        _sub(block, "CategoryCode", day.category.value)  # TT-81
        _sub(block, "TaxExclusiveAmount", _amount(day.tax_exclusive_amount))  # TT-82
        _sub(block, "TaxTotal", _amount(day.tax_total))  # TT-83
        _opt(block, "TransactionsCount", day.count)  # TT-85
        for subtotal in day.subtotals:
            tax = _sub(block, "TaxSubtotal")  # TG-32
            _sub(tax, "TaxPercent", _rate(subtotal.rate))  # TT-86
            _sub(tax, "TaxableAmount", _amount(subtotal.taxable_amount))  # TT-87
            _sub(tax, "TaxTotal", _amount(subtotal.tax_amount))  # TT-88


def _payment(parent, day, subtotals):
    payment = _sub(parent, "Payment")  # TG-35 / TG-38
    _sub(payment, "Date", _day(day))  # TT-92 / TT-96
    for subtotal in subtotals:
        element = _sub(payment, "SubTotals")  # TG-36 / TG-39
        _sub(element, "TaxPercent", _rate(subtotal.rate))  # TT-93 / TT-97
        _opt(element, "CurrencyCode", subtotal.currency)  # TT-94 / TT-98
        _sub(element, "Amount", _amount(subtotal.amount))  # TT-95 / TT-99


def _payments(parent, report):
    element = _sub(parent, "PaymentsReport")  # TB-3
    _period(element, report.period)  # TG-33
    for invoice in report.invoices:
        _check_day(report.period, invoice.payment_date, f"the encashment of invoice {invoice.invoice_id}")
        block = _sub(element, "Invoice")  # TG-34
        _sub(block, "InvoiceID", invoice.invoice_id)  # TT-91
        _sub(block, "IssueDate", _day(invoice.issue_date))  # TT-102
        _payment(block, invoice.payment_date, invoice.subtotals)
    for day in report.aggregates:
        _check_day(report.period, day.date, "the B2C encashments")
        _payment(_sub(element, "Transactions"), day.date, day.subtotals)  # TG-37


def build_tree(report):
    """The report as an lxml element (root ``Report``, TB-0)."""
    if not isinstance(report, Report):
        raise ModelError(f"expected an e-reporting Report, got {type(report).__name__}")
    if report.document.issued_at.date() <= report.period.end:
        raise ModelError(
            f"the report of {report.period.start} to {report.period.end} is built after its period ends, "
            f"not on {report.document.issued_at.date()} (TT-3, rule G7.43)"
        )
    root = etree.Element("Report")
    _document(root, report.document)
    if report.transactions is not None:
        _transactions(root, report.transactions)
    else:
        _payments(root, report.payments)
    return root


def build_report(report):
    """The report as XML bytes (UTF-8, with its declaration)."""
    return etree.tostring(build_tree(report), xml_declaration=True, encoding="UTF-8")
