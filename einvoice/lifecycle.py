"""Invoice lifecycle statuses of the French reform (Flux 6) and the rules that order them.

Sources (see the reform notes of the project): the status table of the DGFiP external
specifications (labels, mandatory flag), the AFNOR XP Z12-014 sequencing as the
specifications restate it, and the FNFE-MPE BR-FR-CDV 1.4.0 rules (MDT-77 / MDT-88 codes,
reason and action code lists, reasons required by BR-FR-CDV-15).

Transmission statuses follow each other on each platform (issuer: 200 or 213, then 201;
receiver: 202 or 213, then 203; 202 is optional). Processing statuses are *not* a linear
chain: they may come in any order (payment before a dispute, for instance), with three
constraints: 209 completes a suspension (208), nothing follows a refusal (210), a
rejection (213) or a cancellation (220), and a status is given once unless it can repeat
(payments, disputes, suspensions).

The tax administration's own statuses (250/251 on the regulatory data, 500/501 on a flow,
601 on the mandatory statuses it received: DGFiP general specification v3.2 §3.4.4 and
§3.6.8) tell what the administration did with what the platforms sent it. They may come at
any time, even after a refusal, never end the invoice's lifecycle and are not part of the
transmission order.
"""

from __future__ import annotations

import dataclasses
import datetime
from enum import StrEnum


class Phase(StrEnum):
    TRANSMISSION = "transmission"  # MDT-77 = 305
    PROCESSING = "processing"  # MDT-77 = 23
    # The tax administration's answers on what it received (flows, regulatory data, mandatory
    # statuses). MDT-77 = 305: the PPF speaks as a platform; BR-FR-CDV-CL-03 wants the issuer
    # of a 305 to be a platform (WK), and no issuer role of a 23 fits the administration.
    ADMINISTRATION = "administration"


class Emitter(StrEnum):
    ISSUER_PLATFORM = "issuer_platform"  # PA-E, the seller's platform
    RECEIVER_PLATFORM = "receiver_platform"  # PA-R, the buyer's platform
    BUYER = "buyer"
    SELLER = "seller"
    ADMINISTRATION = "administration"  # the tax administration, through its public portal (PPF)


#: MDT-77 acknowledgement type per phase.
ACKNOWLEDGEMENT_TYPE = {Phase.TRANSMISSION: "305", Phase.PROCESSING: "23", Phase.ADMINISTRATION: "305"}

#: Mandatory statuses reach the administration within 24 hours of their timestamp (DSE §3.6.6).
REPORTING_DELAY = datetime.timedelta(hours=24)

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

