"""UBL 2.1 Invoice and CreditNote: build from the model, parse into the model.

Profiles: EN 16931, PEPPOL BIS Billing 3.0 and the French EXTENDED-CTC-FR
CIUS. The EN16931 UBL binding is followed: BT-21 travels inside the note as
``#CODE#text``, BT-90 is a party identifier with scheme ``SEPA``, and the
credit note, which has no header due date nor project reference in UBL 2.1,
carries BT-9 in PaymentMeans and BT-11 as a document reference of type 50.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import re
from decimal import Decimal
from typing import ClassVar

from lxml import etree

from . import multivendor
from .codes import CREDIT_NOTE_TYPE_CODES
from .errors import ParseError, ProfileError
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
from .profiles import PEPPOL_PROCESS_ID, SPECIFICATION_IDS, UBL_PROFILES, Profile, check_profile
from .xmlread import XmlReader
from .xmlsafe import parse_xml

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICED_OBJECT_TYPE, PROJECT_TYPE = "130", "50"
SEPA = "SEPA"
_NOTE_CODE = re.compile(r"^#([A-Z]{3})#(.*)$", re.DOTALL)


class _Builder:
    def __init__(self, invoice, credit_note):
        self.invoice = invoice
        self.credit_note = credit_note
        self.currency = invoice.currency

    def cbc(self, parent, tag, value=None, **attrs):
        element = etree.SubElement(parent, f"{{{CBC}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
        if value is not None:
            element.text = str(value)
        return element

    def opt(self, parent, name, value, **attrs):
        if value is not None and value != "":
            self.cbc(parent, name, value, **attrs)

    def cac(self, parent, name):
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def amount(self, parent, name, value, currency=None):
        if value is not None:
            self.cbc(parent, name, format_amount(value), currencyID=currency or self.currency)

    def date(self, parent, name, value):
        if value is not None:
            self.cbc(parent, name, value.isoformat())

    def address(self, parent, name, address):
        if address is None:
            return
        element = self.cac(parent, name)
        self.opt(element, "StreetName", address.line1)
        self.opt(element, "AdditionalStreetName", address.line2)
        self.opt(element, "CityName", address.city)
        self.opt(element, "PostalZone", address.post_code)
        self.opt(element, "CountrySubentity", address.country_subdivision)
        if address.line3:
            self.cbc(self.cac(element, "AddressLine"), "Line", address.line3)
        if address.country_code:
            self.cbc(self.cac(element, "Country"), "IdentificationCode", address.country_code)

    def tax_scheme(self, parent, scheme="VAT"):
        self.cbc(self.cac(parent, "TaxScheme"), "ID", scheme)

    def tax_category(self, parent, name, category, rate, reason_code=None, reason=None):
        element = self.cac(parent, name)
        self.cbc(element, "ID", category)
        if rate is not None:
            self.cbc(element, "Percent", format_rate(rate))
        self.opt(element, "TaxExemptionReasonCode", reason_code)
        self.opt(element, "TaxExemptionReason", reason)
        self.tax_scheme(element)

    def party(self, parent, name, party, seller=False):
        element = self.cac(self.cac(parent, name), "Party")
        if party.electronic_address:
            self.cbc(element, "EndpointID", party.electronic_address.value, schemeID=party.electronic_address.scheme)
        for ident in party.identifiers:
            self.cbc(self.cac(element, "PartyIdentification"), "ID", ident.value, schemeID=ident.scheme)
        payment = self.invoice.payment
        if seller and not self.invoice.payee and payment and payment.direct_debit and payment.direct_debit.creditor_id:
            self.cbc(self.cac(element, "PartyIdentification"), "ID", payment.direct_debit.creditor_id, schemeID=SEPA)
        if party.trading_name:
            self.cbc(self.cac(element, "PartyName"), "Name", party.trading_name)
        self.address(element, "PostalAddress", party.address)
        if party.vat_id:
            scheme = self.cac(element, "PartyTaxScheme")
            self.cbc(scheme, "CompanyID", party.vat_id)
            self.tax_scheme(scheme)
        if seller and party.tax_registration_id:
            scheme = self.cac(element, "PartyTaxScheme")
            self.cbc(scheme, "CompanyID", party.tax_registration_id)
            self.tax_scheme(scheme, "FC")
        legal = self.cac(element, "PartyLegalEntity")
        self.cbc(legal, "RegistrationName", party.name or "")
        if party.legal_id:
            self.cbc(legal, "CompanyID", party.legal_id.value, schemeID=party.legal_id.scheme)
        if seller:
            self.opt(legal, "CompanyLegalForm", party.legal_info)
        if party.contact:
            contact = self.cac(element, "Contact")
            self.opt(contact, "Name", party.contact.name)
            self.opt(contact, "Telephone", party.contact.phone)
            self.opt(contact, "ElectronicMail", party.contact.email)

    def document_reference(self, parent, name, number):
        if number:
            self.cbc(self.cac(parent, name), "ID", number)

    def allowance_charge(self, parent, adjustment, document_level):
        element = self.cac(parent, "AllowanceCharge")
        self.cbc(element, "ChargeIndicator", "true" if adjustment.is_charge else "false")
        self.opt(element, "AllowanceChargeReasonCode", adjustment.reason_code)
        self.opt(element, "AllowanceChargeReason", adjustment.reason)
        if adjustment.percentage is not None:
            self.cbc(element, "MultiplierFactorNumeric", format_rate(adjustment.percentage))
        self.amount(element, "Amount", adjustment.amount)
        self.amount(element, "BaseAmount", adjustment.base_amount)
        if document_level and adjustment.vat_category:
            self.tax_category(element, "TaxCategory", adjustment.vat_category, adjustment.vat_rate)

    def period(self, parent, period, date_code=None):
        if period is None and not date_code:
            return
        element = self.cac(parent, "InvoicePeriod")
        if period:
            self.date(element, "StartDate", period.start)
            self.date(element, "EndDate", period.end)
        self.opt(element, "DescriptionCode", date_code)

    def line(self, parent, line, sub=None):
        """One invoice line; ``sub`` is its sub-invoice in a multi-vendor invoice: a DETAIL line."""
        element = self.cac(parent, "CreditNoteLine" if self.credit_note else "InvoiceLine")
        self.cbc(element, "ID", line.id)
        self.opt(element, "Note", line.note)
        quantity = "CreditedQuantity" if self.credit_note else "InvoicedQuantity"
        self.cbc(element, quantity, format_quantity(line.quantity), unitCode=line.unit_code)
        self.amount(element, "LineExtensionAmount", line.net_amount)
        self.opt(element, "AccountingCost", line.accounting_ref)
        self.period(element, line.period)
        if line.order_line_ref:
            self.cbc(self.cac(element, "OrderLineReference"), "LineID", line.order_line_ref)
        if sub is not None:
            self.sub_line_status(element, LINE_DETAIL, sub.line_id)
            self.line_object(element, sub.number, SUB_INVOICE_SCHEME)
        if line.object_id:
            ref = self.cac(element, "DocumentReference")
            self.cbc(ref, "ID", line.object_id.value, schemeID=line.object_id.scheme)
            self.cbc(ref, "DocumentTypeCode", INVOICED_OBJECT_TYPE)
        for adjustment in line.allowances_charges:
            self.allowance_charge(element, adjustment, document_level=False)
        item = self.cac(element, "Item")
        self.opt(item, "Description", line.item.description)
        self.cbc(item, "Name", line.item.name)
        if line.item.buyer_id:
            self.cbc(self.cac(item, "BuyersItemIdentification"), "ID", line.item.buyer_id)
        if line.item.seller_id:
            self.cbc(self.cac(item, "SellersItemIdentification"), "ID", line.item.seller_id)
        if line.item.standard_id:
            standard = self.cac(item, "StandardItemIdentification")
            self.cbc(standard, "ID", line.item.standard_id.value, schemeID=line.item.standard_id.scheme)
        if line.item.origin_country:
            self.cbc(self.cac(item, "OriginCountry"), "IdentificationCode", line.item.origin_country)
        for classification in line.item.classifications:
            self.cbc(
                self.cac(item, "CommodityClassification"),
                "ItemClassificationCode",
                classification.value,
                listID=classification.scheme,
                listVersionID=classification.version,
            )
        self.tax_category(
            item,
            "ClassifiedTaxCategory",
            line.vat_category,
            line.vat_rate,
            line.vat_exemption_reason_code,
            line.vat_exemption_reason,
        )
        for attribute in line.item.attributes:
            prop = self.cac(item, "AdditionalItemProperty")
            self.cbc(prop, "Name", attribute.name)
            self.cbc(prop, "Value", attribute.value)
        if sub is not None:
            self.item_seller(item, sub.seller)
        price = self.cac(element, "Price")
        self.cbc(price, "PriceAmount", format_unit_price(line.price.net), currencyID=self.currency)
        if line.price.base_quantity is not None:
            self.cbc(
                price, "BaseQuantity", format_quantity(line.price.base_quantity), unitCode=line.price.base_quantity_unit
            )
        if line.price.discount is not None or line.price.gross is not None:
            discount = self.cac(price, "AllowanceCharge")
            self.cbc(discount, "ChargeIndicator", "false")
            self.cbc(discount, "Amount", format_unit_price(line.price.discount or Decimal(0)), currencyID=self.currency)
            if line.price.gross is not None:
                self.cbc(discount, "BaseAmount", format_unit_price(line.price.gross), currencyID=self.currency)

    # --- multi-vendor (x8) and bidirectional (x9) invoices: the French UBL rules (BR-FR-MV) ---

    def sub_line_status(self, element, status, parent_id=None):
        """The line's sub-type (EXT-FR-FE-163) and parent line (EXT-FR-FE-162): a billing reference to the
        invoice itself, with the sub-type as document status and the parent as billing reference line."""
        reference = self.cac(element, "BillingReference")
        document = self.cac(reference, "InvoiceDocumentReference")
        self.cbc(document, "ID", self.invoice.number)
        self.cbc(document, "DocumentStatusCode", status)
        if parent_id:
            self.cbc(self.cac(reference, "BillingReferenceLine"), "ID", parent_id)

    def line_object(self, element, value, scheme):
        reference = self.cac(element, "DocumentReference")
        self.cbc(reference, "ID", value, schemeID=scheme)
        self.cbc(reference, "DocumentTypeCode", INVOICED_OBJECT_TYPE)

    def item_seller(self, item, party):
        """The seller of a multi-vendor line: the item's manufacturer party in the French UBL rules."""
        element = self.cac(item, "ManufacturerParty")
        self.address(element, "PostalAddress", party.address)
        if party.vat_id:
            scheme = self.cac(element, "PartyTaxScheme")
            self.cbc(scheme, "CompanyID", party.vat_id)
            self.tax_scheme(scheme)
        legal = self.cac(element, "PartyLegalEntity")
        self.cbc(legal, "RegistrationName", party.name or "")
        if party.legal_id:
            self.cbc(legal, "CompanyID", party.legal_id.value, schemeID=party.legal_id.scheme)

    def group_line(self, parent, sub):
        """The GROUP line of a sub-invoice (BR-FR-MV-03): seller, AFL number, AVV frame, its totals."""
        invoice = self.invoice
        element = self.cac(parent, "CreditNoteLine" if self.credit_note else "InvoiceLine")
        self.cbc(element, "ID", sub.line_id)
        self.amount(element, "LineExtensionAmount", sub.net_amount)
        self.sub_line_status(element, LINE_GROUP)
        if sub.preceding_invoice:
            reference = self.cac(self.cac(element, "BillingReference"), "InvoiceDocumentReference")
            self.cbc(reference, "ID", sub.preceding_invoice.number)
            self.date(reference, "IssueDate", sub.preceding_invoice.issue_date)
        self.line_object(element, sub.number, SUB_INVOICE_SCHEME)
        self.line_object(element, sub.frame, SUB_INVOICE_FRAME_SCHEME)
        if sub.tax_amount is not None:
            self.amount(self.cac(element, "TaxTotal"), "TaxAmount", sub.tax_amount)
        if sub.tax_amount_accounting is not None and invoice.tax_currency not in (None, invoice.currency):
            self.amount(self.cac(element, "TaxTotal"), "TaxAmount", sub.tax_amount_accounting, invoice.tax_currency)
        item = self.cac(element, "Item")
        self.cbc(item, "Name", sub.name or sub.number)
        self.item_seller(item, sub.seller)

    def lines(self, root):
        invoice = self.invoice
        if not invoice.sub_invoices:
            for line in invoice.lines:
                self.line(root, line)
            return
        for sub in invoice.sub_invoices:
            self.group_line(root, sub)
            for line in invoice.lines:
                if line.sub_invoice == sub.number:
                    self.line(root, line, sub)

    def build(self, profile):  # noqa: C901 - one straight pass over the UBL sequence
        invoice = self.invoice
        ns = NS_CREDIT_NOTE if self.credit_note else NS_INVOICE
        root = etree.Element(
            f"{{{ns}}}{'CreditNote' if self.credit_note else 'Invoice'}", nsmap={None: ns, "cac": CAC, "cbc": CBC}
        )
        self.cbc(root, "CustomizationID", invoice.specification_id)
        process = PEPPOL_PROCESS_ID if profile == Profile.PEPPOL else invoice.business_process
        self.opt(root, "ProfileID", process)
        self.cbc(root, "ID", invoice.number)
        self.date(root, "IssueDate", invoice.issue_date)
        if self.credit_note:
            self.date(root, "TaxPointDate", invoice.tax_point_date)
            self.cbc(root, "CreditNoteTypeCode", invoice.type_code)
        else:
            self.date(root, "DueDate", invoice.due_date)
            self.cbc(root, "InvoiceTypeCode", invoice.type_code)
        for note in invoice.notes:
            self.cbc(root, "Note", f"#{note.subject_code}#{note.text}" if note.subject_code else note.text)
        if not self.credit_note:
            self.date(root, "TaxPointDate", invoice.tax_point_date)
        self.cbc(root, "DocumentCurrencyCode", invoice.currency)
        self.opt(root, "TaxCurrencyCode", invoice.tax_currency)
        self.opt(root, "AccountingCost", invoice.buyer_accounting_reference)
        self.opt(root, "BuyerReference", invoice.buyer_reference)
        self.period(root, invoice.period, invoice.tax_point_date_code)
        if invoice.purchase_order_reference or invoice.sales_order_reference:
            order = self.cac(root, "OrderReference")
            self.cbc(order, "ID", invoice.purchase_order_reference or "NA")
            self.opt(order, "SalesOrderID", invoice.sales_order_reference)
        for preceding in invoice.preceding_invoices:
            ref = self.cac(self.cac(root, "BillingReference"), "InvoiceDocumentReference")
            self.cbc(ref, "ID", preceding.number)
            self.date(ref, "IssueDate", preceding.issue_date)
        self.document_reference(root, "DespatchDocumentReference", invoice.despatch_advice_reference)
        self.document_reference(root, "ReceiptDocumentReference", invoice.receiving_advice_reference)
        if not self.credit_note:
            self.document_reference(root, "OriginatorDocumentReference", invoice.tender_reference)
        self.document_reference(root, "ContractDocumentReference", invoice.contract_reference)
        if invoice.invoiced_object:
            ref = self.cac(root, "AdditionalDocumentReference")
            self.cbc(ref, "ID", invoice.invoiced_object.value, schemeID=invoice.invoiced_object.scheme)
            self.cbc(ref, "DocumentTypeCode", INVOICED_OBJECT_TYPE)
        if self.credit_note and invoice.project_reference:
            ref = self.cac(root, "AdditionalDocumentReference")
            self.cbc(ref, "ID", invoice.project_reference)
            self.cbc(ref, "DocumentTypeCode", PROJECT_TYPE)
        for attachment in invoice.attachments:
            ref = self.cac(root, "AdditionalDocumentReference")
            self.cbc(ref, "ID", attachment.id)
            self.opt(ref, "DocumentDescription", attachment.description)
            if attachment.content is not None or attachment.uri:
                holder = self.cac(ref, "Attachment")
                if attachment.content is not None:
                    self.cbc(
                        holder,
                        "EmbeddedDocumentBinaryObject",
                        base64.b64encode(attachment.content).decode("ascii"),
                        mimeCode=attachment.mime_code,
                        filename=attachment.filename,
                    )
                if attachment.uri:
                    self.cbc(self.cac(holder, "ExternalReference"), "URI", attachment.uri)
        if self.credit_note:
            self.document_reference(root, "OriginatorDocumentReference", invoice.tender_reference)
        elif invoice.project_reference:
            self.document_reference(root, "ProjectReference", invoice.project_reference)
        self.party(root, "AccountingSupplierParty", invoice.seller, seller=True)
        self.party(root, "AccountingCustomerParty", invoice.buyer)
        if invoice.payee:
            payee = self.cac(root, "PayeeParty")
            if invoice.payee.identifier:
                ident = invoice.payee.identifier
                self.cbc(self.cac(payee, "PartyIdentification"), "ID", ident.value, schemeID=ident.scheme)
            payment = invoice.payment
            if payment and payment.direct_debit and payment.direct_debit.creditor_id:
                self.cbc(self.cac(payee, "PartyIdentification"), "ID", payment.direct_debit.creditor_id, schemeID=SEPA)
            self.opt(self.cac(payee, "PartyName"), "Name", invoice.payee.name)
            if invoice.payee.legal_id:
                legal = self.cac(payee, "PartyLegalEntity")
                self.cbc(legal, "CompanyID", invoice.payee.legal_id.value, schemeID=invoice.payee.legal_id.scheme)
        if invoice.tax_representative:
            rep = self.cac(root, "TaxRepresentativeParty")
            self.cbc(self.cac(rep, "PartyName"), "Name", invoice.tax_representative.name or "")
            self.address(rep, "PostalAddress", invoice.tax_representative.address)
            if invoice.tax_representative.vat_id:
                scheme = self.cac(rep, "PartyTaxScheme")
                self.cbc(scheme, "CompanyID", invoice.tax_representative.vat_id)
                self.tax_scheme(scheme)
        if invoice.delivery:
            delivery = self.cac(root, "Delivery")
            self.date(delivery, "ActualDeliveryDate", invoice.delivery.date)
            if invoice.delivery.location_id or invoice.delivery.address:
                location = self.cac(delivery, "DeliveryLocation")
                if invoice.delivery.location_id:
                    loc = invoice.delivery.location_id
                    self.cbc(location, "ID", loc.value, schemeID=loc.scheme)
                self.address(location, "Address", invoice.delivery.address)
            if invoice.delivery.party_name:
                self.cbc(
                    self.cac(self.cac(delivery, "DeliveryParty"), "PartyName"), "Name", invoice.delivery.party_name
                )
        self.payment_means(root)
        if invoice.payment_terms:
            self.cbc(self.cac(root, "PaymentTerms"), "Note", invoice.payment_terms)
        for adjustment in invoice.allowances_charges:
            self.allowance_charge(root, adjustment, document_level=True)
        totals = invoice.totals
        tax_total = self.cac(root, "TaxTotal")
        self.amount(tax_total, "TaxAmount", totals.tax_total if totals and totals.tax_total is not None else Decimal(0))
        for vat in invoice.vat_breakdown:
            subtotal = self.cac(tax_total, "TaxSubtotal")
            self.amount(subtotal, "TaxableAmount", vat.taxable_amount)
            self.amount(subtotal, "TaxAmount", vat.tax_amount)
            self.tax_category(
                subtotal, "TaxCategory", vat.category, vat.rate, vat.exemption_reason_code, vat.exemption_reason
            )
        if totals and totals.tax_total_accounting is not None:
            self.amount(self.cac(root, "TaxTotal"), "TaxAmount", totals.tax_total_accounting, invoice.tax_currency)
        monetary = self.cac(root, "LegalMonetaryTotal")
        if totals:
            self.amount(monetary, "LineExtensionAmount", totals.line_total)
            self.amount(monetary, "TaxExclusiveAmount", totals.tax_exclusive)
            self.amount(monetary, "TaxInclusiveAmount", totals.tax_inclusive)
            self.amount(monetary, "AllowanceTotalAmount", totals.allowance_total)
            self.amount(monetary, "ChargeTotalAmount", totals.charge_total)
            self.amount(monetary, "PrepaidAmount", totals.prepaid)
            self.amount(monetary, "PayableRoundingAmount", totals.rounding)
            self.amount(monetary, "PayableAmount", totals.due)
        self.lines(root)
        return root

    def payment_means(self, root):
        payment = self.invoice.payment
        if payment is None:
            if self.credit_note and self.invoice.due_date:
                means = self.cac(root, "PaymentMeans")
                self.cbc(means, "PaymentMeansCode", "1")
                self.date(means, "PaymentDueDate", self.invoice.due_date)
            return
        for index, account in enumerate(payment.credit_transfers or [None]):
            means = self.cac(root, "PaymentMeans")
            # BT-82 and BT-83 occur once (UBL-SR-46...): on the first payment means only.
            self.cbc(means, "PaymentMeansCode", payment.means_code, name=payment.means_text if index == 0 else None)
            if self.credit_note and index == 0:
                self.date(means, "PaymentDueDate", self.invoice.due_date)
            if index == 0:
                self.opt(means, "PaymentID", payment.remittance_info)
            if index == 0 and payment.card:
                card = self.cac(means, "CardAccount")
                self.cbc(card, "PrimaryAccountNumberID", payment.card.pan)
                self.cbc(card, "NetworkID", "NA")
                self.opt(card, "HolderName", payment.card.holder)
            if account is not None:
                financial = self.cac(means, "PayeeFinancialAccount")
                self.cbc(financial, "ID", account.account_id)
                self.opt(financial, "Name", account.account_name)
                if account.bank_id:
                    self.cbc(self.cac(financial, "FinancialInstitutionBranch"), "ID", account.bank_id)
            debit = payment.direct_debit
            if index == 0 and debit and (debit.mandate_id or debit.debited_account):
                mandate = self.cac(means, "PaymentMandate")
                self.opt(mandate, "ID", debit.mandate_id)
                if debit.debited_account:
                    self.cbc(self.cac(mandate, "PayerFinancialAccount"), "ID", debit.debited_account)


