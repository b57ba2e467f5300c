"""UN/CEFACT Cross Industry Invoice D22B: build from the model, parse into the model.

One builder serves every Factur-X profile and EXTENDED-CTC-FR: the profile
sets BT-24 and the terms allowed (``profiles.check_profile``). Elements are
written in the order of the D22B XSD sequences.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
from typing import ClassVar

from lxml import etree

from . import multivendor
from .codes import VAT_DATE_CODE_FROM_CII, VAT_DATE_CODE_TO_CII
from .errors import ParseError
from .model import (
    BIDIRECTIONAL_FRAMES,
    LINE_DETAIL,
    LINE_GROUP,
    MULTI_VENDOR_FRAMES,
    SUB_INVOICE_FRAME_SCHEME,
    SUB_INVOICE_SCHEME,
    Address,
    AllowanceCharge,
    Attachment,
    Classification,
    Contact,
    CreditTransfer,
    Delivery,
    DirectDebit,
    Identifier,
    Invoice,
    Item,
    ItemAttribute,
    Line,
    LineAllowanceCharge,
    Note,
    Party,
    Payee,
    PaymentCard,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    Price,
    SubInvoice,
    TaxRepresentative,
    Totals,
    VatBreakdown,
)
from .money import format_amount, format_quantity, format_rate, format_unit_price
from .profiles import SPECIFICATION_IDS, Profile, check_profile
from .xmlread import XmlReader
from .xmlsafe import parse_xml

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}

#: Reference type codes (UNTDID 1001) of AdditionalReferencedDocument.
ATTACHMENT_TYPE, TENDER_TYPE, INVOICED_OBJECT_TYPE = "916", "50", "130"


# --- building ------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _tag(name):
    return f"{{{RAM}}}{name}"


def _ram(parent, name, text=None, **attrs):
    if attrs:
        attrs = {k: v for k, v in attrs.items() if v is not None}
    element = etree.SubElement(parent, _tag(name), attrs)
    if text is not None:
        element.text = str(text)
    return element


def _opt(parent, name, value, **attrs):
    if value is not None and value != "":
        _ram(parent, name, value, **attrs)


def _date(parent, name, value, qualified=False):
    if value is None:
        return
    element = _ram(parent, name)
    ns = QDT if qualified else UDT
    etree.SubElement(element, f"{{{ns}}}DateTimeString", format="102").text = value.strftime("%Y%m%d")


def _indicator(parent, is_charge):
    element = _ram(parent, "ChargeIndicator")
    etree.SubElement(element, f"{{{UDT}}}Indicator").text = "true" if is_charge else "false"


def _address(parent, address):
    if address is None:
        return
    element = _ram(parent, "PostalTradeAddress")
    _opt(element, "PostcodeCode", address.post_code)
    _opt(element, "LineOne", address.line1)
    _opt(element, "LineTwo", address.line2)
    _opt(element, "LineThree", address.line3)
    _opt(element, "CityName", address.city)
    _opt(element, "CountryID", address.country_code)
    _opt(element, "CountrySubDivisionName", address.country_subdivision)


def _identifiers(parent, identifiers):
    for ident in identifiers:
        if ident.scheme:
            _ram(parent, "GlobalID", ident.value, schemeID=ident.scheme)
        else:
            _ram(parent, "ID", ident.value)


def _identifiers_ordered(parent, identifiers):
    # The XSD wants every ram:ID before the ram:GlobalID elements.
    _identifiers(parent, [i for i in identifiers if not i.scheme])
    _identifiers(parent, [i for i in identifiers if i.scheme])


def _party(parent, name, party, seller=False):
    element = _ram(parent, name)
    _identifiers_ordered(element, party.identifiers)
    _opt(element, "Name", party.name)
    if seller:
        _opt(element, "Description", party.legal_info)
    if party.legal_id or party.trading_name:
        legal = _ram(element, "SpecifiedLegalOrganization")
        if party.legal_id:
            _ram(legal, "ID", party.legal_id.value, schemeID=party.legal_id.scheme)
        _opt(legal, "TradingBusinessName", party.trading_name)
    if party.contact:
        contact = _ram(element, "DefinedTradeContact")
        _opt(contact, "PersonName", party.contact.name)
        if party.contact.phone:
            _ram(_ram(contact, "TelephoneUniversalCommunication"), "CompleteNumber", party.contact.phone)
        if party.contact.email:
            _ram(_ram(contact, "EmailURIUniversalCommunication"), "URIID", party.contact.email)
    _address(element, party.address)
    if party.electronic_address:
        uri = _ram(element, "URIUniversalCommunication")
        _ram(uri, "URIID", party.electronic_address.value, schemeID=party.electronic_address.scheme)
    if party.vat_id:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID="VA")
    if seller and party.tax_registration_id:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.tax_registration_id, schemeID="FC")
    return element


def _referenced(parent, name, number):
    if number:
        _ram(_ram(parent, name), "IssuerAssignedID", number)


def _trade_tax(parent, category, rate, name="ApplicableTradeTax", exemption_reason=None, exemption_code=None):
    tax = _ram(parent, name)
    _ram(tax, "TypeCode", "VAT")
    _opt(tax, "ExemptionReason", exemption_reason)
    _ram(tax, "CategoryCode", category)
    _opt(tax, "ExemptionReasonCode", exemption_code)
    if rate is not None:
        _ram(tax, "RateApplicablePercent", format_rate(rate))
    return tax


def _period(parent, period):
    if period is None:
        return
    element = _ram(parent, "BillingSpecifiedPeriod")
    _date(element, "StartDateTime", period.start)
    _date(element, "EndDateTime", period.end)


def _allowance_charge(parent, adjustment, document_level):
    element = _ram(parent, "SpecifiedTradeAllowanceCharge")
    _indicator(element, adjustment.is_charge)
    if adjustment.percentage is not None:
        _ram(element, "CalculationPercent", format_rate(adjustment.percentage))
    if adjustment.base_amount is not None:
        _ram(element, "BasisAmount", format_amount(adjustment.base_amount))
    _ram(element, "ActualAmount", format_amount(adjustment.amount))
    _opt(element, "ReasonCode", adjustment.reason_code)
    _opt(element, "Reason", adjustment.reason)
    if document_level and adjustment.vat_category:
        _trade_tax(element, adjustment.vat_category, adjustment.vat_rate, "CategoryTradeTax")


def _line(parent, line, sub=None):
    """One invoice line; ``sub`` is its sub-invoice (SubInvoice) in a multi-vendor invoice: a DETAIL line."""
    item = _ram(parent, "IncludedSupplyChainTradeLineItem")
    doc = _ram(item, "AssociatedDocumentLineDocument")
    _ram(doc, "LineID", line.id)
    if sub is not None:
        _ram(doc, "ParentLineID", sub.line_id)
        _ram(doc, "LineStatusReasonCode", LINE_DETAIL)
    if line.note:
        _ram(_ram(doc, "IncludedNote"), "Content", line.note)
    product = _ram(item, "SpecifiedTradeProduct")
    if line.item.standard_id:
        _ram(product, "GlobalID", line.item.standard_id.value, schemeID=line.item.standard_id.scheme)
    _opt(product, "SellerAssignedID", line.item.seller_id)
    _opt(product, "BuyerAssignedID", line.item.buyer_id)
    _ram(product, "Name", line.item.name)
    _opt(product, "Description", line.item.description)
    for attribute in line.item.attributes:
        characteristic = _ram(product, "ApplicableProductCharacteristic")
        _ram(characteristic, "Description", attribute.name)
        _ram(characteristic, "Value", attribute.value)
    for classification in line.item.classifications:
        designated = _ram(product, "DesignatedProductClassification")
        _ram(
            designated,
            "ClassCode",
            classification.value,
            listID=classification.scheme,
            listVersionID=classification.version,
        )
    if line.item.origin_country:
        _ram(_ram(product, "OriginTradeCountry"), "ID", line.item.origin_country)

    agreement = _ram(item, "SpecifiedLineTradeAgreement")
    if line.order_line_ref:
        _ram(_ram(agreement, "BuyerOrderReferencedDocument"), "LineID", line.order_line_ref)
    price = line.price
    gross_amount = price.gross
    if gross_amount is None and price.discount is not None and price.net is not None:
        # CII carries the price discount (BT-147) only within the gross price (BT-148), which
        # UBL may leave out: EN16931 defines the net price as gross minus discount.
        gross_amount = price.net + price.discount
    if gross_amount is not None:
        gross = _ram(agreement, "GrossPriceProductTradePrice")
        _ram(gross, "ChargeAmount", format_unit_price(gross_amount))
        if price.base_quantity is not None:
            _ram(gross, "BasisQuantity", format_quantity(price.base_quantity), unitCode=price.base_quantity_unit)
        if price.discount is not None:
            discount = _ram(gross, "AppliedTradeAllowanceCharge")
            _indicator(discount, False)
            _ram(discount, "ActualAmount", format_unit_price(price.discount))
    net = _ram(agreement, "NetPriceProductTradePrice")
    _ram(net, "ChargeAmount", format_unit_price(price.net))
    if price.base_quantity is not None:
        _ram(net, "BasisQuantity", format_quantity(price.base_quantity), unitCode=price.base_quantity_unit)
    if sub is not None:
        _item_seller(agreement, sub.seller)

    delivery = _ram(item, "SpecifiedLineTradeDelivery")
    _ram(delivery, "BilledQuantity", format_quantity(line.quantity), unitCode=line.unit_code)

    settlement = _ram(item, "SpecifiedLineTradeSettlement")
    _trade_tax(
        settlement,
        line.vat_category,
        line.vat_rate,
        exemption_reason=line.vat_exemption_reason,
        exemption_code=line.vat_exemption_reason_code,
    )
    _period(settlement, line.period)
    for adjustment in line.allowances_charges:
        _allowance_charge(settlement, adjustment, document_level=False)
    _ram(
        _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation"),
        "LineTotalAmount",
        format_amount(line.net_amount),
    )
    if sub is not None:
        _line_object(settlement, sub.number, SUB_INVOICE_SCHEME)
    if line.object_id:
        _line_object(settlement, line.object_id.value, line.object_id.scheme)
    if line.accounting_ref:
        _ram(_ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"), "ID", line.accounting_ref)


def _line_object(settlement, value, scheme):
    doc = _ram(settlement, "AdditionalReferencedDocument")
    _ram(doc, "IssuerAssignedID", value)
    _ram(doc, "TypeCode", INVOICED_OBJECT_TYPE)
    _opt(doc, "ReferenceTypeCode", scheme)


def _item_seller(agreement, party):
    """ItemSellerTradeParty: the seller of a multi-vendor line (name, legal id, address, VAT id)."""
    element = _ram(agreement, "ItemSellerTradeParty")
    _opt(element, "Name", party.name)
    if party.legal_id:
        legal = _ram(element, "SpecifiedLegalOrganization")
        _ram(legal, "ID", party.legal_id.value, schemeID=party.legal_id.scheme)
    _address(element, party.address)
    if party.vat_id:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID="VA")


def _group_line(parent, sub, invoice):
    """The GROUP line of a sub-invoice (BR-FR-MV-03): seller, AFL number, AVV frame and its totals."""
    item = _ram(parent, "IncludedSupplyChainTradeLineItem")
    doc = _ram(item, "AssociatedDocumentLineDocument")
    _ram(doc, "LineID", sub.line_id)
    _ram(doc, "LineStatusReasonCode", LINE_GROUP)
    _ram(_ram(item, "SpecifiedTradeProduct"), "Name", sub.name or sub.number)
    _item_seller(_ram(item, "SpecifiedLineTradeAgreement"), sub.seller)
    settlement = _ram(item, "SpecifiedLineTradeSettlement")
    summary = _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
    _ram(summary, "LineTotalAmount", format_amount(sub.net_amount))
    if sub.tax_amount is not None:
        _ram(summary, "TaxTotalAmount", format_amount(sub.tax_amount), currencyID=invoice.currency)
    if sub.tax_amount_accounting is not None and invoice.tax_currency not in (None, invoice.currency):
        _ram(summary, "TaxTotalAmount", format_amount(sub.tax_amount_accounting), currencyID=invoice.tax_currency)
    if sub.gross_amount is not None:
        _ram(summary, "GrandTotalAmount", format_amount(sub.gross_amount))
    if sub.preceding_invoice:
        ref = _ram(settlement, "InvoiceReferencedDocument")
        _ram(ref, "IssuerAssignedID", sub.preceding_invoice.number)
        _date(ref, "FormattedIssueDateTime", sub.preceding_invoice.issue_date, qualified=True)
    _line_object(settlement, sub.number, SUB_INVOICE_SCHEME)
    _line_object(settlement, sub.frame, SUB_INVOICE_FRAME_SCHEME)


def _lines(transaction, invoice):
    if not invoice.sub_invoices:
        for line in invoice.lines:
            _line(transaction, line)
        return
    # Multi-vendor / bidirectional: each GROUP line, then its DETAIL lines.
    for sub in invoice.sub_invoices:
        _group_line(transaction, sub, invoice)
        for line in invoice.lines:
            if line.sub_invoice == sub.number:
                _line(transaction, line, sub)


def _additional_documents(agreement, invoice):
    for attachment in invoice.attachments:
        doc = _ram(agreement, "AdditionalReferencedDocument")
        _ram(doc, "IssuerAssignedID", attachment.id)
        _opt(doc, "URIID", attachment.uri)
        _ram(doc, "TypeCode", ATTACHMENT_TYPE)
        _opt(doc, "Name", attachment.description)
        if attachment.content is not None:
            _ram(
                doc,
                "AttachmentBinaryObject",
                base64.b64encode(attachment.content).decode("ascii"),
                mimeCode=attachment.mime_code,
                filename=attachment.filename,
            )
    if invoice.tender_reference:
        doc = _ram(agreement, "AdditionalReferencedDocument")
        _ram(doc, "IssuerAssignedID", invoice.tender_reference)
        _ram(doc, "TypeCode", TENDER_TYPE)
    if invoice.invoiced_object:
        doc = _ram(agreement, "AdditionalReferencedDocument")
        _ram(doc, "IssuerAssignedID", invoice.invoiced_object.value)
        _ram(doc, "TypeCode", INVOICED_OBJECT_TYPE)
        _opt(doc, "ReferenceTypeCode", invoice.invoiced_object.scheme)


def _settlement(transaction, invoice):
    settlement = _ram(transaction, "ApplicableHeaderTradeSettlement")
    payment = invoice.payment
    if payment and payment.direct_debit:
        _opt(settlement, "CreditorReferenceID", payment.direct_debit.creditor_id)
    if payment:
        _opt(settlement, "PaymentReference", payment.remittance_info)
    # CII's BR-53 forbids a VAT accounting currency equal to the invoice currency (UBL allows
    # it): BT-6 = BT-5 says nothing more than BT-5 and is left out.
    _opt(settlement, "TaxCurrencyCode", invoice.tax_currency if invoice.tax_currency != invoice.currency else None)
    _ram(settlement, "InvoiceCurrencyCode", invoice.currency)
    if invoice.payee:
        payee = _ram(settlement, "PayeeTradeParty")
        if invoice.payee.identifier:
            _identifiers(payee, [invoice.payee.identifier])
        _opt(payee, "Name", invoice.payee.name)
        if invoice.payee.legal_id:
            legal = _ram(payee, "SpecifiedLegalOrganization")
            _ram(legal, "ID", invoice.payee.legal_id.value, schemeID=invoice.payee.legal_id.scheme)
    if payment:
        accounts = payment.credit_transfers or [None]
        for index, account in enumerate(accounts):
            means = _ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
            _ram(means, "TypeCode", payment.means_code)
            _opt(means, "Information", payment.means_text)
            if index == 0 and payment.card:
                card = _ram(means, "ApplicableTradeSettlementFinancialCard")
                _ram(card, "ID", payment.card.pan)
                _opt(card, "CardholderName", payment.card.holder)
            if index == 0 and payment.direct_debit and payment.direct_debit.debited_account:
                _ram(_ram(means, "PayerPartyDebtorFinancialAccount"), "IBANID", payment.direct_debit.debited_account)
            if account is not None:
                creditor = _ram(means, "PayeePartyCreditorFinancialAccount")
                _ram(creditor, "IBANID", account.account_id)
                _opt(creditor, "AccountName", account.account_name)
                if account.bank_id:
                    _ram(_ram(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", account.bank_id)
    cii_date_code = VAT_DATE_CODE_TO_CII.get(invoice.tax_point_date_code, invoice.tax_point_date_code)
    for index, vat in enumerate(invoice.vat_breakdown):
        tax = _ram(settlement, "ApplicableTradeTax")
        _ram(tax, "CalculatedAmount", format_amount(vat.tax_amount))
        _ram(tax, "TypeCode", "VAT")
        _opt(tax, "ExemptionReason", vat.exemption_reason)
        _ram(tax, "BasisAmount", format_amount(vat.taxable_amount))
        _ram(tax, "CategoryCode", vat.category)
        _opt(tax, "ExemptionReasonCode", vat.exemption_reason_code)
        if invoice.tax_point_date and index == 0:  # CII-SR-461: one TaxPointDate only
            date = _ram(tax, "TaxPointDate")
            etree.SubElement(date, f"{{{UDT}}}DateString", format="102").text = invoice.tax_point_date.strftime(
                "%Y%m%d"
            )
        _opt(tax, "DueDateTypeCode", cii_date_code)
        if vat.rate is not None:
            _ram(tax, "RateApplicablePercent", format_rate(vat.rate))
    _period(settlement, invoice.period)
    for adjustment in invoice.allowances_charges:
        _allowance_charge(settlement, adjustment, document_level=True)
    mandate = payment.direct_debit.mandate_id if payment and payment.direct_debit else None
    if invoice.payment_terms or invoice.due_date or mandate:
        terms = _ram(settlement, "SpecifiedTradePaymentTerms")
        _opt(terms, "Description", invoice.payment_terms)
        _date(terms, "DueDateDateTime", invoice.due_date)
        _opt(terms, "DirectDebitMandateID", mandate)
    totals = invoice.totals or Totals(line_total=None, tax_exclusive=None, tax_inclusive=None, due=None)
    summary = _ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    for name, value in (
        ("LineTotalAmount", totals.line_total),
        ("ChargeTotalAmount", totals.charge_total),
        ("AllowanceTotalAmount", totals.allowance_total),
        ("TaxBasisTotalAmount", totals.tax_exclusive),
    ):
        if value is not None:
            _ram(summary, name, format_amount(value))
    if totals.tax_total is not None:
        _ram(summary, "TaxTotalAmount", format_amount(totals.tax_total), currencyID=invoice.currency)
    if totals.tax_total_accounting is not None and invoice.tax_currency != invoice.currency:
        _ram(summary, "TaxTotalAmount", format_amount(totals.tax_total_accounting), currencyID=invoice.tax_currency)
    for name, value in (
        ("RoundingAmount", totals.rounding),
        ("GrandTotalAmount", totals.tax_inclusive),
        ("TotalPrepaidAmount", totals.prepaid),
        ("DuePayableAmount", totals.due),
    ):
        if value is not None:
            _ram(summary, name, format_amount(value))
    for preceding in invoice.preceding_invoices:
        doc = _ram(settlement, "InvoiceReferencedDocument")
        _ram(doc, "IssuerAssignedID", preceding.number)
        _date(doc, "FormattedIssueDateTime", preceding.issue_date, qualified=True)
    if invoice.buyer_accounting_reference:
        _ram(_ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"), "ID", invoice.buyer_accounting_reference)


def build_tree(invoice, profile=Profile.EN16931, facturx=False):
    """The CII document as an lxml element (see :func:`build_cii`)."""
    profile = Profile(profile)
    invoice = dataclasses.replace(invoice, specification_id=specification_id(profile, facturx))
    check_profile(invoice, profile)
    multivendor.check_buildable(invoice, profile, (Profile.EXTENDED, Profile.EXTENDED_CTC_FR))
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = etree.SubElement(root, f"{{{RSM}}}ExchangedDocumentContext")
    if invoice.business_process:
        _ram(_ram(context, "BusinessProcessSpecifiedDocumentContextParameter"), "ID", invoice.business_process)
    _ram(_ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", invoice.specification_id)

    document = etree.SubElement(root, f"{{{RSM}}}ExchangedDocument")
    _ram(document, "ID", invoice.number)
    _ram(document, "TypeCode", invoice.type_code)
    _date(document, "IssueDateTime", invoice.issue_date)
    for note in invoice.notes:
        included = _ram(document, "IncludedNote")
        _ram(included, "Content", note.text)
        _opt(included, "SubjectCode", note.subject_code)

    transaction = etree.SubElement(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    _lines(transaction, invoice)

    agreement = _ram(transaction, "ApplicableHeaderTradeAgreement")
    _opt(agreement, "BuyerReference", invoice.buyer_reference)
    _party(agreement, "SellerTradeParty", invoice.seller, seller=True)
    _party(agreement, "BuyerTradeParty", invoice.buyer)
    if invoice.tax_representative:
        rep = _ram(agreement, "SellerTaxRepresentativeTradeParty")
        _opt(rep, "Name", invoice.tax_representative.name)
        _address(rep, invoice.tax_representative.address)
        if invoice.tax_representative.vat_id:
            _ram(_ram(rep, "SpecifiedTaxRegistration"), "ID", invoice.tax_representative.vat_id, schemeID="VA")
    _referenced(agreement, "SellerOrderReferencedDocument", invoice.sales_order_reference)
    _referenced(agreement, "BuyerOrderReferencedDocument", invoice.purchase_order_reference)
    _referenced(agreement, "ContractReferencedDocument", invoice.contract_reference)
    _additional_documents(agreement, invoice)
    if invoice.project_reference:
        project = _ram(agreement, "SpecifiedProcuringProject")
        _ram(project, "ID", invoice.project_reference)
        _ram(project, "Name", "Project reference")

    delivery = _ram(transaction, "ApplicableHeaderTradeDelivery")
    if invoice.delivery:
        d = invoice.delivery
        if d.location_id or d.party_name or d.address:
            ship_to = _ram(delivery, "ShipToTradeParty")
            if d.location_id:
                _identifiers(ship_to, [d.location_id])
            _opt(ship_to, "Name", d.party_name)
            _address(ship_to, d.address)
        if d.date:
            _date(_ram(delivery, "ActualDeliverySupplyChainEvent"), "OccurrenceDateTime", d.date)
    _referenced(delivery, "DespatchAdviceReferencedDocument", invoice.despatch_advice_reference)
    _referenced(delivery, "ReceivingAdviceReferencedDocument", invoice.receiving_advice_reference)
    _settlement(transaction, invoice)
    return root


def specification_id(profile, facturx=False):
    """BT-24 of a CII built for ``profile``; ``facturx`` when it goes into a Factur-X PDF.

    Factur-X has no EXTENDED-CTC-FR profile: the FNFE note (§1, step 2) carries EXTENDED-CTC-FR
    content in Factur-X EXTENDED, of which it is a subset, and FeRD's EXTENDED rules, that a
    Factur-X receiver runs, refuse any other BT-24 (FX-SCH-A-000636). Such an invoice keeps the
    EXTENDED-CTC-FR restrictions and says Factur-X EXTENDED.
    """
    if facturx and profile == Profile.EXTENDED_CTC_FR:
        return SPECIFICATION_IDS[Profile.EXTENDED]
    return SPECIFICATION_IDS[profile]


def build_cii(invoice, profile=Profile.EN16931, facturx=False):
    """Build the CII D22B XML of ``invoice`` for ``profile``; refuses terms the profile does not allow.

    ``facturx``: the XML goes into a Factur-X PDF (see :func:`specification_id`)."""
    return etree.tostring(
        build_tree(invoice, profile, facturx), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


# --- parsing ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _q(path):
    return "/".join(part if ":" in part or part in (".", "..") else f"ram:{part}" for part in path.split("/"))


class _Reader(XmlReader):
    NSMAP: ClassVar[dict] = NSMAP

    @classmethod
    def path(cls, path):
        return _q(path)

    def date(self, path):
        found = self.find(path)
        if found is None:
            return None
        value = found.findtext("udt:DateTimeString", namespaces=NSMAP) or found.findtext(
            "qdt:DateTimeString", namespaces=NSMAP
        )
        if value is None:
            value = found.findtext("udt:DateString", namespaces=NSMAP) or found.findtext(
                "qdt:DateString", namespaces=NSMAP
            )
        if value is None:
            return None
        try:
            return datetime.datetime.strptime(value.strip()[:8], "%Y%m%d").date()
        except ValueError as exc:
            raise ParseError(f"{path}: {value!r} is not a date in format 102 (YYYYMMDD)") from exc


def _read_identifiers(node):
    result = []
    for child in node.node:
        if child.tag in (f"{{{RAM}}}ID", f"{{{RAM}}}GlobalID") and child.text:
            result.append(Identifier(child.text.strip(), child.get("schemeID")))
    return result


def _read_address(node):
    if node is None:
        return None
    return Address(
        line1=node.text("LineOne"),
        line2=node.text("LineTwo"),
        line3=node.text("LineThree"),
        city=node.text("CityName"),
        post_code=node.text("PostcodeCode"),
        country_subdivision=node.text("CountrySubDivisionName"),
        country_code=node.text("CountryID"),
    )


def _read_party(node, seller=False):
    if node is None:
        return Party()
    party = Party(
        name=node.text("Name"),
        trading_name=node.text("SpecifiedLegalOrganization/TradingBusinessName"),
        identifiers=_read_identifiers(node),
        address=_read_address(node.one("PostalTradeAddress")),
    )
    legal = node.one("SpecifiedLegalOrganization/ID")
    if legal is not None and legal.text():
        party.legal_id = Identifier(legal.text(), legal.attr(".", "schemeID"))
    if seller:
        party.legal_info = node.text("Description")
    for registration in node.all("SpecifiedTaxRegistration/ID"):
        scheme = registration.attr(".", "schemeID")
        if scheme == "FC" and seller:
            party.tax_registration_id = registration.text()
        elif scheme == "VA" or party.vat_id is None:
            party.vat_id = registration.text()
    uri = node.one("URIUniversalCommunication/URIID")
    if uri is not None and uri.text():
        party.electronic_address = Identifier(uri.text(), uri.attr(".", "schemeID"))
    contact = node.one("DefinedTradeContact")
    if contact is not None:
        party.contact = Contact(
            name=contact.text("PersonName") or contact.text("DepartmentName"),
            phone=contact.text("TelephoneUniversalCommunication/CompleteNumber"),
            email=contact.text("EmailURIUniversalCommunication/URIID"),
        )
    return party


def _read_period(node):
    if node is None:
        return None
    return Period(start=node.date("StartDateTime"), end=node.date("EndDateTime"))


def _read_adjustment(node, document_level):
    is_charge = (node.text("ChargeIndicator/udt:Indicator") or "").lower() == "true"
    common = {
        "is_charge": is_charge,
        "amount": node.decimal("ActualAmount"),
        "base_amount": node.decimal("BasisAmount"),
        "percentage": node.decimal("CalculationPercent"),
        "reason": node.text("Reason"),
        "reason_code": node.text("ReasonCode"),
    }
    if not document_level:
        return LineAllowanceCharge(**common)
    return AllowanceCharge(
        vat_category=node.text("CategoryTradeTax/CategoryCode"),
        vat_rate=node.decimal("CategoryTradeTax/RateApplicablePercent"),
        **common,
    )


def _read_line(node):
    product = node.one("SpecifiedTradeProduct")
    item = Item(name=product.text("Name") if product else "")
    if product is not None:
        standard = product.one("GlobalID")
        item.description = product.text("Description")
        item.seller_id = product.text("SellerAssignedID")
        item.buyer_id = product.text("BuyerAssignedID")
        if standard is not None and standard.text():
            item.standard_id = Identifier(standard.text(), standard.attr(".", "schemeID"))
        item.classifications = [
            Classification(c.text(), c.attr(".", "listID"), c.attr(".", "listVersionID"))
            for c in product.all("DesignatedProductClassification/ClassCode")
        ]
        item.origin_country = product.text("OriginTradeCountry/ID")
        item.attributes = [
            ItemAttribute(a.text("Description"), a.text("Value"))
            for a in product.all("ApplicableProductCharacteristic")
        ]
    agreement = node.one("SpecifiedLineTradeAgreement")
    gross = agreement.one("GrossPriceProductTradePrice") if agreement else None
    net = agreement.one("NetPriceProductTradePrice") if agreement else None
    base_node = net.one("BasisQuantity") if net is not None and net.one("BasisQuantity") is not None else None
    if base_node is None and gross is not None:
        base_node = gross.one("BasisQuantity")
    price = Price(
        net=net.decimal("ChargeAmount") if net is not None else None,
        gross=gross.decimal("ChargeAmount") if gross is not None else None,
        discount=gross.decimal("AppliedTradeAllowanceCharge/ActualAmount") if gross is not None else None,
        base_quantity=base_node.decimal() if base_node is not None else None,
        base_quantity_unit=base_node.attr(".", "unitCode") if base_node is not None else None,
    )
    # A line without its settlement breaks the XSD (which says so); read it as a line without amounts.
    settlement = node.one("SpecifiedLineTradeSettlement") or type(node)(etree.Element("missing"))
    quantity = node.one("SpecifiedLineTradeDelivery/BilledQuantity")
    line = Line(
        id=node.text("AssociatedDocumentLineDocument/LineID"),
        quantity=quantity.decimal() if quantity is not None else None,
        unit_code=quantity.attr(".", "unitCode") if quantity is not None else None,
        net_amount=settlement.decimal("SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount"),
        item=item,
        price=price,
        vat_category=settlement.text("ApplicableTradeTax/CategoryCode"),
        vat_rate=settlement.decimal("ApplicableTradeTax/RateApplicablePercent"),
        note=node.text("AssociatedDocumentLineDocument/IncludedNote/Content"),
        order_line_ref=agreement.text("BuyerOrderReferencedDocument/LineID") if agreement else None,
        accounting_ref=settlement.text("ReceivableSpecifiedTradeAccountingAccount/ID"),
        period=_read_period(settlement.one("BillingSpecifiedPeriod")),
        allowances_charges=[_read_adjustment(a, False) for a in settlement.all("SpecifiedTradeAllowanceCharge")],
    )
    for doc in settlement.all("AdditionalReferencedDocument"):
        if doc.text("TypeCode") == INVOICED_OBJECT_TYPE:
            line.object_id = Identifier(doc.text("IssuerAssignedID"), doc.text("ReferenceTypeCode"))
    return line


def _line_objects(settlement):
    """{scheme: value} of a line's BT-128 references (TypeCode 130)."""
    return {
        doc.text("ReferenceTypeCode"): doc.text("IssuerAssignedID")
        for doc in settlement.all("AdditionalReferencedDocument")
        if doc.text("TypeCode") == INVOICED_OBJECT_TYPE
    }


