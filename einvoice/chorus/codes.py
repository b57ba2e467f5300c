"""Chorus Pro vocabularies: invoice statuses, flow states, and what an error means for an accountant.

Sources, by key:

- CPRO: DGFiP external specifications, file "Chorus Pro" v1.1 (2026): §2.4.2 (end of
  recycling), §3.4.1.1.1 and §3.5.2 (statuses on the historical B2G channel: Chorus Pro
  issues "Déposée" and "Encaissée" to the tax administration for the supplier), §4.2.1.1
  Tableau 8 (Chorus Pro statuses and the AFNOR statuses they correspond to), §5.4.1
  (30 MB per API flow).
- LIFECYCLE: :mod:`einvoice.lifecycle` (the reform's statuses 200-228).
- OCA: OCA/l10n-france ``l10n_fr_chorus_account`` (flow states ``IN_INTEGRE``,
  ``IN_INTEGRE_PARTIEL``, ``IN_REJETE``; the "success" libellé ``TRA_MSG_00.000``).

The numeric ``codeRetour`` values of Chorus Pro are listed in the "Annexe API" of its
external specifications, which the project's reference set does not hold. Only the two
codes that public clients quote from that annex are matched by number here (``codes``);
every other advice is found from the words of Chorus Pro's message (``libelle`` or
``libelleErreurDP``), so an unknown number never gets a wrong explanation.
"""

from __future__ import annotations

import dataclasses
import unicodedata

# --- invoice statuses ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChorusStatus:
    code: str  # the API value (statut, statutCourantCode, histoStatutCode)
    label_fr: str
    label_en: str
    number: str | None  # the historical Chorus Pro number, where CPRO Tableau 8 gives it
    reform_code: str | None  # the reform status it corresponds to (einvoice.lifecycle), or None
    source: str  # where the correspondence comes from

    def label(self, lang="fr"):
        return self.label_fr if lang.startswith("fr") else self.label_en


_T8 = "CPRO §4.2.1.1 Tableau 8"

STATUSES = {
    s.code: s
    for s in (
        # On the historical channel (a direct deposit, what this client does) Chorus Pro is the
        # issuing platform and sends "Déposée" (200) to the administration once its checks pass
        # (CPRO §3.5.2, "B2G/G2G circuit historique"); Tableau 8 maps it to 202 only when a
        # supplier's approved platform routes the invoice to Chorus Pro.
        ChorusStatus("DEPOSEE", "Déposée", "Submitted", "01", "200", "CPRO §3.5.2; 202 via a platform (" + _T8 + ")"),
        ChorusStatus(
            "EN_COURS_ACHEMINEMENT",
            "En cours d'acheminement",
            "Being routed",
            None,
            None,
            "Chorus Pro only: no reform status",
        ),
        ChorusStatus("MISE_A_DISPOSITION", "Mise à disposition du destinataire", "Made available", "03", "203", _T8),
        ChorusStatus(
            "A_RECYCLER",
            "À recycler",
            "To be recycled",
            None,
            None,
            "Chorus Pro only, being withdrawn: becomes Rejetée on the historical channel, 210 via a "
            "platform (CPRO §2.4.2)",
        ),
        ChorusStatus("REJETEE", "Rejetée", "Rejected by the public buyer", "05", "210", _T8),
        ChorusStatus("SUSPENDUE", "Suspendue", "Suspended", "06", "208", _T8),
        # Not in Tableau 8; same definition as the reform's 209 (the seller completes a
        # suspended invoice, LIFECYCLE: 209 follows 208).
        ChorusStatus(
            "COMPLETEE", "Complétée", "Completed", None, "209", "by definition (LIFECYCLE 209); not in Tableau 8"
        ),
        ChorusStatus("SERVICE_FAIT", "Service fait", "Service certified", "07", "204", _T8),
        ChorusStatus("MANDATEE", "Mandatée / DP validée", "Payment order issued", "08", "204", _T8),
        ChorusStatus(
            "MISE_A_DISPOSITION_COMPTABLE",
            "Mise à disposition du comptable",
            "Passed to the public accountant",
            "09",
            "204",
            _T8,
        ),
        ChorusStatus("COMPTABILISEE", "Comptabilisée", "Booked by the public accountant", "10", "204", _T8),
        # Chorus Pro also sends "Encaissée" (212) to the administration on the supplier's behalf
        # when this status is set (CPRO §3.4.1.1.1): the supplier does not send 212 itself.
        ChorusStatus("MISE_EN_PAIEMENT", "Mise en paiement", "Payment sent", "11", "211", _T8),
    )
}

