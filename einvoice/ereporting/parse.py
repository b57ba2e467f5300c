"""E-reporting XML (DGFiP ``ereporting.xsd``) -> report model.

Parsing goes through :mod:`einvoice.xmlsafe` (no DTD, no entities, no
network, a size limit). A document that is not a report, lacks a required
term or carries a value the model cannot hold (a date that is not AAAAMMJJ,
an amount that is not a decimal number) raises :class:`ReportParseError`,
whose message names the term and where it is. Business rules are not judged
here: :func:`einvoice.validation.validate` runs the XSD and the Flux 10 rules.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from ..errors import ModelError, ReportParseError
from ..xmlsafe import MAX_XML_BYTES, parse_xml
from .model import (
    Address,
    AggregateTaxSubtotal,
    AllowanceCharge,
    Declarant,
    Delivery,
    InvoiceEntry,
    InvoiceLine,
    InvoicePayment,
    InvoiceReference,
    InvoiceTaxSubtotal,
    Note,
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
)

_DATE = re.compile(r"^\d{8}$")
_TIMESTAMP = re.compile(r"^\d{14}$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_ROOT_CHILDREN = {"ReportDocument", "TransactionsReport", "PaymentsReport"}


class _Reader:
    """Reads the children of one element, naming the element's path in every error."""

    def __init__(self, element, path):
        self.element, self.path = element, path

    def fail(self, message):
        raise ReportParseError(f"e-reporting report, {self.path}: {message}")

    def child(self, tag, term, required=False):
        element = self.element.find(tag)
        if element is None:
            if required:
                self.fail(f"{term} ({tag}) is missing")
            return None
        return _Reader(element, f"{self.path}/{tag}")

    def children(self, tag):
        return [
            _Reader(element, f"{self.path}/{tag}[{index}]")
            for index, element in enumerate(self.element.iterfind(tag), 1)
        ]

    def text(self, tag, term, required=False):
        element = self.element.find(tag)
        value = (element.text or "").strip() if element is not None else ""
        if not value:
            if required:
                self.fail(f"{term} ({tag}) is missing or empty")
            return None
        return value

    def attribute(self, name, term, required=False):
        value = (self.element.get(name) or "").strip()
        if not value and required:
            self.fail(f"{term} (@{name}) is missing")
        return value or None

    @property
    def own_text(self):
        return (self.element.text or "").strip() or None

    def date(self, tag, term, required=False):
        value = self.text(tag, term, required)
        if value is None:
            return None
        if not _DATE.match(value):
            self.fail(f"{term} ({tag}) {value!r} is not a date written AAAAMMJJ (rule G1.09)")
        try:
            return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            self.fail(f"{term} ({tag}) {value!r} is not a calendar date")

    def own_decimal(self, term):
        """The element's own text as a decimal (TT-52, TT-62 carry an attribute beside their value)."""
        tag = self.path.rsplit("/", 1)[-1]
        value = self.own_text
        if value is None:
            self.fail(f"{term} is empty")
        return self.decimal(tag, term, value=value)

    def decimal(self, tag, term, required=False, value=None):
        value = self.text(tag, term, required) if value is None else value
        if value is None:
            return None
        if not _DECIMAL.match(value):
            self.fail(f"{term} ({tag}) {value!r} is not a decimal number written with a dot (rule G1.14)")
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
            self.fail(f"{term} ({tag}) {value!r} is not a decimal number")

    def integer(self, tag, term):
        value = self.text(tag, term)
        if value is None:
            return None
        if not _INTEGER.match(value) or len(value) > 18:
            self.fail(f"{term} ({tag}) {value!r} is not a whole number")
        return int(value)


