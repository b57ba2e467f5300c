"""Compute line amounts, the VAT breakdown (BG-23) and the totals (BG-22).

The calculation follows the EN16931 rules the schematron checks:
BR-CO-10 (sum of line net amounts), BR-CO-13 (total without VAT),
BR-CO-14/BR-S-08 (VAT per category and rate), BR-CO-15 (total with VAT),
BR-CO-16 (amount due).
"""

from collections import defaultdict
from decimal import Decimal

from .codes import VatCategory
from .errors import ModelError
from .model import Totals, VatBreakdown
from .money import round_amount

ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: Default exemption reasons (BT-120/121, VATEX code list) for categories
#: that require one (BR-AE-10, BR-IC-10, BR-G-10, BR-O-10). Category E
#: has no default: the legal basis depends on the operation (BR-E-10).
DEFAULT_EXEMPTION = {
    VatCategory.REVERSE_CHARGE: ("VATEX-EU-AE", "Autoliquidation"),
    VatCategory.INTRA_COMMUNITY: ("VATEX-EU-IC", "Livraison intracommunautaire exonérée, article 262 ter I du CGI"),
    VatCategory.EXPORT: ("VATEX-EU-G", "Exonération de TVA, article 262 I du CGI (exportation)"),
    VatCategory.NOT_SUBJECT: ("VATEX-EU-O", "Non soumis à la TVA"),
}


def line_net_amount(line):
    """BT-131 = quantity x net price / base quantity - allowances + charges."""
    base_quantity = line.price.base_quantity or Decimal(1)
    amount = line.quantity * line.price.net / base_quantity
    for adjustment in line.allowances_charges:
        amount += adjustment.amount if adjustment.is_charge else -adjustment.amount
    return round_amount(amount)


def _rate_key(rate):
    return (rate or ZERO).normalize()


def compute_vat_breakdown(invoice, exemption_reasons=None):
    """Group lines and document allowances/charges by VAT category and rate."""
    exemption_reasons = exemption_reasons or {}
    taxable = defaultdict(lambda: ZERO)
    rates = {}
    for line in invoice.lines:
        key = (line.vat_category, _rate_key(line.vat_rate))
        taxable[key] += line.net_amount
        rates[key] = line.vat_rate
    for adjustment in invoice.allowances_charges:
        key = (adjustment.vat_category, _rate_key(adjustment.vat_rate))
        taxable[key] += adjustment.amount if adjustment.is_charge else -adjustment.amount
        rates.setdefault(key, adjustment.vat_rate)
    breakdown = []
    for key, base in taxable.items():
        category, _rate = key
        rate_value = rates[key] if rates[key] is not None else ZERO
        base = round_amount(base)
        if category in (VatCategory.STANDARD, VatCategory.ZERO_RATED, "L", "M"):
            tax = round_amount(base * rate_value / HUNDRED)
        else:
            tax = ZERO
        entry = VatBreakdown(
            taxable_amount=base,
            tax_amount=round_amount(tax),
            category=category,
            rate=rate_value,
        )
        code, text = exemption_reasons.get(category) or DEFAULT_EXEMPTION.get(category, (None, None))
        if category not in (VatCategory.STANDARD, VatCategory.ZERO_RATED, "L", "M"):
            entry.exemption_reason_code = code
            entry.exemption_reason = text
        breakdown.append(entry)
    return breakdown


def compute(invoice, prepaid=None, rounding=None, exchange_rate=None, exemption_reasons=None):
    """Fill BT-131 on each line, BG-23 and BG-22, in place; return the invoice.

    ``exchange_rate`` converts the VAT total into the VAT accounting
    currency (BT-6 -> BT-111), e.g. EUR for a French seller invoicing in USD
    (BR-FR-CO-12). ``exemption_reasons`` maps a category to (code, text).
    """
    for line in invoice.lines:
        line.net_amount = line_net_amount(line)
    line_total = round_amount(sum((line.net_amount for line in invoice.lines), ZERO))
    allowances = [a.amount for a in invoice.allowances_charges if not a.is_charge]
    charges = [c.amount for c in invoice.allowances_charges if c.is_charge]
    allowance_total = round_amount(sum(allowances, ZERO)) if allowances else None
    charge_total = round_amount(sum(charges, ZERO)) if charges else None
    tax_exclusive = line_total - (allowance_total or ZERO) + (charge_total or ZERO)
    invoice.vat_breakdown = compute_vat_breakdown(invoice, exemption_reasons)
    tax_total = round_amount(sum((b.tax_amount for b in invoice.vat_breakdown), ZERO))
    tax_inclusive = tax_exclusive + tax_total
    due = tax_inclusive - (prepaid or ZERO) + (rounding or ZERO)
    tax_total_accounting = None
    if invoice.tax_currency and invoice.tax_currency != invoice.currency:
        if exchange_rate is None:
            raise ModelError("BT-111: an exchange rate is needed to state the VAT total in the accounting currency")
        tax_total_accounting = round_amount(tax_total * exchange_rate)
    invoice.totals = Totals(
        line_total=line_total,
        allowance_total=allowance_total,
        charge_total=charge_total,
        tax_exclusive=round_amount(tax_exclusive),
        tax_total=tax_total,
        tax_total_accounting=tax_total_accounting,
        tax_inclusive=round_amount(tax_inclusive),
        prepaid=round_amount(prepaid) if prepaid is not None else None,
        rounding=round_amount(rounding) if rounding is not None else None,
        due=round_amount(due),
    )
    return invoice
