"""The Chorus Pro API through PISTE, the State's API gateway: deposits, reports, statuses, structures.

- Authentication: an OAuth2 client-credentials token from PISTE (:class:`PisteCredentials`,
  the client id and secret sent as form fields with ``scope=openid``), and on every call
  the ``cpro-account`` header, ``base64(login:password)`` of the supplier's Chorus Pro
  technical account. Neither secret appears in a repr, a message or a log line.
- Answers: Chorus Pro answers ``codeRetour`` (0 when done) and ``libelle`` in every body,
  also with HTTP 200 for a business error; any other code is a :class:`ChorusProError`
  carrying the HTTP status, the code, the libellé and, where
  :func:`~einvoice.chorus.codes.explain` knows it, what the accountant should do.
- Retries: those of :class:`~einvoice.platform.http.ApiClient` (network errors, 429, 5xx,
  one token renewal on 401) for the services that only read. Those that change something
  (a deposit, a file, a completion, a recycling) are not idempotent: they are sent again
  only when they certainly did not reach Chorus Pro (no connection made, 429 or 503). Any
  other failure after they left (no answer, a reset, 500, 502, 504, an answer that cannot
  be read) raises :class:`OutcomeUnknown` (:class:`DepositUncertain` for a deposit):
  Chorus Pro may have done it, and :meth:`ChorusProClient.find_deposited` looks each
  invoice of a deposit up before any new attempt.
- Answers are checked before use: a field of the wrong type or a missing identifier is a
  :class:`ChorusProError` whose message names the field (remote text cut short), never a
  ``KeyError`` or ``AttributeError``.

Routes, field names and syntaxes follow the DGFiP external specifications (file "Chorus
Pro" v1.1) and, where those refer to the Chorus Pro API annex, public clients of the API
(OCA/l10n-france ``l10n_fr_chorus_account``; Chorus Pro clients in Go and PHP).
"""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
import re
import tarfile
import time

import requests
import urllib3.exceptions

from ..errors import TransportError
from ..platform.http import RETRIED_STATUSES, ApiClient, ClientCredentials, remote_text
from . import codes

_logger = logging.getLogger(__name__)

SANDBOX_TOKEN_URL = "https://sandbox-oauth.piste.gouv.fr/api/oauth/token"
PRODUCTION_TOKEN_URL = "https://oauth.piste.gouv.fr/api/oauth/token"
SANDBOX_API_URL = "https://sandbox-api.piste.gouv.fr/cpro/"
PRODUCTION_API_URL = "https://api.piste.gouv.fr/cpro/"

#: Page size asked of the search services; every page is read whatever the size.
PAGE_SIZE = 100

# Characters Chorus Pro refuses in a file name (CPRO §3.2.1.4.1), and its length limit.
_FORBIDDEN_IN_NAMES = re.compile(r"[%$!&/\\:;«»#@\s]+")
_MAX_NAME = 256


class ChorusProError(TransportError):
    """Chorus Pro or PISTE refused a request, or its answer could not be read.

    ``status`` is the HTTP status (None when no answer came), ``code`` Chorus Pro's
    ``codeRetour``, ``libelle`` its message, ``advice`` the
    :class:`~einvoice.chorus.codes.Advice` for the accountant when the table has one.
    """

    def __init__(self, message, status=None, code=None, libelle=None, advice=None):
        self.code = code
        self.libelle = libelle
        self.advice = advice
        if advice is not None:
            message = f"{message} - {advice.en}"
        super().__init__(message, status=status, remote_code=code)

    def text(self, lang="fr"):
        """What the accountant should read: the advice when known, else Chorus Pro's message."""
        if self.advice is not None:
            return self.advice.text(lang)
        return self.libelle or str(self)


class FlowTooLargeError(ChorusProError):
    """A flow over Chorus Pro's 30 MB limit, refused before anything is sent."""


class OutcomeUnknown(ChorusProError):
    """A request that changes something (a deposit, a file, a completion, a recycling) left,
    but its outcome is unknown: Chorus Pro may have done it. It is never sent again blindly.

    ``answered`` is False when no usable answer came (no answer in time, a reset, HTTP
    500, 502 or 504), True when Chorus Pro answered something that cannot be read.
    """

    def __init__(self, message, answered=False, status=None):
        self.answered = answered
        super().__init__(message, status=status)


