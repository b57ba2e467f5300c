"""account.move -> the engine's EN 16931 model, the XML file, and its validation."""

import hashlib
import logging
import threading
from collections import OrderedDict, defaultdict
from decimal import Decimal

from stdnum import ean, iban

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from einvoice import api as einvoice_api
from einvoice.codes import NoteSubject, Scheme
from einvoice.errors import EInvoiceError, ParseError
from einvoice.model import (
    Address,
    Attachment,
    Contact,
    CreditTransfer,
    Delivery,
    Identifier,
    Invoice,
    Item,
    Line,
    LineAllowanceCharge,
    Note,
    Party,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    Price,
    TaxRepresentative,
    Totals,
    VatBreakdown,
    identifier_problems,
)
from einvoice.money import round_amount, round_to
from einvoice.pdf import embed_xml, extract_xml, is_signed
from einvoice.profiles import Profile
from einvoice.validation import validate

from ..language import engine_lang
from ..notification import notification
from .account_move import CORRECTED_TYPES
from .account_tax import CATEGORIES_WITH_REASON
from .res_company import VAT_GROUP_NOTE, VAT_GROUP_SCHEME
from .res_partner import EINVOICE_FORMATS

_logger = logging.getLogger(__name__)


def embedded_xml(pdf):
    """The invoice XML a PDF carries, or None."""
    try:
        return extract_xml(pdf)[1]
    except ParseError:
        return None


ZERO = Decimal(0)

#: Odoo units of measure (xml id) -> UN/ECE Recommendation 20 codes (BT-130).
UOM_CODES = {
    "uom.product_uom_unit": "C62",
    "uom.product_uom_dozen": "DZN",
    "uom.product_uom_kgm": "KGM",
    "uom.product_uom_gram": "GRM",
    "uom.product_uom_ton": "TNE",
    "uom.product_uom_lb": "LBR",
    "uom.product_uom_oz": "ONZ",
    "uom.product_uom_day": "DAY",
    "uom.product_uom_hour": "HUR",
    "uom.product_uom_minute": "MIN",
    "uom.product_uom_meter": "MTR",
    "uom.product_uom_km": "KMT",
    "uom.product_uom_cm": "CMT",
    "uom.product_uom_millimeter": "MMT",
    "uom.product_uom_foot": "FOT",
    "uom.product_uom_inch": "INH",
    "uom.product_uom_mile": "SMI",
    "uom.product_uom_yard": "YRD",
    "uom.product_uom_litre": "LTR",
    "uom.product_uom_cubic_meter": "MTQ",
    "uom.product_uom_square_meter": "MTK",
    "uom.product_uom_square_foot": "FTK",
    "uom.product_uom_gal": "GLL",
    "uom.product_uom_floz": "OZA",
    "uom.product_uom_qt": "QT",
    "uom.product_uom_cubic_inch": "INQ",
    "uom.product_uom_cubic_foot": "FTQ",
}

PROFILES = {"EN16931": Profile.EN16931, "EXTENDED-CTC-FR": Profile.EXTENDED_CTC_FR}

#: Where to fix what a rule complains about, by business term (the first match wins).
SELLER_TERMS = {"BT-27", "BT-28", "BT-29", "BT-30", "BT-31", "BT-32", "BT-33", "BT-34", "BG-4", "BG-5", "BG-6"}
SELLER_TERMS |= {"BT-35", "BT-36", "BT-37", "BT-38", "BT-40", "BT-41", "BT-42", "BT-43"}
BUYER_TERMS = {"BT-44", "BT-45", "BT-46", "BT-47", "BT-48", "BT-49", "BG-7", "BG-8", "BG-9"}
BUYER_TERMS |= {"BT-50", "BT-51", "BT-52", "BT-53", "BT-55", "BT-56", "BT-58"}
TAX_TERMS = {"BT-95", "BT-102", "BT-118", "BT-119", "BT-120", "BT-121", "BT-151", "BT-152", "BG-23"}
BANK_TERMS = {"BT-81", "BT-84", "BT-85", "BT-86", "BG-16", "BG-17"}
NOTE_RULES = {"BR-FR-05", "BR-FR-06"}


#: Reports of the last files validated, by content: "Check e-invoice" then "Send" validates once.
_REPORTS = OrderedDict()
_REPORTS_LOCK = threading.Lock()
_REPORTS_KEPT = 256


def validated(xml, **options):
    """The validation report of ``xml``, from the cache when the same bytes were just validated."""
    key = (hashlib.sha256(xml).digest(), tuple(sorted((k, str(v)) for k, v in options.items())))
    with _REPORTS_LOCK:
        report = _REPORTS.get(key)
        if report is not None:
            _REPORTS.move_to_end(key)
            return report
    report = validate(xml, **options)
    with _REPORTS_LOCK:
        _REPORTS[key] = report
        while len(_REPORTS) > _REPORTS_KEPT:
            _REPORTS.popitem(last=False)
    return report