def _document(reader):
    stamp = reader.child("IssueDateTime", "TG-1", required=True).text("DateTimeString", "TT-3", required=True)
    if not _TIMESTAMP.match(stamp):
        reader.fail(f"the timestamp (TT-3) {stamp!r} is not written AAAAMMJJHHMMSS (rule G7.53)")
    try:
        issued_at = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError:
        reader.fail(f"the timestamp (TT-3) {stamp!r} is not a calendar date and time")
    sender = reader.child("Sender", "TG-3", required=True)
    sender_id = sender.child("Id", "TT-8", required=True)
    issuer = reader.child("Issuer", "TG-5", required=True)
    issuer_id = issuer.child("Id", "TT-13", required=True)
    sender_uri = sender.child("URIUniversalCommunication", "TG-4")
    issuer_uri = issuer.child("URIUniversalCommunication", "TG-6")
    return ReportDocument(
        id=reader.text("Id", "TT-1", required=True),
        name=reader.text("Name", "TT-2"),
        issued_at=issued_at,
        type_code=reader.text("TypeCode", "TT-4", required=True),
        sender=Sender(
            platform_id=sender_id.own_text or sender.fail("the platform's matricule (TT-8) is empty"),
            scheme=sender_id.attribute("schemeId", "TT-7", required=True),
            name=sender.text("Name", "TT-9", required=True),
            role=sender.text("RoleCode", "TT-10", required=True),
            electronic_address=sender_uri.text("URIID", "TT-11", required=True) if sender_uri else None,
        ),
        declarant=Declarant(
            siren=issuer_id.own_text or issuer.fail("the declarant's SIREN (TT-13) is empty"),
            scheme=issuer_id.attribute("schemeId", "TT-12", required=True),
            name=issuer.text("Name", "TT-14", required=True),
            role=issuer.text("RoleCode", "TT-15", required=True),
            electronic_address=issuer_uri.text("URIID", "TT-16", required=True) if issuer_uri else None,
        ),
    )


def _period(reader, tag, terms):
    period = reader.child(tag, terms[0], required=True)
    return ReportPeriod(
        start=period.date("StartDate", terms[1], required=True), end=period.date("EndDate", terms[2], required=True)
    )


def _reference(reader, id_term, date_term):
    return InvoiceReference(id=reader.text("ID", id_term), issue_date=reader.date("IssueDate", date_term))


def _party(reader, id_terms, vat_term, country_term):
    company = reader.child("CompanyId", id_terms[0])
    vat = reader.child("TaxRegistrationId", vat_term)
    address = reader.child("PostalAddress", country_term)
    return Party(
        company_id=company.own_text if company else None,
        scheme=company.attribute("schemeId", id_terms[1], required=True) if company else None,
        vat_id=vat.own_text if vat else None,
        country=address.text("CountryId", country_term, required=True) if address else None,
    )


def _address(reader):
    return Address(
        line1=reader.text("LineOne", "TT-103"),
        line2=reader.text("LineTwo", "TT-104"),
        line3=reader.text("LineThree", "TT-105"),
        city=reader.text("CityName", "TT-106"),
        post_code=reader.text("PostalZone", "TT-107"),
        subdivision=reader.text("CountrySubentity", "TT-108"),
        country=reader.text("CountryId", "TT-44"),
    )


def _charge_indicator(reader):
    value = reader.attribute("ChargeIndicator", "charge indicator", required=True)
    if value not in ("true", "false", "1", "0"):
        reader.fail(f"the charge indicator (@ChargeIndicator) {value!r} is not a boolean")
    return value in ("true", "1")


def _allowance_charge(reader, line_level=False):
    return AllowanceCharge(
        charge=_charge_indicator(reader),
        amount=reader.decimal("Amount", "TT-67 / TT-68" if line_level else "TT-45 / TT-48", required=line_level),
        tax_category=None if line_level else reader.text("TaxCategoryCode", "TT-46 / TT-49"),
        tax_rate=None if line_level else reader.decimal("TaxPercent", "TT-47 / TT-50"),
    )


def _notes(readers, subject_tag, content_tag, terms):
    return tuple(
        Note(subject=note.text(subject_tag, terms[0]), content=note.text(content_tag, terms[1])) for note in readers
    )


