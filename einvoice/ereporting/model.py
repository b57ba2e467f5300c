"""The e-reporting (Flux 10) report as typed, immutable data.

One transmission (``Report``, TB-0) carries its header (``ReportDocument``,
TB-1) and exactly one report (rule G6.29): transactions (TB-2: international
invoices, block 10.1, and daily B2C aggregates, block 10.3) or payments
(TB-3: encashments of invoices, block 10.2, and daily B2C encashments, block
10.4). Field comments name the term of annex 6 v1.10 of the DGFiP external
specifications (TT-x, TG-x). Amounts and rates are ``Decimal``, dates
``datetime.date``; sequences are tuples.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ..errors import ModelError

#: TT-29: the profile of a 10.1 invoice (rule S1.12).
PROFILE_ID = "urn.cpro.gouv.fr:1p0:ereporting"
#: TT-7: an approved platform's matricule (rule G6.22); TT-12: a SIREN (rule G6.26).
PLATFORM_SCHEME, SIREN_SCHEME = "0238", "0002"
#: TT-202: the invoice's VAT total is in euros (rule G6.23).
VAT_CURRENCY = "EUR"


class ReportTypeCode(StrEnum):
    """TT-4 (rule G8.01): a corrective report replaces all the data of its period (DGFiP specifications v3.2 §3.7.7)."""

    INITIAL = "IN"
    CORRECTIVE = "RE"


class DeclarantRole(StrEnum):
    """TT-15 (rule G7.52), UNCL 3035: the declarant sells (B2Bi, Bi2Bi, B2C) or buys (Bi2B)."""

    SELLER = "SE"
    BUYER = "BY"


class TransactionCategory(StrEnum):
    """TT-81 (rule G1.68): the category of a day of B2C transactions (block 10.3)."""

    GOODS = "TLB1"  # deliveries of goods subject to VAT
    SERVICES = "TPS1"  # services subject to VAT
    NOT_TAXABLE_IN_FRANCE = "TNT1"  # not subject to French VAT, incl. EU distance sales (CGI 258 A, 259 B)
    MARGIN_SCHEME = "TMA1"  # VAT on the margin (CGI 266-1-e, 268, 297 A): amounts are margins (rule G1.57)


class TaxDueDateCode(StrEnum):
    """TT-24 / TT-80 (rule P1.11): UNTDID 2475 (CII) or UNTDID 2005 (UBL) subset.

    The option for VAT on debits is code 5 (CII) or 3 (UBL) (rule G1.44).
    """

    INVOICE_DATE = "5"  # UNTDID 2475: date of invoice (VAT on debits)
    DELIVERY_DATE = "29"  # UNTDID 2475: date of delivery
    PAID_TO_DATE = "72"  # UNTDID 2475: paid to date (VAT on receipt)
    INVOICE_DATE_UBL = "3"  # UNTDID 2005: invoice document issue date
    DELIVERY_DATE_UBL = "35"  # UNTDID 2005: delivery date, actual
    PAID_TO_DATE_UBL = "432"  # UNTDID 2005: paid to date


#: TT-1 (rule G1.104): letters, digits, space, - + _ /; at most 50 characters.
_TRANSMISSION_ID = re.compile(r"^[A-Za-z0-9\-+_/]+(?: [A-Za-z0-9\-+_/]+)*$")


def _require(condition, message):
    if not condition:
        raise ModelError(message)


def _code(enum, value, term):
    """A code of a closed list, or a ModelError naming the term and the allowed values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ModelError(f"{term}: {value!r} is not one of {allowed}") from None


def _freeze(instance, *names):
    """Store sequences as tuples: a list given in would leave the frozen report mutable."""
    for name in names:
        object.__setattr__(instance, name, tuple(getattr(instance, name)))


def _check_decimals(instance, *names):
    for name in names:
        value = getattr(instance, name)
        if value is not None and not isinstance(value, Decimal):
            raise ModelError(f"{type(instance).__name__}.{name} must be a Decimal, not {type(value).__name__}")