#: Statuses after which Chorus Pro will not change the invoice any more (polling may stop).
FINAL_STATUSES = frozenset({"REJETEE", "MISE_EN_PAIEMENT"})

#: The status on which Chorus Pro itself reports "Encaissée" (212) for the supplier.
CASHED_REPORTED_BY_CHORUS_ON = "MISE_EN_PAIEMENT"


def reform_status(chorus_status):
    """The reform lifecycle code (``"200"``...) of a Chorus Pro status, or None when it has none."""
    status = STATUSES.get(chorus_status)
    return status.reform_code if status else None


def status_label(chorus_status, lang="fr"):
    status = STATUSES.get(chorus_status)
    return status.label(lang) if status else chorus_status


# --- flow states (etatCourantDepotFlux) ----------------------------------------------------

FLOW_PENDING = "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP"
FLOW_INTEGRATED = "IN_INTEGRE"
FLOW_PARTLY_INTEGRATED = "IN_INTEGRE_PARTIEL"
FLOW_REJECTED = "IN_REJETE"

FLOW_STATES = {
    FLOW_PENDING: ("En attente de traitement", "Waiting to be processed"),
    FLOW_INTEGRATED: ("Intégré", "Integrated"),
    FLOW_PARTLY_INTEGRATED: ("Intégré partiellement", "Partly integrated"),
    FLOW_REJECTED: ("Rejeté", "Rejected"),
}

#: Flow states that will not change any more.
FLOW_FINAL_STATES = frozenset({FLOW_INTEGRATED, FLOW_PARTLY_INTEGRATED, FLOW_REJECTED})

#: The ``libelle`` of a successful answer (OCA).
SUCCESS_LIBELLE = "TRA_MSG_00.000"

# --- deposit syntaxes (syntaxeFlux) ---------------------------------------------------------

SYNTAX_UBL = "IN_DP_E1_UBL_INVOICE"
SYNTAX_CII = "IN_DP_E1_CII_16B"
SYNTAX_FACTURX = "IN_DP_E2_CII_FACTURX"
SYNTAXES = frozenset({SYNTAX_UBL, SYNTAX_CII, SYNTAX_FACTURX})

#: Largest flow the API accepts (CPRO §5.4.1: 30 Mo). Read as 10^6 bytes, the stricter
#: reading, so that a flow let through is never refused for its size.
MAX_FLOW_BYTES = 30_000_000

# --- what an error means ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Advice:
    key: str
    fr: str  # what the accountant should do, in French
    en: str  # the same, in English
    codes: frozenset = frozenset()  # codeRetour values that mean this, where a source confirms it
    patterns: tuple = ()  # groups of words that must all appear in Chorus Pro's message
    source: str = ""

    def text(self, lang="fr"):
        return self.fr if lang.startswith("fr") else self.en


def _advice(key, fr, en, patterns=(), codes=(), source=""):
    return Advice(key, fr, en, frozenset(codes), tuple(tuple(group) for group in patterns), source)


