"""Block 10.1 from an invoice of the EN16931 model (:class:`einvoice.model.Invoice`).

An international B2B invoice (sold to, or bought from, a company not
established in France) is e-reported with its regulatory data (DGFiP
specifications v3.2 §3.7.3). Its parties are named by the identifiers rule
G2.19 allows (annex 7): a SIREN (0002), the VAT number of a company of another
EU country (0223, "UE_HORS_FRANCE"), or for a company outside the EU its
country code and the first 16 characters of its name (0227, "HORS_UE").
"""

from __future__ import annotations

from decimal import Decimal

from stdnum.eu.vat import MEMBER_STATES

from ..errors import ModelError
from .model import (
    VAT_CURRENCY,
    Address,
    AllowanceCharge,
    Delivery,
    InvoiceEntry,
    InvoiceLine,
    InvoiceReference,
    InvoiceTaxSubtotal,
    Note,
    Party,
)

#: G2.19: schemes a 10.1 party may carry besides 0223 / 0227 derived below (RIDET, TAHITI).
_KEPT_SCHEMES = {"0002", "0223", "0227", "0228", "0229"}
#: G2.19: an identifier is at most 18 characters for 0223 and 0227.
_MAX_FOREIGN_ID = 18


def _country(party):
    return party.address.country_code if party.address is not None else None


def report_party(party, role):
    """The 10.1 party (TG-12 / TG-14) of an EN16931 party, identified as rule G2.19 says."""
    country = _country(party)
    legal = party.legal_id
    if legal is not None and legal.scheme in _KEPT_SCHEMES:
        return Party(legal.value, legal.scheme, vat_id=party.vat_id, country=country)
    if country == "FR":
        raise ModelError(f"the French {role} needs its SIREN (BT-30 / BT-47, scheme 0002) to be e-reported (G2.19)")
    if country is not None and country.lower() in MEMBER_STATES:
        if not party.vat_id:
            raise ModelError(
                f"the {role} of another EU country ({country}) is e-reported by its VAT number (BT-31 / BT-48, G2.19)"
            )
        return Party(party.vat_id[:_MAX_FOREIGN_ID], "0223", vat_id=party.vat_id, country=country)
    if country is None or not party.name:
        raise ModelError(f"the {role} outside the EU needs its country (BT-40 / BT-55) and name to be e-reported")
    return Party(f"{country}{party.name[:16]}", "0227", vat_id=party.vat_id, country=country)


def _address(address):
    if address is None:
        return None
    return Address(
        line1=address.line1,
        line2=address.line2,
        line3=address.line3,
        city=address.city,
        post_code=address.post_code,
        subdivision=address.country_subdivision,
        country=address.country_code,
    )


def _vat_in_euros(invoice):
    """TT-52 is in euros (rule G6.23): the VAT total, or its accounting copy in EUR (BT-111)."""
    totals = invoice.totals
    if invoice.currency == VAT_CURRENCY:
        if totals is not None and totals.tax_total is not None:
            return totals.tax_total
        return sum((vat.tax_amount for vat in invoice.vat_breakdown), Decimal(0))
    if invoice.tax_currency == VAT_CURRENCY and totals is not None and totals.tax_total_accounting is not None:
        return totals.tax_total_accounting
    raise ModelError(
        f"invoice {invoice.number} in {invoice.currency}: its VAT total in euros (BT-111, with BT-6 EUR) is required "
        "to e-report it (TT-52, rule G6.23)"
    )


def _line(line):
    return InvoiceLine(
        product_name=line.item.name or None,
        quantity=line.quantity,
        unit_code=line.unit_code,
        net_price=line.price.net,
        price_discount=line.price.discount,
        gross_price=line.price.gross,
        notes=(Note(line.note),) if line.note else (),
        period_start=line.period.start if line.period else None,
        period_end=line.period.end if line.period else None,
        allowance_charges=tuple(
            AllowanceCharge(charge=ac.is_charge, amount=ac.amount) for ac in line.allowances_charges
        ),
    )


def invoice_entry(invoice, *, with_lines=False):
    """The 10.1 entry of an international invoice; ``with_lines`` adds its lines (TG-24, optional)."""
    if not invoice.business_process:
        raise ModelError(f"invoice {invoice.number}: the billing frame (BT-23, TT-28) is required to e-report it")
    delivery = invoice.delivery
    deliveries = ()
    if delivery is not None and (delivery.date is not None or delivery.address is not None):
        deliveries = (Delivery(date=delivery.date, address=_address(delivery.address)),)
    return InvoiceEntry(
        id=invoice.number,
        issue_date=invoice.issue_date,
        type_code=invoice.type_code,
        currency=invoice.currency,
        due_date=invoice.due_date,
        tax_due_date_type=invoice.tax_point_date_code,  # BT-8: UNTDID 2005, which P1.11 accepts
        notes=tuple(Note(content=note.text, subject=note.subject_code) for note in invoice.notes),
        billing_frame=invoice.business_process,
        referenced_invoices=tuple(InvoiceReference(p.number, p.issue_date) for p in invoice.preceding_invoices),
        seller=report_party(invoice.seller, "seller"),
        buyer=report_party(invoice.buyer, "buyer"),
        seller_tax_representative_vat_id=invoice.tax_representative.vat_id if invoice.tax_representative else None,
        deliveries=deliveries,
        period_start=invoice.period.start if invoice.period else None,
        period_end=invoice.period.end if invoice.period else None,
        allowance_charges=tuple(
            AllowanceCharge(charge=ac.is_charge, amount=ac.amount, tax_category=ac.vat_category, tax_rate=ac.vat_rate)
            for ac in invoice.allowances_charges
        ),
        tax_exclusive_amount=invoice.totals.tax_exclusive if invoice.totals is not None else None,
        tax_amount=_vat_in_euros(invoice),
        tax_subtotals=tuple(
            InvoiceTaxSubtotal(
                taxable_amount=vat.taxable_amount,
                tax_amount=vat.tax_amount,
                rate=vat.rate if vat.rate is not None else Decimal(0),
                category=vat.category,
                exemption_reason=vat.exemption_reason,
                exemption_code=vat.exemption_reason_code,
            )
            for vat in invoice.vat_breakdown
        ),
        lines=tuple(_line(line) for line in invoice.lines) if with_lines else (),
    )