class DepositUncertain(OutcomeUnknown):
    """A deposit that left but whose outcome is unknown: Chorus Pro may hold the flow.

    Besides the cases of :class:`OutcomeUnknown`, an answer without a ``numeroFluxDepot``.
    The flow must not be deposited again before its invoices were looked up with
    :meth:`ChorusProClient.find_deposited`.
    """

    def __init__(self, message, filename=None, answered=False, status=None):
        self.filename = filename
        super().__init__(message, answered=answered, status=status)


class PisteCredentials(ClientCredentials):
    """PISTE's OAuth2 client credentials: id and secret as form fields, ``scope=openid``."""

    def __init__(self, client_id, client_secret, sandbox=False, token_url=None, margin=60, clock=None):
        super().__init__(
            token_url or (SANDBOX_TOKEN_URL if sandbox else PRODUCTION_TOKEN_URL),
            client_id,
            client_secret,
            scope="openid",
            margin=margin,
            credentials_in_body=True,
            clock=clock,
        )

    def __repr__(self):
        return f"PisteCredentials({self.token_url!r}, client_id={self.client_id!r}, client_secret=***)"


# --- answers -------------------------------------------------------------------------------


@dataclasses.dataclass
class Deposit:
    numero_flux: str  # numeroFluxDepot: names the flow in every later call
    date_depot: str | None
    syntax: str
    filename: str
    invoice_count: int


@dataclasses.dataclass
class InvoiceSummary:
    invoice_id: int | None  # identifiantFactureCPP
    number: str | None  # numeroFacture (BT-1)
    status: str | None  # statut, a key of codes.STATUSES
    numero_flux: str | None = None
    buyer_code: str | None = None  # codeDestinataire (the public buyer's SIRET)
    service_code: str | None = None  # codeServiceExecutant (BT-10)
    commitment: str | None = None  # numeroBonCommande (BT-13)
    date_depot: str | None = None
    amount_due: float | None = None  # montantAPayer
    raw: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def reform_status(self):
        return codes.reform_status(self.status)


@dataclasses.dataclass
class ReportedInvoice:
    """One invoice of a deposited flow: integrated (with its identifier) or rejected (with why)."""

    number: str
    invoice_id: int | None = None
    status: str | None = None
    error: str | None = None  # libelleErreurDP
    advice: codes.Advice | None = None

    @property
    def integrated(self):
        return self.invoice_id is not None


@dataclasses.dataclass
class DepositReport:
    numero_flux: str
    state: str  # etatCourantDepotFlux
    invoices: list[ReportedInvoice]
    technical_errors: list[dict]  # listeErreurTechnique: codeErreur, libelleErreur, natureErreur
    filename: str | None = None
    date_depot: str | None = None

    @property
    def done(self):
        return self.state in codes.FLOW_FINAL_STATES

    def by_number(self):
        return {invoice.number: invoice for invoice in self.invoices}


@dataclasses.dataclass
class StatusEvent:
    status: str  # histoStatutCode
    date: str | None
    comment: str | None = None

    @property
    def reform_status(self):
        return codes.reform_status(self.status)


@dataclasses.dataclass
class InvoiceHistory:
    invoice_id: int
    number: str | None
    status: str | None  # statutCourantCode
    events: list[StatusEvent]


@dataclasses.dataclass
class Structure:
    structure_id: int  # idStructureCPP
    identifier: str  # identifiantStructure (the SIRET)
    name: str | None = None
    status: str | None = None


@dataclasses.dataclass
class StructureDetails:
    structure_id: int
    identifier: str | None
    name: str | None
    service_code_required: bool  # parametres.codeServiceDoitEtreRenseigne
    commitment_required: bool  # parametres.numeroEJDoitEtreRenseigne
    service_or_commitment: bool  # parametres.gestionNumeroEJOuCodeService
    active: bool = True
    raw: dict = dataclasses.field(default_factory=dict, repr=False)

    def missing(self, service_code=None, commitment=None):
        """What an invoice with these routing data lacks for this structure: advice keys, empty when fine."""
        if self.service_or_commitment and not (service_code or commitment):
            return ["SERVICE_OR_COMMITMENT_MISSING"]
        missing = []
        if self.service_code_required and not service_code:
            missing.append("SERVICE_CODE_MISSING")
        if self.commitment_required and not commitment:
            missing.append("COMMITMENT_MISSING")
        return missing