def _line(reader):
    quantity = reader.child("BilledQuantity", "TT-62")
    reference = reader.child("ReferencedDocument", "TG-40")
    delivery = reader.child("Delivery", "TG-41")
    location = delivery.child("Location", "TG-42") if delivery else None
    period = reader.child("InvoicePeriod", "TG-25")
    price = reader.child("Price", "TG-28")
    product = reader.child("Product", "TG-30")
    return InvoiceLine(
        notes=_notes(reader.children("Note"), "Code", "Comment", ("TT-61-0", "TT-61-1")),
        quantity=quantity.own_decimal("TT-62") if quantity else None,
        unit_code=quantity.attribute("UnitCode", "TT-63") if quantity else None,
        referenced_invoice=_reference(reference, "TT-300", "TT-301") if reference else None,
        delivery_name=delivery.text("Name", "TT-302") if delivery else None,
        delivery_address=(
            Address(
                line1=location.text("LineOne", "TT-303"),
                city=location.text("CityName", "TT-304"),
                post_code=location.text("PostalZone", "TT-305"),
                subdivision=location.text("CountrySubentity", "TT-306"),
                country=location.text("CountryId", "TT-307", required=True),
            )
            if location
            else None
        ),
        period_start=period.date("StartDate", "TT-65") if period else None,
        period_end=period.date("EndDate", "TT-66") if period else None,
        allowance_charges=tuple(
            _allowance_charge(item, line_level=True) for item in reader.children("AllowanceCharge")
        ),
        net_price=price.decimal("PriceAmount", "TT-69") if price else None,
        price_discount=price.decimal("AllowanceChargeAmount", "TT-70") if price else None,
        gross_price=price.decimal("AllowanceChargeBaseAmount", "TT-71") if price else None,
        product_name=product.text("Name", "TT-76", required=True) if product else None,
    )


def _invoice(reader):
    process = reader.child("BusinessProcess", "TG-10", required=True)
    seller = reader.child("Seller", "TG-12", required=True)
    buyer = reader.child("Buyer", "TG-14")
    representative = reader.child("SellerTaxRepresentative", "TG-16")
    representative_vat = representative.child("TaxRegistrationId", "TT-122", required=True) if representative else None
    period = reader.child("InvoicePeriod", "TG-18")
    totals = reader.child("MonetaryTotal", "TG-22", required=True)
    tax_amount = totals.child("TaxAmount", "TT-52", required=True)
    subtotals = []
    for tax in reader.children("TaxSubTotal"):
        category = tax.child("TaxCategory", "TT-194", required=True)
        subtotals.append(
            InvoiceTaxSubtotal(
                taxable_amount=tax.decimal("TaxableAmount", "TT-54", required=True),
                tax_amount=tax.decimal("TaxAmount", "TT-55", required=True),
                category=category.text("Code", "TT-56"),
                rate=category.decimal("Percent", "TT-57", required=True),
                exemption_reason=category.text("TaxExemptionReason", "TT-58"),
                exemption_code=category.text("TaxExemptionReasonCode", "TT-59"),
            )
        )
    deliveries = []
    for delivery in reader.children("Delivery"):
        location = delivery.child("Location", "TG-19")
        deliveries.append(
            Delivery(date=delivery.date("Date", "TT-41"), address=_address(location) if location else None)
        )
    return InvoiceEntry(
        id=reader.text("ID", "TT-19", required=True),
        issue_date=reader.date("IssueDate", "TT-20", required=True),
        type_code=reader.text("TypeCode", "TT-21", required=True),
        currency=reader.text("CurrencyCode", "TT-22", required=True),
        due_date=reader.date("DueDate", "TT-201"),
        tax_due_date_type=reader.text("TaxDueDateTypeCode", "TT-24"),
        notes=_notes(reader.children("IncludedNote"), "Subject", "Content", ("TT-26", "TT-27")),
        billing_frame=process.text("ID", "TT-28", required=True),
        profile=process.text("TypeID", "TT-29", required=True),
        referenced_invoices=tuple(_reference(ref, "TT-30", "TT-31") for ref in reader.children("ReferencedDocument")),
        seller=_party(seller, ("TT-33", "TT-33-1"), "TT-34", "TT-35"),
        buyer=_party(buyer, ("TT-36", "TT-37"), "TT-38", "TT-39") if buyer else None,
        seller_tax_representative_vat_id=representative_vat.own_text if representative_vat else None,
        seller_tax_representative_scheme=(
            representative_vat.attribute("schemeId", "TT-40", required=True) if representative_vat else None
        ),
        deliveries=tuple(deliveries),
        period_start=period.date("StartDate", "TT-42") if period else None,
        period_end=period.date("EndDate", "TT-43") if period else None,
        allowance_charges=tuple(_allowance_charge(item) for item in reader.children("AllowanceCharge")),
        tax_exclusive_amount=totals.decimal("TaxExclusiveAmount", "TT-51"),
        tax_amount=tax_amount.own_decimal("TT-52"),
        tax_subtotals=tuple(subtotals),
        lines=tuple(_line(line) for line in reader.children("Line")),
    )