def _check_dates(instance, *names):
    for name in names:
        value = getattr(instance, name)
        if value is not None and (not isinstance(value, datetime.date) or isinstance(value, datetime.datetime)):
            raise ModelError(f"{type(instance).__name__}.{name} must be a datetime.date, not {type(value).__name__}")


# --- TB-1: the transmission's header ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sender:
    """TG-3: who transmits the report, an approved platform (rules G6.22, G7.51)."""

    platform_id: str  # TT-8: the platform's matricule, 4 characters
    name: str  # TT-9
    scheme: str = PLATFORM_SCHEME  # TT-7
    role: str = "WK"  # TT-10
    electronic_address: str | None = None  # TT-11


@dataclass(frozen=True, slots=True)
class Declarant:
    """TG-5: the taxable person the data belong to, at SIREN level (DGFiP specifications v3.2 §3.7.7)."""

    siren: str  # TT-13 (rule G6.26: 9 digits)
    name: str  # TT-14
    role: DeclarantRole = DeclarantRole.SELLER  # TT-15
    scheme: str = SIREN_SCHEME  # TT-12
    electronic_address: str | None = None  # TT-16

    def __post_init__(self):
        _require(
            isinstance(self.siren, str) and len(self.siren) == 9 and self.siren.isdigit(),
            f"the declarant's SIREN (TT-13) must be 9 digits, got {self.siren!r} (rule G6.26)",
        )
        object.__setattr__(self, "role", _code(DeclarantRole, self.role, "the declarant's role (TT-15)"))


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """TB-1: the transmission's identification."""

    id: str  # TT-1: unique per declarant and period (rule G8.05)
    issued_at: datetime.datetime  # TT-3: when the platform built the flow (rule G7.40)
    sender: Sender  # TG-3
    declarant: Declarant  # TG-5
    type_code: ReportTypeCode = ReportTypeCode.INITIAL  # TT-4
    name: str | None = None  # TT-2

    def __post_init__(self):
        _require(
            isinstance(self.id, str) and len(self.id) <= 50 and _TRANSMISSION_ID.match(self.id) is not None,
            f"the transmission id (TT-1) {self.id!r} must have at most 50 letters, digits, single spaces "
            "or - + _ / (rule G1.104)",
        )
        _require(
            isinstance(self.issued_at, datetime.datetime), "the transmission's timestamp (TT-3) must be a datetime"
        )
        object.__setattr__(self, "type_code", _code(ReportTypeCode, self.type_code, "the transmission type (TT-4)"))


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """TG-7 / TG-33: the period the report covers; the end comes after the start (rule G6.25)."""

    start: datetime.date  # TT-17 / TT-89
    end: datetime.date  # TT-18 / TT-90

    def __post_init__(self):
        _check_dates(self, "start", "end")
        _require(self.end > self.start, f"the period ends ({self.end}) on or before it starts ({self.start}) (G6.25)")

    def __contains__(self, day):
        return self.start <= day <= self.end


# --- 10.1: international invoices -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Note:
    """TG-9 / TT-61: a note and its subject (UNTDID 4451)."""

    content: str | None = None  # TT-27 / TT-61-1
    subject: str | None = None  # TT-26 / TT-61-0


@dataclass(frozen=True, slots=True)
class InvoiceReference:
    """TG-11 / TG-40: a preceding invoice, for corrective invoices and credit notes (rule G1.32)."""

    id: str | None  # TT-30 / TT-300
    issue_date: datetime.date | None = None  # TT-31 / TT-301

    def __post_init__(self):
        _check_dates(self, "issue_date")


@dataclass(frozen=True, slots=True)
class Party:
    """TG-12 seller / TG-14 buyer of a 10.1 invoice."""

    company_id: str | None  # TT-33 / TT-36
    scheme: str | None  # TT-33-1 / TT-37: 0002 SIREN, 0223 EU outside France, 0227 outside EU, 0228, 0229
    vat_id: str | None = None  # TT-34 / TT-38 (qualifier VAT, rule G2.33)
    country: str | None = None  # TT-35 / TT-39 (ISO 3166 alpha-2)