def build_tree(invoice, profile=Profile.EN16931):
    profile = Profile(profile)
    if profile not in UBL_PROFILES:
        raise ProfileError(profile, [f"UBL syntax (choose {', '.join(p.value for p in UBL_PROFILES)})"])
    invoice = dataclasses.replace(invoice, specification_id=SPECIFICATION_IDS[profile])
    check_profile(invoice, profile)
    # The French UBL rules carry sub-invoices (BR-FR-MV); EXTENDED-CTC-FR is the UBL profile allowing them.
    multivendor.check_buildable(invoice, profile, (Profile.EXTENDED_CTC_FR,))
    if profile == Profile.PEPPOL:
        invoice = for_peppol(invoice)
    return _Builder(invoice, invoice.type_code in CREDIT_NOTE_TYPE_CODES).build(profile)


#: The French CIUS' processing note (BT-21 BAR): BIS 3 says the process in cbc:ProfileID.
_FRENCH_PROCESSING_SUBJECT = "BAR"
_FR_CTC_SCHEME, _SIREN_SCHEME, _SIRET_SCHEME = "0225", "0002", "0009"


def _peppol_address(address):
    """The PEPPOL form of an electronic address (BT-34 / BT-49).

    The BIS 3 rules (3.0.16, PEPPOL-EN16931-CL008) do not list the French scheme 0225; a
    French address is rooted in the company's SIREN (``SIREN``, ``SIREN_SIRET[_ROUTING]``,
    ``SIREN_SUFFIX``), so it becomes the participant French companies use on PEPPOL: the
    SIRET (0009) when the address names an establishment, else the SIREN (0002).
    """
    if address is None or address.scheme != _FR_CTC_SCHEME:
        return address
    parts = address.value.split("_")
    if len(parts) > 1 and len(parts[1]) == 14 and parts[1].isdigit() and parts[1].startswith(parts[0]):
        return Identifier(parts[1], _SIRET_SCHEME)
    return Identifier(parts[0], _SIREN_SCHEME)


