"""A readable summary of an e-reporting report, for ``python -m einvoice show report.xml``."""

from __future__ import annotations


def _rate(value):
    return f"{value.normalize():f}" if value != 0 else "0"


def _amounts(subtotals):
    return "; ".join(f"{_rate(s.rate)} %: {s.amount:f}" + (f" {s.currency}" if s.currency else "") for s in subtotals)


def _party(party):
    if party is None:
        return "none"
    parts = [f"{party.scheme}:{party.company_id}" if party.company_id else "no identifier"]
    if party.vat_id:
        parts.append(f"VAT {party.vat_id}")
    if party.country:
        parts.append(party.country)
    return " ".join(parts)


def render_text(report):
    """The report's header and the figures of each block, one line per block and VAT rate."""
    document = report.document
    sender, declarant = document.sender, document.declarant
    rows = [
        f"TT-1  transmission {document.id} ({document.type_code.value}), issued {document.issued_at:%Y-%m-%d %H:%M:%S}",
        f"TG-3  sender {sender.name}, {sender.scheme}:{sender.platform_id}, role {sender.role}",
        f"TG-5  declarant {declarant.name}, SIREN {declarant.siren}, role {declarant.role.value}",
    ]
    period = report.period
    if report.transactions is not None:
        rows.append(f"TB-2  transactions from {period.start} to {period.end}")
        for invoice in report.transactions.invoices:
            net = f"{invoice.tax_exclusive_amount:f}" if invoice.tax_exclusive_amount is not None else "-"
            rows.append(
                f"  10.1  invoice {invoice.id} of {invoice.issue_date}, type {invoice.type_code}, "
                f"{invoice.currency}, frame {invoice.billing_frame}: net {net}, VAT {invoice.tax_amount:f} EUR"
            )
            rows.append(f"        seller {_party(invoice.seller)}; buyer {_party(invoice.buyer)}")
            for tax in invoice.tax_subtotals:
                rows.append(
                    f"        VAT {tax.category or '-'} {_rate(tax.rate)} %: "
                    f"{tax.taxable_amount:f} taxable, {tax.tax_amount:f} VAT"
                )
        for day in report.transactions.aggregates:
            option = f", VAT due date {day.tax_due_date_type.value}" if day.tax_due_date_type else ""
            count = f", {day.count} transactions" if day.count is not None else ""
            rows.append(
                f"  10.3  {day.date} {day.currency} {day.category.value}{option}: "
                f"net {day.tax_exclusive_amount:f}, VAT {day.tax_total:f}{count}"
            )
            for tax in day.subtotals:
                rows.append(f"        {_rate(tax.rate)} %: {tax.taxable_amount:f} taxable, {tax.tax_amount:f} VAT")
    else:
        rows.append(f"TB-3  payments from {period.start} to {period.end}")
        for payment in report.payments.invoices:
            rows.append(
                f"  10.2  invoice {payment.invoice_id} of {payment.issue_date}, paid {payment.payment_date}: "
                f"{_amounts(payment.subtotals)}"
            )
        for day in report.payments.aggregates:
            rows.append(f"  10.4  {day.date}: {_amounts(day.subtotals)}")
    return "\n".join(rows)