@dataclass(frozen=True, slots=True)
class Address:
    """TG-19 / TG-42: a delivery address (a line's address has no line two or three)."""

    line1: str | None = None  # TT-103 / TT-303
    line2: str | None = None  # TT-104
    line3: str | None = None  # TT-105
    city: str | None = None  # TT-106 / TT-304
    post_code: str | None = None  # TT-107 / TT-305
    subdivision: str | None = None  # TT-108 / TT-306
    country: str | None = None  # TT-44 / TT-307


@dataclass(frozen=True, slots=True)
class Delivery:
    """TG-17: when and where the goods or services were delivered."""

    date: datetime.date | None = None  # TT-41
    address: Address | None = None  # TG-19

    def __post_init__(self):
        _check_dates(self, "date")


@dataclass(frozen=True, slots=True)
class AllowanceCharge:
    """TG-20 allowance / TG-21 charge at document level, or TG-26 / TG-27 on a line (amount only)."""

    charge: bool  # @ChargeIndicator
    amount: Decimal | None  # TT-45 / TT-48 (TT-67 / TT-68 on a line)
    tax_category: str | None = None  # TT-46 / TT-49 (UNTDID 5305)
    tax_rate: Decimal | None = None  # TT-47 / TT-50

    def __post_init__(self):
        _check_decimals(self, "amount", "tax_rate")


@dataclass(frozen=True, slots=True)
class InvoiceTaxSubtotal:
    """TG-23: VAT breakdown of a 10.1 invoice."""

    taxable_amount: Decimal  # TT-54
    tax_amount: Decimal  # TT-55
    rate: Decimal  # TT-57 (rule G1.24)
    category: str | None = None  # TT-56 (UNTDID 5305: S, E, AE, K, G, O, Z)
    exemption_reason: str | None = None  # TT-58
    exemption_code: str | None = None  # TT-59 (VATEX)

    def __post_init__(self):
        _check_decimals(self, "taxable_amount", "tax_amount", "rate")


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """TG-24: an invoice line (optional detail of a 10.1 invoice)."""

    product_name: str | None = None  # TT-76
    quantity: Decimal | None = None  # TT-62
    unit_code: str | None = None  # TT-63
    net_price: Decimal | None = None  # TT-69
    price_discount: Decimal | None = None  # TT-70
    gross_price: Decimal | None = None  # TT-71
    notes: tuple[Note, ...] = ()  # TT-61
    referenced_invoice: InvoiceReference | None = None  # TG-40
    delivery_name: str | None = None  # TT-302
    delivery_address: Address | None = None  # TG-42
    period_start: datetime.date | None = None  # TT-65
    period_end: datetime.date | None = None  # TT-66
    allowance_charges: tuple[AllowanceCharge, ...] = ()  # TG-26 / TG-27

    def __post_init__(self):
        _freeze(self, "notes", "allowance_charges")
        _check_decimals(self, "quantity", "net_price", "price_discount", "gross_price")
        _check_dates(self, "period_start", "period_end")
        address = self.delivery_address
        _require(
            address is None or (address.line2 is None and address.line3 is None),
            "a line's delivery address (TG-42) has no second or third line (TT-104 / TT-105 are header-only)",
        )
        _require(
            address is None or address.country is not None,
            "a line's delivery address (TG-42) needs its country (TT-307)",
        )


