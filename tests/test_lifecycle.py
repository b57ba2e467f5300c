"""The lifecycle status table and the rules that order statuses (not a linear chain)."""

import pytest

from einvoice.lifecycle import MANDATORY, STATUSES, Emitter, Phase, check_event, current_status


def test_table():
    assert set(STATUSES) >= {str(code) for code in range(200, 214)}
    assert MANDATORY == {"200", "210", "212", "213"}
    assert STATUSES["210"].label_fr == "Refusée"
    assert STATUSES["212"].status_code == "47"
    assert STATUSES["200"].acknowledgement_type == "305"
    assert STATUSES["205"].acknowledgement_type == "23"
    assert {s.phase for s in STATUSES.values()} == {Phase.TRANSMISSION, Phase.PROCESSING}


ALLOWED = [
    ([], "200", None),
    (["200"], "201", None),
    (["200", "201"], "202", None),
    (["200", "201", "202"], "203", None),
    (["203"], "204", None),
    ([], "203", None),  # 202 is optional
    (["200", "201"], "203", None),
    (["204"], "205", None),
    (["204", "205"], "211", None),
    (["204", "205", "211"], "212", None),
    (["211"], "207", "TX_TVA_ERR"),  # payment may precede a dispute
    (["211"], "210", "DOUBLON"),  # ... or a refusal
    (["204"], "208", "JUSTIF_ABS"),
    (["204", "208"], "209", None),
    (["204", "208", "209"], "208", "REF_ERR"),  # suspended again after completion
    (["205", "211"], "211", None),  # several payments
    (["205", "212"], "212", None),  # several cashings
    ([], "213", "DOUBLON"),
    (["200", "201"], "213", "REJ_SEMAN"),  # the receiving platform rejects
    (["207"], "205", None),  # a dispute settled, then approved: any order
]


@pytest.mark.parametrize(("history", "code", "reason"), ALLOWED)
def test_allowed(history, code, reason):
    decision = check_event(history, code, reason_code=reason)
    assert decision, decision.reason_en


FORBIDDEN = [
    ([], "201", None, "comes after 200"),
    (["202"], "201", None, "comes after 200"),
    (["204"], "209", None, "answers a suspension"),
    (["210"], "205", None, "ended the invoice's lifecycle"),
    (["213"], "202", None, "ended the invoice's lifecycle"),
    (["204"], "213", "DOUBLON", "before the buyer processes"),
    (["205"], "205", None, "already given"),
    ([], "210", None, "needs a reason code"),
    ([], "210", "JUSTIF_ABS", "not allowed with status 210"),
    ([], "207", None, "needs a reason code"),
    ([], "208", "TX_TVA_ERR", "not allowed with status 208"),
    ([], "299", None, "not a lifecycle status code"),
]


@pytest.mark.parametrize(("history", "code", "reason", "why"), FORBIDDEN)
def test_forbidden(history, code, reason, why):
    decision = check_event(history, code, reason_code=reason)
    assert not decision
    assert why in decision.reason_en
    assert decision.reason_fr


def test_emitters():
    assert not check_event(["204"], "212", emitter=Emitter.BUYER)
    assert check_event(["204"], "212", emitter=Emitter.SELLER)
    assert check_event(["204"], "211", emitter=Emitter.SELLER)  # a refund paid by the seller
    decision = check_event([], "204", emitter="seller")
    assert "given by buyer, not by seller" in decision.reason_en


def test_current_status():
    assert current_status([]) is None
    assert current_status(["200", "201", "204", "211"]) == "211"
