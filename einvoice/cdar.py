"""CDAR D22B lifecycle messages (CrossDomainAcknowledgementAndResponse), both ways.

One message reports one status (MDT-105) of one invoice (MDT-87), between platforms
(guideline ``urn.cpro.gouv.fr:1p0:CDV:invoice``) or to the tax administration
(``urn.cpro.gouv.fr:1p0:CDV:einvoicingF2``). Element order follows the CDAR D22B XSD;
the data elements (MDT-x) are those the BR-FR-CDV rules check.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from lxml import etree

from .errors import ModelError, ParseError
from .lifecycle import STATUSES
from .money import format_decimal
from .xmlread import XmlReader
from .xmlsafe import parse_xml

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

GUIDELINE_PLATFORMS = "urn.cpro.gouv.fr:1p0:CDV:invoice"
GUIDELINE_ADMINISTRATION = "urn.cpro.gouv.fr:1p0:CDV:einvoicingF2"
#: The tax administration's platform (PPF) as a recipient (BR-FR-CDV-02, FNFE-MPE 1.4.0).
PPF_ID, PPF_SCHEME, PPF_ROLE = "0000", "0238", "DFH"


@dataclasses.dataclass
class CdarParty:
    """A sender, issuer or recipient trade party (MDT-38..40, MDT-57..73, MDT-129)."""

    id: str | None = None
    scheme: str | None = None
    name: str | None = None
    role: str | None = None
    uri: str | None = None  # MDT-73 electronic address
    uri_scheme: str | None = None


@dataclasses.dataclass
class Characteristic:
    """MDG-43: a data of the invoice the status is about (amount cashed per VAT rate for 212)."""

    type_code: str  # MDT-207 (MEN, DIV, DVA...)
    id: str | None = None  # MDT-206, e.g. BT-152
    changed: bool | None = None  # MDT-209
    name: str | None = None  # MDT-211
    location: str | None = None  # MDT-213
    amount: Decimal | None = None  # MDT-215
    currency: str | None = None
    percent: Decimal | None = None  # MDT-224


@dataclasses.dataclass
class StatusDetail:
    """MDG-37: reason, requested action and characteristics of the status."""

    reason_code: str | None = None  # MDT-113
    reason: str | None = None  # MDT-114
    action_code: str | None = None  # MDT-121
    action: str | None = None  # MDT-122
    sequence: int | None = None  # MDT-124-2
    note: str | None = None  # MDT-126, e.g. why a payment is cancelled (DGFiP annex 7, P1.17)
    characteristics: list[Characteristic] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class StatusMessage:
    """A CDAR message about one invoice."""

    id: str  # MDT-4
    issued_at: datetime.datetime  # MDT-8
    status: str  # MDT-105 (200..228)
    invoice_number: str  # MDT-87 (BT-1)
    invoice_date: datetime.date  # MDT-100 (BT-2)
    seller: CdarParty  # MDT-129, SIREN with scheme 0002
    issuer: CdarParty  # MDT-38..40
    recipients: list[CdarParty] = dataclasses.field(default_factory=list)
    name: str | None = None  # MDT-5
    business_process: str = "REGULATED"  # MDT-2
    guideline: str = GUIDELINE_PLATFORMS  # MDT-3
    sender_role: str | None = "WK"  # MDT-21
    multiple_references: bool = False  # MDT-74
    status_at: datetime.datetime | None = None  # MDT-78, defaults to issued_at
    invoice_type: str = "380"  # MDT-91 (BT-3)
    received_at: datetime.datetime | None = None  # MDT-95
    status_code: str | None = None  # MDT-88, from the status table when None
    status_label: str | None = None  # MDT-106, from the status table when None
    details: list[StatusDetail] = dataclasses.field(default_factory=list)

    @property
    def acknowledgement_type(self):
        """MDT-77: 305 (transmission) or 23 (processing)."""
        status = STATUSES.get(self.status)
        if status is None:
            raise ModelError(f"MDT-105: {self.status!r} is not a lifecycle status code")
        return status.acknowledgement_type


# --- building -------------------------------------------------------------------------------


def _el(parent, ns, name, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{NSMAP[ns]}}}{name}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _opt(parent, name, value, **attrs):
    if value not in (None, "", False):
        _el(parent, "ram", name, value, **attrs)


def _datetime(parent, name, moment):
    _el(_el(parent, "ram", name), "udt", "DateTimeString", moment.strftime("%Y%m%d%H%M%S"), format="204")


def _party(parent, name, party):
    node = _el(parent, "ram", name)
    _opt(node, "GlobalID", party.id, schemeID=party.scheme)
    _opt(node, "Name", party.name)
    _opt(node, "RoleCode", party.role)
    if party.uri:
        _el(_el(node, "ram", "URIUniversalCommunication"), "ram", "URIID", party.uri, schemeID=party.uri_scheme)
    return node


def _characteristic(parent, item):
    node = _el(parent, "ram", "SpecifiedDocumentCharacteristic")
    _opt(node, "ID", item.id)
    _el(node, "ram", "TypeCode", item.type_code)
    if item.changed is not None:
        _el(_el(node, "ram", "ValueChangedIndicator"), "udt", "IndicatorString", "true" if item.changed else "false")
    _opt(node, "Name", item.name)
    _opt(node, "Location", item.location)
    if item.amount is not None:
        _el(node, "ram", "ValueAmount", format_decimal(item.amount), currencyID=item.currency)
    if item.percent is not None:
        _el(node, "ram", "ValuePercent", format_decimal(item.percent, min_decimals=2))


def build_tree(message):
    """The CDAR D22B element tree of a :class:`StatusMessage`."""
    status = STATUSES.get(message.status)
    if status is None:
        raise ModelError(f"MDT-105: {message.status!r} is not a lifecycle status code")
    root = etree.Element(f"{{{RSM}}}CrossDomainAcknowledgementAndResponse", nsmap=NSMAP)
    context = _el(root, "rsm", "ExchangedDocumentContext")
    _el(_el(context, "ram", "BusinessProcessSpecifiedDocumentContextParameter"), "ram", "ID", message.business_process)
    _el(_el(context, "ram", "GuidelineSpecifiedDocumentContextParameter"), "ram", "ID", message.guideline)

    document = _el(root, "rsm", "ExchangedDocument")
    _el(document, "ram", "ID", message.id)
    _opt(document, "Name", message.name)
    _datetime(document, "IssueDateTime", message.issued_at)
    if message.sender_role:
        _el(_el(document, "ram", "SenderTradeParty"), "ram", "RoleCode", message.sender_role)
    _party(document, "IssuerTradeParty", message.issuer)
    for recipient in message.recipients:
        _party(document, "RecipientTradeParty", recipient)

    acknowledgement = _el(root, "rsm", "AcknowledgementDocument")
    indicator = _el(acknowledgement, "ram", "MultipleReferencesIndicator")
    _el(indicator, "udt", "Indicator", "true" if message.multiple_references else "false")
    _el(acknowledgement, "ram", "TypeCode", status.acknowledgement_type)
    _datetime(acknowledgement, "IssueDateTime", message.status_at or message.issued_at)
    reference = _el(acknowledgement, "ram", "ReferenceReferencedDocument")
    _el(reference, "ram", "IssuerAssignedID", message.invoice_number)
    _opt(reference, "StatusCode", message.status_code or status.status_code)
    _el(reference, "ram", "TypeCode", message.invoice_type)
    if message.received_at:
        _datetime(reference, "ReceiptDateTime", message.received_at)
    formatted = _el(reference, "ram", "FormattedIssueDateTime")
    _el(formatted, "qdt", "DateTimeString", message.invoice_date.strftime("%Y%m%d"), format="102")
    _el(reference, "ram", "ProcessConditionCode", message.status)
    _el(reference, "ram", "ProcessCondition", message.status_label or status.label_fr)
    _party(reference, "IssuerTradeParty", message.seller)
    for number, detail in enumerate(message.details, start=1):
        node = _el(reference, "ram", "SpecifiedDocumentStatus")
        _opt(node, "ReasonCode", detail.reason_code)
        _opt(node, "Reason", detail.reason)
        _opt(node, "RequestedActionCode", detail.action_code)
        _opt(node, "RequestedAction", detail.action)
        # BR-FR-CDV-16: every status detail carries its sequence number.
        _el(node, "ram", "SequenceNumeric", str(detail.sequence if detail.sequence is not None else number))
        if detail.note:
            _el(_el(node, "ram", "IncludedNote"), "ram", "Content", detail.note)
        for item in detail.characteristics:
            _characteristic(node, item)
    return root


def build_cdar(message):
    """The CDAR D22B XML (bytes) of a :class:`StatusMessage`."""
    return etree.tostring(build_tree(message), xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- parsing --------------------------------------------------------------------------------


class _Reader(XmlReader):
    NSMAP = NSMAP

    @classmethod
    def path(cls, path):
        return "/".join(step if ":" in step or step in (".", "..") else f"ram:{step}" for step in path.split("/"))


def _read_datetime(reader, path):
    text = reader.text(f"{path}/udt:DateTimeString")
    if not text:
        return None
    try:
        return datetime.datetime.strptime(text, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise ParseError(f"{path}: {text!r} is not a date-time in format 204 (YYYYMMDDHHMMSS)") from exc


def _read_party(reader):
    if reader is None:
        return CdarParty()
    return CdarParty(
        id=reader.text("GlobalID"),
        scheme=reader.attr("GlobalID", "schemeID"),
        name=reader.text("Name"),
        role=reader.text("RoleCode"),
        uri=reader.text("URIUniversalCommunication/URIID"),
        uri_scheme=reader.attr("URIUniversalCommunication/URIID", "schemeID"),
    )


def _read_characteristic(reader):
    changed = reader.text("ValueChangedIndicator/udt:IndicatorString")
    return Characteristic(
        type_code=reader.text("TypeCode"),
        id=reader.text("ID"),
        changed=None if changed is None else changed.lower() == "true",
        name=reader.text("Name"),
        location=reader.text("Location"),
        amount=reader.decimal("ValueAmount"),
        currency=reader.attr("ValueAmount", "currencyID"),
        percent=reader.decimal("ValuePercent"),
    )


def parse_cdar(data):
    """A :class:`StatusMessage` from CDAR D22B bytes (or a parsed root element)."""
    root = parse_xml(data) if isinstance(data, bytes | bytearray) else data
    if root.tag != f"{{{RSM}}}CrossDomainAcknowledgementAndResponse":
        raise ParseError(f"this XML is not a CDAR lifecycle message: root element {root.tag}")
    top = _Reader(root)
    context = top.one("rsm:ExchangedDocumentContext")
    document = top.one("rsm:ExchangedDocument")
    acknowledgement = top.one("rsm:AcknowledgementDocument")
    if document is None or acknowledgement is None:
        raise ParseError("CDAR: ExchangedDocument and AcknowledgementDocument are mandatory")
    reference = acknowledgement.one("ReferenceReferencedDocument")
    if reference is None:
        raise ParseError("CDAR: the referenced invoice (ReferenceReferencedDocument) is missing")
    invoice_date = reference.text("FormattedIssueDateTime/qdt:DateTimeString")
    try:
        invoice_date = datetime.datetime.strptime(invoice_date, "%Y%m%d").date() if invoice_date else None
    except ValueError as exc:
        raise ParseError(f"MDT-100: {invoice_date!r} is not a date in format 102 (YYYYMMDD)") from exc
    details = []
    for node in reference.all("SpecifiedDocumentStatus"):
        sequence = node.text("SequenceNumeric")
        details.append(
            StatusDetail(
                reason_code=node.text("ReasonCode"),
                reason=node.text("Reason"),
                action_code=node.text("RequestedActionCode"),
                action=node.text("RequestedAction"),
                sequence=int(sequence) if sequence and sequence.isdigit() else None,
                note=node.text("IncludedNote/Content"),
                characteristics=[_read_characteristic(c) for c in node.all("SpecifiedDocumentCharacteristic")],
            )
        )
    indicator = acknowledgement.text("MultipleReferencesIndicator/udt:Indicator")
    return StatusMessage(
        id=document.text("ID"),
        name=document.text("Name"),
        issued_at=_read_datetime(document, "IssueDateTime"),
        business_process=context.text("BusinessProcessSpecifiedDocumentContextParameter/ID") if context else None,
        guideline=context.text("GuidelineSpecifiedDocumentContextParameter/ID") if context else None,
        sender_role=document.text("SenderTradeParty/RoleCode"),
        issuer=_read_party(document.one("IssuerTradeParty")),
        recipients=[_read_party(node) for node in document.all("RecipientTradeParty")],
        multiple_references=(indicator or "").lower() == "true",
        status_at=_read_datetime(acknowledgement, "IssueDateTime"),
        invoice_number=reference.text("IssuerAssignedID"),
        status_code=reference.text("StatusCode"),
        invoice_type=reference.text("TypeCode"),
        received_at=_read_datetime(reference, "ReceiptDateTime"),
        invoice_date=invoice_date,
        status=reference.text("ProcessConditionCode"),
        status_label=reference.text("ProcessCondition"),
        seller=_read_party(reference.one("IssuerTradeParty")),
        details=details,
    )


def cashed_amounts(amounts_by_rate, currency="EUR", note=None):
    """The status detail of a 212 (Encaissée): one MEN characteristic per VAT rate (BR-FR-CDV-14).

    A cancelled payment is a 212 with negative amounts and its reason in ``note`` (MDT-126),
    as DGFiP annex 7 (rules P1.15 and P1.17) prescribes.
    """
    return StatusDetail(
        note=note,
        characteristics=[
            Characteristic(type_code="MEN", changed=False, amount=amount, currency=currency, percent=rate)
            for rate, amount in sorted(amounts_by_rate.items())
        ],
    )