@dataclass(frozen=True, slots=True)
class InvoiceEntry:
    """TG-8, block 10.1: one international B2B invoice, sold (B2Bi) or bought (Bi2B).

    The buyer is required: B2C invoices go to block 10.3 (rule G6.28).
    """

    id: str  # TT-19
    issue_date: datetime.date  # TT-20
    type_code: str  # TT-21 (UNTDID 1001, rule G1.01)
    currency: str  # TT-22 (ISO 4217)
    billing_frame: str  # TT-28: B1, S1, M1... (rule G1.02)
    seller: Party  # TG-12
    buyer: Party | None  # TG-14
    tax_amount: Decimal  # TT-52, in euros (TT-202, rule G6.23)
    tax_subtotals: tuple[InvoiceTaxSubtotal, ...]  # TG-23 (1..n)
    tax_exclusive_amount: Decimal | None = None  # TT-51
    due_date: datetime.date | None = None  # TT-201
    tax_due_date_type: TaxDueDateCode | None = None  # TT-24
    notes: tuple[Note, ...] = ()  # TG-9
    profile: str = PROFILE_ID  # TT-29
    referenced_invoices: tuple[InvoiceReference, ...] = ()  # TG-11
    seller_tax_representative_vat_id: str | None = None  # TT-122
    seller_tax_representative_scheme: str | None = None  # TT-40
    deliveries: tuple[Delivery, ...] = ()  # TG-17
    period_start: datetime.date | None = None  # TT-42
    period_end: datetime.date | None = None  # TT-43
    allowance_charges: tuple[AllowanceCharge, ...] = ()  # TG-20 / TG-21
    lines: tuple[InvoiceLine, ...] = ()  # TG-24

    def __post_init__(self):
        _freeze(self, "tax_subtotals", "notes", "referenced_invoices", "deliveries", "allowance_charges", "lines")
        _check_decimals(self, "tax_amount", "tax_exclusive_amount")
        _check_dates(self, "issue_date", "due_date", "period_start", "period_end")
        _require(self.tax_subtotals, f"invoice {self.id}: at least one VAT breakdown (TG-23) is required")
        if self.tax_due_date_type is not None:
            code = _code(TaxDueDateCode, self.tax_due_date_type, "the VAT due date type (TT-24 / TT-80)")
            object.__setattr__(self, "tax_due_date_type", code)


# --- 10.3: a day of B2C transactions ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AggregateTaxSubtotal:
    """TG-32: the day's taxable amount and VAT at one rate."""

    rate: Decimal  # TT-86
    taxable_amount: Decimal  # TT-87 (the margin for TMA1, rule G1.57)
    tax_amount: Decimal  # TT-88

    def __post_init__(self):
        _check_decimals(self, "rate", "taxable_amount", "tax_amount")


@dataclass(frozen=True, slots=True)
class TransactionsAggregate:
    """TG-31, block 10.3: one day x currency x category (x VAT due date option) of B2C transactions."""

    date: datetime.date  # TT-77
    currency: str  # TT-78
    category: TransactionCategory  # TT-81
    tax_exclusive_amount: Decimal  # TT-82: the sum of TT-87 (rule G1.53)
    tax_total: Decimal  # TT-83: in euros (rule G6.23); the sum of TT-88 when the currency is EUR (G1.53)
    subtotals: tuple[AggregateTaxSubtotal, ...]  # TG-32 (1..n)
    tax_due_date_type: TaxDueDateCode | None = None  # TT-80 (rule G1.67: VAT on debits)
    count: int | None = None  # TT-85

    def __post_init__(self):
        _freeze(self, "subtotals")
        _check_dates(self, "date")
        _check_decimals(self, "tax_exclusive_amount", "tax_total")
        _require(self.subtotals, f"the B2C transactions of {self.date}: at least one VAT rate (TG-32) is required")
        object.__setattr__(self, "category", _code(TransactionCategory, self.category, "the category (TT-81)"))
        if self.tax_due_date_type is not None:
            code = _code(TaxDueDateCode, self.tax_due_date_type, "the VAT due date type (TT-24 / TT-80)")
            object.__setattr__(self, "tax_due_date_type", code)


@dataclass(frozen=True, slots=True)
class TransactionsReport:
    """TB-2: the 10.1 invoices and 10.3 daily aggregates of one period."""

    period: ReportPeriod  # TG-7
    invoices: tuple[InvoiceEntry, ...] = ()  # TG-8
    aggregates: tuple[TransactionsAggregate, ...] = ()  # TG-31

    def __post_init__(self):
        _freeze(self, "invoices", "aggregates")