def for_peppol(invoice):
    """The invoice as BIS Billing 3.0 carries it: one document note (PEPPOL-EN16931-R002, "No
    more than one note is allowed on document level"; BIS 3 has no note subject, BT-21) and
    PEPPOL electronic addresses."""
    notes = [note for note in invoice.notes if note.subject_code != _FRENCH_PROCESSING_SUBJECT]
    text = "\n".join(note.text for note in notes if note.text)
    notes = [Note(text)] if text else []
    seller = dataclasses.replace(invoice.seller, electronic_address=_peppol_address(invoice.seller.electronic_address))
    buyer = invoice.buyer
    if buyer is not None:
        buyer = dataclasses.replace(buyer, electronic_address=_peppol_address(buyer.electronic_address))
    return dataclasses.replace(invoice, notes=notes, seller=seller, buyer=buyer)


def build_ubl(invoice, profile=Profile.EN16931):
    """Build the UBL 2.1 Invoice (or CreditNote for credit-note type codes) of ``invoice``."""
    return etree.tostring(build_tree(invoice, profile), xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- parsing ----------------------------------------------------------------------------


class _R(XmlReader):
    NSMAP: ClassVar[dict] = {"cac": CAC, "cbc": CBC}

    def date(self, path):
        value = self.text(path)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError as exc:
            raise ParseError(f"{path}: {value!r} is not a date (YYYY-MM-DD)") from exc

    def ident(self, path):
        found = self.find(path)
        if found is None or not (found.text or "").strip():
            return None
        return Identifier(found.text.strip(), found.get("schemeID"))


def _address(node):
    if node is None:
        return None
    return Address(
        line1=node.text("cbc:StreetName"),
        line2=node.text("cbc:AdditionalStreetName"),
        line3=node.text("cac:AddressLine/cbc:Line"),
        city=node.text("cbc:CityName"),
        post_code=node.text("cbc:PostalZone"),
        country_subdivision=node.text("cbc:CountrySubentity"),
        country_code=node.text("cac:Country/cbc:IdentificationCode"),
    )


def _party(node, seller=False):
    if node is None:
        return Party(), None
    creditor_id = None
    identifiers = []
    for ident in node.all("cac:PartyIdentification/cbc:ID"):
        if ident.attr(".", "schemeID") == SEPA:
            creditor_id = ident.text()
        else:
            identifiers.append(Identifier(ident.text(), ident.attr(".", "schemeID")))
    party = Party(
        name=node.text("cac:PartyLegalEntity/cbc:RegistrationName"),
        trading_name=node.text("cac:PartyName/cbc:Name"),
        identifiers=identifiers,
        legal_id=node.ident("cac:PartyLegalEntity/cbc:CompanyID"),
        electronic_address=node.ident("cbc:EndpointID"),
        address=_address(node.one("cac:PostalAddress")),
    )
    for scheme in node.all("cac:PartyTaxScheme"):
        if scheme.text("cac:TaxScheme/cbc:ID") == "VAT":
            party.vat_id = scheme.text("cbc:CompanyID")
        elif seller:
            party.tax_registration_id = scheme.text("cbc:CompanyID")
    if seller:
        party.legal_info = node.text("cac:PartyLegalEntity/cbc:CompanyLegalForm")
    contact = node.one("cac:Contact")
    if contact is not None:
        party.contact = Contact(
            name=contact.text("cbc:Name"), phone=contact.text("cbc:Telephone"), email=contact.text("cbc:ElectronicMail")
        )
    return party, creditor_id


def _period(node):
    if node is None or (node.find("cbc:StartDate") is None and node.find("cbc:EndDate") is None):
        return None
    return Period(start=node.date("cbc:StartDate"), end=node.date("cbc:EndDate"))


def _adjustment(node, document_level):
    common = {
        "is_charge": (node.text("cbc:ChargeIndicator") or "").lower() == "true",
        "amount": node.decimal("cbc:Amount"),
        "base_amount": node.decimal("cbc:BaseAmount"),
        "percentage": node.decimal("cbc:MultiplierFactorNumeric"),
        "reason": node.text("cbc:AllowanceChargeReason"),
        "reason_code": node.text("cbc:AllowanceChargeReasonCode"),
    }
    if not document_level:
        return LineAllowanceCharge(**common)
    return AllowanceCharge(
        vat_category=node.text("cac:TaxCategory/cbc:ID"), vat_rate=node.decimal("cac:TaxCategory/cbc:Percent"), **common
    )


def _line(node):
    item = node.one("cac:Item")
    quantity = node.one("cbc:InvoicedQuantity") or node.one("cbc:CreditedQuantity")
    price = node.one("cac:Price")
    base_quantity = price.one("cbc:BaseQuantity") if price else None
    discount = price.one("cac:AllowanceCharge") if price else None
    line = Line(
        id=node.text("cbc:ID"),
        quantity=quantity.decimal() if quantity else None,
        unit_code=quantity.attr(".", "unitCode") if quantity else None,
        net_amount=node.decimal("cbc:LineExtensionAmount"),
        item=Item(
            name=item.text("cbc:Name") if item else "",
            description=item.text("cbc:Description") if item else None,
            seller_id=item.text("cac:SellersItemIdentification/cbc:ID") if item else None,
            buyer_id=item.text("cac:BuyersItemIdentification/cbc:ID") if item else None,
            standard_id=item.ident("cac:StandardItemIdentification/cbc:ID") if item else None,
            classifications=[
                Classification(c.text(), c.attr(".", "listID"), c.attr(".", "listVersionID"))
                for c in (item.all("cac:CommodityClassification/cbc:ItemClassificationCode") if item else [])
            ],
            origin_country=item.text("cac:OriginCountry/cbc:IdentificationCode") if item else None,
            attributes=[
                ItemAttribute(a.text("cbc:Name"), a.text("cbc:Value"))
                for a in (item.all("cac:AdditionalItemProperty") if item else [])
            ],
        ),
        price=Price(
            net=price.decimal("cbc:PriceAmount") if price else None,
            discount=discount.decimal("cbc:Amount") if discount else None,
            gross=discount.decimal("cbc:BaseAmount") if discount else None,
            base_quantity=base_quantity.decimal() if base_quantity else None,
            base_quantity_unit=base_quantity.attr(".", "unitCode") if base_quantity else None,
        ),
        vat_category=item.text("cac:ClassifiedTaxCategory/cbc:ID") if item else None,
        vat_rate=item.decimal("cac:ClassifiedTaxCategory/cbc:Percent") if item else None,
        note=node.text("cbc:Note"),
        order_line_ref=node.text("cac:OrderLineReference/cbc:LineID"),
        accounting_ref=node.text("cbc:AccountingCost"),
        period=_period(node.one("cac:InvoicePeriod")),
        allowances_charges=[_adjustment(a, False) for a in node.all("cac:AllowanceCharge")],
    )
    for ref in node.all("cac:DocumentReference"):
        if ref.text("cbc:DocumentTypeCode") == INVOICED_OBJECT_TYPE:
            line.object_id = ref.ident("cbc:ID")
    return line


def parse_ubl(data):
    """Read a UBL 2.1 Invoice or CreditNote (bytes or an lxml element) into an :class:`Invoice`."""
    root = parse_xml(data) if isinstance(data, bytes | bytearray | str) else data
    if root.tag not in (f"{{{NS_INVOICE}}}Invoice", f"{{{NS_CREDIT_NOTE}}}CreditNote"):
        raise ParseError(f"not a UBL invoice: the root element is {root.tag}, not a UBL 2.1 Invoice or CreditNote")
    doc = _R(root)
    credit_note = root.tag.endswith("CreditNote")
    notes = []
    for text in (n.text() or "" for n in doc.all("cbc:Note")):
        match = _NOTE_CODE.match(text)
        notes.append(Note(match.group(2), match.group(1)) if match else Note(text))
    seller, seller_creditor = _party(doc.one("cac:AccountingSupplierParty/cac:Party"), seller=True)
    buyer, _ = _party(doc.one("cac:AccountingCustomerParty/cac:Party"))
    spec = doc.text("cbc:CustomizationID")
    process = doc.text("cbc:ProfileID")
    invoice = Invoice(
        number=doc.text("cbc:ID"),
        issue_date=doc.date("cbc:IssueDate"),
        type_code=doc.text("cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode"),
        currency=doc.text("cbc:DocumentCurrencyCode"),
        tax_currency=doc.text("cbc:TaxCurrencyCode"),
        tax_point_date=doc.date("cbc:TaxPointDate"),
        tax_point_date_code=doc.text("cac:InvoicePeriod/cbc:DescriptionCode"),
        due_date=doc.date("cbc:DueDate") or doc.date("cac:PaymentMeans/cbc:PaymentDueDate"),
        buyer_reference=doc.text("cbc:BuyerReference"),
        project_reference=doc.text("cac:ProjectReference/cbc:ID"),
        contract_reference=doc.text("cac:ContractDocumentReference/cbc:ID"),
        purchase_order_reference=doc.text("cac:OrderReference/cbc:ID"),
        sales_order_reference=doc.text("cac:OrderReference/cbc:SalesOrderID"),
        receiving_advice_reference=doc.text("cac:ReceiptDocumentReference/cbc:ID"),
        despatch_advice_reference=doc.text("cac:DespatchDocumentReference/cbc:ID"),
        tender_reference=doc.text("cac:OriginatorDocumentReference/cbc:ID"),
        buyer_accounting_reference=doc.text("cbc:AccountingCost"),
        payment_terms=doc.text("cac:PaymentTerms/cbc:Note"),
        notes=notes,
        business_process=None if process == PEPPOL_PROCESS_ID else process,
        specification_id=spec,
        preceding_invoices=[
            PrecedingInvoice(r.text("cbc:ID"), r.date("cbc:IssueDate"))
            for r in doc.all("cac:BillingReference/cac:InvoiceDocumentReference")
        ],
        seller=seller,
        buyer=buyer,
        period=_period(doc.one("cac:InvoicePeriod")),
        lines=[_line(n) for n in doc.all("cac:CreditNoteLine" if credit_note else "cac:InvoiceLine")],
        allowances_charges=[_adjustment(a, True) for a in doc.all("cac:AllowanceCharge")],
    )
    if invoice.purchase_order_reference == "NA" and invoice.sales_order_reference:
        invoice.purchase_order_reference = None
    for ref in doc.all("cac:AdditionalDocumentReference"):
        type_code = ref.text("cbc:DocumentTypeCode")
        if type_code == INVOICED_OBJECT_TYPE:
            invoice.invoiced_object = ref.ident("cbc:ID")
        elif type_code == PROJECT_TYPE and credit_note:
            invoice.project_reference = ref.text("cbc:ID")
        else:
            binary = ref.one("cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            content = None
            if binary is not None and binary.text():
                try:
                    content = base64.b64decode(binary.text())
                except ValueError as exc:
                    raise ParseError(f"BT-125: attachment {ref.text('cbc:ID')!r} is not base64") from exc
            invoice.attachments.append(
                Attachment(
                    id=ref.text("cbc:ID"),
                    description=ref.text("cbc:DocumentDescription"),
                    uri=ref.text("cac:Attachment/cac:ExternalReference/cbc:URI"),
                    content=content,
                    mime_code=binary.attr(".", "mimeCode") if binary is not None else None,
                    filename=binary.attr(".", "filename") if binary is not None else None,
                )
            )
    payee_node = doc.one("cac:PayeeParty")
    payee_creditor = None
    if payee_node is not None:
        identifier = None
        for ident in payee_node.all("cac:PartyIdentification/cbc:ID"):
            if ident.attr(".", "schemeID") == SEPA:
                payee_creditor = ident.text()
            else:
                identifier = Identifier(ident.text(), ident.attr(".", "schemeID"))
        invoice.payee = Payee(
            name=payee_node.text("cac:PartyName/cbc:Name"),
            identifier=identifier,
            legal_id=payee_node.ident("cac:PartyLegalEntity/cbc:CompanyID"),
        )
    rep = doc.one("cac:TaxRepresentativeParty")
    if rep is not None:
        invoice.tax_representative = TaxRepresentative(
            name=rep.text("cac:PartyName/cbc:Name"),
            vat_id=rep.text("cac:PartyTaxScheme/cbc:CompanyID"),
            address=_address(rep.one("cac:PostalAddress")),
        )
    delivery = doc.one("cac:Delivery")
    if delivery is not None:
        found = Delivery(
            party_name=delivery.text("cac:DeliveryParty/cac:PartyName/cbc:Name"),
            location_id=delivery.ident("cac:DeliveryLocation/cbc:ID"),
            date=delivery.date("cbc:ActualDeliveryDate"),
            address=_address(delivery.one("cac:DeliveryLocation/cac:Address")),
        )
        invoice.delivery = found if found != Delivery() else None
    means_nodes = doc.all("cac:PaymentMeans")
    creditor_id = payee_creditor or seller_creditor
    if means_nodes and not (
        credit_note
        and len(means_nodes) == 1
        and means_nodes[0].text("cbc:PaymentMeansCode") == "1"
        and means_nodes[0].find("cac:PayeeFinancialAccount") is None
    ):
        first = means_nodes[0]
        payment = PaymentInstructions(
            means_code=first.text("cbc:PaymentMeansCode"),
            means_text=first.attr("cbc:PaymentMeansCode", "name"),
            remittance_info=first.text("cbc:PaymentID"),
        )
        for means in means_nodes:
            account = means.one("cac:PayeeFinancialAccount")
            if account is not None:
                payment.credit_transfers.append(
                    CreditTransfer(
                        account.text("cbc:ID"),
                        account.text("cbc:Name"),
                        account.text("cac:FinancialInstitutionBranch/cbc:ID"),
                    )
                )
        card = first.one("cac:CardAccount")
        if card is not None:
            payment.card = PaymentCard(card.text("cbc:PrimaryAccountNumberID"), card.text("cbc:HolderName"))
        mandate = first.one("cac:PaymentMandate")
        if mandate is not None or creditor_id:
            payment.direct_debit = DirectDebit(
                mandate_id=mandate.text("cbc:ID") if mandate is not None else None,
                creditor_id=creditor_id,
                debited_account=mandate.text("cac:PayerFinancialAccount/cbc:ID") if mandate is not None else None,
            )
        invoice.payment = payment
    tax_totals = doc.all("cac:TaxTotal")
    tax_total = tax_accounting = None
    for total in tax_totals:
        amount = total.one("cbc:TaxAmount")
        if amount is None:
            continue
        if amount.attr(".", "currencyID") == invoice.currency and tax_total is None:
            tax_total = amount.decimal()
            for subtotal in total.all("cac:TaxSubtotal"):
                invoice.vat_breakdown.append(
                    VatBreakdown(
                        taxable_amount=subtotal.decimal("cbc:TaxableAmount"),
                        tax_amount=subtotal.decimal("cbc:TaxAmount"),
                        category=subtotal.text("cac:TaxCategory/cbc:ID"),
                        rate=subtotal.decimal("cac:TaxCategory/cbc:Percent"),
                        exemption_reason=subtotal.text("cac:TaxCategory/cbc:TaxExemptionReason"),
                        exemption_reason_code=subtotal.text("cac:TaxCategory/cbc:TaxExemptionReasonCode"),
                    )
                )
        else:
            tax_accounting = amount.decimal()
    monetary = doc.one("cac:LegalMonetaryTotal")
    if monetary is not None:
        invoice.totals = Totals(
            line_total=monetary.decimal("cbc:LineExtensionAmount"),
            allowance_total=monetary.decimal("cbc:AllowanceTotalAmount"),
            charge_total=monetary.decimal("cbc:ChargeTotalAmount"),
            tax_exclusive=monetary.decimal("cbc:TaxExclusiveAmount"),
            tax_total=tax_total,
            tax_total_accounting=tax_accounting,
            tax_inclusive=monetary.decimal("cbc:TaxInclusiveAmount"),
            prepaid=monetary.decimal("cbc:PrepaidAmount"),
            rounding=monetary.decimal("cbc:PayableRoundingAmount"),
            due=monetary.decimal("cbc:PayableAmount"),
        )
    if invoice.business_process in MULTI_VENDOR_FRAMES | BIDIRECTIONAL_FRAMES:
        _read_sub_invoices(invoice, doc.all("cac:CreditNoteLine" if credit_note else "cac:InvoiceLine"))
    return invoice


def _read_item_seller(node):
    if node is None:
        return Party()
    legal = node.one("cac:PartyLegalEntity/cbc:CompanyID")
    return Party(
        name=node.text("cac:PartyLegalEntity/cbc:RegistrationName"),
        legal_id=Identifier(legal.text(), legal.attr(".", "schemeID")) if legal is not None and legal.text() else None,
        vat_id=node.text("cac:PartyTaxScheme/cbc:CompanyID"),
        address=_address(node.one("cac:PostalAddress")),
    )


def _read_sub_invoices(invoice, nodes):
    """Multi-vendor / bidirectional: GROUP lines become sub-invoices, DETAIL lines stay the invoice lines
    (see the CII reader); the sub-type is the status of the line's billing reference to the invoice."""
    lines = []
    for node, line in zip(nodes, invoice.lines, strict=True):
        status = parent = None
        preceding = None
        for reference in node.all("cac:BillingReference"):
            if reference.text("cac:InvoiceDocumentReference/cbc:ID") == invoice.number:
                status = reference.text("cac:InvoiceDocumentReference/cbc:DocumentStatusCode")
                parent = reference.text("cac:BillingReferenceLine/cbc:ID")
            else:
                preceding = PrecedingInvoice(
                    reference.text("cac:InvoiceDocumentReference/cbc:ID"),
                    reference.date("cac:InvoiceDocumentReference/cbc:IssueDate"),
                )
        objects = {}
        for ref in node.all("cac:DocumentReference"):
            if ref.text("cbc:DocumentTypeCode") == INVOICED_OBJECT_TYPE:
                objects[ref.attr("cbc:ID", "schemeID")] = ref.text("cbc:ID")
        if status == LINE_GROUP and not parent:
            tax_amount = tax_accounting = None
            for amount in node.all("cac:TaxTotal/cbc:TaxAmount"):
                if amount.attr(".", "currencyID") in (None, invoice.currency) and tax_amount is None:
                    tax_amount = amount.decimal()
                else:
                    tax_accounting = amount.decimal()
            invoice.sub_invoices.append(
                SubInvoice(
                    number=objects.get(SUB_INVOICE_SCHEME),
                    frame=objects.get(SUB_INVOICE_FRAME_SCHEME),
                    seller=_read_item_seller(node.one("cac:Item/cac:ManufacturerParty")),
                    line_id=line.id,
                    name=line.item.name,
                    net_amount=line.net_amount,
                    tax_amount=tax_amount,
                    tax_amount_accounting=tax_accounting,
                    gross_amount=line.net_amount + tax_amount if tax_amount is not None else None,
                    preceding_invoice=preceding,
                )
            )
        elif status in (LINE_DETAIL, None):
            line.sub_invoice = objects.get(SUB_INVOICE_SCHEME)
            line.object_id = next(
                (
                    Identifier(v, k)
                    for k, v in objects.items()
                    if k not in (SUB_INVOICE_SCHEME, SUB_INVOICE_FRAME_SCHEME)
                ),
                None,
            )
            line.vat_exemption_reason = node.text("cac:Item/cac:ClassifiedTaxCategory/cbc:TaxExemptionReason")
            line.vat_exemption_reason_code = node.text("cac:Item/cac:ClassifiedTaxCategory/cbc:TaxExemptionReasonCode")
            lines.append(line)
    invoice.lines = lines