def _read_sub_invoices(invoice, nodes):
    """Multi-vendor / bidirectional: GROUP lines become sub-invoices, DETAIL lines stay the invoice lines.

    A GROUP line only sums its DETAIL lines (the totals count DETAIL lines only), so it is not
    an invoice line of the model; INFORMATION lines, which count nowhere, are left out too.
    """
    lines = []
    for node, line in zip(nodes, invoice.lines, strict=True):
        sub_type = node.text("AssociatedDocumentLineDocument/LineStatusReasonCode")
        settlement = node.one("SpecifiedLineTradeSettlement") or type(node)(etree.Element("missing"))
        objects = _line_objects(settlement)
        if sub_type == LINE_GROUP and not node.text("AssociatedDocumentLineDocument/ParentLineID"):
            summary = settlement.one("SpecifiedTradeSettlementLineMonetarySummation")
            tax_amount = tax_accounting = None
            for amount in summary.all("TaxTotalAmount") if summary is not None else ():
                if amount.attr(".", "currencyID") in (None, invoice.currency) and tax_amount is None:
                    tax_amount = amount.decimal()
                else:
                    tax_accounting = amount.decimal()
            preceding = settlement.one("InvoiceReferencedDocument")
            invoice.sub_invoices.append(
                SubInvoice(
                    number=objects.get(SUB_INVOICE_SCHEME),
                    frame=objects.get(SUB_INVOICE_FRAME_SCHEME),
                    seller=_read_party(node.one("SpecifiedLineTradeAgreement/ItemSellerTradeParty")),
                    line_id=line.id,
                    name=line.item.name,
                    net_amount=line.net_amount,
                    tax_amount=tax_amount,
                    tax_amount_accounting=tax_accounting,
                    gross_amount=summary.decimal("GrandTotalAmount") if summary is not None else None,
                    preceding_invoice=PrecedingInvoice(
                        number=preceding.text("IssuerAssignedID"), issue_date=preceding.date("FormattedIssueDateTime")
                    )
                    if preceding is not None
                    else None,
                )
            )
        elif sub_type in (LINE_DETAIL, None):
            line.sub_invoice = objects.get(SUB_INVOICE_SCHEME)
            line.object_id = next(
                (
                    Identifier(v, k)
                    for k, v in objects.items()
                    if k not in (SUB_INVOICE_SCHEME, SUB_INVOICE_FRAME_SCHEME)
                ),
                None,
            )
            line.vat_exemption_reason = settlement.text("ApplicableTradeTax/ExemptionReason")
            line.vat_exemption_reason_code = settlement.text("ApplicableTradeTax/ExemptionReasonCode")
            lines.append(line)
    invoice.lines = lines


