"""The lifecycle status table and the rules that order statuses (not a linear chain)."""

import pytest

from einvoice.lifecycle import (
    ADMINISTRATION_REASONS,
    ADMINISTRATION_REJECTIONS,
    MANDATORY,
    REASON_CODES,
    STATUSES,
    Emitter,
    Phase,
    check_event,
    current_status,
)

#: BR-FR-CDV-CL-06, the closed list of the FNFE-MPE 1.4.0 rules, without the e-reporting (300/301)
#: and directory (400/401) statuses, which are about no invoice.
CL_06 = {str(code) for code in range(200, 215)} | {"220", "221", "224", "225", "226", "227", "228"}
CL_06 |= {"250", "251", "500", "501", "601"}


def test_table():
    assert set(STATUSES) == CL_06
    assert MANDATORY == {"200", "210", "212", "213"}
    assert STATUSES["210"].label_fr == "Refusée"
    assert STATUSES["212"].status_code == "47"
    assert STATUSES["200"].acknowledgement_type == "305"
    assert STATUSES["205"].acknowledgement_type == "23"
    assert {s.phase for s in STATUSES.values()} == {Phase.TRANSMISSION, Phase.PROCESSING, Phase.ADMINISTRATION}


def test_who_gives_what():
    """DSE v3.2 table 8 for 200-213; the administration for its own statuses (tables 2, 9, 10)."""
    platforms = {Emitter.ISSUER_PLATFORM, Emitter.RECEIVER_PLATFORM}
    for code in ("200", "201"):
        assert STATUSES[code].emitters == {Emitter.ISSUER_PLATFORM}
    for code in ("202", "203", "221"):
        assert STATUSES[code].emitters == {Emitter.RECEIVER_PLATFORM}
    assert STATUSES["213"].emitters == platforms
    for code in ("204", "205", "206", "207", "208", "210", "214"):
        assert STATUSES[code].emitters == {Emitter.BUYER}, code
    for code in ("209", "212", "220", "224", "225", "226", "227", "228"):
        assert STATUSES[code].emitters == {Emitter.SELLER}, code
    # The buyer says it paid, the seller that it paid back a credit note (table 8).
    assert STATUSES["211"].emitters == {Emitter.BUYER, Emitter.SELLER}
    for code in ("250", "251", "500", "501", "601"):
        status = STATUSES[code]
        assert status.emitters == {Emitter.ADMINISTRATION}
        assert (status.phase, status.acknowledgement_type, status.status_code) == (Phase.ADMINISTRATION, "305", None)
        assert not status.mandatory and not status.terminal and status.repeatable
    assert ADMINISTRATION_REJECTIONS == {"251", "501", "601"}


def test_labels():
    assert (STATUSES["251"].label_fr, STATUSES["251"].title_fr) == ("Rejetée", "Rejetée (données réglementaires)")
    assert STATUSES["251"].label("en") == "Regulatory data rejected"
    assert STATUSES["601"].title_fr == "Rejeté (statut obligatoire)"
    assert STATUSES["501"].title_fr == "Irrecevable (flux)"
    assert STATUSES["210"].title_fr == "Refusée"
    assert STATUSES["221"].label("fr") == "Erreur de routage"


