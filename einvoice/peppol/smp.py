"""SMP lookup: what a PEPPOL participant can receive, and where, from signed service metadata.

PEPPOL SMP 1.x (the "busdox" XML of the Peppol SMP specification):

1. ``GET {smp}/iso6523-actorid-upis::{participant}`` (percent-encoded) gives the
   ``ServiceGroup``: one ``ServiceMetadataReference`` per document type the participant receives;
2. ``GET`` of a reference gives the ``SignedServiceMetadata`` of one document type: its
   processes, and per process the endpoints (transport profile, access point URL, the access
   point's certificate, activation and expiration dates), signed by the SMP;
3. the signature is enveloped XMLDSig (RSA-SHA256, SHA-256 digests) made with the SMP's
   certificate, which the Peppol SMP CA issues. :func:`verify_signed_xml` checks it with
   signxml (the XMLDSig implementation of the Python ecosystem, on lxml and cryptography:
   reference and signature checks, signature-wrapping defences, only the signed subtree is
   returned) and checks itself what signxml leaves to the caller when given the certificate:
   that the certificate was issued by one of the caller's trust anchors and is valid at the
   caller's clock.

Answers are read with a size cap and a deadline (the platform clients' HTTP helpers) and
parsed by :mod:`einvoice.xmlsafe`. Nothing here decides where the trust anchors come from:
the caller gives the SMP CA certificates of the network it uses (production or test).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import urllib.parse

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from lxml import etree

from ..errors import CapabilityError, ParseError, ParticipantNotFound, SignatureError, TransportError
from ..platform.http import DeadlineAdapter, _watch, read_capped, remote_text
from ..xmlsafe import parse_xml
from . import sml
from .identifiers import PARTICIPANT_SCHEME, ParticipantId

NS_SMP = "http://busdox.org/serviceMetadata/publishing/1.0/"
NS_IDS = "http://busdox.org/transport/identifiers/1.0/"
NS_WSA = "http://www.w3.org/2005/08/addressing"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"

DOCUMENT_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
#: The transport profile of PEPPOL AS4 (Peppol AS4 profile 2.0).
AS4 = "peppol-transport-as4-v2_0"

#: Bytes of an SMP answer read before it is refused (service metadata is a few kilobytes).
MAX_SMP_BYTES = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class DocumentType:
    """A document type identifier (``busdox-docid-qns::...``) with the process it travels in."""

    value: str
    process: str
    label: str

    @property
    def uri(self):
        return f"{DOCUMENT_SCHEME}::{self.value}"


_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
BIS3_INVOICE = DocumentType(
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
    _BILLING,
    "PEPPOL BIS Billing 3.0 invoice",
)
BIS3_CREDIT_NOTE = DocumentType(
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote"
    "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
    _BILLING,
    "PEPPOL BIS Billing 3.0 credit note",
)
INVOICE_RESPONSE = DocumentType(
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse"
    "##urn:fdc:peppol.eu:poacc:trns:invoice_response:3::2.1",
    "urn:fdc:peppol.eu:poacc:bis:invoice_response:3",
    "PEPPOL Invoice Response 3",
)
# The French CIUS over PEPPOL: identifiers seen in access point implementations only, not in
# an OpenPeppol code list checked here; kept apart so that no check depends on them silently.
FR_CIUS_INVOICE = DocumentType(
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice"
    "##urn:cen.eu:en16931:2017#compliant#urn:peppol:france:billing:cius:1.0::2.1",
    "urn:peppol:france:billing:regulated",
    "French CIUS invoice (unconfirmed identifier)",
)
#: What an invoicing participant is checked for by default.
BILLING_DOCUMENTS = (BIS3_INVOICE, BIS3_CREDIT_NOTE, INVOICE_RESPONSE)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    transport_profile: str
    address: str  # the access point's URL
    certificate: x509.Certificate | None  # the access point's certificate
    activation: datetime.datetime | None = None
    expiration: datetime.datetime | None = None
    business_level_signature: bool = False
    description: str | None = None
    technical_contact: str | None = None

    def active(self, now):
        return (self.activation is None or self.activation <= now) and (
            self.expiration is None or now < self.expiration
        )


@dataclasses.dataclass(frozen=True)
class ServiceMetadata:
    """The verified metadata of one document type: process identifier -> endpoints."""

    participant: ParticipantId
    document: str  # the document type identifier value
    processes: dict  # process identifier value -> [Endpoint]
    signer: x509.Certificate  # the SMP certificate that signed it

    def endpoint(self, process, transport_profile=AS4, now=None):
        """The active endpoint for this process and transport profile, or None."""
        for endpoint in self.processes.get(process, ()):
            if endpoint.transport_profile == transport_profile and (now is None or endpoint.active(now)):
                return endpoint
        return None


@dataclasses.dataclass(frozen=True)
class Capability:
    """Whether and how a participant receives one document type."""

    document: DocumentType
    endpoint: Endpoint | None
    reason: str | None = None  # why not, when endpoint is None

    @property
    def supported(self):
        return self.endpoint is not None


# --- signatures ---------------------------------------------------------------------------


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def check_certificate(certificate, trust_anchors, now, what="SMP certificate"):
    """Raise :class:`SignatureError` unless ``certificate`` was issued by one of ``trust_anchors``
    (directly) and is valid at ``now``."""
    subject = certificate.subject.rfc4514_string()
    now = _utc(now)
    if now < certificate.not_valid_before_utc:
        raise SignatureError(
            f"{what} {subject!r} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
        )
    if now >= certificate.not_valid_after_utc:
        raise SignatureError(f"{what} {subject!r} expired on {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    for anchor in trust_anchors:
        if anchor == certificate:
            return
        if anchor.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        if not (_utc(anchor.not_valid_before_utc) <= now < _utc(anchor.not_valid_after_utc)):
            raise SignatureError(f"{what} {subject!r}: its issuer's certificate is not valid at this date")
        return
    raise SignatureError(
        f"{what} {subject!r} (issuer {certificate.issuer.rfc4514_string()!r}) was not issued by a trusted authority"
    )


def _signing_certificate(root):
    found = root.findall(f"{{{NS_DS}}}Signature/{{{NS_DS}}}KeyInfo/{{{NS_DS}}}X509Data/{{{NS_DS}}}X509Certificate")
    if not found:
        if root.find(f"{{{NS_DS}}}Signature") is None:
            raise SignatureError("the service metadata is not signed (no ds:Signature)")
        raise SignatureError("the signature does not carry its X.509 certificate (ds:X509Certificate)")
    text = "".join((found[0].text or "").split())
    if not text:
        raise SignatureError("the signature's ds:X509Certificate is empty")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(text))
    except ValueError as exc:
        raise SignatureError(f"the signature's certificate cannot be read: {exc}") from exc


def verify_signed_xml(root, trust_anchors, now):
    """Verify the enveloped signature of ``root`` (an lxml element from :mod:`einvoice.xmlsafe`).

    Returns ``(signed_root, certificate)``: the signed subtree as signxml rebuilt it (read only
    that: it is what the signature covers) and the signer's certificate. Raises
    :class:`SignatureError` for a missing or wrong signature, an untrusted or expired certificate.
    """
    from signxml import DigestAlgorithm, InvalidInput, SignatureConfiguration, SignatureMethod, XMLVerifier
    from signxml.exceptions import InvalidSignature as XMLInvalidSignature

    certificate = _signing_certificate(root)
    check_certificate(certificate, trust_anchors, now)
    config = SignatureConfiguration(
        require_x509=True,
        expect_references=1,
        location="./",  # the signature is a child of the signed root (enveloped)
        signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    )
    try:
        result = XMLVerifier().verify(root, x509_cert=certificate, expect_config=config)
    except (XMLInvalidSignature, InvalidInput) as exc:
        raise SignatureError(f"the signature of the service metadata does not verify: {exc}") from exc
    return result.signed_xml, certificate


# --- reading ------------------------------------------------------------------------------


def _date(text):
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ParseError(f"SMP: {text!r} is not a date") from exc
    return _utc(moment)


def _certificate(text):
    if not text or not text.strip():
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(text.split())))
    except ValueError as exc:
        raise ParseError(f"SMP: the endpoint certificate cannot be read ({exc})") from exc


def parse_service_group(root):
    """The service metadata URLs of a ``ServiceGroup`` element."""
    if root.tag != f"{{{NS_SMP}}}ServiceGroup":
        raise ParseError(f"SMP: expected a ServiceGroup, got {etree.QName(root).localname}")
    return [ref.get("href") for ref in root.iter(f"{{{NS_SMP}}}ServiceMetadataReference") if ref.get("href")]


def parse_service_information(signed_root, participant):
    """The processes and endpoints of a (verified) ``SignedServiceMetadata``."""
    info = signed_root.find(f"{{{NS_SMP}}}ServiceMetadata/{{{NS_SMP}}}ServiceInformation")
    if info is None:
        if signed_root.find(f"{{{NS_SMP}}}ServiceMetadata/{{{NS_SMP}}}Redirect") is not None:
            raise TransportError("SMP: the service metadata redirects to another SMP, which is not followed")
        raise ParseError("SMP: the signed service metadata has no ServiceInformation")
    who = info.findtext(f"{{{NS_IDS}}}ParticipantIdentifier") or ""
    if who.strip().lower() != participant.value.lower():
        raise SignatureError(f"SMP: the signed metadata is about {who.strip()!r}, not {participant}")
    document = (info.findtext(f"{{{NS_IDS}}}DocumentIdentifier") or "").strip()
    processes = {}
    for process in info.iterfind(f"{{{NS_SMP}}}ProcessList/{{{NS_SMP}}}Process"):
        process_id = (process.findtext(f"{{{NS_IDS}}}ProcessIdentifier") or "").strip()
        endpoints = []
        for node in process.iterfind(f"{{{NS_SMP}}}ServiceEndpointList/{{{NS_SMP}}}Endpoint"):
            signature = (node.findtext(f"{{{NS_SMP}}}RequireBusinessLevelSignature") or "").strip().lower()
            endpoints.append(
                Endpoint(
                    transport_profile=node.get("transportProfile") or "",
                    address=(node.findtext(f"{{{NS_WSA}}}EndpointReference/{{{NS_WSA}}}Address") or "").strip(),
                    certificate=_certificate(node.findtext(f"{{{NS_SMP}}}Certificate")),
                    activation=_date(node.findtext(f"{{{NS_SMP}}}ServiceActivationDate")),
                    expiration=_date(node.findtext(f"{{{NS_SMP}}}ServiceExpirationDate")),
                    business_level_signature=signature in ("true", "1"),
                    description=node.findtext(f"{{{NS_SMP}}}ServiceDescription"),
                    technical_contact=node.findtext(f"{{{NS_SMP}}}TechnicalContactUrl"),
                )
            )
        processes[process_id] = endpoints
    return document, processes


def service_group_path(participant):
    return "/" + urllib.parse.quote(participant.uri, safe="")


def service_metadata_path(participant, document):
    return f"{service_group_path(participant)}/services/{urllib.parse.quote(document.uri, safe='')}"


class SmpClient:
    """Looks participants up: SML (DNS, through ``resolver``) then SMP (HTTP, ``session``).

    ``smp_url`` skips DNS (a known SMP, a test); ``trust_anchors`` are the SMP CA certificates
    (``cryptography`` objects) the metadata signatures must chain to; ``clock`` returns the
    current UTC time (signature certificates and endpoint dates are judged at that time).
    """

    def __init__(
        self,
        trust_anchors,
        resolver=None,
        zone=sml.SML_PRODUCTION,
        smp_url=None,
        session=None,
        timeout=10,
        deadline=30,
        max_bytes=MAX_SMP_BYTES,
        clock=None,
        legacy_cname=False,
    ):
        if resolver is None and smp_url is None:
            raise ValueError("SmpClient needs a DNS resolver or a fixed SMP URL")
        self.trust_anchors = list(trust_anchors)
        self.resolver = resolver
        self.zone = zone
        self.fixed_smp_url = smp_url.rstrip("/") if smp_url else None
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.clock = clock or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self.legacy_cname = legacy_cname
        if session is None:
            session = requests.Session()
            session.mount("http://", DeadlineAdapter())
            session.mount("https://", DeadlineAdapter())
        self.session = session

    def smp_url(self, participant):
        if self.fixed_smp_url:
            return self.fixed_smp_url
        return sml.smp_url(participant, self.resolver, zone=self.zone, legacy_cname=self.legacy_cname)

    def _get(self, url, what, participant):
        with _watch(self.deadline, what):
            try:
                response = self.session.get(
                    url, timeout=self.timeout, stream=True, headers={"Accept": "application/xml"}
                )
            except requests.RequestException as exc:
                raise TransportError(f"{what}: the SMP cannot be reached ({remote_text(str(exc))})") from exc
            if response.status_code == 404:
                response.close()
                raise ParticipantNotFound(f"{what}: the SMP does not know {participant}", status=404)
            if response.status_code != 200:
                text = read_capped(response, 4096, what, truncate=True).decode("utf-8", "replace")
                raise TransportError(
                    f"{what}: the SMP answered {response.status_code} ({remote_text(text)})",
                    status=response.status_code,
                )
            body = read_capped(response, self.max_bytes, what)
        return parse_xml(body, max_bytes=self.max_bytes, source=what)

    def service_group(self, participant):
        """The service metadata URLs the participant's SMP lists (one per document type)."""
        participant = _participant(participant)
        base = self.smp_url(participant)
        root = self._get(base + service_group_path(participant), f"SMP service group of {participant}", participant)
        return parse_service_group(root)

    def document_types(self, participant):
        """The document type identifier values the participant receives (from its service group)."""
        found = []
        for href in self.service_group(participant):
            path = urllib.parse.unquote(urllib.parse.urlsplit(href).path)
            _, sep, document = path.partition("/services/")
            if sep and document.startswith(f"{DOCUMENT_SCHEME}::"):
                found.append(document[len(DOCUMENT_SCHEME) + 2 :])
        return found

    def service_metadata(self, participant, document):
        """The verified :class:`ServiceMetadata` of one document type."""
        participant = _participant(participant)
        base = self.smp_url(participant)
        what = f"SMP metadata of {participant} for {document.label}"
        root = self._get(base + service_metadata_path(participant, document), what, participant)
        if root.tag != f"{{{NS_SMP}}}SignedServiceMetadata":
            raise ParseError(f"{what}: expected a SignedServiceMetadata, got {etree.QName(root).localname}")
        signed, signer = verify_signed_xml(root, self.trust_anchors, self.clock())
        value, processes = parse_service_information(signed, participant)
        if value != document.value:
            raise SignatureError(f"{what}: the signed metadata is about another document type ({value[:120]!r})")
        return ServiceMetadata(participant, value, processes, signer)

    def capability(self, participant, document, transport_profile=AS4, documents=None):
        """A :class:`Capability`: the endpoint that receives ``document`` in its process, or why none does.

        ``documents`` (the participant's document types, from :meth:`document_types`) saves a
        request when several documents are checked. A bad signature raises, it is no answer.
        """
        participant = _participant(participant)
        documents = self.document_types(participant) if documents is None else documents
        if document.value not in documents:
            return Capability(document, None, f"{participant} does not receive the {document.label}")
        metadata = self.service_metadata(participant, document)
        if document.process not in metadata.processes:
            return Capability(document, None, f"{participant} receives the {document.label} in another process")
        endpoint = metadata.endpoint(document.process, transport_profile, now=self.clock())
        if endpoint is None:
            return Capability(
                document, None, f"{participant} has no active {transport_profile} endpoint for the {document.label}"
            )
        return Capability(document, endpoint)

    def capabilities(self, participant, documents=BILLING_DOCUMENTS, transport_profile=AS4):
        """One :class:`Capability` per document type, from one service group request."""
        participant = _participant(participant)
        listed = self.document_types(participant)
        return [self.capability(participant, d, transport_profile, documents=listed) for d in documents]

    def require(self, participant, document=BIS3_INVOICE, transport_profile=AS4):
        """The :class:`Endpoint` to send ``document`` to, or :class:`CapabilityError` saying why not."""
        found = self.capability(participant, document, transport_profile)
        if not found.supported:
            raise CapabilityError(found.reason)
        return found.endpoint


def _participant(participant):
    return participant if isinstance(participant, ParticipantId) else ParticipantId.parse(participant)


__all__ = [
    "AS4",
    "BILLING_DOCUMENTS",
    "BIS3_CREDIT_NOTE",
    "BIS3_INVOICE",
    "FR_CIUS_INVOICE",
    "INVOICE_RESPONSE",
    "PARTICIPANT_SCHEME",
    "Capability",
    "DocumentType",
    "Endpoint",
    "ServiceMetadata",
    "SmpClient",
    "check_certificate",
    "verify_signed_xml",
]