ADVICES = {
    a.key: a
    for a in (
        _advice(
            "FLOW_TOO_LARGE",
            "Le fichier dépasse 30 Mo, la limite de Chorus Pro par dépôt : envoyez les factures en "
            "plusieurs lots ou réduisez la taille des pièces jointes.",
            "The file is over 30 MB, Chorus Pro's limit per deposit: send the invoices in several "
            "batches or make the attachments smaller.",
            patterns=[("taille", "flux"), ("taille", "fichier", "depasse"), ("30 mo",)],
            codes=[20001],
            source="CPRO §5.4.1; code 20001 as public clients quote the Chorus Pro API annex",
        ),
        _advice(
            "ATTACHMENT_TOO_LARGE",
            "La pièce jointe dépasse 10 Mo : compressez-la ou découpez-la avant de l'ajouter.",
            "The attachment is over 10 MB: compress or split it before adding it.",
            patterns=[("piece jointe", "taille"), ("piece jointe", "10 mo")],
            codes=[20003],
            source="code 20003 and the 10 MB limit as public clients quote the Chorus Pro API annex",
        ),
        _advice(
            "SERVICE_OR_COMMITMENT_MISSING",
            "Ce client public exige un code service ou un numéro d'engagement : renseignez au moins "
            "l'un des deux (BT-10 ou BT-13).",
            "This public customer requires a service code or a commitment number: give at least one "
            "of them (BT-10 or BT-13).",
            patterns=[("code service", " ou ", "engagement")],
        ),
        _advice(
            "SERVICE_CODE_MISSING",
            "Ce client public exige un code service : renseignez-le dans la « référence acheteur » "
            "de la facture (BT-10), avec un code de la liste des services du client dans Chorus Pro.",
            "This public customer requires a service code: put it in the invoice's buyer reference "
            "(BT-10), using a code from the customer's service list in Chorus Pro.",
            patterns=[("code service", "obligatoire"), ("code service", "manquant"), ("code service", "renseign")],
        ),
        _advice(
            "SERVICE_CODE_UNKNOWN",
            "Le code service indiqué n'existe pas ou n'est plus actif chez ce client public : "
            "choisissez un code de sa liste de services à jour.",
            "The service code given does not exist or is no longer active for this public customer: "
            "pick a code from its current service list.",
            patterns=[("service", "inconnu"), ("service", "inexistant"), ("service", "inactif")],
        ),
        _advice(
            "COMMITMENT_MISSING",
            "Ce client public exige un numéro d'engagement juridique : demandez-le lui (bon de "
            "commande) et indiquez-le comme référence de commande de la facture (BT-13).",
            "This public customer requires a commitment number: ask the customer for it (purchase "
            "order) and put it as the invoice's purchase order reference (BT-13).",
            patterns=[("engagement", "obligatoire"), ("engagement", "manquant"), ("engagement", "renseign")],
        ),
        _advice(
            "COMMITMENT_INVALID",
            "Le numéro d'engagement juridique n'est pas reconnu par ce client public : vérifiez-le "
            "sur son bon de commande (référence de commande, BT-13) puis renvoyez la facture.",
            "The commitment number is not known to this public customer: check it against the "
            "purchase order (purchase order reference, BT-13) and send the invoice again.",
            patterns=[("engagement", "inconnu"), ("engagement", "invalide"), ("engagement", "inexistant")],
        ),
        _advice(
            "BUYER_UNKNOWN",
            "Aucun client public ne porte ce SIRET dans Chorus Pro : vérifiez le SIRET du client "
            "(fiche du partenaire) ou demandez-lui son SIRET de facturation.",
            "No public customer has this SIRET in Chorus Pro: check the customer's SIRET on the "
            "partner form or ask the customer for its invoicing SIRET.",
            patterns=[
                ("destinataire", "inconnu"),
                ("destinataire", "inexistant"),
                ("siret", "destinataire"),
                ("structure", "inconnue"),
            ],
        ),
        _advice(
            "SUPPLIER_UNKNOWN",
            "Votre propre SIRET n'est pas rattaché à une structure active de Chorus Pro : créez ou "
            "activez la structure de votre société sur le portail Chorus Pro.",
            "Your own SIRET is not attached to an active Chorus Pro structure: create or activate "
            "your company's structure on the Chorus Pro portal.",
            patterns=[("fournisseur", "inconnu"), ("fournisseur", "inexistant")],
        ),
        _advice(
            "STRUCTURE_INACTIVE",
            "Le client public est inactif dans Chorus Pro (structure fermée) : demandez-lui la "
            "structure qui la remplace.",
            "The public customer is inactive in Chorus Pro (closed structure): ask the customer "
            "which structure replaces it.",
            patterns=[("structure", "inactive"), ("structure", "pas active"), ("structure", "fermee")],
        ),
        _advice(
            "DUPLICATE_INVOICE",
            "Une facture portant ce numéro a déjà été déposée cette année : ne la renvoyez pas ; si "
            "c'est une autre facture, donnez-lui un nouveau numéro.",
            "An invoice with this number was already submitted this year: do not send it again; if "
            "it is a different invoice, give it a new number.",
            patterns=[("doublon",), ("deja", "depose"), ("deja", "existe")],
            source="unicity of year + seller SIREN + number, CPRO §3.2.3.3.2",
        ),
        _advice(
            "UNREADABLE_FLOW",
            "Chorus Pro n'a pas pu lire le fichier (format ou syntaxe) : vérifiez que le format "
            "choisi (UBL, CII, Factur-X) correspond bien au fichier envoyé.",
            "Chorus Pro could not read the file (format or syntax): check that the chosen format "
            "(UBL, CII, Factur-X) matches the file sent.",
            patterns=[("syntaxe",), ("format", "invalide"), ("illisible",), ("xml", "invalide")],
        ),
        _advice(
            "INVOICE_UNKNOWN",
            "Chorus Pro ne connaît pas cette facture : vérifiez son identifiant Chorus Pro ou "
            "attendez que le dépôt soit intégré.",
            "Chorus Pro does not know this invoice: check its Chorus Pro identifier or wait until "
            "the deposit is integrated.",
            patterns=[("facture", "inconnue"), ("facture", "inexistante"), ("facture", "introuvable")],
        ),
        _advice(
            "NOT_SUSPENDED",
            "Seule une facture « Suspendue » peut être complétée : consultez son statut actuel.",
            'Only a "Suspended" invoice can be completed: look at its current status.',
            patterns=[("statut", "suspendue")],
        ),
        _advice(
            "NOT_TO_RECYCLE",
            "Seule une facture « À recycler » peut être recyclée ; sinon annulez-la par un avoir et "
            "émettez une nouvelle facture.",
            'Only an invoice "To be recycled" can be recycled; otherwise cancel it with a credit '
            "note and issue a new invoice.",
            patterns=[("statut", "recycler")],
            source="CPRO §2.4.2",
        ),
        _advice(
            "TECHNICAL_ACCOUNT_REFUSED",
            "Chorus Pro refuse le compte technique : vérifiez son identifiant et son mot de passe "
            "(ils expirent) dans la configuration, et qu'il est rattaché à votre structure.",
            "Chorus Pro refuses the technical account: check its login and password (they expire) "
            "in the settings, and that it is attached to your structure.",
            patterns=[("compte", "technique"), ("cpro-account",), ("habilitation",)],
        ),
        _advice(
            "APPLICATION_REFUSED",
            "PISTE refuse l'application : vérifiez l'identifiant client et le secret PISTE dans la "
            "configuration, et que l'application est abonnée à l'API Chorus Pro.",
            "PISTE refuses the application: check the PISTE client id and secret in the settings, "
            "and that the application subscribes to the Chorus Pro API.",
            patterns=[("invalid_client",), ("invalid_token",), ("jeton",)],
        ),
    )
}


def _plain(text):
    """Lowercase without accents, so that a message matches whatever its spelling of é or à."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def explain(code=None, message=None):
    """The :class:`Advice` for a Chorus Pro error, or None when the table has none.

    ``code`` is matched only against codes a source confirms; otherwise the words of
    ``message`` decide (every word of one of an advice's groups must appear).
    """
    if code is not None:
        for advice in ADVICES.values():
            if code in advice.codes or str(code) in {str(c) for c in advice.codes}:
                return advice
    plain = _plain(message)
    if plain:
        for advice in ADVICES.values():
            if any(all(word in plain for word in group) for group in advice.patterns):
                return advice
    return None
