"""The EN16931 semantic model, with the French reform's data.

Every field names its business term in its metadata (``bt``); the
profile checks and the ``show`` command walk those names, and the
comments repeat them for the reader. Money and quantities are
``Decimal``; dates are ``datetime.date``. Syntax builders and parsers go
through this model and nothing else.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from .codes import CREDIT_NOTE_TYPE_CODES, NoteSubject, Scheme
from .errors import ModelError


def term(bt, default=None, **kwargs):
    """A model field carrying its EN16931 term id (BT-x / BG-x)."""
    if "default_factory" in kwargs:
        return field(metadata={"bt": bt}, **kwargs)
    return field(default=default, metadata={"bt": bt}, **kwargs)


def many(bt, factory=list):
    return field(default_factory=factory, metadata={"bt": bt})


@dataclass(slots=True)
class Identifier:
    """An identifier with its optional scheme (ISO 6523 ICD, EAS, ...)."""

    value: str
    scheme: str | None = None

    def __str__(self):
        return f"{self.scheme}:{self.value}" if self.scheme else self.value


@dataclass(slots=True)
class Address:
    """BG-5 / BG-8 / BG-12 / BG-15 postal address."""

    line1: str | None = term("BT-35")  # BT-35/50/64/75 address line 1
    line2: str | None = term("BT-36")  # BT-36/51/65/76 address line 2
    line3: str | None = term("BT-162")  # BT-162/163/164/165 address line 3
    city: str | None = term("BT-37")  # BT-37/52/66/77
    post_code: str | None = term("BT-38")  # BT-38/53/67/78
    country_subdivision: str | None = term("BT-39")  # BT-39/54/68/79
    country_code: str | None = term("BT-40")  # BT-40/55/69/80 ISO 3166-1 alpha-2


#: The term ids of Address fields, per party group; the Address dataclass
#: names the seller's (BG-5), this table gives the others.
ADDRESS_TERMS = {
    "BG-5": ("BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40"),
    "BG-8": ("BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55"),
    "BG-12": ("BT-64", "BT-65", "BT-164", "BT-66", "BT-67", "BT-68", "BT-69"),
    "BG-15": ("BT-75", "BT-76", "BT-165", "BT-77", "BT-78", "BT-79", "BT-80"),
}


@dataclass(slots=True)
class Contact:
    """BG-6 seller contact / BG-9 buyer contact."""

    name: str | None = term("BT-41")  # BT-41/56 contact point
    phone: str | None = term("BT-42")  # BT-42/57
    email: str | None = term("BT-43")  # BT-43/58


CONTACT_TERMS = {"BG-6": ("BT-41", "BT-42", "BT-43"), "BG-9": ("BT-56", "BT-57", "BT-58")}


@dataclass(slots=True)
class Party:
    """BG-4 seller / BG-7 buyer.

    ``identifiers`` holds BT-29 (seller, repeatable) or BT-46 (buyer);
    French SIRET goes there with scheme 0009. ``legal_id`` is BT-30/BT-47,
    the SIREN with scheme 0002 for French companies.
    """

    name: str | None = term("BT-27")  # BT-27/44 name
    trading_name: str | None = term("BT-28")  # BT-28/45 trading name
    identifiers: list[Identifier] = many("BT-29")  # BT-29/46 (+ BT-29-1/46-1 scheme)
    legal_id: Identifier | None = term("BT-30")  # BT-30/47 legal registration id (+ scheme)
    vat_id: str | None = term("BT-31")  # BT-31/48 VAT identifier
    tax_registration_id: str | None = term("BT-32")  # BT-32 seller tax registration (FC)
    legal_info: str | None = term("BT-33")  # BT-33 seller additional legal information
    electronic_address: Identifier | None = term("BT-34")  # BT-34/49 (+ scheme, 0225 in France)
    address: Address | None = term("BG-5")  # BG-5/BG-8
    contact: Contact | None = term("BG-6")  # BG-6/BG-9

    @property
    def siren(self):
        if self.legal_id and self.legal_id.scheme == Scheme.SIREN:
            return self.legal_id.value
        return None

    @property
    def siret(self):
        for ident in self.identifiers:
            if ident.scheme == Scheme.SIRET:
                return ident.value
        return None


#: Term ids of Party fields for the buyer (BG-7); Party names the seller's.
BUYER_TERMS = {
    "BT-27": "BT-44",
    "BT-28": "BT-45",
    "BT-29": "BT-46",
    "BT-30": "BT-47",
    "BT-31": "BT-48",
    "BT-34": "BT-49",
    "BG-5": "BG-8",
    "BG-6": "BG-9",
}


@dataclass(slots=True)
class Payee:
    """BG-10 payee, when different from the seller."""

    name: str | None = term("BT-59")  # BT-59 payee name
    identifier: Identifier | None = term("BT-60")  # BT-60 (+ scheme)
    legal_id: Identifier | None = term("BT-61")  # BT-61 (+ scheme)


@dataclass(slots=True)
class TaxRepresentative:
    """BG-11 seller tax representative party."""

    name: str | None = term("BT-62")  # BT-62
    vat_id: str | None = term("BT-63")  # BT-63
    address: Address | None = term("BG-12")  # BG-12


@dataclass(slots=True)
class Delivery:
    """BG-13 delivery information, with BG-15 deliver-to address."""

    party_name: str | None = term("BT-70")  # BT-70 deliver to party name
    location_id: Identifier | None = term("BT-71")  # BT-71 (+ scheme)
    date: datetime.date | None = term("BT-72")  # BT-72 actual delivery date
    address: Address | None = term("BG-15")  # BG-15


@dataclass(slots=True)
class Period:
    """BG-14 invoicing period / BG-26 line period."""

    start: datetime.date | None = term("BT-73")  # BT-73/134
    end: datetime.date | None = term("BT-74")  # BT-74/135


@dataclass(slots=True)
class CreditTransfer:
    """BG-17 credit transfer account."""

    account_id: str = term("BT-84")  # BT-84 IBAN or proprietary account id
    account_name: str | None = term("BT-85")  # BT-85
    bank_id: str | None = term("BT-86")  # BT-86 BIC


@dataclass(slots=True)
class PaymentCard:
    """BG-18 payment card information."""

    pan: str = term("BT-87")  # BT-87 last digits only
    holder: str | None = term("BT-88")  # BT-88


@dataclass(slots=True)
class DirectDebit:
    """BG-19 direct debit."""

    mandate_id: str | None = term("BT-89")  # BT-89
    creditor_id: str | None = term("BT-90")  # BT-90 bank assigned creditor identifier
    debited_account: str | None = term("BT-91")  # BT-91


@dataclass(slots=True)
class PaymentInstructions:
    """BG-16 payment instructions."""

    means_code: str = term("BT-81")  # BT-81 UNTDID 4461
    means_text: str | None = term("BT-82")  # BT-82
    remittance_info: str | None = term("BT-83")  # BT-83
    credit_transfers: list[CreditTransfer] = many("BG-17")  # BG-17
    card: PaymentCard | None = term("BG-18")  # BG-18
    direct_debit: DirectDebit | None = term("BG-19")  # BG-19


@dataclass(slots=True)
class AllowanceCharge:
    """BG-20 / BG-21 document level allowance or charge."""

    is_charge: bool
    amount: Decimal = term("BT-92")  # BT-92 / BT-99
    base_amount: Decimal | None = term("BT-93")  # BT-93 / BT-100
    percentage: Decimal | None = term("BT-94")  # BT-94 / BT-101
    vat_category: str | None = term("BT-95")  # BT-95 / BT-102
    vat_rate: Decimal | None = term("BT-96")  # BT-96 / BT-103
    reason: str | None = term("BT-97")  # BT-97 / BT-104
    reason_code: str | None = term("BT-98")  # BT-98 / BT-105


CHARGE_TERMS = {
    "BT-92": "BT-99",
    "BT-93": "BT-100",
    "BT-94": "BT-101",
    "BT-95": "BT-102",
    "BT-96": "BT-103",
    "BT-97": "BT-104",
    "BT-98": "BT-105",
}


@dataclass(slots=True)
class LineAllowanceCharge:
    """BG-27 / BG-28 invoice line allowance or charge."""

    is_charge: bool
    amount: Decimal = term("BT-136")  # BT-136 / BT-141
    base_amount: Decimal | None = term("BT-137")  # BT-137 / BT-142
    percentage: Decimal | None = term("BT-138")  # BT-138 / BT-143
    reason: str | None = term("BT-139")  # BT-139 / BT-144
    reason_code: str | None = term("BT-140")  # BT-140 / BT-145


LINE_CHARGE_TERMS = {"BT-136": "BT-141", "BT-137": "BT-142", "BT-138": "BT-143", "BT-139": "BT-144", "BT-140": "BT-145"}


@dataclass(slots=True)
class Totals:
    """BG-22 document totals."""

    line_total: Decimal = term("BT-106")  # BT-106 sum of invoice line net amounts
    allowance_total: Decimal | None = term("BT-107")  # BT-107
    charge_total: Decimal | None = term("BT-108")  # BT-108
    tax_exclusive: Decimal = term("BT-109")  # BT-109 total without VAT
    tax_total: Decimal | None = term("BT-110")  # BT-110 total VAT amount
    tax_total_accounting: Decimal | None = term("BT-111")  # BT-111 in BT-6 currency
    tax_inclusive: Decimal = term("BT-112")  # BT-112 total with VAT
    prepaid: Decimal | None = term("BT-113")  # BT-113 paid amount
    rounding: Decimal | None = term("BT-114")  # BT-114 rounding amount
    due: Decimal = term("BT-115")  # BT-115 amount due for payment


@dataclass(slots=True)
class VatBreakdown:
    """BG-23 VAT breakdown, one per category and rate."""

    taxable_amount: Decimal = term("BT-116")  # BT-116
    tax_amount: Decimal = term("BT-117")  # BT-117
    category: str = term("BT-118")  # BT-118 UNTDID 5305
    rate: Decimal | None = term("BT-119")  # BT-119
    exemption_reason: str | None = term("BT-120")  # BT-120
    exemption_reason_code: str | None = term("BT-121")  # BT-121 VATEX code
    # BT-8 sits at this level in CII; the model keeps it on the invoice.


@dataclass(slots=True)
class Attachment:
    """BG-24 additional supporting document."""

    id: str = term("BT-122")  # BT-122 supporting document reference
    description: str | None = term("BT-123")  # BT-123 (French rules: RIB, LISIBLE, ...)
    uri: str | None = term("BT-124")  # BT-124 external document location
    content: bytes | None = term("BT-125")  # BT-125 attached document
    mime_code: str | None = term("BT-125-1")  # BT-125-1
    filename: str | None = term("BT-125-2")  # BT-125-2


@dataclass(slots=True)
class Note:
    """BG-1 invoice note."""

    text: str = term("BT-22")  # BT-22
    subject_code: str | None = term("BT-21")  # BT-21 UNTDID 4451


@dataclass(slots=True)
class PrecedingInvoice:
    """BG-3 preceding invoice reference."""

    number: str = term("BT-25")  # BT-25
    issue_date: datetime.date | None = term("BT-26")  # BT-26


@dataclass(slots=True)
class ItemAttribute:
    """BG-32 item attributes."""

    name: str = term("BT-160")  # BT-160
    value: str = term("BT-161")  # BT-161


@dataclass(slots=True)
class Classification:
    """BT-158 item classification identifier, with scheme (UNTDID 7143) and version."""

    value: str = term("BT-158")
    scheme: str | None = term("BT-158-1")
    version: str | None = term("BT-158-2")


@dataclass(slots=True)
class Item:
    """BG-31 item information."""

    name: str = term("BT-153")  # BT-153
    description: str | None = term("BT-154")  # BT-154
    seller_id: str | None = term("BT-155")  # BT-155
    buyer_id: str | None = term("BT-156")  # BT-156
    standard_id: Identifier | None = term("BT-157")  # BT-157 (+ scheme, 0160 GTIN)
    classifications: list[Classification] = many("BT-158")  # BT-158
    origin_country: str | None = term("BT-159")  # BT-159
    attributes: list[ItemAttribute] = many("BG-32")  # BG-32


@dataclass(slots=True)
class Price:
    """BG-29 price details."""

    net: Decimal = term("BT-146")  # BT-146 item net price
    discount: Decimal | None = term("BT-147")  # BT-147 item price discount
    gross: Decimal | None = term("BT-148")  # BT-148 item gross price
    base_quantity: Decimal | None = term("BT-149")  # BT-149
    base_quantity_unit: str | None = term("BT-150")  # BT-150


@dataclass(slots=True)
class Line:
    """BG-25 invoice line."""

    id: str = term("BT-126")  # BT-126
    quantity: Decimal = term("BT-129")  # BT-129 invoiced quantity
    unit_code: str = term("BT-130")  # BT-130 UN/ECE rec 20
    net_amount: Decimal = term("BT-131")  # BT-131 line net amount
    item: Item = term("BG-31", default_factory=lambda: Item(name=""))  # BG-31
    price: Price = term("BG-29", default_factory=lambda: Price(net=Decimal(0)))  # BG-29
    vat_category: str = term("BT-151", default="S")  # BT-151
    vat_rate: Decimal | None = term("BT-152")  # BT-152
    note: str | None = term("BT-127")  # BT-127
    object_id: Identifier | None = term("BT-128")  # BT-128 (+ scheme)
    order_line_ref: str | None = term("BT-132")  # BT-132
    accounting_ref: str | None = term("BT-133")  # BT-133
    period: Period | None = term("BG-26")  # BG-26 (BT-134/135)
    allowances_charges: list[LineAllowanceCharge] = many("BG-27")  # BG-27 / BG-28
    # Multi-vendor (B8/S8/M8) and bidirectional (B9/S9/M9) invoices only, EXTENDED profiles:
    sub_invoice: str | None = term("EXT-FR-FE-AFL")  # BT-128 scheme AFL: the sub-invoice (SubInvoice.number)
    vat_exemption_reason: str | None = term("BT-X-96")  # line VAT exemption reason, "#<AFL>#..." in x8/x9
    vat_exemption_reason_code: str | None = term("BT-X-97")  # line VATEX code


#: Billing frames (BT-23) of a multi-vendor invoice and of a bidirectional one (BR-FR-MV, BR-FR-BD).
MULTI_VENDOR_FRAMES = frozenset({"B8", "S8", "M8"})
BIDIRECTIONAL_FRAMES = frozenset({"B9", "S9", "M9"})
#: Line sub-types (EXT-FR-FE-163: CII LineStatusReasonCode, UBL line billing reference status) and the
#: BT-128 schemes (UNTDID 1153) of a sub-invoice's number (AFL) and of its own billing frame (AVV).
LINE_GROUP, LINE_DETAIL, LINE_INFORMATION = "GROUP", "DETAIL", "INFORMATION"
SUB_INVOICE_SCHEME, SUB_INVOICE_FRAME_SCHEME = "AFL", "AVV"


@dataclass(slots=True)
class SubInvoice:
    """One seller's invoice within a multi-vendor (x8) or bidirectional (x9) invoice.

    The CII carries it as a GROUP line (EXT-FR-FE-163) without parent; its DETAIL
    lines are the invoice lines whose ``sub_invoice`` is its ``number``. Amounts are
    those of its DETAIL lines and of the VAT breakdown entries whose BT-120 starts
    with "#<number>#" (BR-FR-MV-05, -09, -10).
    """

    number: str = term("EXT-FR-FE-AFL")  # BT-128 scheme AFL: the sub-invoice number (BT-1 for the principal seller)
    frame: str = term("EXT-FR-FE-AVV")  # BT-128 scheme AVV: its own billing frame (B1, S1...), never x8
    seller: Party = term("EXT-FR-FE-164", default_factory=Party)  # ItemSellerTradeParty: name, legal id, country
    line_id: str | None = term("BT-126")  # BT-126 of the GROUP line
    name: str | None = term("BT-153")  # BT-153 of the GROUP line
    net_amount: Decimal | None = term("BT-131")  # BT-131 sum of its DETAIL lines
    tax_amount: Decimal | None = term("EXT-FR-FE-181")  # its VAT total in BT-5
    tax_amount_accounting: Decimal | None = term("EXT-FR-FE-182")  # its VAT total in BT-6
    gross_amount: Decimal | None = term("EXT-FR-FE-184")  # its total with VAT
    preceding_invoice: PrecedingInvoice | None = term("EXT-FR-FE-136")  # EXT-FR-FE-136/138 (credit notes)


@dataclass(slots=True)
class Invoice:
    """BG-0 the invoice, every EN16931 term plus the French reform data.

    French data live in standard terms: the billing frame is BT-23, the
    BAR processing note and the PMT / PMD / AAB legal notes are BG-1
    notes with their subject codes, VAT on debits is BT-8 = 3 (UNTDID
    2005; CII writes 5), the buyer SIREN is BT-47 with scheme 0002.
    """

    number: str = term("BT-1")  # BT-1 invoice number
    issue_date: datetime.date = term("BT-2")  # BT-2 issue date
    type_code: str = term("BT-3", default="380")  # BT-3 UNTDID 1001
    currency: str = term("BT-5", default="EUR")  # BT-5 ISO 4217
    tax_currency: str | None = term("BT-6")  # BT-6 VAT accounting currency
    tax_point_date: datetime.date | None = term("BT-7")  # BT-7
    tax_point_date_code: str | None = term("BT-8")  # BT-8 UNTDID 2005 (3 = debits)
    due_date: datetime.date | None = term("BT-9")  # BT-9
    buyer_reference: str | None = term("BT-10")  # BT-10 (service code for public buyers)
    project_reference: str | None = term("BT-11")  # BT-11
    contract_reference: str | None = term("BT-12")  # BT-12
    purchase_order_reference: str | None = term("BT-13")  # BT-13 (commitment number for B2G)
    sales_order_reference: str | None = term("BT-14")  # BT-14
    receiving_advice_reference: str | None = term("BT-15")  # BT-15
    despatch_advice_reference: str | None = term("BT-16")  # BT-16
    tender_reference: str | None = term("BT-17")  # BT-17
    invoiced_object: Identifier | None = term("BT-18")  # BT-18 (+ BT-18-1 scheme)
    buyer_accounting_reference: str | None = term("BT-19")  # BT-19
    payment_terms: str | None = term("BT-20")  # BT-20
    notes: list[Note] = many("BG-1")  # BG-1 (BT-21/22)
    business_process: str | None = term("BT-23")  # BT-23 French billing frame (B1, S1, M4...)
    specification_id: str | None = term("BT-24")  # BT-24 set by the builder from the profile
    preceding_invoices: list[PrecedingInvoice] = many("BG-3")  # BG-3
    seller: Party = term("BG-4", default_factory=Party)  # BG-4
    buyer: Party = term("BG-7", default_factory=Party)  # BG-7
    payee: Payee | None = term("BG-10")  # BG-10
    tax_representative: TaxRepresentative | None = term("BG-11")  # BG-11
    delivery: Delivery | None = term("BG-13")  # BG-13
    period: Period | None = term("BG-14")  # BG-14
    payment: PaymentInstructions | None = term("BG-16")  # BG-16
    allowances_charges: list[AllowanceCharge] = many("BG-20")  # BG-20 / BG-21
    totals: Totals | None = term("BG-22")  # BG-22
    vat_breakdown: list[VatBreakdown] = many("BG-23")  # BG-23
    attachments: list[Attachment] = many("BG-24")  # BG-24
    lines: list[Line] = many("BG-25")  # BG-25 (in x8/x9: the DETAIL lines)
    sub_invoices: list[SubInvoice] = many("EXT-FR-FE-163")  # x8/x9: the GROUP lines, one per sub-invoice

    @property
    def is_credit_note(self):
        return self.type_code in CREDIT_NOTE_TYPE_CODES

    def note(self, subject_code):
        """Text of the first note with this subject code, or None."""
        for note in self.notes:
            if note.subject_code == subject_code:
                return note.text
        return None

    def sub_invoice(self, number):
        """The sub-invoice numbered ``number`` (BT-128 AFL), or None."""
        for sub in self.sub_invoices:
            if sub.number == number:
                return sub
        return None

    def line_seller(self, line):
        """Who sells this line: its sub-invoice's seller in x8/x9, else the seller (BG-4)."""
        sub = self.sub_invoice(line.sub_invoice) if line.sub_invoice else None
        return sub.seller if sub else self.seller

    @property
    def processing_note(self):
        """The BAR note content (B2B, B2BINT, B2C, OUTOFSCOPE, ARCHIVEONLY)."""
        return self.note(NoteSubject.PROCESSING)


