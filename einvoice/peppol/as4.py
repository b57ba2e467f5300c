"""PEPPOL eDelivery AS4 (Peppol AS4 profile 2.0): one-way push of a business document between
two access points, and the signed receipt that acknowledges it.

A message is a SOAP 1.2 envelope in a MIME ``multipart/related`` package with one attachment:

- the header's ``eb:Messaging`` holds the ebMS 3 ``UserMessage``: parties (the access points,
  PartyId type ``urn:fdc:peppol.eu:2017:identifiers:ap``, the common name of their certificate),
  the agreement ``urn:fdc:peppol.eu:2017:agreements:tia:ap_provider``, the process as Service
  (type ``cenbii-procid-ubl``), the document type as Action (``busdox-docid-qns::...``), the
  ``originalSender`` / ``finalRecipient`` participants, and the payload's part information
  (``MimeType application/xml``, ``CompressionType application/gzip``);
- the payload is the SBDH envelope (:mod:`einvoice.peppol.sbdh`) around the UBL document,
  gzipped, signed, then encrypted;
- ``wsse:Security`` carries the sender's X.509 certificate (BinarySecurityToken), an XML
  signature (RSA-SHA256, exclusive C14N, SHA-256 digests) over the ebMS header, the SOAP body
  and the attachment (SwA Attachment-Content-Signature-Transform: the gzipped bytes), and the
  encryption of the attachment: AES-128-GCM (``IV || ciphertext || tag``) under a key wrapped
  with RSA-OAEP (MGF1 SHA-256, SHA-256 digest) for the receiving access point's certificate.

The receipt is an ebMS ``SignalMessage`` whose ``Receipt`` holds the non-repudiation
information: a copy of each ``ds:Reference`` of the message's signature, signed in turn by the
receiver. An ebMS error signal answers what cannot be taken.

Written on ``cryptography`` and lxml rather than on a packaged AS4 stack: the engine must run
with the cryptography release Odoo 18 pins, and the tests check our bytes with ``xmlsec1``.
Every input is bounded (message, SOAP part, MIME parts, decompressed payload) and parsed by
:mod:`einvoice.xmlsafe`; every failure is an :class:`~einvoice.errors.AS4Error` subclass with
the ebMS error code a receiving access point answers with.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import email.message
import email.parser
import email.policy
import gzip
import hashlib
import hmac
import os
import urllib.parse
import uuid
import zlib

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from lxml import etree

from ..errors import (
    AS4CertificateError,
    AS4DecryptionError,
    AS4Error,
    AS4RecipientError,
    AS4SignalError,
    AS4SignatureError,
    EInvoiceError,
    ParseError,
    SignatureError,
    TransportError,
)
from ..platform.http import DeadlineAdapter, _watch, read_capped, remote_text
from ..xmlsafe import parse_xml
from . import sbdh
from .identifiers import PARTICIPANT_SCHEME, ParticipantId
from .smp import DOCUMENT_SCHEME, PROCESS_SCHEME, DocumentType, check_certificate

NS_S12 = "http://www.w3.org/2003/05/soap-envelope"
NS_EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
NS_WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_XENC = "http://www.w3.org/2001/04/xmlenc#"
NS_XENC11 = "http://www.w3.org/2009/xmlenc11#"
NS_EBBP = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"
NSMAP = {"S12": NS_S12, "eb": NS_EB, "wsse": NS_WSSE, "wsu": NS_WSU, "ds": NS_DS, "xenc": NS_XENC}

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_OAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"
MGF1_SHA256 = "http://www.w3.org/2009/xmlenc11#mgf1sha256"
AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
SWA = "http://docs.oasis-open.org/wss/oasis-wss-SwAProfile-1.1"
ATTACHMENT_SIGNATURE = f"{SWA}#Attachment-Content-Signature-Transform"
ATTACHMENT_CIPHERTEXT = f"{SWA}#Attachment-Ciphertext-Transform"
ATTACHMENT_CONTENT_ONLY = f"{SWA}#Attachment-Content-Only"
_WSS = "http://docs.oasis-open.org/wss/2004/01/"
X509_TOKEN = f"{_WSS}oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = f"{_WSS}oasis-200401-wss-soap-message-security-1.0#Base64Binary"
ENCRYPTED_KEY_TOKEN = "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#EncryptedKey"

PARTY_TYPE = "urn:fdc:peppol.eu:2017:identifiers:ap"
AGREEMENT = "urn:fdc:peppol.eu:2017:agreements:tia:ap_provider"
ROLE_INITIATOR = f"{NS_EB}initiator"
ROLE_RESPONDER = f"{NS_EB}responder"
DEFAULT_ROLE = f"{NS_EB}defaultRole"
NOT_SERVICED = "PEPPOL:NOT_SERVICED"

#: Bytes of a whole AS4 HTTP request or answer read before it is refused.
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
#: Bytes of the SOAP part (headers only: the payload is an attachment).
MAX_SOAP_BYTES = 1024 * 1024
#: MIME parts of a message (Peppol carries one payload).
MAX_PARTS = 8
#: Bytes of the payload once decompressed (a gzip bomb stops here).
MAX_PAYLOAD_BYTES = 100 * 1024 * 1024
#: Bytes of a receipt or error signal read by the sender.
MAX_ANSWER_BYTES = 1024 * 1024

#: ebMS 3 error codes: (short description, category).
EBMS_ERRORS = {
    "EBMS:0001": ("ValueNotRecognized", "Content"),
    "EBMS:0003": ("ValueInconsistent", "Content"),
    "EBMS:0004": ("Other", "Content"),
    "EBMS:0009": ("InvalidHeader", "Content"),
    "EBMS:0010": ("ProcessingModeMismatch", "Content"),
    "EBMS:0101": ("FailedAuthentication", "Processing"),
    "EBMS:0102": ("FailedDecryption", "Processing"),
    "EBMS:0302": ("InvalidReceipt", "Communication"),
    "EBMS:0303": ("DecompressionFailure", "Communication"),
}


# --- parties and results ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AccessPoint:
    """One side's access point: its certificate and private key (RSA). Its PartyId is the
    common name of the certificate unless ``party_id`` says otherwise."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    party_id: str | None = None

    @property
    def party(self):
        return self.party_id or party_of(self.certificate)