def test_administration_reasons():
    """Tables 11 and 12 of the DSE; the 501 reasons are those BR-FR-CDV-CL-09 admits for 501."""
    assert STATUSES["251"].reasons == {"REJ_SEMAN", "REJ_UNI", "REJ_COH"}
    assert STATUSES["601"].reasons == {"REJ_INC", "REJ_INEX", "REJ_RG", "REJ_HAB", "REJ_ENCAISSEMENT"}
    assert STATUSES["501"].reason_required
    assert STATUSES["501"].reasons <= REASON_CODES
    assert set(ADMINISTRATION_REASONS) == STATUSES["251"].reasons | STATUSES["501"].reasons | STATUSES["601"].reasons


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
    # REFORM.md §1 Transitions, the specification's sequences (XP Z12-014 as restated):
    (["200", "201", "202", "203", "204", "205", "211", "212"], "212", None),  # the nominal life, cashed twice
    (["203", "204"], "210", "DOUBLON"),  # taken in charge, then refused
    (["204", "207", "208", "209"], "205", None),  # dispute, suspension, completion, approval
    (["204", "206"], "211", None),  # partially approved, then paid
    (["204", "211"], "212", None),
    (["204", "205"], "214", None),  # endorsed
    (["200", "201"], "221", "ROUTAGE_ERR"),  # the receiving platform cannot route it
    (["200", "201", "203", "204"], "225", None),  # factored, then no longer, then factored again
    (["225", "228"], "225", None),
    (["225"], "227", None),
    (["200", "201", "204"], "220", None),  # cancelled by its seller
    # The administration's statuses: any time, even after the end of the lifecycle, as often as it says.
    ([], "500", None),
    (["200"], "250", None),
    (["200", "250"], "251", "REJ_COH"),
    (["200", "501"], "501", "IRR_SYNTAX"),
    (["210"], "601", "REJ_INC"),
    (["213"], "251", "REJ_SEMAN"),
    (["220"], "601", None),
    (["200", "201", "212", "601"], "601", "REJ_ENCAISSEMENT"),
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
    # REFORM.md §1 Transitions: what the specification's sequences exclude.
    (["213"], "201", None, "ended the invoice's lifecycle"),  # the issuer gives 200 or 213, then 201
    (["210"], "212", None, "ended the invoice's lifecycle"),
    (["220"], "211", None, "ended the invoice's lifecycle"),
    (["200", "220"], "220", None, "ended the invoice's lifecycle"),
    (["204"], "204", None, "already given"),
    (["204", "214"], "214", None, "already given"),
    (["224"], "224", None, "already given"),
    ([], "221", "DEST_ERR", "not allowed with status 221"),
    ([], "501", None, "needs a reason code"),
    ([], "251", "DOUBLON", "not allowed with status 251"),
    ([], "601", "REJ_SEMAN", "not allowed with status 601"),
]


@pytest.mark.parametrize(("history", "code", "reason", "why"), FORBIDDEN)
def test_forbidden(history, code, reason, why):
    decision = check_event(history, code, reason_code=reason)
    assert not decision
    assert why in decision.reason_en
    assert decision.reason_fr


PLATFORM_ORDER = [
    # (history, status, emitter, allowed): each platform gives one of its first statuses.
    ([], "213", Emitter.ISSUER_PLATFORM, True),  # 213 without 200
    (["200"], "213", Emitter.ISSUER_PLATFORM, False),  # 200 or 213, not both
    (["200", "201"], "213", Emitter.RECEIVER_PLATFORM, True),  # the receiver rejects
    (["200", "201", "202"], "213", Emitter.RECEIVER_PLATFORM, False),  # 202 or 213
    (["200", "201", "203"], "213", Emitter.RECEIVER_PLATFORM, False),
    (["200", "201"], "203", Emitter.RECEIVER_PLATFORM, True),  # 202 is optional
    (["200", "201"], "202", Emitter.RECEIVER_PLATFORM, True),
    ([], "201", Emitter.ISSUER_PLATFORM, False),
    ([], "251", Emitter.ISSUER_PLATFORM, False),  # only the administration gives its statuses
    (["210"], "601", Emitter.ADMINISTRATION, True),
]


@pytest.mark.parametrize(("history", "code", "emitter", "allowed"), PLATFORM_ORDER)
def test_platform_order(history, code, emitter, allowed):
    decision = check_event(history, code, emitter=emitter, reason_code="DOUBLON" if code == "213" else None)
    assert bool(decision) == allowed, decision.reason_en
    if not allowed:
        assert decision.reason_fr


def test_unknown_emitter_is_refused():
    decision = check_event([], "204", emitter="notary")
    assert not decision
    assert "notary is not a lifecycle emitter" in decision.reason_en


def test_emitters():
    assert not check_event(["204"], "212", emitter=Emitter.BUYER)
    assert check_event(["204"], "212", emitter=Emitter.SELLER)
    assert check_event(["204"], "211", emitter=Emitter.SELLER)  # a refund paid by the seller
    decision = check_event([], "204", emitter="seller")
    assert "given by buyer, not by seller" in decision.reason_en


def test_current_status():
    assert current_status([]) is None
    assert current_status(["200", "201", "204", "211"]) == "211"
    # The administration's answers do not replace the invoice's status.
    assert current_status(["200", "250", "201", "601"]) == "201"
    assert current_status(["501"]) is None