# --- identifiers -------------------------------------------------------------


def check_siren(value, term_id="BT-30"):
    """Return the compact SIREN or raise ModelError naming the term."""
    try:
        return stdnum_siren.validate(value)
    except StdnumValidationError as exc:
        raise ModelError(f"{term_id}: {value!r} is not a valid SIREN ({exc})") from exc


def check_siret(value, term_id="BT-29"):
    try:
        return stdnum_siret.validate(value)
    except StdnumValidationError as exc:
        raise ModelError(f"{term_id}: {value!r} is not a valid SIRET ({exc})") from exc


def siren_from_siret(value):
    return stdnum_siret.to_siren(check_siret(value))


def french_electronic_address(siren, siret=None, routing_code=None, suffix=None):
    """BT-34/49 with scheme 0225: SIREN, SIREN_SIRET, SIREN_SIRET_ROUTINGCODE or SIREN_SUFFIX."""
    parts = [check_siren(siren)]
    if siret:
        parts.append(check_siret(siret))
        if routing_code:
            parts.append(routing_code)
    elif suffix:
        parts.append(suffix)
    elif routing_code:
        raise ModelError("A routing code needs the SIRET it belongs to (G1.73)")
    return Identifier("_".join(parts), Scheme.FR_CTC_ADDRESS)