def dec(value, digits=2):
    """An Odoo float as a Decimal with ``digits`` decimals."""
    return round_to(Decimal(repr(value or 0.0)), digits)


def trimmed(value):
    """A Decimal without trailing zeros (1.500000 -> 1.5)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


class InvalidEinvoiceError(UserError):
    """An e-invoice that breaks the rules: it does not leave, its findings are on the invoice."""

    def __init__(self, move, report, problems):
        super().__init__(
            move.env._(
                "%(move)s is not sent: its e-invoice does not pass validation. "
                "Open the invoice's E-invoice tab for the rules to fix.",
                move=move.display_name,
            )
        )
        self.move, self.report, self.problems = move, report, problems

    def keep_findings(self):
        """Store the findings again, after a rolled-back savepoint took them away with the rest."""
        self.move._l10n_fr_store_findings(self.report, self.problems)


class AccountMove(models.Model):
    _inherit = "account.move"

    # --- the model ----------------------------------------------------------------------

    def _l10n_fr_einvoice_format_of(self):
        """(target, Profile) of the e-invoice to issue for this invoice."""
        self.ensure_one()
        target, profile = self.partner_id._l10n_fr_einvoice_format() or EINVOICE_FORMATS["fr_facturx"]
        return target, PROFILES[profile]

    def _l10n_fr_sign(self):
        """Multiplier turning accounting amounts into the document's positive amounts."""
        return -1 if self.move_type in ("out_invoice", "out_receipt", "in_refund") else 1

    def _l10n_fr_einvoice_model(self):
        """Map the invoice onto an einvoice Invoice; returns (invoice, problems).

        ``problems`` lists what the mapping itself found wrong, as dicts shaped like
        findings, before any schematron runs.
        """
        self.ensure_one()
        problems = []
        company = self.company_id
        decimals = self.currency_id.decimal_places
        sign = self._l10n_fr_sign()
        # Self-billing: the company issues the bill as its supplier's invoice, the supplier being the
        # seller (BG-4) and the company the buyer (BG-7); otherwise the company sells.
        company_party, partner_party = self._l10n_fr_seller_party(), self._l10n_fr_buyer_party()
        seller, buyer = (
            (partner_party, company_party) if self._l10n_fr_is_self_billed() else (company_party, partner_party)
        )
        invoice = Invoice(
            number=self.name if self.name and self.name != "/" else self.env._("DRAFT"),
            issue_date=self.invoice_date or fields.Date.context_today(self),
            type_code=self.l10n_fr_document_type or ("381" if self.move_type.endswith("refund") else "380"),
            currency=self.currency_id.name,
            due_date=self.invoice_date_due,
            buyer_reference=self.l10n_fr_buyer_reference or None,
            contract_reference=self.l10n_fr_contract_ref or None,
            purchase_order_reference=self.l10n_fr_purchase_order_ref or None,
            business_process=self.l10n_fr_billing_frame or None,
            seller=seller,
            buyer=buyer,
        )
        if company.l10n_fr_vat_on_debits and self.l10n_fr_operation_category in ("S", "M"):
            invoice.tax_point_date_code = "3"
        if self.l10n_fr_period_start or self.l10n_fr_period_end:
            invoice.period = Period(self.l10n_fr_period_start or None, self.l10n_fr_period_end or None)
        if self.l10n_fr_frame_kind == "2":
            # Already paid: the due date is the date it was paid (BR-FR-CO-09), when the books know it.
            paid_on = self._get_reconciled_payments().mapped("date")
            if paid_on:
                invoice.due_date = max(paid_on)
        self._l10n_fr_document_type_problems(problems)
        if not self._l10n_fr_is_self_billed():
            self._l10n_fr_vat_group(invoice, problems)
        if self.invoice_payment_term_id:
            invoice.payment_terms = self.invoice_payment_term_id.name
        invoice.notes += self._l10n_fr_notes()
        invoice.preceding_invoices = [
            PrecedingInvoice(move.name, move.invoice_date)
            for move in self.l10n_fr_preceding_move_ids.sorted(lambda m: (m.invoice_date or m.date, m.id))
        ]
        invoice.delivery = self._l10n_fr_delivery()
        invoice.payment = self._l10n_fr_payment(problems)

        # Lines, and the VAT breakdown from the amounts Odoo computed.
        taxable = defaultdict(lambda: ZERO)
        reasons = {}
        tax_of_group = {}
        product_lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        for number, line in enumerate(product_lines, start=1):
            entry, vat_tax = self._l10n_fr_line(line, str(number), problems)
            invoice.lines.append(entry)
            if vat_tax:
                key = (entry.vat_category, entry.vat_rate)
                taxable[key] += entry.net_amount
                tax_of_group.setdefault(key, vat_tax)
                if vat_tax.l10n_fr_exemption_reason or vat_tax.l10n_fr_exemption_reason_code:
                    reasons.setdefault(
                        entry.vat_category,
                        (vat_tax.l10n_fr_exemption_reason_code or None, vat_tax.l10n_fr_exemption_reason or None),
                    )
        tax_amounts = defaultdict(lambda: ZERO)
        tax_amounts_accounting = ZERO
        rounding = ZERO
        for line in self.line_ids:
            if line.display_type == "tax" and line.tax_line_id and not line.tax_line_id._l10n_fr_is_charge():
                category, rate = self._l10n_fr_tax_category_rate(line.tax_line_id)
                tax_amounts[(category, rate)] += dec(line.amount_currency * sign, decimals)
                tax_amounts_accounting += dec(line.balance * sign, company.currency_id.decimal_places)
            elif line.display_type == "rounding":
                rounding += dec(line.amount_currency * sign, decimals)
        for key, base in taxable.items():
            category, rate = key
            entry = VatBreakdown(
                taxable_amount=round_amount(base),
                tax_amount=round_amount(tax_amounts.get(key, ZERO)),
                category=category,
                rate=rate if category != "O" else None,
            )
            if category in CATEGORIES_WITH_REASON:
                entry.exemption_reason_code, entry.exemption_reason = reasons.get(category, (None, None))
            invoice.vat_breakdown.append(entry)
        for key in set(tax_amounts) - set(taxable):
            problems.append(
                self._l10n_fr_problem(
                    "BR-CO-14",
                    "BT-117",
                    self.env._(
                        "A tax amount of %(amount)s (category %(category)s) has no line it applies to.",
                        amount=tax_amounts[key],
                        category=key[0],
                    ),
                )
            )
        invoice.attachments = self._l10n_fr_attachments()
        charge_notes = dict.fromkeys(
            tax.l10n_fr_charge_note
            for tax in product_lines.tax_ids.flatten_taxes_hierarchy()
            if tax._l10n_fr_is_charge() and tax.l10n_fr_charge_note
        )
        invoice.notes += [Note(text, "BLU") for text in charge_notes]
        if any(line.vat_category == "O" for line in invoice.lines):
            # Outside the scope of VAT: no VAT identifier on either side (BR-O-02).
            invoice.seller.vat_id = invoice.buyer.vat_id = None
        for term_id, message in identifier_problems(invoice, engine_lang(self.env)):
            problems.append(self._l10n_fr_problem("IDENTIFIER", term_id, message))

        line_total = round_amount(sum((line.net_amount for line in invoice.lines), ZERO))
        tax_total = round_amount(sum((entry.tax_amount for entry in invoice.vat_breakdown), ZERO))
        tax_inclusive = line_total + tax_total
        prepaid = None
        if self.l10n_fr_frame_kind == "2":
            prepaid = tax_inclusive + rounding
        elif self.state == "posted" and self.payment_state in ("paid", "in_payment", "partial"):
            prepaid = dec(self.amount_total - self.amount_residual, decimals)
        invoice.totals = Totals(
            line_total=line_total,
            tax_exclusive=line_total,
            tax_total=tax_total,
            tax_inclusive=tax_inclusive,
            prepaid=prepaid,
            rounding=rounding or None,
            due=tax_inclusive + rounding - (prepaid or ZERO),
        )
        if self.currency_id != company.currency_id:
            invoice.tax_currency = company.currency_id.name
            invoice.totals.tax_total_accounting = tax_amounts_accounting
        odoo_total = dec(self.amount_total, decimals)
        if tax_inclusive + rounding != odoo_total:
            problems.append(
                self._l10n_fr_problem(
                    "BR-CO-15",
                    "BT-112",
                    self.env._(
                        "The e-invoice total %(einvoice)s differs from the invoice total %(odoo)s: "
                        "a tax that is not VAT or a line without tax is probably involved.",
                        einvoice=tax_inclusive + rounding,
                        odoo=odoo_total,
                    ),
                )
            )
        return invoice, problems

    def _l10n_fr_problem(self, rule_id, term, message, model=None, res_id=None, field=None):
        return {
            "rule_id": rule_id,
            "severity": "fatal",
            "business_term": term,
            "message": message,
            "location": False,
            "fix_model": model,
            "fix_res_id": res_id,
            "field_description": field,
        }

    def _l10n_fr_address(self, partner):
        return Address(
            line1=partner.street or None,
            line2=partner.street2 or None,
            city=partner.city or None,
            post_code=partner.zip or None,
            country_subdivision=partner.state_id.name or None,
            country_code=partner.country_id.code or None,
        )

    def _l10n_fr_seller_party(self):
        company = self.company_id
        partner = company.partner_id
        siren = partner.l10n_fr_siren or None
        party = Party(
            name=company.name,
            identifiers=[Identifier(partner.siret.replace(" ", ""), Scheme.SIRET)] if partner.siret else [],
            legal_id=Identifier(siren, Scheme.SIREN) if siren else None,
            vat_id=company.vat or None,
            legal_info=company.company_registry or None,
            address=self._l10n_fr_address(partner),
            contact=Contact(
                name=self.invoice_user_id.name or None,
                phone=company.phone or None,
                email=company.email or None,
            ),
        )
        address = partner.l10n_fr_electronic_address or siren
        if address:
            party.electronic_address = Identifier(address, Scheme.FR_CTC_ADDRESS)
        elif company.email:
            party.electronic_address = Identifier(company.email, Scheme.EMAIL)
        return party

    def _l10n_fr_processing(self):
        """BAR note: B2B (French business), B2BINT (foreign business) or B2C (consumer)."""
        buyer = self.partner_id.commercial_partner_id
        if not buyer.is_company and not buyer.vat and not buyer.l10n_fr_siren:
            return "B2C"
        if buyer.country_code == "FR" or buyer.l10n_fr_siren:
            return "B2B"
        return "B2BINT"

    def _l10n_fr_buyer_party(self):
        buyer = self.partner_id.commercial_partner_id
        party = Party(name=buyer.name, address=self._l10n_fr_address(buyer))
        if self._l10n_fr_processing() != "B2C":
            if buyer.siret:
                party.identifiers = [Identifier(buyer.siret.replace(" ", ""), Scheme.SIRET)]
            if buyer.l10n_fr_siren:
                party.legal_id = Identifier(buyer.l10n_fr_siren, Scheme.SIREN)
            party.vat_id = buyer.vat or None
        if buyer.l10n_fr_electronic_address:
            party.electronic_address = Identifier(buyer.l10n_fr_electronic_address, Scheme.FR_CTC_ADDRESS)
        elif buyer.l10n_fr_siren:
            party.electronic_address = Identifier(buyer.l10n_fr_siren, Scheme.FR_CTC_ADDRESS)
        elif "peppol_eas" in buyer._fields and buyer.peppol_eas and buyer.peppol_endpoint:
            party.electronic_address = Identifier(buyer.peppol_endpoint, buyer.peppol_eas)
        elif buyer.email:
            party.electronic_address = Identifier(buyer.email, Scheme.EMAIL)
        contact = self.partner_id if self.partner_id != buyer else buyer
        if contact.email or contact.phone:
            party.contact = Contact(
                name=contact.name if contact != buyer else None,
                phone=contact.phone or None,
                email=contact.email or None,
            )
        return party

    def _l10n_fr_notes(self):
        company = self.company_id
        notes = [Note(self._l10n_fr_processing(), NoteSubject.PROCESSING)]
        for code, text in (
            (NoteSubject.PAYMENT_TERMS_PENALTIES, company.l10n_fr_note_pmt),
            (NoteSubject.LATE_PAYMENT_PENALTIES, company.l10n_fr_note_pmd),
            (NoteSubject.DISCOUNT_TERMS, self._l10n_fr_discount_note() or company.l10n_fr_note_aab),
        ):
            if text:
                notes.append(Note(text, code))
        narration = html2plaintext(self.narration or "").strip()
        if narration:
            notes.append(Note(narration, NoteSubject.GENERAL))
        if self._l10n_fr_is_self_billed():
            # Mandatory mention of a self-billed invoice (CGI art. 242 nonies A, I-13°).
            reference = self.partner_id.commercial_partner_id.with_company(company).l10n_fr_self_billing_ref
            notes.append(
                Note(f"Autofacturation - {reference}" if reference else "Autofacturation", NoteSubject.REGULATORY)
            )
        return notes

    def _l10n_fr_discount_note(self):
        """AAB note stating the early payment discount the invoice's terms grant, or None.

        The company's default note says there is none: it must not contradict terms that grant one.
        """
        terms = self.invoice_payment_term_id
        if not terms.early_discount or not terms.discount_percentage:
            return None
        start = self.invoice_date or fields.Date.context_today(self)
        return self.env._(
            "Early payment discount of %(percent)s%% if paid within %(days)s days, by %(date)s.",
            percent=trimmed(Decimal(repr(terms.discount_percentage))),
            days=terms.discount_days,
            date=tools.format_date(self.env, fields.Date.add(start, days=terms.discount_days)),
        )

    def _l10n_fr_delivery(self):
        """BG-13: where (the invoice's delivery address) and when the goods or services went.

        Odoo always knows a delivery address (the customer's own by default): stating it
        also keeps the CII delivery block from being empty (PEPPOL-EN16931-R008).
        """
        # A bill's goods and services came to the company (the buyer of a self-billed invoice).
        shipping = (
            self.company_id.partner_id if self.is_purchase_document() else self.partner_shipping_id or self.partner_id
        )
        intra_eu = any(
            tax.l10n_fr_vat_category == "K" for tax in self.invoice_line_ids.tax_ids.flatten_taxes_hierarchy()
        )
        elsewhere = shipping not in (self.partner_id, self.partner_id.commercial_partner_id)
        date = self.delivery_date or None
        if intra_eu and not date:
            date = self.invoice_date or None  # intra-community supplies state when the goods went (BR-IC-11)
        if not shipping.country_id and not date:
            return None
        return Delivery(
            party_name=shipping.name if elsewhere else None,
            date=date,
            address=self._l10n_fr_address(shipping) if shipping.country_id else None,
        )

    def _l10n_fr_payment(self, problems):
        bank = self.partner_bank_id
        payment = PaymentInstructions(means_code="30", remittance_info=self.payment_reference or None)
        if bank:
            account = bank.acc_number.replace(" ", "").upper()
            if bank.acc_type == "iban" and iban.is_valid(account):
                payment.means_code = "58"
            payment.credit_transfers = [
                CreditTransfer(account, bank.acc_holder_name or bank.partner_id.name or None, bank.bank_bic or None)
            ]
        elif self.move_type.endswith("refund"):
            return None  # a credit note pays nothing to the seller: no account to state
        elif self._l10n_fr_is_self_billed():
            problems.append(
                self._l10n_fr_problem(
                    "BR-61",
                    "BT-84",
                    self.env._(
                        "Recipient Bank: a payment by credit transfer needs the supplier's bank account (BT-84), "
                        "the seller of a self-billed invoice; choose it on the bill or add one to the supplier."
                    ),
                    "account.move",
                    self.id,
                    self.env._("Recipient Bank"),
                )
            )
        else:
            problems.append(
                self._l10n_fr_problem(
                    "BR-61",
                    "BT-84",
                    self.env._(
                        "Recipient Bank: a payment by credit transfer needs the company's bank account (BT-84); "
                        "choose it on the invoice or add one to the company."
                    ),
                    "account.move",
                    self.id,
                    self.env._("Recipient Bank"),
                )
            )
        return payment

    def _l10n_fr_tax_category_rate(self, tax):
        category = tax.l10n_fr_vat_category or "S"
        rate = trimmed(Decimal(repr(tax.amount))) if category not in ("O",) else None
        if category in ("E", "AE", "K", "G", "Z"):
            rate = ZERO
        return category, rate

    def _l10n_fr_line(self, line, number, problems):
        decimals = self.currency_id.decimal_places
        quantity = dec(line.quantity, 4)
        subtotal = dec(line.price_subtotal, decimals)
        price_unit = Decimal(repr(line.price_unit))
        if price_unit < 0:  # a discount line: a positive price with a negative quantity (BR-27)
            quantity, price_unit = -quantity, -price_unit
        taxes = line.tax_ids.flatten_taxes_hierarchy()
        vat_taxes = taxes.filtered(lambda tax: tax.amount_type in ("percent", "division"))
        charge_taxes = taxes.filtered(lambda tax: tax._l10n_fr_is_charge())
        # The price excludes every tax, VAT and fixed ones (eco-contributions) alike: those are charges below.
        price = self._l10n_fr_price(
            line, quantity, price_unit, subtotal, price_included=any(taxes.mapped("price_include"))
        )
        charges = self._l10n_fr_line_charges(line, charge_taxes, vat_taxes[:1], number, problems)
        net_amount = subtotal + sum((charge.amount if charge.is_charge else -charge.amount for charge in charges), ZERO)
        name = (line.product_id.name or line.name or "").strip() or self.env._("Line %s", number)
        description = (line.name or "").strip()
        item = Item(name=name, description=description if description and description != name else None)
        if line.product_id:
            item.seller_id = line.product_id.default_code or None
            barcode = line.product_id.barcode
            if barcode and ean.is_valid(barcode) and len(barcode) in (8, 12, 13, 14):
                item.standard_id = Identifier(barcode, "0160")
        entry = Line(
            id=number,
            quantity=trimmed(quantity),
            unit_code=self._l10n_fr_unit_code(line.product_uom_id.id),
            net_amount=net_amount,
            item=item,
            price=price,
            allowances_charges=charges,
        )
        vat_tax = vat_taxes[:1]
        if len(vat_taxes) != 1 or taxes - vat_taxes - charge_taxes:
            problems.append(
                self._l10n_fr_problem(
                    "BR-CO-04",
                    "BT-151",
                    self.env._(
                        "Line %(line)s (%(name)s) must carry exactly one VAT tax; it has %(taxes)s.",
                        line=number,
                        name=name,
                        taxes=", ".join(taxes.mapped("name")) or self.env._("none"),
                    ),
                    "account.move",
                    self.id,
                    self.env._("Taxes"),
                )
            )
        if vat_tax:
            entry.vat_category, entry.vat_rate = self._l10n_fr_tax_category_rate(vat_tax)
        else:
            entry.vat_category, entry.vat_rate = "S", None
        return entry, vat_tax

    def _l10n_fr_line_charges(self, line, charge_taxes, vat_tax, number, problems):
        """BG-28: the fixed taxes of a line (eco-contributions) as charges, inside the line's VAT base.

        EN 16931 knows only VAT as a tax: a fixed tax that is not VAT goes out as a charge on the
        line, added to its net amount (BT-131) and so to the VAT base (BT-116), as the French
        eco-contribution is itself subject to VAT (CGI art. 267).
        """
        if not charge_taxes:
            return []
        decimals = self.currency_id.decimal_places
        base_line = self._prepare_product_base_line_for_taxes_computation(line)
        self.env["account.tax"]._add_tax_details_in_base_line(base_line, self.company_id)
        details = base_line["tax_details"]
        charges = []
        total = ZERO
        for data in details["taxes_data"]:
            tax = data["tax"]
            if tax not in charge_taxes:
                continue
            amount = dec(data["raw_tax_amount_currency"], decimals)
            if not amount:
                continue
            total += amount
            charges.append(
                LineAllowanceCharge(
                    is_charge=amount > 0,
                    amount=abs(amount),
                    reason=(tax.invoice_label or tax.name or "").strip() or None,
                    # UNTDID 7161 lists charge reasons only: an allowance (a negative fixed tax) goes uncoded.
                    reason_code=(tax.l10n_fr_charge_reason_code or None) if amount > 0 else None,
                )
            )
        vat_data = [data for data in details["taxes_data"] if data["tax"] in vat_tax]
        subtotal = dec(details["raw_total_excluded_currency"], decimals)
        if vat_data and dec(vat_data[0]["raw_base_amount_currency"], decimals) != subtotal + total:
            problems.append(
                self._l10n_fr_problem(
                    "BR-CO-17",
                    "BT-141",
                    self.env._(
                        "Line %(line)s: the fixed tax %(taxes)s is written as a charge subject to VAT, but Odoo "
                        "leaves it out of the base of %(vat)s. Tick 'Affect Base of Subsequent Taxes' on it and "
                        "give it a sequence before the VAT.",
                        line=number,
                        taxes=", ".join(charge_taxes.mapped("name")),
                        vat=vat_tax.name,
                    ),
                    "account.tax",
                    charge_taxes[0].id,
                    self.env._("Affect Base of Subsequent Taxes"),
                )
            )
        return charges

    def _l10n_fr_charge_tax_amount(self):
        """Total of the fixed taxes (eco-contributions), positive: line charges in the file, inside BT-109."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.tax_line_id and line.tax_line_id._l10n_fr_is_charge())
        return sum(lines.mapped("amount_currency")) * self._l10n_fr_sign()

    def _l10n_fr_document_type_problems(self, problems):
        """What the document type asks of the invoice's references, said before the schematron does."""
        code = self.l10n_fr_document_type
        preceding = self.l10n_fr_preceding_move_ids
        if code in CORRECTED_TYPES and len(preceding) != 1:
            problems.append(
                self._l10n_fr_problem(
                    "BR-FR-CO-04",
                    "BT-25",
                    self.env._(
                        "Preceding invoices: a corrected invoice (type %(type)s) names exactly one invoice, the "
                        "one it corrects; this one names %(count)s.",
                        type=code,
                        count=len(preceding),
                    ),
                    "account.move",
                    self.id,
                    self.env._("Preceding invoices (BG-3)"),
                )
            )
        if code == "262" and not (self.l10n_fr_contract_ref and self.l10n_fr_period_start and self.l10n_fr_period_end):
            problems.append(
                self._l10n_fr_problem(
                    "BR-FR-CO-03",
                    "BT-12",
                    self.env._(
                        "A consolidated credit note (type 262, global rebate) states the contract (BT-12) and the "
                        "invoicing period it covers (BG-14): fill in Contract, Invoicing period from and to."
                    ),
                    "account.move",
                    self.id,
                    self.env._("Contract (BT-12)"),
                )
            )

    def _l10n_fr_vat_group(self, invoice, problems):
        """A member of a single VAT taxpayer (assujetti unique, CGI art. 256 C) names its group.

        Annex 7 G1.76 and BR-FR-CO-14/15: the group's SIREN as a seller identifier with scheme
        0231, the note TXD "MEMBRE_ASSUJETTI_UNIQUE", and the group (its name, VAT number and
        address) as the seller's tax representative (BG-11).
        """
        company = self.company_id
        if not company.l10n_fr_vat_group_member:
            return
        group = company.l10n_fr_vat_group_partner_id
        siren = (company.l10n_fr_vat_group_siren or "").replace(" ", "")
        if not group or not group.vat or not group.country_id or not siren:
            problems.append(
                self._l10n_fr_problem(
                    "BR-FR-CO-15",
                    "BG-11",
                    self.env._(
                        "VAT group: the company is a member of a VAT group; its settings need the group "
                        "(with its VAT number and country) and the group's SIREN."
                    ),
                    "res.company",
                    company.id,
                    self.env._("VAT group (BG-11)"),
                )
            )
        if siren:
            invoice.seller.identifiers.append(Identifier(siren, VAT_GROUP_SCHEME))
        invoice.notes.append(Note(VAT_GROUP_NOTE, NoteSubject.TAX_DECLARATION))
        if group:
            invoice.tax_representative = TaxRepresentative(
                name=group.name, vat_id=group.vat or None, address=self._l10n_fr_address(group)
            )

    @api.model
    @tools.ormcache("uom_id")
    def _l10n_fr_unit_code(self, uom_id):
        """UN/ECE Rec 20 code of a unit of measure (BT-130), C62 (one) when unknown."""
        if not uom_id:
            return "C62"
        xml_id = self.env["uom.uom"].browse(uom_id).get_external_id().get(uom_id)
        return UOM_CODES.get(xml_id, "C62")

    def _l10n_fr_price(self, line, quantity, price_unit, net_amount, price_included):
        """BG-29: net price, with the gross price and discount when the line has one."""
        if not quantity:
            return Price(net=trimmed(round_to(abs(price_unit), 6)))
        if not price_included:
            if line.discount:
                net = round_to(price_unit * (1 - Decimal(repr(line.discount)) / 100), 6)
                if round_amount(quantity * net) == net_amount:
                    return Price(net=trimmed(net), gross=trimmed(price_unit), discount=trimmed(price_unit - net))
            elif round_amount(quantity * price_unit) == net_amount:
                return Price(net=trimmed(round_to(price_unit, 6)))
        # Tax-included prices, or a rounding Odoo did differently: the net price the amount implies.
        return Price(net=trimmed(round_to(abs(net_amount / quantity), 6)))

    def _l10n_fr_attachments(self):
        result = []
        for attachment in self.l10n_fr_einvoice_attachment_ids:
            result.append(
                Attachment(
                    id=attachment.name,
                    description="PJA",
                    content=attachment.raw,
                    mime_code=attachment.mimetype or None,
                    filename=attachment.name,
                )
            )
        return result

    # --- building and checking -------------------------------------------------------------

    def _l10n_fr_einvoice_xml(self, target=None, profile=None):
        """Build the invoice's XML and validate it.

        Returns ``(xml_bytes or None, report or None, problems)``; ``problems`` are the
        mapping's own findings (as dicts), the report holds the schematron's.
        """
        self.ensure_one()
        default_target, default_profile = self._l10n_fr_einvoice_format_of()
        target = target or default_target
        profile = profile or default_profile
        invoice, problems = self._l10n_fr_einvoice_model()
        syntax = "ubl" if target == "ubl" else "cii"
        try:
            xml = einvoice_api.build(invoice, syntax, profile, for_facturx=target == "facturx")
        except EInvoiceError as exc:
            problems.append(self._l10n_fr_problem("MAPPING", None, str(exc)))
            return None, None, problems
        report = validated(xml, facturx=target == "facturx", profile=profile)
        return xml, report, problems

    def _l10n_fr_finding_base(self, finding):
        """Values of a finding record for a validation Finding, its message in the user's language."""
        return {
            "rule_id": finding.rule_id,
            "severity": "fatal" if finding.is_fatal else "warning",
            "business_term": finding.bt or False,
            "message": finding.message_fr if engine_lang(self.env) == "fr" else finding.message_en,
            "location": finding.location or False,
        }

    def _l10n_fr_finding_values(self, finding):
        """Finding dict of a validation Finding, with the record that holds the data to fix."""
        values = self._l10n_fr_finding_base(finding)
        values.update(self._l10n_fr_fix_target(finding.bt, finding.rule_id))
        return values

    def _l10n_fr_fix_target(self, term, rule_id):
        """{fix_model, fix_res_id, field_description} for a business term or rule."""
        self.ensure_one()
        company = self.company_id
        buyer = self.partner_id.commercial_partner_id
        if rule_id in NOTE_RULES:
            return {
                "fix_model": "res.company",
                "fix_res_id": company.id,
                "field_description": self.env._("Legal notes (PMT, PMD, AAB)"),
            }
        if term in SELLER_TERMS:
            return {
                "fix_model": "res.company",
                "fix_res_id": company.id,
                "field_description": self.env._("Company: %s", term),
            }
        if term in BUYER_TERMS:
            return {
                "fix_model": "res.partner",
                "fix_res_id": buyer.id,
                "field_description": self.env._("Customer: %s", term),
            }
        if term in TAX_TERMS:
            taxes = self.invoice_line_ids.tax_ids.flatten_taxes_hierarchy()
            suspect = (
                taxes.filtered(
                    lambda tax: tax.l10n_fr_vat_category in CATEGORIES_WITH_REASON and not tax.l10n_fr_exemption_reason
                )
                or taxes
            )
            if suspect:
                return {
                    "fix_model": "account.tax",
                    "fix_res_id": suspect[0].id,
                    "field_description": self.env._("Tax: %s", term),
                }
        if term in BANK_TERMS or rule_id in ("BR-61", "BR-50"):
            return {
                "fix_model": "account.move",
                "fix_res_id": self.id,
                "field_description": self.env._("Recipient Bank"),
            }
        return {"fix_model": "account.move", "fix_res_id": self.id, "field_description": term or False}

    def _l10n_fr_store_findings(self, report, problems):
        """Replace the invoice's findings with those of this check; returns True when nothing blocks."""
        self.ensure_one()
        values = []
        for problem in problems:
            problem = dict(problem)
            if not problem.get("fix_model"):
                problem.update(self._l10n_fr_fix_target(problem.get("business_term"), problem["rule_id"]))
            values.append({key: value for key, value in problem.items() if value is not None})
        if report is not None:
            values += [self._l10n_fr_finding_values(finding) for finding in report.findings]
        for value in values:
            if value.get("fix_model") and value.get("fix_res_id"):
                record = self.env[value["fix_model"]].browse(value["fix_res_id"])
                value["fix_display_name"] = record.display_name
        self.l10n_fr_einvoice_finding_ids.unlink()
        self.env["l10n_fr_einvoice.finding"].create([dict(value, move_id=self.id) for value in values])
        blocking = any(value["severity"] == "fatal" for value in values)
        self.write(
            {
                "l10n_fr_einvoice_state": "invalid" if blocking else ("warning" if values else "valid"),
                "l10n_fr_einvoice_checked_on": fields.Datetime.now(),
            }
        )
        return not blocking

    def _l10n_fr_einvoice_xml_to_send(self, target=None, profile=None):
        """The validated XML of an invoice about to leave, its findings stored on it;
        :class:`InvalidEinvoiceError` when one of them blocks."""
        self.ensure_one()
        xml, report, problems = self._l10n_fr_einvoice_xml(target, profile)
        if not self._l10n_fr_store_findings(report, problems) or xml is None:
            raise InvalidEinvoiceError(self, report, problems)
        return xml

    def _l10n_fr_einvoice_facturx(self, pdf, xml, profile):
        """The Factur-X PDF of this invoice as it leaves: ``xml`` embedded in ``pdf`` (PDF/A-3).
        Every channel that sends a Factur-X goes through here, so that an extension (the PAdES
        seal of probative_archive) applies to all of them; UserError when it cannot be made.

        A signed PDF that already carries this XML is this invoice's Factur-X, made before (by
        Send & Print, then deposited on Chorus Pro): it is returned as it is, signature intact."""
        self.ensure_one()
        if is_signed(pdf):
            if embedded_xml(pdf) == xml:
                return pdf
            raise UserError(
                self.env._(
                    "The PDF of %(move)s is signed and carries another e-invoice: it cannot take this one. "
                    "Print the invoice again, or send it without its PDF.",
                    move=self.display_name,
                )
            )
        return embed_xml(pdf, xml, profile)

    def action_l10n_fr_check_einvoice(self):
        """The "Check e-invoice" button: build and validate, show the findings on the form."""
        failed = self.env["account.move"]
        for move in self:
            _xml, report, problems = move._l10n_fr_einvoice_xml()
            if not move._l10n_fr_store_findings(report, problems):
                failed |= move
        if failed:
            message = self.env._("The e-invoice has blocking problems: see the E-invoice tab.")
            kind = "danger"
        else:
            message = self.env._("The e-invoice passes the official rules (XSD, EN 16931 and French rules).")
            kind = "success"
        return notification(message, kind, reload=True)