#: The administration's reasons, with their labels (DSE v3.2 tables 3, 11 and 12).
ADMINISTRATION_REASONS = {
    # 251: regulatory data rejected (table 11).
    "REJ_SEMAN": ("Contrôle du format sémantique", "Semantic format check"),
    "REJ_UNI": ("Contrôle d'unicité", "Uniqueness check"),
    "REJ_COH": ("Contrôle de cohérence des données", "Data consistency check"),
    # 501: flow not receivable (table 3, the codes BR-FR-CDV-CL-09 admits for 501).
    "IRR_VIDE_F": ("Contrôle des fichiers non vides", "Empty file"),
    "IRR_TYPE_F": ("Contrôle de type et extension des fichiers", "File type or extension"),
    "IRR_SYNTAX": ("Contrôle syntaxique des fichiers", "File syntax"),
    "IRR_TAILLE_PJ": ("Contrôle de taille des pièces jointes", "Attachment size"),
    "IRR_NOM_PJ": ("Contrôle du nom des pièces jointes", "Attachment name"),
    "IRR_VID_PJ": ("Contrôle des pièces jointes non vides", "Empty attachment"),
    "IRR_EXT_DOC": ("Contrôle de type et extension des pièces jointes", "Attachment type or extension"),
    "IRR_TAILLE_F": ("Contrôle de taille des fichiers", "File size"),
    "IRR_ANTIVIRUS": ("Contrôle anti-virus", "Antivirus check"),
    "IRR_NOM_F": ("Contrôle du nom des fichiers", "File name"),
    # 601: mandatory status rejected (table 12). These codes are not in BR-FR-CDV-CL-09: the
    # administration's own messages use them, a platform's message carrying one breaks CL-09.
    "REJ_INC": ("Contrôle de cohérence des statuts", "Status consistency check"),
    "REJ_INEX": ("Contrôle de conformité des statuts", "Status conformity check"),
    "REJ_RG": ("Contrôle des règles de gestion", "Business rules check"),
    "REJ_HAB": ("Contrôle des droits et habilitations", "Rights and authorisations check"),
    "REJ_ENCAISSEMENT": ("Contrôle des encaissements", "Cashed amounts check"),
}
_DATA_REJECTION_REASONS = frozenset(["REJ_SEMAN", "REJ_UNI", "REJ_COH"])
_FLOW_REJECTION_REASONS = frozenset(code for code in ADMINISTRATION_REASONS if code.startswith("IRR_"))
_STATUS_REJECTION_REASONS = frozenset(["REJ_INC", "REJ_INEX", "REJ_RG", "REJ_HAB", "REJ_ENCAISSEMENT"])


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
    #: What an administration status is about, when the label alone does not say (French).
    subject_fr: str = ""

    @property
    def acknowledgement_type(self):
        return ACKNOWLEDGEMENT_TYPE[self.phase]

    @property
    def title_fr(self):
        """The label a French user reads: MDT-106, with its subject for the administration's statuses."""
        return f"{self.label_fr} ({self.subject_fr})" if self.subject_fr else self.label_fr

    @property
    def from_administration(self):
        return self.phase == Phase.ADMINISTRATION

    def label(self, lang="fr"):
        return self.title_fr if lang.startswith("fr") else self.label_en


_P, _T, _A = Phase.PROCESSING, Phase.TRANSMISSION, Phase.ADMINISTRATION
_PAE, _PAR = Emitter.ISSUER_PLATFORM, Emitter.RECEIVER_PLATFORM
_BUYER, _SELLER, _PPF = Emitter.BUYER, Emitter.SELLER, Emitter.ADMINISTRATION


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
        # Further codes of the FNFE-MPE list (BR-FR-CDV-CL-06), processing phase, "other" MDT-88 code
        # (BR-FR-CDV-CL-05). The DGFiP table stops at 213 ("non exhaustive, see XP Z12-012"): who
        # gives each follows from its meaning (an endorsement is the buyer's; a cancellation, the
        # factoring and payment-account statuses are the seller's, or its factor's on its behalf).
        _status("214", "Visée", "Endorsed", _P, "5", [_BUYER]),
        _status(
            "220",
            "Annulée",
            "Cancelled",
            _P,
            "5",
            [_SELLER],
            terminal=True,
            note="the seller cancels an invoice it replaces; the buyer must not pay it",
        ),
        # A routing error is found by the receiving platform, which cannot deliver the invoice
        # to the recipient it names: a transmission status (MDT-77 305, issuer WK). A buyer that
        # receives an invoice meant for someone else refuses it (210, DEST_ERR).
        _status(
            "221",
            "Erreur de routage",
            "Routing error",
            _T,
            None,
            [_PAR],
            reasons=frozenset({"ROUTAGE_ERR"}),
        ),
        _status("224", "Demande de paiement direct", "Direct payment requested", _P, "5", [_SELLER]),
        _status("225", "Affacturée", "Factored", _P, "5", [_SELLER], repeatable=True),
        _status("226", "Affacturée confidentiel", "Factored (confidential)", _P, "5", [_SELLER], repeatable=True),
        _status("227", "Changement de compte à payer", "Payment account changed", _P, "5", [_SELLER], repeatable=True),
        _status("228", "Non affacturée", "Not factored", _P, "5", [_SELLER], repeatable=True),
        # The tax administration's statuses (DSE v3.2 tables 2, 9 and 10; codes of BR-FR-CDV-CL-06).
        # The specification gives them no MDT-88 code; BR-FR-CDV-CL-05 lets it be absent. Their
        # "Obligatoire" means the administration always gives them: nothing to report back.
        _status(
            "250",
            "Déposée",
            "Regulatory data deposited",
            _A,
            None,
            [_PPF],
            repeatable=True,
            subject_fr="données réglementaires",
        ),
        _status(
            "251",
            "Rejetée",
            "Regulatory data rejected",
            _A,
            None,
            [_PPF],
            reasons=_DATA_REJECTION_REASONS,
            repeatable=True,
            subject_fr="données réglementaires",
            note="the administration did not take the invoice's regulatory data into account",
        ),
        _status("500", "Recevable", "Flow receivable", _A, None, [_PPF], repeatable=True, subject_fr="flux"),
        _status(
            "501",
            "Irrecevable",
            "Flow not receivable",
            _A,
            None,
            [_PPF],
            reason_required=True,
            reasons=_FLOW_REJECTION_REASONS,
            repeatable=True,
            subject_fr="flux",
        ),
        _status(
            "601",
            "Rejeté",
            "Mandatory status rejected",
            _A,
            None,
            [_PPF],
            reasons=_STATUS_REJECTION_REASONS,
            repeatable=True,
            subject_fr="statut obligatoire",
            note="the administration did not take a mandatory status of the invoice into account",
        ),
    )
}