# --- walking the model -------------------------------------------------------


def iter_terms(invoice):
    """Yield ``(depth, term_id, value)`` for every populated term, in model order.

    Groups come with value None before their terms. Terms are named in their
    context: the buyer's address is BG-8 with BT-50..., a document charge is
    BG-21 with BT-99..., a line period BG-26 with BT-134/135.
    """
    yield from _iter(invoice, None, 0)


def populated_terms(invoice):
    """The set of term ids (BT-x, BG-x, BT-x-1 for schemes) that carry a value in this invoice.

    Used by the profile checks: a builder refuses terms that its profile
    does not allow.
    """
    found = set()
    for _depth, term_id, value in iter_terms(invoice):
        found.add(term_id)
        if isinstance(value, Identifier) and value.scheme:
            found.add(f"{term_id}-1")
    return found


def _context_term(bt, context):
    """Map a dataclass's generic term id to the one of its context."""
    if context == "BG-7":
        return BUYER_TERMS.get(bt, bt)
    if context in ADDRESS_TERMS and bt in ADDRESS_TERMS["BG-5"]:
        return ADDRESS_TERMS[context][ADDRESS_TERMS["BG-5"].index(bt)]
    if context in CONTACT_TERMS and bt in CONTACT_TERMS["BG-6"]:
        return CONTACT_TERMS[context][CONTACT_TERMS["BG-6"].index(bt)]
    if context == "BG-21":
        return CHARGE_TERMS.get(bt, bt)
    if context == "BG-28":
        return LINE_CHARGE_TERMS.get(bt, bt)
    if context == "BG-26":
        return {"BT-73": "BT-134", "BT-74": "BT-135"}.get(bt, bt)
    return bt