def party_of(certificate):
    """The PartyId of the access point that holds ``certificate``: its subject's common name."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        raise AS4CertificateError(
            f"the access point certificate {certificate.subject.rfc4514_string()!r} has no common name (PartyId)"
        )
    return names[0].value


@dataclasses.dataclass(frozen=True)
class OutgoingMessage:
    """A built message: what to POST, and what its receipt must acknowledge."""

    message_id: str
    body: bytes
    content_type: str
    references: tuple  # ((URI, SHA-256 digest in base64), ...) of the signature
    receiver_certificate: x509.Certificate

    @property
    def headers(self):
        return {"Content-Type": self.content_type, "MIME-Version": "1.0"}


@dataclasses.dataclass(frozen=True)
class IncomingMessage:
    """A received message, verified and decrypted."""

    message_id: str
    conversation_id: str
    timestamp: str
    from_party: str
    to_party: str
    original_sender: ParticipantId
    final_recipient: ParticipantId
    document_type: str  # the Action without busdox-docid-qns::
    process: str
    envelope: sbdh.Envelope
    sender_certificate: x509.Certificate
    references: tuple  # ((URI, digest, transform), ...) of the sender's signature

    @property
    def document(self):
        """The business document (UBL) the SBDH envelope carries."""
        return self.envelope.document


@dataclasses.dataclass(frozen=True)
class Receipt:
    """A verified receipt: the receiver acknowledged exactly what was signed."""

    message_id: str
    ref_to_message_id: str
    timestamp: str
    references: tuple  # ((URI, digest), ...) acknowledged
    signer: x509.Certificate
    body: bytes = dataclasses.field(repr=False)  # the receipt as received: the sender's proof


# --- small helpers ------------------------------------------------------------------------


def _q(ns, tag):
    return f"{{{ns}}}{tag}"


def _sub(parent, ns, tag, text=None, attrib=None, **attrs):
    element = etree.SubElement(parent, _q(ns, tag), attrib or {}, **attrs)
    if text is not None:
        element.text = text
    return element


def _now(now):
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _timestamp(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _unb64(text, what, error=AS4Error):
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError as exc:
        raise error(f"AS4: {what} is not base64") from exc


def _c14n(element):
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _digest(data):
    return _b64(hashlib.sha256(data).digest())


def _new_id(prefix):
    return f"{prefix}-{uuid.uuid4()}"


def _as_document_type(document_type, process):
    if isinstance(document_type, DocumentType):
        return document_type.value, process or document_type.process
    if not process:
        raise AS4Error("AS4: a document type given as text needs its process identifier")
    return document_type, process


def _participant(value, what):
    if isinstance(value, ParticipantId):
        return value
    try:
        return ParticipantId.parse(value, check_digits=False)
    except ValueError as exc:
        raise AS4Error(f"AS4: the {what} {value!r} is not a participant identifier ({exc})", "EBMS:0003") from exc


# --- MIME ---------------------------------------------------------------------------------


def _mime(soap, attachments):
    """``(body, content type)`` of a multipart/related package, CRLF line ends, binary parts."""
    boundary = f"----=_Part_{uuid.uuid4().hex}"
    root_id = f"root.message@{uuid.uuid4().hex}"
    lines = []
    parts = [(root_id, 'application/soap+xml; charset="UTF-8"', soap)]
    parts += [(cid, "application/octet-stream", content) for cid, content in attachments]
    for cid, content_type, content in parts:
        head = (
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"Content-ID: <{cid}>\r\n\r\n"
        )
        lines += [head.encode("ascii"), content, b"\r\n"]
    lines.append(f"--{boundary}--\r\n".encode("ascii"))
    content_type = f'multipart/related; boundary="{boundary}"; type="application/soap+xml"; start="<{root_id}>"'
    return b"".join(lines), content_type


def _header_params(value):
    message = email.message.Message()
    message["Content-Type"] = value or ""
    return message.get_content_type(), message


def split_mime(body, content_type, max_bytes=MAX_MESSAGE_BYTES, max_parts=MAX_PARTS):
    """The SOAP part and the attachments ``{content id: bytes}`` of a received package; a
    plain SOAP message (a signal) gives no attachments."""
    if len(body) > max_bytes:
        raise AS4Error(f"AS4: the message is {len(body)} bytes, over the {max_bytes} bytes limit")
    kind, params = _header_params(content_type)
    if kind in ("application/soap+xml", "text/xml", "application/xml"):
        return bytes(body), {}
    if kind != "multipart/related":
        raise AS4Error(f"AS4: expected a multipart/related or SOAP message, got Content-Type {kind!r}", "EBMS:0009")
    boundary = params.get_param("boundary")
    if not boundary or len(boundary) > 200:
        raise AS4Error("AS4: the multipart/related Content-Type has no usable boundary", "EBMS:0009")
    start = (params.get_param("start") or "").strip().strip("<>")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = bytes(body).split(delimiter)
    if len(chunks) < 3:
        raise AS4Error("AS4: the MIME package has no part", "EBMS:0009")
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if len(parts) >= max_parts:
            raise AS4Error(f"AS4: the MIME package has more than {max_parts} parts", "EBMS:0009")
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
        if not sep:
            raise AS4Error("AS4: a MIME part has no header end", "EBMS:0009")
        content = content[:-2] if content.endswith(b"\r\n") else content.removesuffix(b"\n")
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head + b"\r\n\r\n")
        encoding = (headers.get("Content-Transfer-Encoding") or "binary").strip().lower()
        if encoding == "base64":
            content = _unb64(content.decode("ascii", "replace"), "a base64 MIME part", AS4Error)
        elif encoding not in ("binary", "8bit", "7bit"):
            raise AS4Error(f"AS4: Content-Transfer-Encoding {encoding!r} is not supported", "EBMS:0009")
        cid = (headers.get("Content-ID") or "").strip().strip("<>")
        parts.append((cid, content))
    if not parts:
        raise AS4Error("AS4: the MIME package has no part", "EBMS:0009")
    root_index = next((i for i, part in enumerate(parts) if start and part[0] == start), 0)
    root = parts[root_index]
    attachments = {}
    for index, (cid, content) in enumerate(parts):
        if index == root_index:
            continue
        if not cid or cid in attachments:
            raise AS4Error("AS4: every attachment needs its own Content-ID", "EBMS:0009")
        attachments[cid] = content
    if len(root[1]) > MAX_SOAP_BYTES:
        raise AS4Error(f"AS4: the SOAP part is over the {MAX_SOAP_BYTES} bytes limit", "EBMS:0009")
    return root[1], attachments


def _cid(href):
    if not href or not href.startswith("cid:"):
        raise AS4Error(f"AS4: the payload reference {href!r} is not a cid: URI", "EBMS:0009")
    return urllib.parse.unquote(href[4:])


# --- WS-Security: tokens, signature ---------------------------------------------------------


def _token(security, certificate, token_id, index=0):
    der = certificate.public_bytes(serialization.Encoding.DER)
    token = etree.Element(
        _q(NS_WSSE, "BinarySecurityToken"),
        {_q(NS_WSU, "Id"): token_id, "EncodingType": BASE64_BINARY, "ValueType": X509_TOKEN},
    )
    token.text = _b64(der)
    security.insert(index, token)
    return token


def _token_reference(key_info, token_id):
    reference = _sub(key_info, NS_WSSE, "SecurityTokenReference")
    _sub(reference, NS_WSSE, "Reference", URI=f"#{token_id}", ValueType=X509_TOKEN)


def _sign(security, key, token_id, targets):
    """Append a ds:Signature over ``targets`` ``[(URI, transform, digest), ...]`` to ``security``."""
    signature = _sub(security, NS_DS, "Signature", Id=_new_id("SIG"))
    info = _sub(signature, NS_DS, "SignedInfo")
    _sub(info, NS_DS, "CanonicalizationMethod", Algorithm=EXC_C14N)
    _sub(info, NS_DS, "SignatureMethod", Algorithm=RSA_SHA256)
    for uri, transform, digest in targets:
        _reference(info, uri, transform, digest)
    value = key.sign(_c14n(info), padding.PKCS1v15(), hashes.SHA256())
    _sub(signature, NS_DS, "SignatureValue", _b64(value))
    _token_reference(_sub(signature, NS_DS, "KeyInfo"), token_id)
    return signature


def _reference(parent, uri, transform, digest):
    reference = _sub(parent, NS_DS, "Reference", URI=uri)
    _sub(_sub(reference, NS_DS, "Transforms"), NS_DS, "Transform", Algorithm=transform)
    _sub(reference, NS_DS, "DigestMethod", Algorithm=SHA256)
    _sub(reference, NS_DS, "DigestValue", digest)
    return reference


def _by_id(root, wanted):
    found = [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and (element.get(_q(NS_WSU, "Id")) == wanted or element.get("Id") == wanted or element.get("id") == wanted)
    ]
    if len(found) != 1:
        raise AS4SignatureError(f"AS4: the signature references #{wanted}, which {len(found)} elements carry")
    return found[0]


def _load_certificate(text, what):
    try:
        return x509.load_der_x509_certificate(_unb64(text, what, AS4CertificateError))
    except ValueError as exc:
        raise AS4CertificateError(f"AS4: {what} cannot be read ({exc})") from exc


def _signer_certificate(security, signature):
    reference = signature.find("ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference", NSMAP)
    if reference is None or not (reference.get("URI") or "").startswith("#"):
        raise AS4SignatureError("AS4: the signature's KeyInfo does not reference a BinarySecurityToken")
    token = _by_id(security, reference.get("URI")[1:])
    if token.tag != _q(NS_WSSE, "BinarySecurityToken") or token.get("ValueType") != X509_TOKEN:
        raise AS4SignatureError("AS4: the signature's key is not an X.509 BinarySecurityToken")
    return _load_certificate(token.text, "the signing certificate (BinarySecurityToken)")


def _check_signer(certificate, trust_anchors, now, expected=None, what="access point certificate"):
    if expected is not None and certificate != expected:
        raise AS4CertificateError(
            f"AS4: signed by {certificate.subject.rfc4514_string()!r}, not by the certificate the "
            f"counterpart published ({expected.subject.rfc4514_string()!r})"
        )
    anchors = list(trust_anchors or ())
    if expected is not None and not anchors:
        anchors = [expected]  # a pinned certificate: only its validity dates remain to check
    try:
        check_certificate(certificate, anchors, now, what=what)
    except SignatureError as exc:
        raise AS4CertificateError(f"AS4: {exc}") from exc


def verify_signature(envelope, trust_anchors, now, expected_certificate=None, attachments=None):
    """Check the WS-Security signature of a parsed SOAP ``envelope``.

    Returns ``(certificate, references)``: the signer's certificate (checked against
    ``trust_anchors`` or pinned to ``expected_certificate``, valid at ``now``) and the
    references ``((URI, digest, transform), ...)``. Same-document references are checked here;
    an attachment reference (``cid:``) is checked against ``attachments[cid]`` when given, so
    that a caller can check it after decrypting. The ebMS header and the SOAP body must be
    covered, by the elements that stand at their place (no signature wrapping).
    """
    header = envelope.find("S12:Header", NSMAP)
    security = header.find("wsse:Security", NSMAP) if header is not None else None
    if security is None:
        raise AS4SignatureError("AS4: the message has no wsse:Security header")
    signatures = security.findall("ds:Signature", NSMAP)
    if len(signatures) != 1:
        raise AS4SignatureError(f"AS4: expected one ds:Signature in wsse:Security, found {len(signatures)}")
    signature = signatures[0]
    info = signature.find("ds:SignedInfo", NSMAP)
    if info is None:
        raise AS4SignatureError("AS4: the signature has no SignedInfo")
    c14n = info.find("ds:CanonicalizationMethod", NSMAP)
    method = info.find("ds:SignatureMethod", NSMAP)
    if c14n is None or c14n.get("Algorithm") != EXC_C14N or len(c14n):
        raise AS4SignatureError("AS4: the SignedInfo must be canonicalised with exclusive C14N")
    if method is None or method.get("Algorithm") != RSA_SHA256:
        raise AS4SignatureError("AS4: the signature method must be RSA-SHA256")
    certificate = _signer_certificate(security, signature)
    _check_signer(certificate, trust_anchors, now, expected_certificate)
    value = _unb64(signature.findtext("ds:SignatureValue", namespaces=NSMAP), "the SignatureValue", AS4SignatureError)
    try:
        certificate.public_key().verify(value, _c14n(info), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, TypeError, ValueError) as exc:
        raise AS4SignatureError("AS4: the signature value does not verify (SignedInfo altered or wrong key)") from exc
    references, covered = [], set()
    for reference in info.iterfind("ds:Reference", NSMAP):
        uri = reference.get("URI") or ""
        transforms = [t.get("Algorithm") for t in reference.iterfind("ds:Transforms/ds:Transform", NSMAP)]
        digest_method = reference.find("ds:DigestMethod", NSMAP)
        if digest_method is None or digest_method.get("Algorithm") != SHA256:
            raise AS4SignatureError(f"AS4: the reference {uri!r} must use a SHA-256 digest")
        digest = "".join((reference.findtext("ds:DigestValue", namespaces=NSMAP) or "").split())
        if uri.startswith("#"):
            if transforms != [EXC_C14N]:
                raise AS4SignatureError(f"AS4: the reference {uri!r} must be transformed by exclusive C14N only")
            target = _by_id(envelope, uri[1:])
            if not hmac.compare_digest(_digest(_c14n(target)), digest):
                raise AS4SignatureError(f"AS4: the digest of {etree.QName(target).localname} does not match (altered)")
            covered.add(target)
            transform = EXC_C14N
        elif uri.startswith("cid:"):
            if transforms != [ATTACHMENT_SIGNATURE]:
                raise AS4SignatureError(f"AS4: the attachment reference {uri!r} needs the SwA content transform")
            if attachments is not None:
                content = attachments.get(_cid(uri))
                if content is None:
                    raise AS4SignatureError(f"AS4: the signature references the missing attachment {uri!r}")
                if not hmac.compare_digest(_digest(content), digest):
                    raise AS4SignatureError(f"AS4: the digest of the attachment {uri!r} does not match (altered)")
            transform = ATTACHMENT_SIGNATURE
        else:
            raise AS4SignatureError(f"AS4: the signature reference {uri[:80]!r} is neither #id nor cid:")
        references.append((uri, digest, transform))
    messaging = header.find("eb:Messaging", NSMAP)
    body = envelope.find("S12:Body", NSMAP)
    for element, name in ((messaging, "the ebMS header (eb:Messaging)"), (body, "the SOAP body")):
        if element is None or element not in covered:
            raise AS4SignatureError(f"AS4: the signature does not cover {name}")
    return certificate, tuple(references)


def check_attachment_digests(references, attachments):
    """Every attachment must be signed, and match its signed digest."""
    signed = {_cid(uri): digest for uri, digest, transform in references if transform == ATTACHMENT_SIGNATURE}
    for cid, content in attachments.items():
        if cid not in signed:
            raise AS4SignatureError(f"AS4: the attachment cid:{cid} is not covered by the signature")
        if not hmac.compare_digest(_digest(content), signed[cid]):
            raise AS4SignatureError(f"AS4: the digest of the attachment cid:{cid} does not match (altered)")


# --- building -----------------------------------------------------------------------------


def _soap_envelope():
    envelope = etree.Element(_q(NS_S12, "Envelope"), nsmap=NSMAP)
    header = _sub(envelope, NS_S12, "Header")
    messaging = _sub(
        header,
        NS_EB,
        "Messaging",
        attrib={_q(NS_S12, "mustUnderstand"): "true", _q(NS_WSU, "Id"): _new_id("eb")},
    )
    security = _sub(header, NS_WSSE, "Security", attrib={_q(NS_S12, "mustUnderstand"): "true"})
    body = _sub(envelope, NS_S12, "Body", attrib={_q(NS_WSU, "Id"): _new_id("body")})
    return envelope, messaging, security, body


def _message_info(parent, message_id, now, ref_to=None):
    info = _sub(parent, NS_EB, "MessageInfo")
    _sub(info, NS_EB, "Timestamp", _timestamp(now))
    _sub(info, NS_EB, "MessageId", message_id)
    if ref_to:
        _sub(info, NS_EB, "RefToMessageId", ref_to)
    return info


def build_message(
    document,
    sender,
    receiver_certificate,
    sender_participant,
    receiver_participant,
    document_type,
    process=None,
    country="FR",
    receiver_party=None,
    message_id=None,
    now=None,
    wrap=True,
):
    """Build, sign and encrypt a UserMessage carrying ``document`` (a UBL document's bytes).

    ``sender`` is our :class:`AccessPoint`; ``receiver_certificate`` the receiving access
    point's certificate (from its SMP endpoint); ``document_type`` a
    :class:`~einvoice.peppol.smp.DocumentType` (or its value, with ``process``); ``country``
    the sender's country (SBDH ``COUNTRY_C1``). With ``wrap=False`` ``document`` is already an
    SBDH envelope. Returns an :class:`OutgoingMessage`.
    """
    now = _now(now)
    document_value, process = _as_document_type(document_type, process)
    sender_participant = _participant(sender_participant, "original sender")
    receiver_participant = _participant(receiver_participant, "final recipient")
    if wrap:
        payload = sbdh.wrap(
            document, sender_participant, receiver_participant, document_value, process, country, now=now
        )
    else:
        payload = bytes(document)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise AS4Error(f"AS4: the payload is {len(payload)} bytes, over the {MAX_PAYLOAD_BYTES} bytes limit")
    message_id = message_id or f"{uuid.uuid4()}@einvoice"
    cid = f"{uuid.uuid4()}@einvoice"
    envelope, messaging, security, body = _soap_envelope()

    user = _sub(messaging, NS_EB, "UserMessage")
    _message_info(user, message_id, now)
    parties = _sub(user, NS_EB, "PartyInfo")
    for side, party, role in (
        ("From", sender.party, ROLE_INITIATOR),
        ("To", receiver_party or party_of(receiver_certificate), ROLE_RESPONDER),
    ):
        element = _sub(parties, NS_EB, side)
        _sub(element, NS_EB, "PartyId", party, type=PARTY_TYPE)
        _sub(element, NS_EB, "Role", role)
    collaboration = _sub(user, NS_EB, "CollaborationInfo")
    _sub(collaboration, NS_EB, "AgreementRef", AGREEMENT)
    _sub(collaboration, NS_EB, "Service", process, type=PROCESS_SCHEME)
    _sub(collaboration, NS_EB, "Action", f"{DOCUMENT_SCHEME}::{document_value}")
    _sub(collaboration, NS_EB, "ConversationId", str(uuid.uuid4()))
    properties = _sub(user, NS_EB, "MessageProperties")
    _sub(properties, NS_EB, "Property", sender_participant.value, name="originalSender", type=PARTICIPANT_SCHEME)
    _sub(properties, NS_EB, "Property", receiver_participant.value, name="finalRecipient", type=PARTICIPANT_SCHEME)
    part = _sub(_sub(user, NS_EB, "PayloadInfo"), NS_EB, "PartInfo", href=f"cid:{cid}")
    part_properties = _sub(part, NS_EB, "PartProperties")
    _sub(part_properties, NS_EB, "Property", "application/xml", name="MimeType")
    _sub(part_properties, NS_EB, "Property", "application/gzip", name="CompressionType")

    # Sign the compressed payload, then encrypt it (the order of the Peppol profile).
    compressed = gzip.compress(payload, compresslevel=6, mtime=0)
    sign_token = _new_id("X509")
    _token(security, sender.certificate, sign_token)
    targets = [
        (f"#{messaging.get(_q(NS_WSU, 'Id'))}", EXC_C14N, _digest(_c14n(messaging))),
        (f"#{body.get(_q(NS_WSU, 'Id'))}", EXC_C14N, _digest(_c14n(body))),
        (f"cid:{cid}", ATTACHMENT_SIGNATURE, _digest(compressed)),
    ]
    _sign(security, sender.key, sign_token, targets)
    ciphertext = _encrypt(security, receiver_certificate, cid, compressed)

    soap = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    data, content_type = _mime(soap, [(cid, ciphertext)])
    return OutgoingMessage(
        message_id=message_id,
        body=data,
        content_type=content_type,
        references=tuple((uri, digest) for uri, _, digest in targets),
        receiver_certificate=receiver_certificate,
    )


def _encrypt(security, certificate, cid, content):
    """AES-128-GCM of ``content`` under a fresh key wrapped for ``certificate``: the
    EncryptedKey and EncryptedData go first in ``security``; returns the attachment bytes."""
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise AS4CertificateError("AS4: the receiving access point's certificate has no RSA key")
    key = AESGCM.generate_key(bit_length=128)
    nonce = os.urandom(12)
    ciphertext = nonce + AESGCM(key).encrypt(nonce, content, None)
    wrapped = public_key.encrypt(key, _oaep())
    key_id, data_id = _new_id("EK"), _new_id("ED")

    encrypted_key = etree.Element(_q(NS_XENC, "EncryptedKey"), Id=key_id)
    method = _sub(encrypted_key, NS_XENC, "EncryptionMethod", Algorithm=RSA_OAEP)
    _sub(method, NS_DS, "DigestMethod", Algorithm=SHA256)
    etree.SubElement(method, _q(NS_XENC11, "MGF"), Algorithm=MGF1_SHA256, nsmap={"xenc11": NS_XENC11})
    # The receiver's certificate travels as a BinarySecurityToken (eDelivery AS4: direct
    # reference to a BST for encryption as for signature).
    token_id = _new_id("X509")
    _token_reference(_sub(encrypted_key, NS_DS, "KeyInfo"), token_id)
    _sub(_sub(encrypted_key, NS_XENC, "CipherData"), NS_XENC, "CipherValue", _b64(wrapped))
    _sub(_sub(encrypted_key, NS_XENC, "ReferenceList"), NS_XENC, "DataReference", URI=f"#{data_id}")

    encrypted_data = etree.Element(
        _q(NS_XENC, "EncryptedData"), Id=data_id, MimeType="application/gzip", Type=ATTACHMENT_CONTENT_ONLY
    )
    _sub(encrypted_data, NS_XENC, "EncryptionMethod", Algorithm=AES128_GCM)
    token_reference = _sub(_sub(encrypted_data, NS_DS, "KeyInfo"), NS_WSSE, "SecurityTokenReference")
    token_reference.set(_q(NS_WSSE11, "TokenType"), ENCRYPTED_KEY_TOKEN)
    _sub(token_reference, NS_WSSE, "Reference", URI=f"#{key_id}")
    cipher_reference = _sub(_sub(encrypted_data, NS_XENC, "CipherData"), NS_XENC, "CipherReference", URI=f"cid:{cid}")
    _sub(_sub(cipher_reference, NS_XENC, "Transforms"), NS_DS, "Transform", Algorithm=ATTACHMENT_CIPHERTEXT)
    security.insert(0, encrypted_data)
    security.insert(0, encrypted_key)
    _token(security, certificate, token_id, index=0)
    return ciphertext


def _oaep():
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


# --- receiving ----------------------------------------------------------------------------


def _decrypt(security, receiver, attachments):
    """Decrypt every encrypted attachment in place (``attachments`` is a dict)."""
    keys = security.findall("xenc:EncryptedKey", NSMAP)
    if not keys:
        raise AS4DecryptionError("AS4: the payload is not encrypted (no xenc:EncryptedKey)")
    if len(keys) > MAX_PARTS:
        raise AS4DecryptionError("AS4: too many encrypted keys")
    done = set()
    for encrypted_key in keys:
        method = encrypted_key.find("xenc:EncryptionMethod", NSMAP)
        digest = method.find("ds:DigestMethod", NSMAP) if method is not None else None
        mgf = method.find(_q(NS_XENC11, "MGF")) if method is not None else None
        if (
            method is None
            or method.get("Algorithm") != RSA_OAEP
            or digest is None
            or digest.get("Algorithm") != SHA256
            or mgf is None
            or mgf.get("Algorithm") != MGF1_SHA256
        ):
            raise AS4DecryptionError("AS4: the key must be wrapped with RSA-OAEP, MGF1 SHA-256 and a SHA-256 digest")
        _check_key_recipient(encrypted_key, security, receiver.certificate)
        wrapped = _unb64(
            encrypted_key.findtext("xenc:CipherData/xenc:CipherValue", namespaces=NSMAP), "the key", AS4DecryptionError
        )
        try:
            key = receiver.key.decrypt(wrapped, _oaep())
        except ValueError as exc:
            raise AS4DecryptionError("AS4: the content key cannot be unwrapped with this access point's key") from exc
        if len(key) != 16:
            raise AS4DecryptionError(f"AS4: an AES-128 key has 16 bytes, this one {len(key)}")
        for data_reference in encrypted_key.iterfind("xenc:ReferenceList/xenc:DataReference", NSMAP):
            uri = data_reference.get("URI") or ""
            if not uri.startswith("#"):
                raise AS4DecryptionError(f"AS4: the DataReference {uri[:80]!r} is not a same-document reference")
            encrypted_data = _by_id(security, uri[1:])
            if encrypted_data.tag != _q(NS_XENC, "EncryptedData"):
                raise AS4DecryptionError(f"AS4: {uri} is not an xenc:EncryptedData")
            algorithm = encrypted_data.find("xenc:EncryptionMethod", NSMAP)
            if algorithm is None or algorithm.get("Algorithm") != AES128_GCM:
                raise AS4DecryptionError("AS4: the payload must be encrypted with AES-128-GCM")
            reference = encrypted_data.find("xenc:CipherData/xenc:CipherReference", NSMAP)
            if reference is None:
                raise AS4DecryptionError("AS4: the EncryptedData does not reference an attachment (CipherReference)")
            cid = _cid(reference.get("URI"))
            if cid not in attachments or cid in done:
                raise AS4DecryptionError(f"AS4: the encrypted attachment cid:{cid} is missing")
            content = attachments[cid]
            if len(content) < 28:
                raise AS4DecryptionError(f"AS4: the encrypted attachment cid:{cid} is too short for AES-GCM")
            try:
                attachments[cid] = AESGCM(key).decrypt(content[:12], content[12:], None)
            except InvalidTag as exc:
                raise AS4DecryptionError(
                    f"AS4: the attachment cid:{cid} does not decrypt (altered ciphertext or wrong key)"
                ) from exc
            done.add(cid)
    missing = set(attachments) - done
    if missing:
        raise AS4DecryptionError(f"AS4: the attachment cid:{min(missing)} is not encrypted")


def _check_key_recipient(encrypted_key, security, certificate):
    """The key must be wrapped for ``certificate`` (issuer and serial, or the certificate)."""
    reference = encrypted_key.find("ds:KeyInfo/wsse:SecurityTokenReference", NSMAP)
    if reference is None:
        raise AS4DecryptionError("AS4: the EncryptedKey does not say for which certificate it was made")
    serial = reference.find("ds:X509Data/ds:X509IssuerSerial", NSMAP)
    token = reference.find("wsse:Reference", NSMAP)
    if serial is not None:
        issuer = (serial.findtext("ds:X509IssuerName", namespaces=NSMAP) or "").strip()
        number = (serial.findtext("ds:X509SerialNumber", namespaces=NSMAP) or "").strip()
        if number == str(certificate.serial_number) and _same_name(issuer, certificate.issuer):
            return
        raise AS4DecryptionError(
            f"AS4: the content key was wrapped for another certificate (issuer {issuer[:120]!r}, serial "
            f"{number[:60]}), not for this access point's"
        )
    if token is not None and (token.get("URI") or "").startswith("#"):
        found = _by_id(security, token.get("URI")[1:])
        if _load_certificate(found.text, "the encryption certificate") == certificate:
            return
        raise AS4DecryptionError("AS4: the content key was wrapped for another certificate than this access point's")
    raise AS4DecryptionError("AS4: the EncryptedKey's SecurityTokenReference is not understood")


def _same_name(text, name):
    def normal(value):
        return ",".join(part.strip().lower() for part in value.split(","))

    return normal(text) == normal(name.rfc4514_string())


def _gunzip(data, limit):
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise AS4Error(f"AS4: the payload is not valid gzip ({exc})", "EBMS:0303") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise AS4Error(f"AS4: the payload is over {limit} bytes once decompressed", "EBMS:0303")
    if not inflater.eof:
        raise AS4Error("AS4: the gzip payload is truncated", "EBMS:0303")
    return out


def _one(parent, path, what, code="EBMS:0009"):
    found = parent.findall(path, NSMAP)
    if len(found) != 1:
        raise AS4Error(f"AS4: expected one {what}, found {len(found)}", code)
    return found[0]


def _text(parent, path, what):
    text = (_one(parent, path, what).text or "").strip()
    if not text:
        raise AS4Error(f"AS4: {what} is empty", "EBMS:0009")
    return text


def _properties(parent, path):
    values = {}
    for prop in parent.iterfind(path, NSMAP):
        name = prop.get("name") or ""
        if name in values:
            raise AS4Error(f"AS4: the property {name!r} appears twice", "EBMS:0009")
        values[name] = ((prop.text or "").strip(), prop.get("type"))
    return values


def message_id_of(body, content_type):
    """The MessageId of a message that may not be valid (for the error signal's reference), or None."""
    try:
        soap, _ = split_mime(body, content_type)
        root = parse_xml(soap, max_bytes=MAX_SOAP_BYTES, source="AS4 message")
        return (root.findtext(".//eb:MessageInfo/eb:MessageId", namespaces=NSMAP) or "").strip()[:200] or None
    except EInvoiceError:  # best effort: the real error is reported elsewhere
        return None


def open_message(
    body,
    content_type,
    receiver,
    trust_anchors,
    now=None,
    accepts=None,
    max_bytes=MAX_MESSAGE_BYTES,
    max_payload=MAX_PAYLOAD_BYTES,
):
    """Verify, decrypt and read a received message: an :class:`IncomingMessage`.

    ``receiver`` is our :class:`AccessPoint`; ``trust_anchors`` the access point CA
    certificates the sender's certificate must be issued by; ``accepts(final_recipient,
    document_type, process)`` says whether we serve that participant and document (a refusal
    is :data:`NOT_SERVICED`). Raises an :class:`~einvoice.errors.AS4Error` subclass.
    """
    now = _now(now)
    soap, attachments = split_mime(body, content_type, max_bytes=max_bytes)
    try:
        envelope = parse_xml(soap, max_bytes=MAX_SOAP_BYTES, source="AS4 message")
    except ParseError as exc:
        raise AS4Error(f"AS4: the SOAP part cannot be read ({exc})", "EBMS:0009") from exc
    if envelope.tag != _q(NS_S12, "Envelope"):
        raise AS4Error("AS4: the root part is not a SOAP 1.2 envelope", "EBMS:0009")
    messaging = _one(envelope, "S12:Header/eb:Messaging", "eb:Messaging header")
    user = _one(messaging, "eb:UserMessage", "eb:UserMessage")
    if messaging.find("eb:SignalMessage", NSMAP) is not None:
        raise AS4Error("AS4: a UserMessage cannot be bundled with a signal", "EBMS:0009")
    certificate, references = verify_signature(envelope, trust_anchors, now)
    security = envelope.find("S12:Header/wsse:Security", NSMAP)

    message_id = _text(user, "eb:MessageInfo/eb:MessageId", "MessageId")
    to_party = _one(user, "eb:PartyInfo/eb:To/eb:PartyId", "To/PartyId")
    from_party = _one(user, "eb:PartyInfo/eb:From/eb:PartyId", "From/PartyId")
    for party in (to_party, from_party):
        if party.get("type") != PARTY_TYPE:
            raise AS4Error(f"AS4: a PartyId must have type {PARTY_TYPE!r}", "EBMS:0003")
    if (to_party.text or "").strip().lower() != receiver.party.lower():
        raise AS4RecipientError(f"AS4: the message is for the access point {(to_party.text or '').strip()!r}, not us")
    if (from_party.text or "").strip() != party_of(certificate):
        raise AS4Error("AS4: the From PartyId is not the common name of the signing certificate", "EBMS:0003")
    if _text(user, "eb:CollaborationInfo/eb:AgreementRef", "AgreementRef") != AGREEMENT:
        raise AS4Error(f"AS4: the AgreementRef must be {AGREEMENT!r}", "EBMS:0010")
    service = _one(user, "eb:CollaborationInfo/eb:Service", "Service")
    action = _text(user, "eb:CollaborationInfo/eb:Action", "Action")
    if not action.startswith(f"{DOCUMENT_SCHEME}::"):
        raise AS4Error(f"AS4: the Action must be {DOCUMENT_SCHEME}::<document type>", "EBMS:0003")
    process = (service.text or "").strip()
    properties = _properties(user, "eb:MessageProperties/eb:Property")
    for name in ("originalSender", "finalRecipient"):
        if name not in properties or not properties[name][0]:
            raise AS4Error(f"AS4: the message property {name} is missing", "EBMS:0009")
    original_sender = _participant(properties["originalSender"][0], "originalSender")
    final_recipient = _participant(properties["finalRecipient"][0], "finalRecipient")

    parts = user.findall("eb:PayloadInfo/eb:PartInfo", NSMAP)
    if len(parts) != 1:
        raise AS4Error(f"AS4: a Peppol message carries one payload, this one {len(parts)}", "EBMS:0010")
    cid = _cid(parts[0].get("href"))
    if set(attachments) != {cid}:
        raise AS4Error(f"AS4: the MIME package does not hold exactly the payload cid:{cid}", "EBMS:0009")
    part_properties = _properties(parts[0], "eb:PartProperties/eb:Property")
    compression = part_properties.get("CompressionType", ("",))[0]
    if compression not in ("", "application/gzip"):
        raise AS4Error(f"AS4: CompressionType {compression!r} is not supported", "EBMS:0303")

    _decrypt(security, receiver, attachments)
    check_attachment_digests(references, attachments)
    payload = attachments[cid]
    if compression:
        payload = _gunzip(payload, max_payload)
    elif len(payload) > max_payload:
        raise AS4Error(f"AS4: the payload is over {max_payload} bytes")
    try:
        envelope_data = sbdh.parse(payload, max_bytes=max_payload)
    except ParseError as exc:
        raise AS4Error(f"AS4: the payload is not a Peppol SBDH envelope ({exc})", "EBMS:0004") from exc
    document_type = action[len(DOCUMENT_SCHEME) + 2 :]
    for ours, theirs, what in (
        (envelope_data.sender.value.lower(), original_sender.value.lower(), "sender / originalSender"),
        (envelope_data.receiver.value.lower(), final_recipient.value.lower(), "receiver / finalRecipient"),
        (envelope_data.document_type, document_type, "DOCUMENTID / Action"),
        (envelope_data.process, process, "PROCESSID / Service"),
    ):
        if ours != theirs:
            raise AS4Error(f"AS4: the SBDH and the ebMS header disagree on the {what}", "EBMS:0003")
    if accepts is not None and not accepts(final_recipient, document_type, process):
        raise AS4RecipientError(
            f"{NOT_SERVICED}: this access point does not serve {final_recipient} for this document type and process",
            "EBMS:0004",
        )
    return IncomingMessage(
        message_id=message_id,
        conversation_id=(user.findtext("eb:CollaborationInfo/eb:ConversationId", namespaces=NSMAP) or "").strip(),
        timestamp=(user.findtext("eb:MessageInfo/eb:Timestamp", namespaces=NSMAP) or "").strip(),
        from_party=(from_party.text or "").strip(),
        to_party=(to_party.text or "").strip(),
        original_sender=original_sender,
        final_recipient=final_recipient,
        document_type=document_type,
        process=process,
        envelope=envelope_data,
        sender_certificate=certificate,
        references=references,
    )


# --- signals: receipts and errors ---------------------------------------------------------


def build_receipt(message, receiver, now=None):
    """The signed non-repudiation receipt (SOAP bytes) of an :class:`IncomingMessage`."""
    now = _now(now)
    envelope, messaging, security, body = _soap_envelope()
    signal = _sub(messaging, NS_EB, "SignalMessage")
    _message_info(signal, f"{uuid.uuid4()}@einvoice", now, ref_to=message.message_id)
    receipt = _sub(signal, NS_EB, "Receipt")
    information = etree.SubElement(receipt, _q(NS_EBBP, "NonRepudiationInformation"), nsmap={"ebbp": NS_EBBP})
    for uri, digest, transform in message.references:
        _reference(_sub(information, NS_EBBP, "MessagePartNRInformation"), uri, transform, digest)
    return _signed_signal(envelope, messaging, security, body, receiver)


def build_error(ref_to_message_id, error, signer=None, now=None):
    """An ebMS error signal (SOAP bytes) for ``error`` (an :class:`AS4Error`, or any exception,
    answered as ``EBMS:0004``), signed when ``signer`` (our :class:`AccessPoint`) is given."""
    now = _now(now)
    code = getattr(error, "ebms_code", "EBMS:0004")
    short, category = EBMS_ERRORS.get(code, ("Other", "Content"))
    envelope, messaging, security, body = _soap_envelope()
    signal = _sub(messaging, NS_EB, "SignalMessage")
    _message_info(signal, f"{uuid.uuid4()}@einvoice", now, ref_to=ref_to_message_id)
    attrs = {
        "category": category,
        "errorCode": code,
        "origin": "ebMS",
        "severity": "failure",
        "shortDescription": short,
    }
    if ref_to_message_id:
        attrs["refToMessageInError"] = ref_to_message_id
    element = _sub(signal, NS_EB, "Error", **attrs)
    text = remote_text(str(error), 1000)
    description = _sub(element, NS_EB, "Description", text)
    description.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    # Peppol AS4 2.0.3: an addressee not serviced here is EBMS:0004 with exactly this detail.
    _sub(element, NS_EB, "ErrorDetail", NOT_SERVICED if text.startswith(NOT_SERVICED) else text)
    if signer is None:
        messaging.getparent().remove(security)
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return _signed_signal(envelope, messaging, security, body, signer)


def _signed_signal(envelope, messaging, security, body, signer):
    token_id = _new_id("X509")
    _token(security, signer.certificate, token_id)
    targets = [
        (f"#{messaging.get(_q(NS_WSU, 'Id'))}", EXC_C14N, _digest(_c14n(messaging))),
        (f"#{body.get(_q(NS_WSU, 'Id'))}", EXC_C14N, _digest(_c14n(body))),
    ]
    _sign(security, signer.key, token_id, targets)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def read_answer(body, content_type, outgoing, trust_anchors=(), now=None, status=None):
    """Read the receiving access point's answer to ``outgoing``: a verified :class:`Receipt`,
    or :class:`~einvoice.errors.AS4SignalError` for an ebMS error signal.

    The receipt must be signed with the certificate the receiver published
    (``outgoing.receiver_certificate``, from its SMP), refer to our message and acknowledge
    exactly the digests we signed.
    """
    now = _now(now)
    soap, _ = split_mime(body, content_type or "application/soap+xml", max_bytes=MAX_ANSWER_BYTES)
    try:
        envelope = parse_xml(soap, max_bytes=MAX_ANSWER_BYTES, source="AS4 answer")
    except ParseError as exc:
        raise TransportError(f"AS4: the answer is not a SOAP message ({exc})", status=status) from exc
    signal = envelope.find("S12:Header/eb:Messaging/eb:SignalMessage", NSMAP)
    if signal is None:
        fault = envelope.findtext(".//S12:Fault/S12:Reason/S12:Text", namespaces=NSMAP)
        raise TransportError(
            f"AS4: the answer carries no signal message ({remote_text(fault or 'no SOAP fault')})", status=status
        )
    errors = signal.findall("eb:Error", NSMAP)
    if errors:
        first = errors[0]
        texts = [first.findtext(f"eb:{name}", namespaces=NSMAP) or "" for name in ("ErrorDetail", "Description")]
        detail = " - ".join(dict.fromkeys(text.strip() for text in texts if text.strip()))
        code = first.get("errorCode") or "?"
        raise AS4SignalError(
            f"AS4: the receiving access point refused the message: {code} {first.get('shortDescription') or ''} "
            f"({remote_text(detail)})",
            status=status,
            remote_code=code,
        )
    if signal.find("eb:Receipt", NSMAP) is None:
        raise AS4Error("AS4: the signal is neither a receipt nor an error", "EBMS:0302")
    certificate, _ = verify_signature(envelope, trust_anchors, now, expected_certificate=outgoing.receiver_certificate)
    ref_to = (signal.findtext("eb:MessageInfo/eb:RefToMessageId", namespaces=NSMAP) or "").strip()
    if ref_to != outgoing.message_id:
        raise AS4Error(
            f"AS4: the receipt is for the message {ref_to[:120]!r}, not {outgoing.message_id!r}", "EBMS:0302"
        )
    acknowledged = []
    for reference in signal.iterfind(
        "eb:Receipt/ebbp:NonRepudiationInformation/ebbp:MessagePartNRInformation/ds:Reference",
        {**NSMAP, "ebbp": NS_EBBP},
    ):
        digest = "".join((reference.findtext("ds:DigestValue", namespaces=NSMAP) or "").split())
        acknowledged.append((reference.get("URI") or "", digest))
    if sorted(acknowledged) != sorted(outgoing.references):
        raise AS4Error("AS4: the receipt does not acknowledge the digests of what was signed", "EBMS:0302")
    return Receipt(
        message_id=(signal.findtext("eb:MessageInfo/eb:MessageId", namespaces=NSMAP) or "").strip(),
        ref_to_message_id=ref_to,
        timestamp=(signal.findtext("eb:MessageInfo/eb:Timestamp", namespaces=NSMAP) or "").strip(),
        references=tuple(acknowledged),
        signer=certificate,
        body=bytes(soap),
    )


def send(outgoing, url, session=None, trust_anchors=(), timeout=30, deadline=120, clock=None):
    """POST ``outgoing`` to the access point at ``url``; its verified :class:`Receipt`.

    Raises :class:`~einvoice.errors.AS4SignalError` when the receiver answers with an error
    signal, :class:`~einvoice.errors.TransportError` when it cannot be reached or answers
    something else, an :class:`~einvoice.errors.AS4Error` for a receipt that does not verify.
    """
    if session is None:
        session = requests.Session()
        session.mount("http://", DeadlineAdapter())
        session.mount("https://", DeadlineAdapter())
    what = f"AS4 message {outgoing.message_id}"
    with _watch(deadline, what):
        try:
            response = session.post(url, data=outgoing.body, headers=outgoing.headers, timeout=timeout, stream=True)
        except requests.RequestException as exc:
            raise TransportError(f"{what}: the access point cannot be reached ({remote_text(str(exc))})") from exc
        answer = read_capped(response, MAX_ANSWER_BYTES, what)
    content_type = response.headers.get("Content-Type", "")
    if not answer:
        raise TransportError(
            f"{what}: the access point answered {response.status_code} without a body", status=response.status_code
        )
    now = clock() if clock else None
    return read_answer(answer, content_type, outgoing, trust_anchors, now=now, status=response.status_code)


def deliver(
    document,
    sender,
    endpoint,
    sender_participant,
    receiver_participant,
    document_type,
    trust_anchors,
    country="FR",
    session=None,
    clock=None,
    **send_options,
):
    """Send ``document`` to the endpoint an SMP lookup gave (:class:`~einvoice.peppol.smp.Endpoint`):
    ``(OutgoingMessage, Receipt)``.

    The endpoint's certificate must be an access point certificate of the network
    (``trust_anchors``: the AP CA certificates) valid now; the message is encrypted for it,
    and the receipt must be signed with it.
    """
    from .smp import AS4 as AS4_PROFILE

    now = _now(clock() if clock else None)
    if endpoint.transport_profile != AS4_PROFILE:
        raise AS4Error(f"AS4: the endpoint's transport profile is {endpoint.transport_profile!r}, not {AS4_PROFILE!r}")
    if not endpoint.address.startswith(("https://", "http://")):
        raise AS4Error(f"AS4: the endpoint address {endpoint.address[:120]!r} is not an HTTP URL")
    if endpoint.certificate is None:
        raise AS4CertificateError("AS4: the SMP endpoint publishes no access point certificate")
    _check_signer(endpoint.certificate, trust_anchors, now, what="receiving access point certificate")
    message = build_message(
        document, sender, endpoint.certificate, sender_participant, receiver_participant, document_type,
        country=country, now=now,
    )  # fmt: skip
    receipt = send(message, endpoint.address, session=session, trust_anchors=trust_anchors, clock=clock, **send_options)
    return message, receipt


def answer(body, content_type, receiver, trust_anchors, now=None, accepts=None, max_bytes=MAX_MESSAGE_BYTES):
    """What a receiving endpoint does with one request: ``(HTTP status, SOAP answer, message)``.

    The answer is the signed receipt (status 200) with the :class:`IncomingMessage`, or a
    signed ebMS error signal (status 500) naming what could not be taken, with ``None``.
    """
    try:
        message = open_message(
            body, content_type, receiver, trust_anchors, now=now, accepts=accepts, max_bytes=max_bytes
        )
    except EInvoiceError as exc:  # an AS4Error names its ebMS code, anything else is EBMS:0004
        return 500, build_error(message_id_of(body, content_type), exc, signer=receiver, now=now), None
    return 200, build_receipt(message, receiver, now=now), message


__all__ = [
    "AGREEMENT",
    "NOT_SERVICED",
    "PARTY_TYPE",
    "AccessPoint",
    "IncomingMessage",
    "OutgoingMessage",
    "Receipt",
    "answer",
    "build_error",
    "build_message",
    "build_receipt",
    "deliver",
    "message_id_of",
    "open_message",
    "party_of",
    "read_answer",
    "send",
    "split_mime",
    "verify_signature",
]
