"""Model-level checks of the business cases: sums add up, identifiers are valid, French notes present."""

from collections import Counter
from decimal import Decimal

import pytest
from stdnum import iban
from stdnum.fr import siren, siret, tva

from einvoice.codes import NoteSubject, Scheme
from einvoice.model import identifier_problems
from einvoice.testing.cases import BROKEN_CASES, CASES


def test_the_matrix_is_wide_enough():
    assert len(CASES) >= 30
    assert len(BROKEN_CASES) >= 8
    type_codes = {factory().type_code for factory in CASES.values()}
    assert {"380", "381", "384", "386", "389"} <= type_codes
    categories = {line.vat_category for factory in CASES.values() for line in factory().lines}
    assert {"S", "E", "AE", "K", "G", "O", "Z"} <= categories


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_is_consistent(name):
    invoice = CASES[name]()
    assert identifier_problems(invoice) == []
    totals = invoice.totals
    assert totals.line_total == sum((line.net_amount for line in invoice.lines), Decimal(0))
    assert totals.tax_exclusive == totals.line_total - (totals.allowance_total or 0) + (totals.charge_total or 0)
    assert totals.tax_total == sum((vat.tax_amount for vat in invoice.vat_breakdown), Decimal(0))
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax_total
    assert totals.due == totals.tax_inclusive - (totals.prepaid or 0) + (totals.rounding or 0)
    counts = Counter(note.subject_code for note in invoice.notes)
    assert counts[NoteSubject.PAYMENT_TERMS_PENALTIES] == counts[NoteSubject.LATE_PAYMENT_PENALTIES] == 1
    assert counts[NoteSubject.DISCOUNT_TERMS] == counts[NoteSubject.PROCESSING] == 1
    assert siren.is_valid(invoice.seller.siren)
    for party in (invoice.seller, invoice.buyer):
        if party.siret:
            assert siret.is_valid(party.siret) and party.siret.startswith(party.siren)
        if party.vat_id and party.vat_id.startswith("FR"):
            assert tva.is_valid(party.vat_id)
        assert party.electronic_address is not None
        if party.electronic_address.scheme == Scheme.FR_CTC_ADDRESS:
            assert party.electronic_address.value.startswith(party.siren)
    if invoice.processing_note == "B2B":
        assert siren.is_valid(invoice.buyer.siren)
    for account in invoice.payment.credit_transfers if invoice.payment else ():
        assert iban.is_valid(account.account_id)
    if invoice.business_process in ("B2", "S2", "M2"):
        assert totals.prepaid == totals.tax_inclusive and totals.due == 0
    if invoice.type_code in ("381", "384"):
        assert invoice.preceding_invoices
    for vat in invoice.vat_breakdown:
        if vat.category not in ("S", "Z"):
            assert vat.exemption_reason or vat.exemption_reason_code