def _group_of(element, bt):
    if isinstance(element, AllowanceCharge):
        return "BG-21" if element.is_charge else "BG-20"
    if isinstance(element, LineAllowanceCharge):
        return "BG-28" if element.is_charge else "BG-27"
    return bt


def _is_empty(value):
    return value is None or value == "" or (isinstance(value, list) and not value)


def _iter(obj, context, depth):
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        bt = f.metadata.get("bt")
        if bt is None or _is_empty(value):
            continue
        bt = _context_term(bt, context)
        for element in value if isinstance(value, list) else (value,):
            if dataclasses.is_dataclass(element) and not isinstance(element, Identifier):
                group = _group_of(element, bt)
                yield depth, group, None
                yield from _iter(element, group, depth + 1)
            else:
                yield depth, bt, element


# --- identifier checks ----------------------------------------------------------------


def _stdnum_reason_fr(exc):
    """The French of python-stdnum's reason for refusing a number."""
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength

    if isinstance(exc, InvalidChecksum):
        return "clé de contrôle incorrecte"
    if isinstance(exc, InvalidLength):
        return "longueur incorrecte"
    if isinstance(exc, InvalidComponent):
        return "une partie du numéro est incorrecte"
    return "format incorrect"


def identifier_problems(invoice, lang="en"):
    """Check the invoice's French and banking identifiers with python-stdnum.

    Returns ``[(term_id, message)]``: SIREN (scheme 0002) of seller, buyer and
    payee, SIRET (scheme 0009) and that it starts with the SIREN, French VAT
    numbers, IBANs of the credit transfers. An empty list means all good. The
    messages are in English, or in French when ``lang`` starts with "fr".
    """
    from stdnum import iban
    from stdnum.fr import tva

    french = lang.startswith("fr")
    problems = []

    def check(term_id, func, value, kind):
        try:
            func(value, term_id)
        except ModelError as exc:
            if french:
                reason = _stdnum_reason_fr(exc.__cause__)
                problems.append((term_id, f"{term_id} : {value!r} n'est pas un {kind} valide ({reason})"))
            else:
                problems.append((term_id, str(exc)))

    parties = ((invoice.seller, ("BT-30", "BT-29", "BT-31")), (invoice.buyer, ("BT-47", "BT-46", "BT-48")))
    for party, (legal_term, ident_term, vat_term) in parties:
        if party.legal_id and party.legal_id.scheme == Scheme.SIREN:
            check(legal_term, check_siren, party.legal_id.value, "SIREN")
        for ident in party.identifiers:
            if ident.scheme == Scheme.SIRET:
                check(ident_term, check_siret, ident.value, "SIRET")
                if party.siren and not ident.value.startswith(party.siren):
                    problems.append(
                        (
                            ident_term,
                            f"{ident_term} : le SIRET {ident.value} ne commence pas par le SIREN {party.siren}"
                            if french
                            else f"{ident_term}: SIRET {ident.value} does not start with SIREN {party.siren}",
                        )
                    )
        if party.vat_id and party.vat_id.upper().startswith("FR") and not tva.is_valid(party.vat_id):
            problems.append(
                (
                    vat_term,
                    f"{vat_term} : {party.vat_id!r} n'est pas un numéro de TVA français valide"
                    if french
                    else f"{vat_term}: {party.vat_id!r} is not a valid French VAT number",
                )
            )
    if invoice.payee and invoice.payee.legal_id and invoice.payee.legal_id.scheme == Scheme.SIREN:
        check("BT-61", check_siren, invoice.payee.legal_id.value, "SIREN")
    for account in invoice.payment.credit_transfers if invoice.payment else ():
        looks_like_iban = account.account_id[:2].isalpha() and account.account_id[2:4].isdigit()
        if looks_like_iban and not iban.is_valid(account.account_id):
            problems.append(
                (
                    "BT-84",
                    f"BT-84 : {account.account_id!r} n'est pas un IBAN valide"
                    if french
                    else f"BT-84: {account.account_id!r} is not a valid IBAN",
                )
            )
    return problems