def _transactions_day(reader):
    return TransactionsAggregate(
        date=reader.date("Date", "TT-77", required=True),
        currency=reader.text("TransactionsCurrency", "TT-78", required=True),
        tax_due_date_type=reader.text("TaxDueDateTypeCode", "TT-80"),
        category=reader.text("CategoryCode", "TT-81", required=True),
        tax_exclusive_amount=reader.decimal("TaxExclusiveAmount", "TT-82", required=True),
        tax_total=reader.decimal("TaxTotal", "TT-83", required=True),
        count=reader.integer("TransactionsCount", "TT-85"),
        subtotals=tuple(
            AggregateTaxSubtotal(
                rate=tax.decimal("TaxPercent", "TT-86", required=True),
                taxable_amount=tax.decimal("TaxableAmount", "TT-87", required=True),
                tax_amount=tax.decimal("TaxTotal", "TT-88", required=True),
            )
            for tax in reader.children("TaxSubtotal")
        ),
    )


def _payment(reader, terms):
    payment = reader.child("Payment", terms[0], required=True)
    subtotals = tuple(
        PaymentSubtotal(
            rate=item.decimal("TaxPercent", terms[1], required=True),
            currency=item.text("CurrencyCode", terms[2]),
            amount=item.decimal("Amount", terms[3], required=True),
        )
        for item in payment.children("SubTotals")
    )
    return payment.date("Date", terms[4], required=True), subtotals


def _invoice_payment(reader):
    payment_date, subtotals = _payment(reader, ("TG-35", "TT-93", "TT-94", "TT-95", "TT-92"))
    return InvoicePayment(
        invoice_id=reader.text("InvoiceID", "TT-91", required=True),
        issue_date=reader.date("IssueDate", "TT-102", required=True),
        payment_date=payment_date,
        subtotals=subtotals,
    )


def _payments_day(reader):
    day, subtotals = _payment(reader, ("TG-38", "TT-97", "TT-98", "TT-99", "TT-96"))
    return PaymentsAggregate(date=day, subtotals=subtotals)


def parse_report(data, max_bytes=MAX_XML_BYTES, source="e-reporting report"):
    """Read an e-reporting report (bytes) into a :class:`Report`.

    Raises :class:`~einvoice.errors.ParseError` for input that is not XML or is too large,
    :class:`~einvoice.errors.UnsafeInputError` for a DTD or entities, and
    :class:`~einvoice.errors.ReportParseError` for XML that is not a readable report.
    """
    root = parse_xml(data, max_bytes=max_bytes, source=source)
    if root.tag != "Report":
        raise ReportParseError(
            f"{source}: the root element is {root.tag}, not Report (TB-0) in no namespace (ereporting.xsd v3.2)"
        )
    reader = _Reader(root, "/Report")
    unknown = sorted({child.tag for child in root if isinstance(child.tag, str)} - _ROOT_CHILDREN)
    if unknown:
        reader.fail(
            f"unexpected element(s) {', '.join(map(str, unknown))}: a report holds ReportDocument, then "
            "TransactionsReport or PaymentsReport"
        )
    try:
        document = _document(reader.child("ReportDocument", "TB-1", required=True))
        transactions = reader.child("TransactionsReport", "TB-2")
        payments = reader.child("PaymentsReport", "TB-3")
        if transactions is not None and payments is not None:
            reader.fail("a transmission holds transactions (TB-2) or payments (TB-3), not both (rule G6.29)")
        if transactions is not None:
            body = TransactionsReport(
                period=_period(transactions, "ReportPeriod", ("TG-7", "TT-17", "TT-18")),
                invoices=tuple(_invoice(item) for item in transactions.children("Invoice")),
                aggregates=tuple(_transactions_day(item) for item in transactions.children("Transactions")),
            )
            return Report(document, transactions=body)
        if payments is not None:
            body = PaymentsReport(
                period=_period(payments, "ReportPeriod", ("TG-33", "TT-89", "TT-90")),
                invoices=tuple(_invoice_payment(item) for item in payments.children("Invoice")),
                aggregates=tuple(_payments_day(item) for item in payments.children("Transactions")),
            )
            return Report(document, payments=body)
        reader.fail("the transmission holds no report: TransactionsReport (TB-2) or PaymentsReport (TB-3) (rule G6.29)")
    except ModelError as exc:
        raise ReportParseError(f"{source}: {exc}") from exc
