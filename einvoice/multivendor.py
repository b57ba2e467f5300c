"""Amounts of multi-vendor (B8/S8/M8) and bidirectional (B9/S9/M9) invoices.

Such an invoice gathers several sellers' invoices (sub-invoices) under one
principal seller (BG-4). The French rules (BR-FR-MV-01..14, BR-FR-BD-02/13)
tie each line to its sub-invoice by number (BT-128 scheme AFL) and by a VAT
exemption reason that starts with "#<number>#", on the line and on the VAT
breakdown entries of that sub-invoice, so that each sub-invoice's VAT can be
read apart (BR-FR-MV-08, -09). :func:`compute` fills all of that in.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from . import calc
from .errors import ModelError, ProfileError
from .model import BIDIRECTIONAL_FRAMES, MULTI_VENDOR_FRAMES, Totals, VatBreakdown
from .money import round_amount

ZERO = Decimal(0)
#: Categories whose VAT is rate x base; the others carry none and need a legal reason.
_TAXED = ("S", "Z", "L", "M")


def reason_prefix(number):
    """The "#<AFL>#" that opens every VAT exemption reason of a sub-invoice (BR-FR-MV-08)."""
    return f"#{number}#"


def strip_reason_prefix(text, number):
    """The exemption reason without its "#<AFL>#" prefix (None when nothing remains)."""
    prefix = reason_prefix(number)
    if text and text.startswith(prefix):
        text = text[len(prefix) :]
    return text or None


def _rate_key(rate):
    return (rate or ZERO).normalize()


def compute(
    invoice,
    prepaid=None,
    rounding=None,
    exchange_rate=None,
    exemption_reasons=None,
    keep_line_amounts=False,
    vat_totals=None,
):
    """Fill a multi-vendor or bidirectional invoice's amounts in place; return it.

    Each line's ``sub_invoice`` names its sub-invoice. Fills BT-131 on each line
    (unless ``keep_line_amounts``: the books already computed them), the line
    exemption reasons "#<AFL>#<reason>" (BT-X-96/97), one VAT breakdown entry per
    sub-invoice, category, rate and reason (BG-23), each sub-invoice's net, VAT
    and gross amounts (its GROUP line) and the totals (BG-22).

    ``vat_totals`` maps (category, rate) to the VAT the books hold for it (rounded
    per line or globally): the cents that rounding per sub-invoice adds or loses go
    to the last sub-invoice of that category and rate, so that BT-110 is the books'.
    """
    frame = invoice.business_process
    if frame not in MULTI_VENDOR_FRAMES | BIDIRECTIONAL_FRAMES:
        raise ModelError(f"BT-23: {frame!r} is not a multi-vendor (B8/S8/M8) or bidirectional (B9/S9/M9) frame")
    if not invoice.sub_invoices:
        raise ModelError("BT-128 (AFL): a multi-vendor invoice needs at least one sub-invoice (GROUP line)")
    if invoice.allowances_charges:
        # A document level allowance belongs to no sub-invoice: its VAT could not be told apart.
        raise ModelError("BG-20/BG-21: a multi-vendor invoice carries its allowances and charges on the lines")
    exemption_reasons = exemption_reasons or {}
    numbers = [sub.number for sub in invoice.sub_invoices]
    if len(set(numbers)) != len(numbers):
        raise ModelError(f"BT-128 (AFL): sub-invoice numbers must be unique (BR-FR-MV-12): {', '.join(numbers)}")
    for index, sub in enumerate(invoice.sub_invoices, start=1):
        if not sub.number:
            raise ModelError("BT-128 (AFL): each sub-invoice needs its number")
        if not sub.frame or sub.frame in MULTI_VENDOR_FRAMES:
            raise ModelError(f"BT-128 (AVV): sub-invoice {sub.number}: its own billing frame, not {sub.frame!r}")
        sub.line_id = sub.line_id or f"G{index}"
    for line in invoice.lines:
        if line.sub_invoice not in numbers:
            raise ModelError(
                f"BT-128 (AFL): line {line.id!r} must name its sub-invoice, one of {', '.join(numbers)}"
                f" (found {line.sub_invoice!r})"
            )
        if not keep_line_amounts:
            line.net_amount = calc.line_net_amount(line)
        base_reason = strip_reason_prefix(line.vat_exemption_reason, line.sub_invoice)
        if line.vat_category not in _TAXED:
            code, text = exemption_reasons.get(line.vat_category) or calc.DEFAULT_EXEMPTION.get(
                line.vat_category, (None, None)
            )
            base_reason = base_reason or text
            line.vat_exemption_reason_code = line.vat_exemption_reason_code or code
        line.vat_exemption_reason = reason_prefix(line.sub_invoice) + (base_reason or "")

    breakdown, owners = [], []
    for sub in invoice.sub_invoices:
        lines = [line for line in invoice.lines if line.sub_invoice == sub.number]
        if not lines:
            raise ModelError(f"BT-128 (AFL): sub-invoice {sub.number} has no lines")
        taxable = defaultdict(lambda: ZERO)
        rates = {}
        for line in lines:
            key = (
                line.vat_category,
                _rate_key(line.vat_rate),
                line.vat_exemption_reason,
                line.vat_exemption_reason_code,
            )
            taxable[key] += line.net_amount
            rates[key] = line.vat_rate
        for key, base in taxable.items():
            category, _rate, reason, code = key
            base = round_amount(base)
            tax = round_amount(base * (rates[key] or ZERO) / 100) if category in _TAXED else ZERO
            breakdown.append(VatBreakdown(base, tax, category, rates[key], reason, code))
            owners.append(sub)
    for (category, rate), held in (vat_totals or {}).items():
        entries = [
            i
            for i, entry in enumerate(breakdown)
            if (entry.category, _rate_key(entry.rate)) == (category, _rate_key(rate))
        ]
        if entries:
            last = breakdown[entries[-1]]
            last.tax_amount += round_amount(held) - sum((breakdown[i].tax_amount for i in entries), ZERO)
    for sub in invoice.sub_invoices:
        entries = [entry for entry, owner in zip(breakdown, owners, strict=True) if owner is sub]
        sub.net_amount = round_amount(
            sum((line.net_amount for line in invoice.lines if line.sub_invoice == sub.number), ZERO)
        )
        sub.tax_amount = round_amount(sum((entry.tax_amount for entry in entries), ZERO))
        sub.gross_amount = sub.net_amount + sub.tax_amount
        sub.tax_amount_accounting = None
        if invoice.tax_currency and invoice.tax_currency != invoice.currency:
            if exchange_rate is None:
                raise ModelError("BT-111: an exchange rate is needed to state the VAT total in the accounting currency")
            sub.tax_amount_accounting = round_amount(sub.tax_amount * exchange_rate)

    invoice.vat_breakdown = breakdown
    line_total = round_amount(sum((line.net_amount for line in invoice.lines), ZERO))
    tax_total = round_amount(sum((entry.tax_amount for entry in breakdown), ZERO))
    tax_inclusive = line_total + tax_total
    foreign = invoice.tax_currency and invoice.tax_currency != invoice.currency
    invoice.totals = Totals(
        line_total=line_total,
        tax_exclusive=line_total,
        tax_total=tax_total,
        tax_total_accounting=round_amount(tax_total * exchange_rate) if foreign else None,
        tax_inclusive=tax_inclusive,
        prepaid=round_amount(prepaid) if prepaid is not None else None,
        rounding=round_amount(rounding) if rounding is not None else None,
        due=round_amount(tax_inclusive - (prepaid or ZERO) + (rounding or ZERO)),
    )
    return invoice


def check_buildable(invoice, profile, profiles):
    """Refuse, naming the term, sub-invoices that ``profile`` (one of a builder's ``profiles``
    able to carry them) cannot carry or that would be written wrong."""
    if not invoice.sub_invoices and not any(line.sub_invoice for line in invoice.lines):
        return
    if profile not in profiles:
        raise ProfileError(profile, {"EXT-FR-FE-163"})
    if invoice.business_process not in MULTI_VENDOR_FRAMES | BIDIRECTIONAL_FRAMES:
        raise ModelError(
            f"BT-23: sub-invoices (GROUP lines) are for the billing frames B8/S8/M8 and B9/S9/M9, "
            f"not {invoice.business_process!r}"
        )
    numbers = [sub.number for sub in invoice.sub_invoices]
    for sub in invoice.sub_invoices:
        if not sub.number or not sub.line_id:
            raise ModelError("BT-128 (AFL): each sub-invoice needs its number and a GROUP line id (BT-126)")
        if sub.net_amount is None:
            raise ModelError(f"BT-131: sub-invoice {sub.number!r} has no amounts; compute the invoice first")
    for line in invoice.lines:
        if line.sub_invoice not in numbers:
            raise ModelError(
                f"BT-128 (AFL): line {line.id!r} names sub-invoice {line.sub_invoice!r}, "
                f"which is not one of {', '.join(numbers)}"
            )