@dataclasses.dataclass
class Service:
    service_id: int  # idService
    code: str  # codeService
    name: str | None  # libelleService
    active: bool  # estActif


# --- helpers -------------------------------------------------------------------------------


def safe_filename(name, default="facture"):
    """A file name Chorus Pro accepts: no forbidden character, at most 256 characters."""
    cleaned = _FORBIDDEN_IN_NAMES.sub("_", name or "").strip("._") or default
    if len(cleaned) > _MAX_NAME:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and len(extension) < 10:
            cleaned = stem[: _MAX_NAME - len(extension) - 1] + "." + extension
        else:
            cleaned = cleaned[:_MAX_NAME]
    return cleaned


def build_batch(files, mtime=0):
    """A tar.gz of several invoices, one deposit for all: ``files`` is ``[(filename, bytes)...]``.

    Names are made acceptable to Chorus Pro and unique inside the archive; ``mtime`` is
    fixed so that the same invoices give the same archive.
    """
    buffer = io.BytesIO()
    seen = set()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files:
            name = safe_filename(name)
            stem, dot, extension = name.rpartition(".")
            candidate, n = name, 1
            while candidate in seen:
                n += 1
                candidate = f"{stem}-{n}.{extension}" if dot else f"{name}-{n}"
            seen.add(candidate)
            info = tarfile.TarInfo(candidate)
            info.size = len(content)
            info.mtime = mtime
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def guess_syntax(content):
    """The ``syntaxeFlux`` of an invoice file: Factur-X for a PDF, CII or UBL from the XML root."""
    if content[:5] == b"%PDF-":
        return codes.SYNTAX_FACTURX
    head = content[:2048]
    if b"CrossIndustryInvoice" in head:
        return codes.SYNTAX_CII
    if b"urn:oasis:names:specification:ubl:schema:xsd:" in head:
        return codes.SYNTAX_UBL
    raise ValueError("not a UBL, CII or Factur-X invoice: say which syntaxeFlux it is")


def check_flow_size(content, filename="flow"):
    """Refuse a flow over Chorus Pro's limit before it is sent."""
    if len(content) > codes.MAX_FLOW_BYTES:
        advice = codes.ADVICES["FLOW_TOO_LARGE"]
        raise FlowTooLargeError(
            f"{filename}: {len(content)} bytes is over Chorus Pro's {codes.MAX_FLOW_BYTES} bytes limit per flow",
            advice=advice,
        )


def _int(value):
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError, OverflowError):
        return None


def _amount(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _str(value, limit=300):
    """A text field of an answer: a one-line string, or None when absent or not a string."""
    return remote_text(value, limit) if isinstance(value, str) and value.strip() else None


def _malformed(route, reason):
    return ChorusProError(f"{route}: Chorus Pro's answer cannot be used: {remote_text(reason, 200)}", status=200)


def _dict(answer, key, route, required=False):
    """``answer[key]`` when it is an object; {} when absent (unless required); else a ChorusProError."""
    value = answer.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _malformed(route, f"{key} is not an object ({type(value).__name__})")
    return value


def _dicts(answer, key, route):
    """``answer[key]`` when it is a list of objects; [] when absent; else a ChorusProError."""
    value = answer.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _malformed(route, f"{key} is not a list of objects")
    return value


#: What a flow number (numeroFluxDepot) looks like: ``CPP`` then digits for Chorus Pro; any short token is kept.
_FLOW_NUMBER = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: HTTP statuses saying the request was not processed, so that a deposit may be sent again (RFC 9110 §15.6.4, RFC 6585).
NOT_PROCESSED_STATUSES = frozenset({429, 503})


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__


def _never_left(exc):
    """Whether a failed call certainly did not reach the service: no connection could be made."""
    for cause in _chain(exc):
        if isinstance(cause, requests.ConnectTimeout):
            return True
        if isinstance(cause, requests.ConnectionError):
            reason = getattr(cause.args[0], "reason", None) if cause.args else None
            return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)  # NewConnectionError included
    return False


# --- the client ------------------------------------------------------------------------------


#: Pages of one search followed at most, whatever the number of pages Chorus Pro announces.
MAX_PAGES = 500