# --- 10.2 / 10.4: encashments -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentSubtotal:
    """TG-36 / TG-39: the amount encashed at one VAT rate, in euros (rule G6.27)."""

    rate: Decimal  # TT-93 / TT-97
    amount: Decimal  # TT-95 / TT-99
    currency: str | None = None  # TT-94 / TT-98

    def __post_init__(self):
        _check_decimals(self, "rate", "amount")


@dataclass(frozen=True, slots=True)
class InvoicePayment:
    """TG-34, block 10.2: one encashment of one invoice, split by VAT rate."""

    invoice_id: str  # TT-91
    issue_date: datetime.date  # TT-102
    payment_date: datetime.date  # TT-92
    subtotals: tuple[PaymentSubtotal, ...]  # TG-36 (1..n)

    def __post_init__(self):
        _freeze(self, "subtotals")
        _check_dates(self, "issue_date", "payment_date")
        _require(self.subtotals, f"the payment of invoice {self.invoice_id}: at least one VAT rate (TG-36)")


@dataclass(frozen=True, slots=True)
class PaymentsAggregate:
    """TG-37, block 10.4: one day of B2C encashments, split by VAT rate."""

    date: datetime.date  # TT-96
    subtotals: tuple[PaymentSubtotal, ...]  # TG-39 (1..n)

    def __post_init__(self):
        _freeze(self, "subtotals")
        _check_dates(self, "date")
        _require(self.subtotals, f"the B2C encashments of {self.date}: at least one VAT rate (TG-39)")


@dataclass(frozen=True, slots=True)
class PaymentsReport:
    """TB-3: the 10.2 invoice encashments and 10.4 daily encashments of one period."""

    period: ReportPeriod  # TG-33
    invoices: tuple[InvoicePayment, ...] = ()  # TG-34
    aggregates: tuple[PaymentsAggregate, ...] = ()  # TG-37

    def __post_init__(self):
        _freeze(self, "invoices", "aggregates")


# --- TB-0 -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """TB-0: one transmission, holding either transactions or payments (rule G6.29)."""

    document: ReportDocument  # TB-1
    transactions: TransactionsReport | None = None  # TB-2
    payments: PaymentsReport | None = None  # TB-3

    def __post_init__(self):
        _require(
            (self.transactions is None) != (self.payments is None),
            "a transmission holds exactly one report: transactions (TB-2) or payments (TB-3), not both (rule G6.29)",
        )

    @property
    def body(self):
        return self.transactions if self.transactions is not None else self.payments

    @property
    def period(self):
        return self.body.period

    @property
    def is_corrective(self):
        return self.document.type_code == ReportTypeCode.CORRECTIVE

    def correction(self, report_id, issued_at, body, name=None):
        """The corrective report (TT-4 RE) that replaces this report's data for its period and role.

        A corrective report cancels and replaces all the data of its kind sent for the
        period (DGFiP specifications v3.2 §3.7.7): ``body`` is the full, corrected report of the same kind
        and period. Its id is new: an id is unique per declarant and period (rule G8.05).
        """
        if type(body) is not type(self.body):
            raise ModelError(
                f"a correction replaces a report of the same kind: expected a {type(self.body).__name__}, "
                f"got a {type(body).__name__}"
            )
        if body.period != self.period:
            raise ModelError(
                f"a correction covers the period it corrects ({self.period.start} to {self.period.end}), "
                f"not {body.period.start} to {body.period.end}"
            )
        if report_id == self.document.id:
            raise ModelError(f"the corrective report needs a new transmission id, {report_id!r} is taken (rule G8.05)")
        if issued_at <= self.document.issued_at:
            raise ModelError("a corrective report is issued after the report it corrects (TT-3)")
        document = ReportDocument(
            id=report_id,
            issued_at=issued_at,
            sender=self.document.sender,
            declarant=self.document.declarant,
            type_code=ReportTypeCode.CORRECTIVE,
            name=name,
        )
        if isinstance(body, TransactionsReport):
            return Report(document, transactions=body)
        return Report(document, payments=body)
