"""PISTE and Chorus Pro, simulated on 127.0.0.1 for the tests.

It serves what the supplier's side of the API uses, with the published routes and field
names (DGFiP external specifications, file "Chorus Pro" v1.1, and the public clients of
the API): the PISTE token endpoint (OAuth2 client credentials as form fields), then under
``/cpro/``: ``factures/v1/deposer/flux``, ``transverses/v1/consulterCRDetaille``,
``factures/v1/rechercher/fournisseur``, ``factures/v1/consulter/historique``,
``factures/v1/completer``, ``factures/v1/recycler``, ``transverses/v1/ajouter/fichier``,
``structures/v1/rechercher``, ``structures/v1/consulter``,
``structures/v1/rechercher/services`` and ``engagementsJuridiques/v1/rechercher``.

Every API call needs a live Bearer token *and* the ``cpro-account`` header of the
technical account: a missing or expired token gets HTTP 401 with an OAuth2 error (RFC
6750), a wrong account HTTP 403 with ``codeRetour`` / ``libelle`` (the exact bodies PISTE
gives for these two refusals are not in the sources read; the statuses are). Every answer carries
``codeRetour`` (0 when done) and ``libelle``; a business refusal is HTTP 200 with another
code. The codes are the simulator's own except 20001 (flow too large) and 20003
(attachment too large), which public clients quote from the Chorus Pro API annex; the
messages are written so that :func:`einvoice.chorus.codes.explain` recognises them.

Deposited flows are kept: the base64 is decoded, a tar.gz batch unpacked, and each
invoice read (with the project's hardened parser) just enough for Chorus Pro's checks:
number, year, seller and buyer SIRET, service code (BT-10) and commitment number (BT-13).
A structure (``add_structure``) says whether it requires a service code and/or a
commitment number, lists its services and, when given, the commitment numbers it knows.
An invoice lacking required routing data, for an unknown or inactive buyer, from an
unknown supplier or with an already used number is rejected in the detailed report
(``listeErreurDP``); one whose commitment number the buyer does not know is integrated
"À recycler", as a public buyer would flag it. The test moves an invoice through the
statuses with ``advance(invoice_id, "MISE_A_DISPOSITION")``...

The public buyer can also act by itself, for a sandbox (``progress_on_read``): each
reading of an invoice's history moves it one step along the path of a public buyer that
pays (:data:`BUYER_PATH`, CPRO §4.2.1.1 Tableau 8), once its current status has been read;
``buyer_behaviour`` (one of :data:`BUYER_BEHAVIOURS`, applied to the invoices deposited
while it is set) makes the buyer suspend the invoice asking for a document, reject it, or
have it recycled instead, with ``buyer_reason`` (or :data:`BUYER_REASONS`) as its comment.
A suspended invoice goes on once completed, one to recycle once recycled.

Without a socket (``listen=False``, see :mod:`einvoice.testing.server`), what the service
knows is in :attr:`ChorusProSimulator.state_attributes`; its counters are plain integers
and its tokens expire on the wall clock, so that a state restored in another process goes
on where it was.

Failures on demand, as the platform simulator (``fail``, ``fail_every``: see
:mod:`einvoice.testing.server`): those come before the service does anything. The
failures of :meth:`ChorusProSimulator.fail_after` come once the service did its work (a
deposit is stored): an HTTP status a gateway gives (502, 504), ``"drop"`` (the connection
is reset without an answer), ``"slow"``, ``"garbage"``, or a dict of answer fields to
change (``None`` removes one, e.g. ``{"numeroFluxDepot": None}``). ``deposit_delay`` holds
every deposit's answer that many seconds once the flow is stored, so that a test can kill
a client while Chorus Pro holds a flow it did not hear about. ``requests`` lists
``(method, path)`` and ``exchanges`` the raw headers and bodies, so that tests can look
for leaked secrets.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import io
import json
import socket
import tarfile
import time
import uuid
from urllib.parse import parse_qs

from ..chorus import codes
from ..errors import ParseError
from ..xmlsafe import parse_xml
from .server import SimulatedService, SimulatorHandler

_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
_UBL_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
}
_CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_BATCH = 1000

# The simulator's codeRetour values (see the module docstring for which are Chorus Pro's).
CODE_FLOW_TOO_LARGE = 20001
CODE_ATTACHMENT_TOO_LARGE = 20003
CODE_BAD_REQUEST = 20100
CODE_UNKNOWN_SYNTAX = 20101
CODE_UNKNOWN_FLOW = 20102
CODE_UNKNOWN_INVOICE = 20103
CODE_NOT_SUSPENDED = 20104
CODE_NOT_TO_RECYCLE = 20105
CODE_UNKNOWN_STRUCTURE = 20106
CODE_UNKNOWN_SERVICE = 20107
CODE_UNKNOWN_COMMITMENT = 20108
CODE_UNKNOWN_ATTACHMENT = 20109
CODE_ACCOUNT_REFUSED = 20110

# What the detailed report says of a rejected invoice (libelleErreurDP).
REJECTIONS = {
    "SUPPLIER_UNKNOWN": "Fournisseur inconnu : le SIRET {seller} n'est pas une structure active de Chorus Pro",
    "BUYER_UNKNOWN": "Destinataire inconnu : aucune structure ne porte le SIRET {buyer}",
    "STRUCTURE_INACTIVE": "La structure destinataire {buyer} est inactive",
    "DUPLICATE_INVOICE": "Doublon : la facture n° {number} a déjà été déposée en {year} par ce fournisseur",
    "SERVICE_OR_COMMITMENT_MISSING": "Le code service ou le numéro d'engagement doit être renseigné pour {buyer}",
    "SERVICE_CODE_MISSING": "Le code service est obligatoire pour le destinataire {buyer}",
    "COMMITMENT_MISSING": "Le numéro d'engagement est obligatoire pour le destinataire {buyer}",
    "SERVICE_CODE_UNKNOWN": "Code service {service} inconnu ou inactif pour le destinataire {buyer}",
}


#: The statuses a public buyer that pays gives an invoice, in order (CPRO §4.2.1.1 Tableau 8).
BUYER_PATH = (
    "DEPOSEE",
    "MISE_A_DISPOSITION",
    "SERVICE_FAIT",
    "MANDATEE",
    "MISE_A_DISPOSITION_COMPTABLE",
    "COMPTABILISEE",
    "MISE_EN_PAIEMENT",
)
#: What the public buyer does with an invoice once it is made available to it ("normal": it
#: pays), or, for "recycle", what Chorus Pro does before: the invoice cannot be routed.
BUYER_BEHAVIOURS = ("normal", "suspend", "reject", "recycle")
#: The status each behaviour gives instead of going on, and the comment that comes with it.
BUYER_DEVIATIONS = {"suspend": "SUSPENDUE", "reject": "REJETEE", "recycle": "A_RECYCLER"}
BUYER_REASONS = {
    "suspend": "Pièce justificative manquante : procès-verbal de réception des travaux",
    "reject": "Montant erroné : le total ne correspond pas au devis accepté",
    "recycle": "Numéro d'engagement inconnu du destinataire",
}
#: The comment Chorus Pro gives with "Service fait" (CPRO §4.2.1.1, under Tableau 8).
SERVICE_DONE_COMMENT = "Le destinataire public a réalisé le service fait"


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _text(root, path):
    found = root.xpath(path, namespaces=_NS)
    if not found:
        return None
    value = found[0] if isinstance(found[0], str) else found[0].text
    return value.strip() if value and value.strip() else None


def _siret_of_address(address):
    """The SIRET in a 0225 electronic address SIREN_SIRET[_ROUTINGCODE], if any."""
    parts = (address or "").split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 14 else None


def read_invoice(content, syntax):
    """What Chorus Pro's checks need from one invoice file; raises ParseError when unreadable."""
    if syntax == codes.SYNTAX_FACTURX:
        from ..pdf import extract_xml, is_pdf

        if not is_pdf(content):
            raise ParseError("IN_DP_E2_CII_FACTURX expects a Factur-X PDF")
        _name, content = extract_xml(content)
        syntax = codes.SYNTAX_CII
    root = parse_xml(content, source="flow")
    if syntax == codes.SYNTAX_CII:
        if root.tag != _CII_ROOT:
            raise ParseError(f"syntaxe {syntax} attendue, document {root.tag}")
        agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
        seller, buyer = f"{agreement}/ram:SellerTradeParty", f"{agreement}/ram:BuyerTradeParty"
        data = {
            "number": _text(root, "rsm:ExchangedDocument/ram:ID"),
            "date": _text(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"),
            "seller_siret": _text(root, f"{seller}/ram:GlobalID[@schemeID='0009']")
            or _text(root, f"{seller}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0009']"),
            "buyer_siret": _text(root, f"{buyer}/ram:GlobalID[@schemeID='0009']")
            or _text(root, f"{buyer}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0009']")
            or _siret_of_address(_text(root, f"{buyer}/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']")),
            "service_code": _text(root, f"{agreement}/ram:BuyerReference"),
            "commitment": _text(root, f"{agreement}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        }
    elif syntax == codes.SYNTAX_UBL:
        if root.tag not in _UBL_ROOTS:
            raise ParseError(f"syntaxe {syntax} attendue, document {root.tag}")
        seller, buyer = "cac:AccountingSupplierParty/cac:Party", "cac:AccountingCustomerParty/cac:Party"
        data = {
            "number": _text(root, "cbc:ID"),
            "date": (_text(root, "cbc:IssueDate") or "").replace("-", ""),
            "seller_siret": _text(root, f"{seller}/cac:PartyIdentification/cbc:ID[@schemeID='0009']")
            or _text(root, f"{seller}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0009']"),
            "buyer_siret": _text(root, f"{buyer}/cac:PartyIdentification/cbc:ID[@schemeID='0009']")
            or _text(root, f"{buyer}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0009']")
            or _siret_of_address(_text(root, f"{buyer}/cbc:EndpointID[@schemeID='0225']")),
            "service_code": _text(root, "cbc:BuyerReference"),
            "commitment": _text(root, "cac:OrderReference/cbc:ID"),
        }
    else:
        raise ParseError(f"syntaxe {syntax} non prise en charge")
    if not data["number"]:
        raise ParseError("numéro de facture absent")
    return data


class ChorusProSimulator(SimulatedService):
    state_attributes = (
        "structures",
        "flows",
        "invoices",
        "attachments",
        "_numbers",
        "_tokens",
        "_tokens_issued",
        "_next_invoice_id",
        "_next_flow_number",
    )

    def __init__(
        self,
        client_id="piste-app",
        client_secret="piste-s3cret-0123",
        login="TECH_1_atelier@cpro.fr",
        password="Cpro-Pa55word!",
        token_lifetime=3600,
        slow_seconds=3,
        max_page_size=10,
        listen=True,
        progress_on_read=False,
        buyer_behaviour="normal",
        buyer_reason=None,
        keep_flow_files=True,
    ):
        super().__init__(slow_seconds=slow_seconds, listen=listen)
        if buyer_behaviour not in BUYER_BEHAVIOURS:
            raise ValueError(f"{buyer_behaviour} is not a buyer behaviour: one of {', '.join(BUYER_BEHAVIOURS)}")
        self.client_id = client_id
        self.client_secret = client_secret
        self.login = login
        self.password = password
        self.token_lifetime = token_lifetime
        self.max_page_size = max_page_size  # small, so that tests read several pages
        self.pending_reports = 0  # detailed reports that answer "waiting" before the result
        self.structures = {}  # idStructureCPP -> structure
        self.flows = {}  # numeroFluxDepot -> flow
        self.invoices = {}  # idFacture -> invoice
        self.attachments = {}  # pieceJointeId -> attachment
        self.exchanges = []  # {"method", "path", "headers", "body"} of every request
        self.progress_on_read = progress_on_read  # the buyer acts at each reading of a history
        self.buyer_behaviour = buyer_behaviour  # for the invoices deposited from now on
        self.buyer_reason = buyer_reason  # its comment; None: BUYER_REASONS
        self.keep_flow_files = keep_flow_files  # False: a flow's file is dropped once its invoices are read
        self._numbers = set()  # (seller SIREN, year, number): Chorus Pro's unicity check
        self._tokens = {}  # token -> expiry, in seconds since the epoch (time.time())
        self._tokens_issued = 0
        self._next_invoice_id = 1_000_001
        self._next_flow_number = 425_900
        self.deposit_delay = 0  # seconds each deposit's answer waits once the flow is stored
        self._after_failures = []  # (route, failure) applied to answers once the work is done

    @property
    def token_url(self):
        return f"{self.url}/api/oauth/token"

    @property
    def api_url(self):
        return f"{self.url}/cpro/"

    @property
    def tokens_issued(self):
        return self._tokens_issued

    def fail_after(self, *failures, route="factures/v1/deposer/flux"):
        """Spoil the answers of the next calls of ``route`` once the service did the work, one each.

        A failure is an HTTP status (a gateway's 502 or 504: the answer is lost on the way
        back), ``"drop"`` (the connection is reset), ``"slow"`` (the answer comes after
        ``slow_seconds``), ``"garbage"`` (HTTP 200 and a body that is not JSON), or a dict
        of answer fields to set (``None`` removes the field).
        """
        with self._lock:
            self._after_failures.extend((route, failure) for failure in failures)

    def _next_after_failure(self, route):
        with self._lock:
            for index, (failing_route, failure) in enumerate(self._after_failures):
                if failing_route == route:
                    del self._after_failures[index]
                    return failure
        return None

    def _clear_failures(self):
        super()._clear_failures()
        with self._lock:
            self._after_failures.clear()

    def revoke_tokens(self):
        """Forget every token, as when PISTE expires them early: the next call gets a 401."""
        with self._lock:
            self._tokens.clear()

    # --- reference data ---------------------------------------------------------------------

    def add_structure(
        self,
        siret,
        name,
        service_required=False,
        commitment_required=False,
        service_or_commitment=False,
        services=(),
        commitments=None,
        active=True,
        public=True,
        structure_id=None,
    ):
        """A structure (a public buyer, or the supplier with ``public=False``); returns its idStructureCPP.

        ``services`` is ``[(code, name)...]`` or ``[(code, name, active)...]``;
        ``commitments`` the commitment numbers the buyer knows (None: not checked);
        ``structure_id`` keeps the id of a structure given again (default: the next one).
        """
        with self._lock:
            if structure_id is None:
                structure_id = max(self.structures, default=26_000_000) + 1
            self.structures[structure_id] = {
                "idStructureCPP": structure_id,
                "siret": siret,
                "name": name,
                "service_required": service_required,
                "commitment_required": commitment_required,
                "service_or_commitment": service_or_commitment,
                "services": [
                    {
                        "idService": structure_id * 100 + n,
                        "codeService": service[0],
                        "libelleService": service[1],
                        "estActif": service[2] if len(service) > 2 else True,
                    }
                    for n, service in enumerate(services, start=1)
                ],
                "commitments": set(commitments) if commitments is not None else None,
                "active": active,
                "public": public,
            }
            return structure_id

    def structure_by_siret(self, siret):
        return next((s for s in self.structures.values() if s["siret"] == siret), None)

    def invoice_by_number(self, number):
        return next((i for i in self.invoices.values() if i["numeroFacture"] == number), None)

    # --- statuses ----------------------------------------------------------------------------

    def advance(self, invoice_id, status, comment=None):
        """Give an invoice a new status, as the public buyer or Chorus Pro would; returns the invoice."""
        if status not in codes.STATUSES:
            raise ValueError(f"{status} is not a Chorus Pro status: one of {', '.join(codes.STATUSES)}")
        with self._lock:
            invoice = self.invoices[invoice_id]
            invoice["statut"] = status
            invoice["history"].append({"code": status, "date": _now(), "comment": comment})
            invoice["read"] = False
            return invoice

    def next_status(self, invoice):
        """(status, comment) the public buyer gives the invoice next, or None while it waits or is done.

        The normal path is :data:`BUYER_PATH`; the invoice's behaviour (the buyer's when it
        was deposited) turns it aside once: recycled instead of made available, suspended
        or rejected instead of "Service fait". A suspended invoice waits to be completed and
        one to recycle to be recycled (then they go on); "Rejetée" and "Mise en paiement" end.
        """
        status = invoice["statut"]
        behaviour = invoice.get("behaviour") or "normal"
        deviation = BUYER_DEVIATIONS.get(behaviour)
        turned_aside = deviation is not None and any(e["code"] == deviation for e in invoice["history"])
        reason = invoice.get("reason") or BUYER_REASONS.get(behaviour)
        if status in ("DEPOSEE", "EN_COURS_ACHEMINEMENT"):
            if behaviour == "recycle" and not turned_aside:
                return deviation, reason
            return "MISE_A_DISPOSITION", None
        if status == "MISE_A_DISPOSITION":
            if behaviour in ("suspend", "reject") and not turned_aside:
                return deviation, reason
            return "SERVICE_FAIT", SERVICE_DONE_COMMENT
        if status == "COMPLETEE":  # the buyer has the document it asked for and goes on
            return "SERVICE_FAIT", SERVICE_DONE_COMMENT
        if status in BUYER_PATH[2:-1]:
            return BUYER_PATH[BUYER_PATH.index(status) + 1], None
        return None

    def _progress(self, invoice):
        """The buyer's next step on an invoice whose current status was read (``progress_on_read``)."""
        if not invoice.get("read"):
            return
        step = self.next_status(invoice)
        if step is not None:
            self.advance(invoice["identifiantFactureCPP"], *step)

    # --- deposits ----------------------------------------------------------------------------

    def _deposit(self, body):
        missing = [key for key in ("fichierFlux", "nomFichier", "syntaxeFlux") if not body.get(key)]
        if missing:
            return 400, _error(CODE_BAD_REQUEST, f"Paramètre obligatoire absent : {', '.join(missing)}")
        if body["syntaxeFlux"] not in codes.SYNTAXES:
            return 200, _error(CODE_UNKNOWN_SYNTAX, f"Syntaxe du flux {body['syntaxeFlux']} inconnue")
        try:
            content = base64.b64decode(body["fichierFlux"], validate=True)
        except (binascii.Error, ValueError):
            return 200, _error(CODE_BAD_REQUEST, "Le fichier du flux n'est pas encodé en base64")
        if len(content) > codes.MAX_FLOW_BYTES:
            return 200, _error(CODE_FLOW_TOO_LARGE, "La taille du fichier dépasse la taille maximale autorisée (30 Mo)")
        with self._lock:
            numero = f"CPP{self._next_flow_number:022d}"
            self._next_flow_number += 1
            flow = {
                "numeroFluxDepot": numero,
                "nomFichier": body["nomFichier"],
                "syntaxeFlux": body["syntaxeFlux"],
                "dateDepot": _now(),
                "content": content,
                "errors_dp": [],
                "errors_tech": [],
                "invoice_ids": [],
                "pending": self.pending_reports,
            }
            self.flows[numero] = flow
            self._integrate(flow)
            if not self.keep_flow_files:
                flow["content"] = b""  # each invoice keeps its own file
        return 200, {
            "codeRetour": 0,
            "libelle": "GCU_MSG_01_000",
            "numeroFluxDepot": numero,
            "dateDepot": flow["dateDepot"][:10],
            "syntaxeFlux": flow["syntaxeFlux"],
        }

    def _files(self, flow):
        content = flow["content"]
        if content[:2] != b"\x1f\x8b":
            return [(flow["nomFichier"], content)]
        files = []
        with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as tar:
            for member in tar:
                if not member.isfile() or member.size > codes.MAX_FLOW_BYTES:
                    continue
                files.append((member.name, tar.extractfile(member).read()))
                if len(files) > MAX_FILES_PER_BATCH:
                    raise ParseError("trop de fichiers dans le lot")
        return files

    def _integrate(self, flow):
        try:
            files = self._files(flow)
        except (tarfile.TarError, ParseError, OSError) as exc:
            flow["errors_tech"].append(_technical("ARCHIVE", f"Archive illisible : {exc}"))
            files = []
        for name, content in files:
            try:
                data = read_invoice(content, flow["syntaxeFlux"])
            except ParseError as exc:
                flow["errors_tech"].append(_technical("SYNTAXE", f"{name} : syntaxe ou format invalide ({exc})"))
                continue
            rejection = self._check(data)
            if rejection:
                key, values = rejection
                flow["errors_dp"].append(
                    {
                        "numeroDP": data["number"],
                        "identifiantFournisseur": data["seller_siret"],
                        "identifiantDestinataire": data["buyer_siret"],
                        "libelleErreurDP": REJECTIONS[key].format(**values),
                    }
                )
                continue
            flow["invoice_ids"].append(self._create(flow, name, content, data))
        if flow["invoice_ids"] and (flow["errors_dp"] or flow["errors_tech"]):
            flow["state"] = codes.FLOW_PARTLY_INTEGRATED
        elif flow["invoice_ids"]:
            flow["state"] = codes.FLOW_INTEGRATED
        else:
            flow["state"] = codes.FLOW_REJECTED

    def _check(self, data):
        """Chorus Pro's checks of a deposited invoice: None, or (reason key, message values)."""
        year = (data.get("date") or "")[:4]
        values = {
            "seller": data["seller_siret"],
            "buyer": data["buyer_siret"],
            "number": data["number"],
            "year": year,
            "service": data["service_code"],
        }
        supplier = self.structure_by_siret(data["seller_siret"])
        if supplier is None or not supplier["active"]:
            return "SUPPLIER_UNKNOWN", values
        buyer = self.structure_by_siret(data["buyer_siret"])
        if buyer is None:
            return "BUYER_UNKNOWN", values
        if not buyer["active"]:
            return "STRUCTURE_INACTIVE", values
        if (data["seller_siret"][:9], year, data["number"]) in self._numbers:
            return "DUPLICATE_INVOICE", values
        service, commitment = data["service_code"], data["commitment"]
        if buyer["service_or_commitment"] and not (service or commitment):
            return "SERVICE_OR_COMMITMENT_MISSING", values
        if buyer["service_required"] and not service:
            return "SERVICE_CODE_MISSING", values
        if buyer["commitment_required"] and not commitment:
            return "COMMITMENT_MISSING", values
        if not self._service_ok(buyer, service):
            return "SERVICE_CODE_UNKNOWN", values
        return None

    def _create(self, flow, name, content, data):
        buyer = self.structure_by_siret(data["buyer_siret"])
        invoice_id = self._next_invoice_id
        self._next_invoice_id += 1
        self._numbers.add((data["seller_siret"][:9], (data.get("date") or "")[:4], data["number"]))
        invoice = {
            "identifiantFactureCPP": invoice_id,
            "numeroFacture": data["number"],
            "statut": "DEPOSEE",
            "numeroFluxDepot": flow["numeroFluxDepot"],
            "codeDestinataire": data["buyer_siret"],
            "idDestinataire": buyer["idStructureCPP"],
            "designationDestinataire": buyer["name"],
            "codeFournisseur": data["seller_siret"],
            "codeServiceExecutant": data["service_code"],
            "numeroBonCommande": data["commitment"],
            "dateDepot": flow["dateDepot"][:10],
            "dateFacture": _iso_date(data.get("date")),
            "typeFacture": "FACTURE",
            "fileName": name,
            "content": content,
            "attachments": [],
            "history": [{"code": "DEPOSEE", "date": flow["dateDepot"], "comment": None}],
            "read": False,  # whether the current status was read in the history
            "behaviour": self.buyer_behaviour,
            "reason": self.buyer_reason or BUYER_REASONS.get(self.buyer_behaviour),
        }
        self.invoices[invoice_id] = invoice
        if self._commitment_unknown(buyer, data["commitment"]):
            # The public buyer cannot match the commitment number: it asks for the routing data.
            self.advance(invoice_id, "A_RECYCLER", "Numéro d'engagement inconnu du destinataire")
        return invoice_id

    @staticmethod
    def _service_ok(buyer, service):
        """A service code given must be an active service of the buyer (when it lists any)."""
        return not (service and buyer["services"]) or any(
            s["codeService"] == service and s["estActif"] for s in buyer["services"]
        )

    @staticmethod
    def _commitment_unknown(buyer, commitment):
        return bool(commitment) and buyer["commitments"] is not None and commitment not in buyer["commitments"]

    def _report(self, body):
        flow = self.flows.get(body.get("numeroFluxDepot"))
        if flow is None:
            return _error(CODE_UNKNOWN_FLOW, f"Flux {body.get('numeroFluxDepot')} inconnu")
        answer = {
            "codeRetour": 0,
            "libelle": codes.SUCCESS_LIBELLE,
            "numeroFluxDepot": flow["numeroFluxDepot"],
            "nomFichier": flow["nomFichier"],
            "dateDepotFlux": flow["dateDepot"],
            "dateHeureEtatCourantFlux": _now(),
            "codeInterfaceDepotFlux": "FSO1110A",
        }
        with self._lock:
            if flow["pending"] > 0:
                flow["pending"] -= 1
                return {**answer, "etatCourantDepotFlux": codes.FLOW_PENDING}
        return {
            **answer,
            "etatCourantDepotFlux": flow["state"],
            "listeErreurDP": list(flow["errors_dp"]),
            "listeErreurTechnique": list(flow["errors_tech"]),
        }

    # --- searches and invoices -------------------------------------------------------------

    def _page(self, items, params, list_key):
        params = params or {}
        size = max(1, min(int(params.get("nbResultatsParPage") or self.max_page_size), self.max_page_size))
        page = max(1, int(params.get("pageResultatDemandee") or 1))
        pages = max(1, -(-len(items) // size))
        return {
            "codeRetour": 0,
            "libelle": codes.SUCCESS_LIBELLE,
            list_key: items[(page - 1) * size : page * size],
            "parametresRetour": {"pageCourante": page, "pages": pages, "nbResultatsParPage": size, "total": len(items)},
        }

    def _search_invoices(self, body):
        invoices = sorted(self.invoices.values(), key=lambda i: i["identifiantFactureCPP"])
        for key in ("numeroFluxDepot", "numeroFacture", "numeroBonCommande"):
            if body.get(key):
                invoices = [i for i in invoices if i[key] == body[key]]
        if body.get("statutCourant"):
            invoices = [i for i in invoices if i["statut"] in body["statutCourant"]]
        public = ("history", "content", "attachments", "fileName", "read", "behaviour", "reason")
        items = [{k: v for k, v in i.items() if k not in public} for i in invoices]
        return self._page(items, body.get("rechercheFactureParFournisseur"), "listeFactures")

    def _invoice(self, body, key):
        invoice = self.invoices.get(_as_int(body.get(key)))
        if invoice is None:
            return None, _error(CODE_UNKNOWN_INVOICE, f"Facture {body.get(key)} inconnue")
        return invoice, None

    def _history(self, body):
        invoice, error = self._invoice(body, "idFacture")
        if error:
            return error
        if self.progress_on_read:
            self._progress(invoice)
        invoice["read"] = True
        events = [
            {
                "histoStatutId": n,
                "histoStatutCode": event["code"],
                "histoStatutDatePassage": event["date"],
                "histoStatutCommentaire": event["comment"],
            }
            for n, event in enumerate(invoice["history"], start=1)
        ]
        return {
            "codeRetour": 0,
            "libelle": codes.SUCCESS_LIBELLE,
            "idFacture": invoice["identifiantFactureCPP"],
            "numeroFacture": invoice["numeroFacture"],
            "statutCourantCode": invoice["statut"],
            "modeDepot": "DEPOT_API",
            "historiquesDesStatuts": {
                "histoStatut": events,
                "nbResultatsParPageHistoStatut": len(events),
                "pageCouranteHistoStatut": 1,
                "pagesHistoStatut": 1,
                "totalHistoStatut": len(events),
            },
        }

    def _add_file(self, body):
        missing = [
            key
            for key in ("pieceJointeFichier", "pieceJointeNom", "pieceJointeTypeMime", "pieceJointeExtension")
            if not body.get(key)
        ]
        if missing:
            return 400, _error(CODE_BAD_REQUEST, f"Paramètre obligatoire absent : {', '.join(missing)}")
        try:
            content = base64.b64decode(body["pieceJointeFichier"], validate=True)
        except (binascii.Error, ValueError):
            return 200, _error(CODE_BAD_REQUEST, "La pièce jointe n'est pas encodée en base64")
        if len(content) > MAX_ATTACHMENT_BYTES:
            return 200, _error(CODE_ATTACHMENT_TOO_LARGE, "La taille de la pièce jointe dépasse 10 Mo")
        with self._lock:
            attachment_id = 10_320_000 + len(self.attachments) + 1
            self.attachments[attachment_id] = {"name": body["pieceJointeNom"], "content": content}
        return 200, {"codeRetour": 0, "libelle": "GCU_MSG_01_000", "pieceJointeId": attachment_id}

    def _complete(self, body):
        invoice, error = self._invoice(body, "identifiantFactureCPP")
        if error:
            return error
        if invoice["statut"] != "SUSPENDUE":
            return _error(CODE_NOT_SUSPENDED, f"La facture n'est pas au statut SUSPENDUE (statut {invoice['statut']})")
        pieces = body.get("pieceJointeComplementaire") or []
        ids = [_as_int(p.get("pieceJointeComplementaireId")) for p in pieces]
        unknown = [i for i in ids if i not in self.attachments]
        if unknown:
            return _error(CODE_UNKNOWN_ATTACHMENT, f"Pièce jointe {unknown[0]} inconnue")
        invoice["attachments"].extend(ids)
        self.advance(invoice["identifiantFactureCPP"], "COMPLETEE", body.get("commentaire"))
        return {
            "codeRetour": 0,
            "libelle": codes.SUCCESS_LIBELLE,
            "identifiantFactureCPP": invoice["identifiantFactureCPP"],
            "numeroFacture": invoice["numeroFacture"],
            "dateTraitement": _now()[:10],
        }

    def _recycle(self, body):
        invoice, error = self._invoice(body, "identifiantFactureCPP")
        if error:
            return error
        if invoice["statut"] != "A_RECYCLER":
            return _error(
                CODE_NOT_TO_RECYCLE, f"La facture n'est pas au statut A_RECYCLER (statut {invoice['statut']})"
            )
        recipient = body.get("destinataire") or {}
        siret = recipient.get("codeDestinataire") or invoice["codeDestinataire"]
        buyer = self.structure_by_siret(siret)
        if buyer is None or not buyer["active"]:
            return _error(CODE_UNKNOWN_STRUCTURE, f"Destinataire inconnu : aucune structure ne porte le SIRET {siret}")
        service = recipient.get("codeServiceExecutant") or invoice["codeServiceExecutant"]
        if not self._service_ok(buyer, service):
            return _error(CODE_UNKNOWN_SERVICE, f"Code service {service} inconnu ou inactif pour {siret}")
        commitment = (body.get("reference") or {}).get("numeroBonCommande") or invoice["numeroBonCommande"]
        if self._commitment_unknown(buyer, commitment):
            return _error(CODE_UNKNOWN_COMMITMENT, f"Numéro d'engagement {commitment} inconnu pour {siret}")
        invoice.update(
            codeDestinataire=siret,
            idDestinataire=buyer["idStructureCPP"],
            designationDestinataire=buyer["name"],
            codeServiceExecutant=service,
            numeroBonCommande=commitment,
        )
        self.advance(invoice["identifiantFactureCPP"], "DEPOSEE", body.get("commentaire") or "Facture recyclée")
        return {
            "codeRetour": 0,
            "libelle": codes.SUCCESS_LIBELLE,
            "identifiantFactureCPP": invoice["identifiantFactureCPP"],
            "numeroFacture": invoice["numeroFacture"],
            "statutFacture": invoice["statut"],
            "dateDepot": invoice["dateDepot"],
        }

    # --- structures ------------------------------------------------------------------------

    def _search_structures(self, body):
        criteria = body.get("structure") or {}
        siret = criteria.get("identifiantStructure")
        found = [s for s in self.structures.values() if not siret or s["siret"] == siret]
        items = [
            {
                "idStructureCPP": s["idStructureCPP"],
                "identifiantStructure": s["siret"],
                "typeIdentifiantStructure": "SIRET",
                "designationStructure": s["name"],
                "statut": "ACTIF" if s["active"] else "INACTIF",
            }
            for s in found
        ]
        return self._page(items, body.get("parametres"), "listeStructures")

    def _structure(self, body, key):
        structure = self.structures.get(_as_int(body.get(key)))
        if structure is None:
            return None, _error(CODE_UNKNOWN_STRUCTURE, f"Structure {body.get(key)} inconnue")
        return structure, None

    def _consult_structure(self, body):
        structure, error = self._structure(body, "idStructureCPP")
        if error:
            return error
        return {
            "codeRetour": 0,
            "libelle": codes.SUCCESS_LIBELLE,
            "idStructureCPP": structure["idStructureCPP"],
            "identifiant": structure["siret"],
            "typeIdentifiant": "SIRET",
            "raisonSociale": structure["name"],
            "statut": "ACTIF" if structure["active"] else "INACTIF",
            "parametres": {
                "codeServiceDoitEtreRenseigne": structure["service_required"],
                "numeroEJDoitEtreRenseigne": structure["commitment_required"],
                "gestionNumeroEJOuCodeService": structure["service_or_commitment"],
                "gestionStatutMiseEnPaiement": True,
            },
        }

    def _services(self, body):
        structure, error = self._structure(body, "idStructure")
        if error:
            return error
        return self._page(
            list(structure["services"]), body.get("parametresRechercherServicesStructure"), "listeServices"
        )

    def _commitments(self, body):
        structure, error = self._structure(body, "structureReceptriceEngagementJuridique")
        if error:
            return error
        number = body.get("numeroEngagementJuridique")
        known = structure["commitments"] or set()
        items = (
            [
                {
                    "numeroEngagementJuridique": number,
                    "etatCourantEngagementJuridique": "COMMANDE",
                    "idStructure": structure["idStructureCPP"],
                }
            ]
            if number in known
            else []
        )
        return self._page(items, None, "listeEngagementJuridique")

    # --- dispatch --------------------------------------------------------------------------

    def _api(self, route, body):
        """Answer one API call: (HTTP status, payload)."""
        if route == "factures/v1/deposer/flux":
            return self._deposit(body)
        if route == "transverses/v1/ajouter/fichier":
            return self._add_file(body)
        handlers = {
            "transverses/v1/consulterCRDetaille": self._report,
            "factures/v1/rechercher/fournisseur": self._search_invoices,
            "factures/v1/consulter/historique": self._history,
            "factures/v1/completer": self._complete,
            "factures/v1/recycler": self._recycle,
            "structures/v1/rechercher": self._search_structures,
            "structures/v1/consulter": self._consult_structure,
            "structures/v1/rechercher/services": self._services,
            "engagementsJuridiques/v1/rechercher": self._commitments,
        }
        handler = handlers.get(route)
        if handler is None:
            return 404, _error(404, f"Service {route} inconnu")
        with self._lock:
            return 200, handler(body)


def _iso_date(value):
    """YYYY-MM-DD from an invoice's date as written in CII (YYYYMMDD) or UBL (made YYYYMMDD by read_invoice)."""
    digits = (value or "").replace("-", "")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) >= 8 and digits[:8].isdigit() else None


def _error(code, libelle):
    return {"codeRetour": code, "libelle": libelle}


def _technical(code, libelle):
    return {"codeErreur": code, "libelleErreur": libelle, "natureErreur": "TECHNIQUE"}


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Handler(SimulatorHandler):
    def _send(self, status, payload=None, content_type="application/json;charset=utf-8", raw=None, headers=()):
        super()._send(status, payload, content_type=content_type, raw=raw, headers=headers)

    def do_POST(self):
        self._route("POST")

    def do_GET(self):
        self._route("GET")

    def _route(self, method):
        simulator = self.simulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with simulator._lock:
            simulator.requests.append((method, self.path))
            simulator.exchanges.append(
                {"method": method, "path": self.path, "headers": list(self.headers.items()), "body": body}
            )
        if self.path == "/api/oauth/token":
            return self._token(method, body)
        if self._fail(lambda status: {"codeRetour": status, "libelle": "Service indisponible"}):
            return None
        if method != "POST" or not self.path.startswith("/cpro/"):
            return self._send(404, _error(404, f"{method} {self.path} inconnu"))
        if not self._bearer_ok():
            return self._send(
                401,
                {"error": "invalid_token", "error_description": "jeton absent, inconnu ou expiré"},
                headers=[("WWW-Authenticate", 'Bearer error="invalid_token"')],
            )
        if not self._account_ok():
            return self._send(403, _error(CODE_ACCOUNT_REFUSED, "Compte technique (cpro-account) absent ou invalide"))
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self._send(400, _error(CODE_BAD_REQUEST, "Corps de requête JSON invalide"))
        if not isinstance(payload, dict):
            return self._send(400, _error(CODE_BAD_REQUEST, "Corps de requête JSON invalide"))
        route = self.path[len("/cpro/") :].split("?", 1)[0]
        status, answer = simulator._api(route, payload)
        if route == "factures/v1/deposer/flux" and simulator.deposit_delay:
            time.sleep(simulator.deposit_delay)
        return self._answer_after(simulator._next_after_failure(route), status, answer)

    def _answer_after(self, failure, status, answer):
        """The answer of work done, spoiled by ``failure`` (see ChorusProSimulator.fail_after)."""
        if failure is None:
            return self._send(status, answer)
        if failure == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if failure == "slow":
            time.sleep(self.simulator.slow_seconds)
            return self._send(status, answer)
        if failure == "garbage":
            return self._send(200, raw=b"{not json")
        if isinstance(failure, dict):
            changed = {**answer, **failure}
            return self._send(status, {key: value for key, value in changed.items() if value is not None})
        # A gateway's own error page: the service's answer never reaches the client.
        return self._send(failure, raw=b"<html><body>Bad Gateway</body></html>", content_type="text/html")

    def _bearer_ok(self):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return False
        with self.simulator._lock:
            expiry = self.simulator._tokens.get(header[7:])
        return expiry is not None and time.time() < expiry

    def _account_ok(self):
        simulator = self.simulator
        expected = base64.b64encode(f"{simulator.login}:{simulator.password}".encode()).decode()
        return self.headers.get("cpro-account") == expected

    def _token(self, method, body):
        simulator = self.simulator
        if method != "POST":
            return self._send(405, {"error": "invalid_request"})
        form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return self._send(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != simulator.client_id or form.get("client_secret") != simulator.client_secret:
            return self._send(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        token = uuid.uuid4().hex
        now = time.time()
        with simulator._lock:
            # Expired tokens are forgotten: a state kept for months stays small.
            simulator._tokens = {key: expiry for key, expiry in simulator._tokens.items() if expiry > now}
            simulator._tokens[token] = now + simulator.token_lifetime
            simulator._tokens_issued += 1
        return self._send(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": simulator.token_lifetime,
                "scope": form.get("scope") or "openid",
            },
        )


ChorusProSimulator.handler_class = _Handler