class ChorusProClient(ApiClient):
    """The supplier's side of the Chorus Pro API.

    ``login`` / ``password`` are those of the Chorus Pro technical account, ``auth`` a
    :class:`PisteCredentials` (or any object with ``header`` and ``invalidate``);
    ``user_id`` is sent as ``idUtilisateurCourant`` when the account needs it.
    """

    def __init__(self, base_url, auth, login, password, user_id=None, sandbox=None, page_size=PAGE_SIZE, **options):
        if base_url is None:
            base_url = SANDBOX_API_URL if sandbox else PRODUCTION_API_URL
        super().__init__(base_url, auth, **options)
        self.login = login
        self.user_id = user_id
        self.page_size = page_size
        self._account = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")

    @classmethod
    def for_environment(cls, client_id, client_secret, login, password, sandbox=False, **options):
        """A client of PISTE's sandbox (Chorus Pro's qualification space) or production."""
        credentials = PisteCredentials(client_id, client_secret, sandbox=sandbox)
        return cls(None, credentials, login, password, sandbox=sandbox, **options)

    def __repr__(self):
        return f"ChorusProClient({self.base_url!r}, login={self.login!r}, password=***, auth={self.auth!r})"

    # --- transport ---------------------------------------------------------------------------

    def _headers(self):
        return {
            "cpro-account": self._account,
            "Content-Type": "application/json;charset=utf-8",
            "Accept": "application/json;charset=utf-8",
        }

    def _payload(self, payload):
        if self.user_id is not None:
            payload = {"idUtilisateurCourant": self.user_id, **payload}
        return payload

    def call(self, route, payload, attempts=None):
        """POST a Chorus Pro service (``route`` like ``"factures/v1/deposer/flux"``); returns the answer dict.

        Raises :class:`ChorusProError` for a refusal (HTTP or ``codeRetour``), an
        unreadable answer, or a service out of reach after the retries.
        """
        path = "/" + route.lstrip("/")
        # Every refusal that has a body is read here, so that Chorus Pro's code reaches the caller.
        expected = tuple(s for s in range(200, 600) if s not in RETRIED_STATUSES and s != 401)
        try:
            response = self.request(
                "POST", path, expected=expected, attempts=attempts, json=self._payload(payload), headers=self._headers()
            )
        except TransportError as exc:
            advice = codes.ADVICES["APPLICATION_REFUSED"] if exc.status == 401 else None
            raise ChorusProError(str(exc), status=exc.status, code=exc.remote_code, advice=advice) from exc
        return self._answer(path, response)

    def _answer(self, path, response):
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            if response.status_code >= 400:
                advice = codes.ADVICES["TECHNICAL_ACCOUNT_REFUSED"] if response.status_code == 403 else None
                raise ChorusProError(f"{path}: HTTP {response.status_code}", status=response.status_code, advice=advice)
            raise ChorusProError(f"{path}: Chorus Pro's answer is not JSON", status=response.status_code)
        code, libelle = answer.get("codeRetour"), answer.get("libelle")
        # Chorus Pro's texts go into messages, the chatter and logs: one short line each.
        libelle = remote_text(libelle) if libelle is not None else None
        if code is not None and not isinstance(code, int):
            code = remote_text(code, 50)
        if response.status_code >= 400 or (code not in (None, 0, "0")):
            advice = codes.explain(code, libelle)
            if advice is None and response.status_code == 403:
                advice = codes.ADVICES["TECHNICAL_ACCOUNT_REFUSED"]
            _logger.info("%s: HTTP %s, codeRetour %s", path, response.status_code, code)
            raise ChorusProError(
                f"{path}: HTTP {response.status_code}, Chorus Pro code {code}" + (f" ({libelle})" if libelle else ""),
                status=response.status_code,
                code=_int(code) if _int(code) is not None else code,
                libelle=libelle,
                advice=advice,
            )
        return answer

    def _pages(self, route, payload, pagination_key, list_key, page_size=None):
        """Every item of a paginated search (``parametresRetour.pages``), page after page."""
        page, items = 1, []
        size = page_size or self.page_size
        while True:
            body = dict(payload)
            body[pagination_key] = {
                **(payload.get(pagination_key) or {}),
                "pageResultatDemandee": page,
                "nbResultatsParPage": size,
            }
            answer = self.call(route, body)
            items.extend(_dicts(answer, list_key, route))
            parameters = answer.get("parametresRetour")
            pages = _int(parameters.get("pages") if isinstance(parameters, dict) else None) or 1
            if page >= pages:
                return items
            if page >= MAX_PAGES:
                raise ChorusProError(f"{route}: more than {MAX_PAGES} pages of results; narrow the search", status=200)
            page += 1

    # --- deposits ------------------------------------------------------------------------------

    def deposit(self, content, filename, syntax=None, signed=False, invoice_count=1):
        """``factures/v1/deposer/flux``: one file (an invoice, or a tar.gz of invoices); returns a :class:`Deposit`.

        ``syntax`` is a ``syntaxeFlux`` (``codes.SYNTAXES``), guessed from the file when
        omitted. Over 30 MB the flow is refused here (:class:`FlowTooLargeError`).
        """
        filename = safe_filename(filename)
        check_flow_size(content, filename)
        syntax = syntax or guess_syntax(content)
        if syntax not in codes.SYNTAXES:
            raise ValueError(f"unknown syntaxeFlux {syntax!r}: one of {', '.join(sorted(codes.SYNTAXES))}")
        payload = {
            "fichierFlux": base64.b64encode(content).decode("ascii"),
            "nomFichier": filename,
            "syntaxeFlux": syntax,
            "avecSignature": bool(signed),
        }
        answer = self._send(
            "factures/v1/deposer/flux",
            payload,
            filename,
            "Look its invoices up before depositing them again.",
            DepositUncertain,
            filename=filename,
        )
        number = answer.get("numeroFluxDepot")
        if not isinstance(number, str) or not _FLOW_NUMBER.fullmatch(number):
            raise DepositUncertain(
                f"{filename}: Chorus Pro answered the deposit without a usable numeroFluxDepot "
                f"({remote_text(repr(number), 80)}); the flow may have been taken. "
                "Look its invoices up before depositing them again.",
                filename=filename,
                answered=True,
                status=200,
            )
        return Deposit(
            numero_flux=number,
            date_depot=_str(answer.get("dateDepot"), 40),
            syntax=answer.get("syntaxeFlux") if answer.get("syntaxeFlux") in codes.SYNTAXES else syntax,
            filename=filename,
            invoice_count=invoice_count,
        )

    def _send(self, route, payload, what, then, error=OutcomeUnknown, **details):
        """POST a service that changes something: sent again only when it surely did not reach
        Chorus Pro (no connection made, 429, 503); any other failure after it left raises
        ``error`` (an :class:`OutcomeUnknown`) whose message ends with ``then``."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._send_once(route, payload, what, then, error, details)
            except OutcomeUnknown:
                raise
            except ChorusProError as exc:
                if exc.status is not None and exc.status not in NOT_PROCESSED_STATUSES:
                    raise
                if attempt == self.max_attempts:
                    raise
                time.sleep(self._delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _send_once(self, route, payload, what, then, error, details):
        try:
            # The token first: a refused or unreachable token endpoint sends nothing.
            self.auth.header(self.session, self.timeout)
        except TransportError as exc:
            advice = codes.ADVICES["APPLICATION_REFUSED"] if exc.status == 401 else None
            raise ChorusProError(str(exc), status=exc.status, code=exc.remote_code, advice=advice) from exc
        try:
            return self.call(route, payload, attempts=1)
        except ChorusProError as exc:
            if exc.status in NOT_PROCESSED_STATUSES or (exc.status is None and _never_left(exc)):
                raise
            if exc.code is not None and not isinstance(exc.__cause__, TransportError):
                raise  # Chorus Pro read the request and refused it with its codeRetour
            if exc.status is not None and 400 <= exc.status < 500:
                raise  # read and refused: an expired token, a 4xx of the gateway
            answered = exc.status is not None and exc.status < 300
            why = "its answer could not be read" if answered else "no usable answer came"
            _logger.info("%s: outcome of %s unknown (%s)", route, what, type(exc.__cause__ or exc).__name__)
            raise error(
                f"{what}: {why} ({exc}); it may have been taken. {then}",
                answered=answered,
                status=exc.status,
                **details,
            ) from exc

    def deposit_invoices(self, files, syntax=None, batch_name=None):
        """Deposit invoices ``[(filename, bytes)...]`` in one flow: alone as it is, several in a tar.gz."""
        files = list(files)
        if not files:
            raise ValueError("no invoice to deposit")
        syntax = syntax or guess_syntax(files[0][1])
        if len(files) == 1:
            return self.deposit(files[0][1], files[0][0], syntax)
        archive = build_batch(files)
        name = batch_name or f"lot_{len(files)}_factures.tar.gz"
        if not name.endswith((".tar.gz", ".tgz")):
            name += ".tar.gz"
        return self.deposit(archive, name, syntax, invoice_count=len(files))

    def flow_report(self, numero_flux):
        """``transverses/v1/consulterCRDetaille``: the flow's state, rejected invoices, technical errors (raw)."""
        return self.call("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero_flux})

    def deposit_report(self, numero_flux, numbers=()):
        """What became of each invoice of a flow: a :class:`DepositReport`.

        The detailed report (``consulterCRDetaille``) gives the flow's state and the
        rejected invoices; the integrated ones, with their identifier and status, come from
        the supplier search on ``numeroFluxDepot``, read to its last page so that every
        invoice of a batch gets its identifier whatever the batch size. ``numbers`` (the
        invoice numbers sent) adds those Chorus Pro does not mention yet.
        """
        route = "transverses/v1/consulterCRDetaille"
        report = self.flow_report(numero_flux)
        state = report.get("etatCourantDepotFlux") or codes.FLOW_PENDING
        if not isinstance(state, str):
            raise _malformed(route, "etatCourantDepotFlux is not a text")
        state = remote_text(state, 80)
        invoices = {}
        for error in _dicts(report, "listeErreurDP", route):
            number = _str(error.get("numeroDP"), 100) or ""
            message = _str(error.get("libelleErreurDP"))
            invoices[number] = ReportedInvoice(number, error=message, advice=codes.explain(None, message))
        if state in (codes.FLOW_INTEGRATED, codes.FLOW_PARTLY_INTEGRATED):
            for summary in self.find_invoices(numero_flux=numero_flux):
                invoices[summary.number] = ReportedInvoice(
                    summary.number, invoice_id=summary.invoice_id, status=summary.status
                )
        for number in numbers:
            invoices.setdefault(number, ReportedInvoice(number))
        technical = [
            {key: remote_text(value) for key, value in error.items() if isinstance(value, (str, int))}
            for error in _dicts(report, "listeErreurTechnique", route)
        ]
        return DepositReport(
            numero_flux=numero_flux,
            state=state,
            invoices=list(invoices.values()),
            technical_errors=technical,
            filename=_str(report.get("nomFichier")),
            date_depot=_str(report.get("dateDepotFlux"), 40),
        )

    # --- invoices ------------------------------------------------------------------------------

    def search_invoices(self, criteria=None, page_size=None):
        """``factures/v1/rechercher/fournisseur`` with Chorus Pro's own criteria; every page, raw dicts."""
        return self._pages(
            "factures/v1/rechercher/fournisseur",
            dict(criteria or {}),
            "rechercheFactureParFournisseur",
            "listeFactures",
            page_size,
        )

    def find_invoices(self, numero_flux=None, number=None, statuses=None, page_size=None):
        """The supplier's invoices of a flow, by number or by status, as :class:`InvoiceSummary`."""
        criteria = {}
        if numero_flux:
            criteria["numeroFluxDepot"] = numero_flux
        if number:
            criteria["numeroFacture"] = number
        if statuses:
            criteria["statutCourant"] = list(statuses)
        return [
            InvoiceSummary(
                invoice_id=_int(item.get("identifiantFactureCPP")),
                number=_str(item.get("numeroFacture"), 100),
                status=_str(item.get("statut"), 80),
                numero_flux=_str(item.get("numeroFluxDepot"), 64),
                buyer_code=_str(item.get("codeDestinataire"), 80),
                service_code=_str(item.get("codeServiceExecutant"), 100),
                commitment=_str(item.get("numeroBonCommande"), 100),
                date_depot=_str(item.get("dateDepot"), 40),
                amount_due=_amount(item.get("montantAPayer")),
                raw=item,
            )
            for item in self.search_invoices(criteria, page_size)
        ]

    def find_deposited(self, number, supplier_siret=None, buyer_siret=None, year=None):
        """The lookup that settles an uncertain deposit: invoice ``number`` of this supplier in Chorus Pro, or None.

        Searches ``factures/v1/rechercher/fournisseur`` (the technical account's own
        invoices) by ``numeroFacture``, every page, and keeps the exact number whose
        supplier (``codeFournisseur``, its SIREN), buyer (``codeDestinataire``) and year
        (``dateFacture``) match those given, where the answer states them: Chorus Pro holds
        one invoice per year, supplier SIREN and number (CPRO §3.2.1.4.2). The summary
        carries the ``numeroFluxDepot`` of the flow that brought it and its
        ``identifiantFactureCPP``. Only integrated invoices are found: a flow still being
        processed, or rejected, gives None.
        """
        supplier = (supplier_siret or "").replace(" ", "")[:9]
        buyer = (buyer_siret or "").replace(" ", "")
        found = []
        for summary in self.find_invoices(number=number):
            raw = summary.raw
            seller = _str(raw.get("codeFournisseur"), 80)
            dated = _str(raw.get("dateFacture"), 40)
            if summary.number != number or summary.invoice_id is None:
                continue
            if supplier and seller and seller.replace(" ", "")[:9] != supplier:
                continue
            if buyer and summary.buyer_code and summary.buyer_code.replace(" ", "") != buyer:
                continue
            if year and dated and dated[:4] != str(year):
                continue
            found.append(summary)
        # Chorus Pro integrates a number once: the first one is the invoice, any other its duplicate.
        return min(found, key=lambda summary: summary.invoice_id) if found else None

    def history(self, invoice_id):
        """``factures/v1/consulter/historique``: the current status and the dated statuses of an invoice."""
        route = "factures/v1/consulter/historique"
        answer = self.call(route, {"idFacture": invoice_id})
        block = _dict(answer, "historiquesDesStatuts", route)
        events = [
            StatusEvent(
                status=_str(item.get("histoStatutCode"), 80),
                date=_str(item.get("histoStatutDatePassage"), 40),
                comment=_str(item.get("histoStatutCommentaire"), 1000),
            )
            for item in _dicts(block, "histoStatut", route)
        ]
        return InvoiceHistory(
            invoice_id=_int(answer.get("idFacture")) or invoice_id,
            number=_str(answer.get("numeroFacture"), 100),
            status=_str(answer.get("statutCourantCode"), 80),
            events=events,
        )

    def add_file(self, content, filename, mimetype="application/pdf"):
        """``transverses/v1/ajouter/fichier``: store a file in Chorus Pro; returns its ``pieceJointeId``.

        The identifier is then given to :meth:`complete` (or another service) to attach
        the file to an invoice.
        """
        filename = safe_filename(filename, default="piece.pdf")
        extension = filename.rpartition(".")[2].upper() if "." in filename else ""
        answer = self._send(
            "transverses/v1/ajouter/fichier",
            {
                "pieceJointeFichier": base64.b64encode(content).decode("ascii"),
                "pieceJointeNom": filename,
                "pieceJointeTypeMime": mimetype,
                "pieceJointeExtension": extension,
            },
            filename,
            "Add it again if the invoice does not show it.",
        )
        attachment_id = _int(answer.get("pieceJointeId"))
        if attachment_id is None:
            raise _malformed("transverses/v1/ajouter/fichier", "no pieceJointeId")
        return attachment_id

    def complete(self, invoice_id, comment=None, attachments=()):
        """``factures/v1/completer``: answer a suspended invoice with a comment and files.

        ``attachments`` is ``[(pieceJointeId, designation)...]`` from :meth:`add_file`.
        Chorus Pro accepts it only while the invoice is ``SUSPENDUE``.
        """
        payload = {"identifiantFactureCPP": invoice_id}
        if comment:
            payload["commentaire"] = comment
        if attachments:
            payload["pieceJointeComplementaire"] = [
                {
                    "pieceJointeComplementaireId": attachment_id,
                    "pieceJointeComplementaireDesignation": designation,
                    "pieceJointeComplementaireType": "PIECE_JOINTE",
                }
                for attachment_id, designation in attachments
            ]
        return self._send(
            "factures/v1/completer",
            payload,
            f"completion of invoice {invoice_id}",
            "Read the invoice's status in Chorus Pro before completing it again.",
        )

    def attach_and_complete(self, invoice_id, content, filename, comment=None, mimetype="application/pdf"):
        """Add a file to a suspended invoice and complete it: :meth:`add_file` then :meth:`complete`."""
        attachment_id = self.add_file(content, filename, mimetype)
        return self.complete(invoice_id, comment, [(attachment_id, safe_filename(filename))])

    def recycle(self, invoice_id, buyer_siret=None, service_code=None, commitment=None, comment=None):
        """``factures/v1/recycler``: correct the routing data of an invoice ``A_RECYCLER``.

        Changes the recipient (SIRET, ``codeDestinataire``), its service code
        (``codeServiceExecutant``) or the commitment number (``numeroBonCommande``). Chorus
        Pro is withdrawing recycling (CPRO §2.4.2): where it answers that it no longer
        can, cancel the invoice with a credit note and issue a new one.
        """
        payload = {"identifiantFactureCPP": invoice_id}
        recipient = {}
        if buyer_siret:
            recipient["codeDestinataire"] = buyer_siret
        if service_code:
            recipient["codeServiceExecutant"] = service_code
        if recipient:
            payload["destinataire"] = recipient
        if commitment:
            payload["reference"] = {"numeroBonCommande": commitment}
        if comment:
            payload["commentaire"] = comment
        return self._send(
            "factures/v1/recycler",
            payload,
            f"recycling of invoice {invoice_id}",
            "Read the invoice's status in Chorus Pro before recycling it again.",
        )

    # --- structures and commitments ---------------------------------------------------------

    def find_structures(self, siret):
        """``structures/v1/rechercher`` by SIRET: the matching structures (usually one, none when unknown)."""
        items = self._pages(
            "structures/v1/rechercher",
            {"structure": {"identifiantStructure": siret, "typeIdentifiantStructure": "SIRET"}},
            "parametres",
            "listeStructures",
        )
        return [
            Structure(
                structure_id=_int(item.get("idStructureCPP")),
                identifier=_str(item.get("identifiantStructure"), 80) or siret,
                name=_str(item.get("designationStructure")) or _str(item.get("raisonSociale")),
                status=_str(item.get("statut"), 80),
            )
            for item in items
            if _int(item.get("idStructureCPP")) is not None
        ]

    def structure_id(self, siret):
        """The ``idStructureCPP`` of a SIRET, or None when Chorus Pro has no such structure."""
        found = self.find_structures(siret)
        return found[0].structure_id if len(found) == 1 else None

    def structure(self, structure_id):
        """``structures/v1/consulter``: whether the service code / commitment number are required."""
        route = "structures/v1/consulter"
        answer = self.call(route, {"idStructureCPP": structure_id, "codeLangue": "fr"})
        parameters = _dict(answer, "parametres", route)
        return StructureDetails(
            structure_id=_int(answer.get("idStructureCPP")) or structure_id,
            identifier=_str(answer.get("identifiant"), 80) or _str(answer.get("identifiantStructure"), 80),
            name=_str(answer.get("raisonSociale")) or _str(answer.get("designationStructure")),
            service_code_required=bool(parameters.get("codeServiceDoitEtreRenseigne")),
            commitment_required=bool(parameters.get("numeroEJDoitEtreRenseigne")),
            service_or_commitment=bool(parameters.get("gestionNumeroEJOuCodeService")),
            active=(answer.get("statut") or answer.get("etatCourant") or "ACTIF") == "ACTIF",
            raw=answer,
        )

    def services(self, structure_id):
        """``structures/v1/rechercher/services``: every service of a structure (all pages)."""
        items = self._pages(
            "structures/v1/rechercher/services",
            {"idStructure": structure_id},
            "parametresRechercherServicesStructure",
            "listeServices",
        )
        return [
            Service(
                service_id=_int(item.get("idService")),
                code=_str(item.get("codeService"), 100),
                name=_str(item.get("libelleService")),
                active=bool(item.get("estActif", True)),
            )
            for item in items
        ]

    def check_commitment(self, structure_id, commitment):
        """Whether the public buyer ``structure_id`` knows this commitment number (engagement juridique).

        Calls ``engagementsJuridiques/v1/rechercher`` with
        ``structureReceptriceEngagementJuridique``, ``numeroEngagementJuridique`` and
        ``etatCourantEngagementJuridique=COMMANDE``. The route and fields are those of the
        OCA Chorus Pro connector (``l10n_fr_chorus_account``); the DGFiP specifications in
        the project's reference set do not describe this service, so treat a refusal of
        the route itself (HTTP 404) as "cannot check", not as "unknown commitment".
        """
        answer = self.call(
            "engagementsJuridiques/v1/rechercher",
            {
                "structureReceptriceEngagementJuridique": str(structure_id),
                "numeroEngagementJuridique": commitment.strip(),
                "etatCourantEngagementJuridique": "COMMANDE",
            },
        )
        return bool(answer.get("listeEngagementJuridique"))