def parse_cii(data):
    """Read a CII D22B invoice (bytes or an lxml element) into an :class:`Invoice`."""
    root = parse_xml(data) if isinstance(data, bytes | bytearray | str) else data
    if root.tag != f"{{{RSM}}}CrossIndustryInvoice":
        raise ParseError(f"not a CII invoice: the root element is {root.tag}, not rsm:CrossIndustryInvoice")
    doc = _Reader(root)
    header = doc.one("rsm:ExchangedDocument")
    if header is None:
        raise ParseError("not a CII invoice: rsm:ExchangedDocument is missing")
    transaction = doc.one("rsm:SupplyChainTradeTransaction")
    agreement = transaction.one("ApplicableHeaderTradeAgreement") if transaction else None
    delivery = transaction.one("ApplicableHeaderTradeDelivery") if transaction else None
    settlement = transaction.one("ApplicableHeaderTradeSettlement") if transaction else None
    if agreement is None or settlement is None:
        raise ParseError("not a CII invoice: the header trade agreement or settlement is missing")

    invoice = Invoice(
        number=header.text("ID"),
        issue_date=header.date("IssueDateTime"),
        type_code=header.text("TypeCode"),
        currency=settlement.text("InvoiceCurrencyCode"),
        tax_currency=settlement.text("TaxCurrencyCode"),
        business_process=doc.text("rsm:ExchangedDocumentContext/BusinessProcessSpecifiedDocumentContextParameter/ID"),
        specification_id=doc.text("rsm:ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID"),
        notes=[
            Note(text=n.text("Content") or "", subject_code=n.text("SubjectCode")) for n in header.all("IncludedNote")
        ],
        buyer_reference=agreement.text("BuyerReference"),
        seller=_read_party(agreement.one("SellerTradeParty"), seller=True),
        buyer=_read_party(agreement.one("BuyerTradeParty")),
        sales_order_reference=agreement.text("SellerOrderReferencedDocument/IssuerAssignedID"),
        purchase_order_reference=agreement.text("BuyerOrderReferencedDocument/IssuerAssignedID"),
        contract_reference=agreement.text("ContractReferencedDocument/IssuerAssignedID"),
        project_reference=agreement.text("SpecifiedProcuringProject/ID"),
        buyer_accounting_reference=settlement.text("ReceivableSpecifiedTradeAccountingAccount/ID"),
        lines=[_read_line(n) for n in transaction.all("IncludedSupplyChainTradeLineItem")],
    )
    if invoice.business_process in MULTI_VENDOR_FRAMES | BIDIRECTIONAL_FRAMES:
        _read_sub_invoices(invoice, transaction.all("IncludedSupplyChainTradeLineItem"))
    rep = agreement.one("SellerTaxRepresentativeTradeParty")
    if rep is not None:
        invoice.tax_representative = TaxRepresentative(
            name=rep.text("Name"),
            vat_id=rep.text("SpecifiedTaxRegistration/ID"),
            address=_read_address(rep.one("PostalTradeAddress")),
        )
    for ref in agreement.all("AdditionalReferencedDocument"):
        type_code = ref.text("TypeCode")
        if type_code == TENDER_TYPE:
            invoice.tender_reference = ref.text("IssuerAssignedID")
        elif type_code == INVOICED_OBJECT_TYPE:
            invoice.invoiced_object = Identifier(ref.text("IssuerAssignedID"), ref.text("ReferenceTypeCode"))
        else:
            binary = ref.one("AttachmentBinaryObject")
            content = None
            if binary is not None and binary.text():
                try:
                    content = base64.b64decode(binary.text(), validate=False)
                except ValueError as exc:
                    raise ParseError(f"BT-125: attachment {ref.text('IssuerAssignedID')!r} is not base64") from exc
            invoice.attachments.append(
                Attachment(
                    id=ref.text("IssuerAssignedID"),
                    description=ref.text("Name"),
                    uri=ref.text("URIID"),
                    content=content,
                    mime_code=binary.attr(".", "mimeCode") if binary is not None else None,
                    filename=binary.attr(".", "filename") if binary is not None else None,
                )
            )

    if delivery is not None:
        ship_to = delivery.one("ShipToTradeParty")
        event_date = delivery.date("ActualDeliverySupplyChainEvent/OccurrenceDateTime")
        if ship_to is not None or event_date:
            ids = _read_identifiers(ship_to) if ship_to is not None else []
            found = Delivery(
                party_name=ship_to.text("Name") if ship_to is not None else None,
                location_id=ids[0] if ids else None,
                date=event_date,
                address=_read_address(ship_to.one("PostalTradeAddress")) if ship_to is not None else None,
            )
            invoice.delivery = found if found != Delivery() else None
        invoice.despatch_advice_reference = delivery.text("DespatchAdviceReferencedDocument/IssuerAssignedID")
        invoice.receiving_advice_reference = delivery.text("ReceivingAdviceReferencedDocument/IssuerAssignedID")

    payee = settlement.one("PayeeTradeParty")
    if payee is not None:
        ids = _read_identifiers(payee)
        legal = payee.one("SpecifiedLegalOrganization/ID")
        invoice.payee = Payee(
            name=payee.text("Name"),
            identifier=ids[0] if ids else None,
            legal_id=Identifier(legal.text(), legal.attr(".", "schemeID")) if legal is not None else None,
        )
    means_nodes = settlement.all("SpecifiedTradeSettlementPaymentMeans")
    terms = settlement.one("SpecifiedTradePaymentTerms")
    mandate = terms.text("DirectDebitMandateID") if terms is not None else None
    creditor_id = settlement.text("CreditorReferenceID")
    if means_nodes:
        first = means_nodes[0]
        payment = PaymentInstructions(
            means_code=first.text("TypeCode"),
            means_text=first.text("Information"),
            remittance_info=settlement.text("PaymentReference"),
        )
        for means in means_nodes:
            creditor = means.one("PayeePartyCreditorFinancialAccount")
            if creditor is not None:
                payment.credit_transfers.append(
                    CreditTransfer(
                        account_id=creditor.text("IBANID") or creditor.text("ProprietaryID"),
                        account_name=creditor.text("AccountName"),
                        bank_id=means.text("PayeeSpecifiedCreditorFinancialInstitution/BICID"),
                    )
                )
            card = means.one("ApplicableTradeSettlementFinancialCard")
            if card is not None:
                payment.card = PaymentCard(pan=card.text("ID"), holder=card.text("CardholderName"))
        debited = first.text("PayerPartyDebtorFinancialAccount/IBANID")
        if mandate or creditor_id or debited:
            payment.direct_debit = DirectDebit(mandate_id=mandate, creditor_id=creditor_id, debited_account=debited)
        invoice.payment = payment
    if terms is not None:
        invoice.payment_terms = terms.text("Description")
        invoice.due_date = terms.date("DueDateDateTime")

    for tax in settlement.all("ApplicableTradeTax"):
        invoice.vat_breakdown.append(
            VatBreakdown(
                taxable_amount=tax.decimal("BasisAmount"),
                tax_amount=tax.decimal("CalculatedAmount"),
                category=tax.text("CategoryCode"),
                rate=tax.decimal("RateApplicablePercent"),
                exemption_reason=tax.text("ExemptionReason"),
                exemption_reason_code=tax.text("ExemptionReasonCode"),
            )
        )
        code = tax.text("DueDateTypeCode")
        if code:
            invoice.tax_point_date_code = VAT_DATE_CODE_FROM_CII.get(code, code)
        invoice.tax_point_date = invoice.tax_point_date or tax.date("TaxPointDate")
    invoice.period = _read_period(settlement.one("BillingSpecifiedPeriod"))
    invoice.allowances_charges = [_read_adjustment(a, True) for a in settlement.all("SpecifiedTradeAllowanceCharge")]
    summary = settlement.one("SpecifiedTradeSettlementHeaderMonetarySummation")
    if summary is not None:
        tax_totals = summary.all("TaxTotalAmount")
        tax_total = tax_accounting = None
        for amount in tax_totals:
            if amount.attr(".", "currencyID") in (None, invoice.currency) and tax_total is None:
                tax_total = amount.decimal()
            else:
                tax_accounting = amount.decimal()
        invoice.totals = Totals(
            line_total=summary.decimal("LineTotalAmount"),
            allowance_total=summary.decimal("AllowanceTotalAmount"),
            charge_total=summary.decimal("ChargeTotalAmount"),
            tax_exclusive=summary.decimal("TaxBasisTotalAmount"),
            tax_total=tax_total,
            tax_total_accounting=tax_accounting,
            tax_inclusive=summary.decimal("GrandTotalAmount"),
            prepaid=summary.decimal("TotalPrepaidAmount"),
            rounding=summary.decimal("RoundingAmount"),
            due=summary.decimal("DuePayableAmount"),
        )
    invoice.preceding_invoices = [
        PrecedingInvoice(number=r.text("IssuerAssignedID"), issue_date=r.date("FormattedIssueDateTime"))
        for r in settlement.all("InvoiceReferencedDocument")
    ]
    return invoice
