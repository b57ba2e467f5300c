"""E-reporting (Flux 10): the report model, its XML builder and parser, aggregation, periods.

Build a report from typed data, write it, read it back, validate it::

    from einvoice.ereporting import build_report, parse_report
    from einvoice.validation import validate

    data = build_report(report)          # Report -> XML bytes (no namespace, ereporting.xsd v3.2)
    assert parse_report(data) == report  # XML -> Report
    findings = validate(data).fatal      # DGFiP XSD + FNFE Flux 10 rules
    findings = validate_report(report).fatal  # the same in one call

:mod:`.aggregate` turns individual sales and encashments into blocks 10.3, 10.2
and 10.4; :func:`invoice_entry` turns an invoice of the EN16931 model into a
10.1 entry; :mod:`.periods` gives each VAT regime's periods and deadlines.
"""

from .aggregate import (
    InvoicePaymentLine,
    PaymentLine,
    SaleLine,
    aggregate_invoice_payments,
    aggregate_payments,
    aggregate_transactions,
)
from .build import build_report, build_tree
from .from_invoice import invoice_entry, report_party
from .model import (
    PROFILE_ID,
    Address,
    AggregateTaxSubtotal,
    AllowanceCharge,
    Declarant,
    DeclarantRole,
    Delivery,
    InvoiceEntry,
    InvoiceLine,
    InvoicePayment,
    InvoiceReference,
    InvoiceTaxSubtotal,
    Note,
    Party,
    PaymentsAggregate,
    PaymentsReport,
    PaymentSubtotal,
    Report,
    ReportDocument,
    ReportPeriod,
    ReportTypeCode,
    Sender,
    TaxDueDateCode,
    TransactionCategory,
    TransactionsAggregate,
    TransactionsReport,
)
from .parse import parse_report
from .periods import DataKind, Period, VatRegime, period_containing, period_starting, periods_between


def validate_report(report):
    """Build ``report`` and run the DGFiP XSD and the Flux 10 rules on it; the findings come back as for invoices."""
    from ..validation import validate

    return validate(build_report(report))