#: The administration's statuses that say it rejected something: the company has to act.
ADMINISTRATION_REJECTIONS = frozenset({"251", "501", "601"})

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
    if emitter is not None and emitter not in set(Emitter):
        return _no(f"{emitter} is not a lifecycle emitter", f"{emitter} n'est pas un émetteur du cycle de vie")
    if emitter is not None and Emitter(emitter) not in status.emitters:
        allowed = ", ".join(sorted(e.value for e in status.emitters))
        return _no(
            f"status {code} ({status.label_en}) is given by {allowed}, not by {emitter}",
            f"le statut {code} ({status.title_fr}) est émis par {allowed}, pas par {emitter}",
        )
    if status.reason_required and not reason_code:
        return _no(
            f"status {code} ({status.label_en}) needs a reason code (MDT-113, BR-FR-CDV-15)",
            f"le statut {code} ({status.title_fr}) exige un code motif (MDT-113, BR-FR-CDV-15)",
        )
    if reason_code:
        allowed_reasons = status.reasons if status.reasons is not None else REASON_CODES
        if reason_code not in allowed_reasons:
            return _no(
                f"reason {reason_code} is not allowed with status {code} ({status.label_en})",
                f"le motif {reason_code} n'est pas admis avec le statut {code} ({status.title_fr})",
            )
    if status.from_administration:
        # The administration answers about what it received, whenever it does.
        return Decision(True)
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
            f"le statut {code} ({status.title_fr}) a déjà été donné",
        )
    before = _TRANSMISSION_PREDECESSOR.get(code)
    if before and before not in history:
        return _no(
            f"status {code} ({status.label_en}) comes after {before} ({STATUSES[before].label_en})",
            f"le statut {code} ({status.title_fr}) suit le statut {before} ({STATUSES[before].label_fr})",
        )
    if code == "213" and emitter is not None:
        # Each platform gives one of its two first statuses: the issuer 200 or 213, the receiver
        # 202 or 213 (before 203, which follows its 202).
        given = {
            Emitter.ISSUER_PLATFORM: ("200",),
            Emitter.RECEIVER_PLATFORM: ("202", "203"),
        }.get(Emitter(emitter), ())
        done = next((c for c in given if c in history), None)
        if done:
            return _no(
                f"the platform that gave {done} ({STATUSES[done].label_en}) cannot reject the invoice (213) after it",
                f"la plateforme qui a donné le statut {done} ({STATUSES[done].label_fr}) ne peut plus "
                "rejeter la facture (213)",
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
    """The status to show for an invoice: the last of its own applied (not the administration's), or None."""
    history = [code for code in history if code in STATUSES and not STATUSES[code].from_administration]
    return history[-1] if history else None
