"""Invoice lifecycle statuses of the French reform (Flux 6) and the rules that order them.

Sources (see the reform notes of the project): the status table of the DGFiP external
specifications (labels, mandatory flag), the AFNOR XP Z12-014 sequencing as the
specifications restate it, and the FNFE-MPE BR-FR-CDV 1.4.0 rules (MDT-77 / MDT-88 codes,
reason and action code lists, reasons required by BR-FR-CDV-15).

Transmission statuses follow each other on each platform (issuer: 200 or 213, then 201;
receiver: 202 or 213, then 203). Processing statuses are *not* a linear chain: they may
come in any order (payment before a dispute, for instance), with three constraints:
209 completes a suspension (208), nothing follows a refusal (210) or a rejection (213),
and a status is given once unless it can repeat (payments, disputes, suspensions).
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum


class Phase(StrEnum):
    TRANSMISSION = "transmission"  # MDT-77 = 305
    PROCESSING = "processing"  # MDT-77 = 23


class Emitter(StrEnum):
    ISSUER_PLATFORM = "issuer_platform"  # PA-E, the seller's platform
    RECEIVER_PLATFORM = "receiver_platform"  # PA-R, the buyer's platform
    BUYER = "buyer"
    SELLER = "seller"


#: MDT-77 acknowledgement type per phase.
ACKNOWLEDGEMENT_TYPE = {Phase.TRANSMISSION: "305", Phase.PROCESSING: "23"}

#: MDT-113 reason codes (closed list, BR-FR-CDV-CL-09).
REASON_CODES = frozenset(
    [
        "RETRAIT_MAN_SERV",
        "ST_CT_NON_DECLAR",
        "SUPPR_COMP_AVOIR",
        "TRANSF_PMNT_REGIE",
        "CONTACT_ACHTR",
        "NON_TRANSMISE",
        "JUSTIF_ABS",
        "ROUTAGE_ERR",
        "AUTRE",
        "COORD_BANC_ERR",
        "TX_TVA_ERR",
        "MONTANTTOTAL_ERR",
        "CALCUL_ERR",
        "NON_CONFORME",
        "DOUBLON",
        "DEST_INC",
        "DEST_ERR",
        "TRANSAC_INC",
        "EMMET_INC",
        "CONTRAT_TERM",
        "DOUBLE_FACT",
        "CMD_ERR",
        "ADR_ERR",
        "SIRET_ERR",
        "CODE_ROUTAGE_ERR",
        "REF_CT_ABSENT",
        "REF_ERR",
        "PU_ERR",
        "REM_ERR",
        "QTE_ERR",
        "ART_ERR",
        "MODPAI_ERR",
        "QUALITE_ERR",
        "LIVR_INCOMP",
        "REJ_SEMAN",
        "REJ_UNI",
        "REJ_COH",
        "REJ_ADR",
        "REJ_CONT_B2G",
        "REJ_REF_PJ",
        "REJ_ASS_PJ",
        "IRR_VIDE_F",
        "IRR_TYPE_F",
        "IRR_SYNTAX",
        "IRR_TAILLE_PJ",
        "IRR_NOM_PJ",
        "IRR_VID_PJ",
        "IRR_EXT_DOC",
        "IRR_TAILLE_F",
        "IRR_ANTIVIRUS",
        "IRR_NOM_F",
    ]
)

#: MDT-121 requested actions (BR-FR-CDV-CL-10), with their meaning.
REQUESTED_ACTIONS = {
    "NOA": ("Aucune action", "No action"),
    "PIN": ("Fournir une information", "Provide information"),
    "NIN": ("Émettre une nouvelle facture", "Issue a new invoice"),
    "CNF": ("Émettre un avoir total", "Issue a full credit note"),
    "CNP": ("Émettre un avoir partiel", "Issue a partial credit note"),
    "CNA": ("Émettre un avoir du montant indiqué", "Issue a credit note of the amount given"),
    "OTH": ("Autre", "Other"),
}

_REJECTION_REASONS = frozenset(
    [
        "MONTANTTOTAL_ERR",
        "CALCUL_ERR",
        "DOUBLON",
        "DEST_INC",
        "ADR_ERR",
        "REJ_SEMAN",
        "REJ_UNI",
        "REJ_COH",
        "REJ_ADR",
        "REJ_CONT_B2G",
        "REJ_REF_PJ",
        "REJ_ASS_PJ",
    ]
)
_REFUSAL_REASONS = frozenset(
    [
        "TX_TVA_ERR",
        "MONTANTTOTAL_ERR",
        "CALCUL_ERR",
        "NON_CONFORME",
        "DOUBLON",
        "DEST_ERR",
        "TRANSAC_INC",
        "EMMET_INC",
        "CONTRAT_TERM",
        "DOUBLE_FACT",
        "CMD_ERR",
        "ADR_ERR",
        "REF_CT_ABSENT",
    ]
)
_SUSPENSION_REASONS = frozenset(
    ["JUSTIF_ABS", "COORD_BANC_ERR", "CMD_ERR", "SIRET_ERR", "CODE_ROUTAGE_ERR", "REF_CT_ABSENT", "REF_ERR"]
)


@dataclasses.dataclass(frozen=True)
class Status:
    code: str  # MDT-105
    label_fr: str  # MDT-106
    label_en: str
    phase: Phase
    status_code: str | None  # MDT-88
    emitters: frozenset
    mandatory: bool  # to be reported to the tax administration (PPF)
    reason_required: bool = False  # BR-FR-CDV-15
    reasons: frozenset | None = None  # None: any code of REASON_CODES
    repeatable: bool = False
    terminal: bool = False
    note: str = ""

    @property
    def acknowledgement_type(self):
        return ACKNOWLEDGEMENT_TYPE[self.phase]

    def label(self, lang="fr"):
        return self.label_fr if lang.startswith("fr") else self.label_en


_P, _T = Phase.PROCESSING, Phase.TRANSMISSION
_PAE, _PAR = Emitter.ISSUER_PLATFORM, Emitter.RECEIVER_PLATFORM
_BUYER, _SELLER = Emitter.BUYER, Emitter.SELLER


def _status(code, fr, en, phase, mdt88, emitters, mandatory=False, **extra):
    return Status(code, fr, en, phase, mdt88, frozenset(emitters), mandatory, **extra)


STATUSES = {
    s.code: s
    for s in (
        _status("200", "Déposée", "Submitted", _T, "10", [_PAE], True, reasons=frozenset({"NON_TRANSMISE"})),
        _status("201", "Émise par la plateforme", "Issued by the platform", _T, "51", [_PAE]),
        _status("202", "Reçue par la plateforme", "Received by the platform", _T, "43", [_PAR]),
        _status("203", "Mise à disposition", "Made available", _T, "48", [_PAR]),
        _status("204", "Prise en charge", "In hand", _P, "45", [_BUYER]),
        _status("205", "Approuvée", "Approved", _P, "1", [_BUYER]),
        _status("206", "Approuvée partiellement", "Partially approved", _P, "49", [_BUYER], reason_required=True),
        _status("207", "En litige", "Disputed", _P, "46", [_BUYER], reason_required=True, repeatable=True),
        _status(
            "208",
            "Suspendue",
            "Suspended",
            _P,
            "39",
            [_BUYER],
            reason_required=True,
            reasons=_SUSPENSION_REASONS,
            repeatable=True,
        ),
        _status("209", "Complétée", "Completed", _P, "37", [_SELLER], repeatable=True),
        _status(
            "210",
            "Refusée",
            "Refused",
            _P,
            "50",
            [_BUYER],
            True,
            reason_required=True,
            reasons=_REFUSAL_REASONS,
            terminal=True,
        ),
        _status("211", "Paiement transmis", "Payment sent", _P, "47", [_BUYER, _SELLER], repeatable=True),
        _status(
            "212",
            "Encaissée",
            "Cashed",
            _P,
            "47",
            [_SELLER],
            True,
            repeatable=True,
            note="mandatory towards the administration only when VAT is due on receipt",
        ),
        _status(
            "213",
            "Rejetée",
            "Rejected",
            _T,
            "8",
            [_PAE, _PAR],
            True,
            reason_required=True,
            reasons=_REJECTION_REASONS,
            terminal=True,
        ),
        # Further codes of the FNFE-MPE list (BR-FR-CDV-CL-06), processing phase, "other" MDT-88 code.
        _status("214", "Visée", "Endorsed", _P, "5", [_BUYER]),
        _status("220", "Annulée", "Cancelled", _P, "5", [_SELLER], terminal=True),
        _status(
            "221",
            "Erreur de routage",
            "Routing error",
            _P,
            "5",
            [_PAR, _BUYER],
            reasons=frozenset({"ROUTAGE_ERR"}),
        ),
        _status("224", "Demande de paiement direct", "Direct payment requested", _P, "5", [_SELLER]),
        _status("225", "Affacturée", "Factored", _P, "5", [_SELLER]),
        _status("226", "Affacturée confidentiel", "Factored (confidential)", _P, "5", [_SELLER]),
        _status("227", "Changement de compte à payer", "Payment account changed", _P, "5", [_SELLER]),
        _status("228", "Non affacturée", "Not factored", _P, "5", [_SELLER]),
    )
}

#: Statuses that must reach the tax administration (within 24 hours of their timestamp).
MANDATORY = frozenset(code for code, status in STATUSES.items() if status.mandatory)

#: Transmission order on each platform: a status and the one that must come before it. The
#: receiving platform's 202 is optional (XP Z12-014 sequencing): 203 may come alone.
_TRANSMISSION_PREDECESSOR = {"201": "200"}


@dataclasses.dataclass(frozen=True)
class Decision:
    allowed: bool
    reason_en: str = ""
    reason_fr: str = ""

    def __bool__(self):
        return self.allowed


def _no(en, fr):
    return Decision(False, en, fr)


def check_event(history, code, emitter=None, reason_code=None):
    """May status ``code`` be applied after ``history`` (the codes applied so far, in order)?

    Returns a :class:`Decision` that is true when allowed, else carries why, in English
    and French.
    """
    status = STATUSES.get(code)
    if status is None:
        return _no(f"{code} is not a lifecycle status code", f"{code} n'est pas un code de statut du cycle de vie")
    history = list(history)
    if emitter is not None and Emitter(emitter) not in status.emitters:
        allowed = ", ".join(sorted(e.value for e in status.emitters))
        return _no(
            f"status {code} ({status.label_en}) is given by {allowed}, not by {emitter}",
            f"le statut {code} ({status.label_fr}) est émis par {allowed}, pas par {emitter}",
        )
    if status.reason_required and not reason_code:
        return _no(
            f"status {code} ({status.label_en}) needs a reason code (MDT-113, BR-FR-CDV-15)",
            f"le statut {code} ({status.label_fr}) exige un code motif (MDT-113, BR-FR-CDV-15)",
        )
    if reason_code:
        allowed_reasons = status.reasons if status.reasons is not None else REASON_CODES
        if reason_code not in allowed_reasons:
            return _no(
                f"reason {reason_code} is not allowed with status {code} ({status.label_en})",
                f"le motif {reason_code} n'est pas admis avec le statut {code} ({status.label_fr})",
            )
    for done in history:
        previous = STATUSES.get(done)
        if previous is not None and previous.terminal:
            return _no(
                f"status {done} ({previous.label_en}) ended the invoice's lifecycle",
                f"le statut {done} ({previous.label_fr}) a clos le cycle de vie de la facture",
            )
    if code in history and not status.repeatable:
        return _no(
            f"status {code} ({status.label_en}) was already given",
            f"le statut {code} ({status.label_fr}) a déjà été donné",
        )
    before = _TRANSMISSION_PREDECESSOR.get(code)
    if before and before not in history:
        return _no(
            f"status {code} ({status.label_en}) comes after {before} ({STATUSES[before].label_en})",
            f"le statut {code} ({status.label_fr}) suit le statut {before} ({STATUSES[before].label_fr})",
        )
    if code == "209" and "208" not in history:
        return _no(
            "status 209 (Completed) answers a suspension (208)",
            "le statut 209 (Complétée) répond à une suspension (208)",
        )
    if code == "213" and any(STATUSES[c].phase == Phase.PROCESSING for c in history if c in STATUSES):
        return _no(
            "a platform rejects (213) before the buyer processes the invoice",
            "une plateforme rejette (213) avant tout traitement par l'acheteur",
        )
    return Decision(True)


def current_status(history):
    """The status to show for an invoice: the last one applied, or None."""
    history = [code for code in history if code in STATUSES]
    return history[-1] if history else None
