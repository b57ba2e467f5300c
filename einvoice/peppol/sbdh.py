"""The Peppol Business Message Envelope: the SBDH (UN/CEFACT Standard Business Document Header)
around a business document that travels over AS4.

The header names the sender and the receiver (participant identifiers, authority
``iso6523-actorid-upis``), the document (root namespace, local name, syntax version, an
instance identifier, the creation time) and its business scope: the document type identifier
(``DOCUMENTID``, scheme ``busdox-docid-qns``), the process (``PROCESSID``, scheme
``cenbii-procid-ubl``) and the sender's country (``COUNTRY_C1``). The receiving access point
reads the routing from the header, never from the document inside.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from lxml import etree

from ..errors import ParseError
from ..xmlsafe import parse_xml
from .identifiers import PARTICIPANT_SCHEME, ParticipantId, ParticipantIdError

NS_SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
DOCUMENT_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"

#: Bytes of an envelope read before it is refused (the AS4 payload limit decides first).
MAX_SBDH_BYTES = 100 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Envelope:
    """What the header of a received envelope says, and the business document it carries."""

    sender: ParticipantId
    receiver: ParticipantId
    document_type: str  # the document type identifier value (without busdox-docid-qns::)
    process: str  # the process identifier value
    country: str | None  # COUNTRY_C1: the sender's country
    instance_id: str
    created: str
    standard: str  # the root namespace of the business document
    type: str  # its local name (Invoice, CreditNote, ApplicationResponse)
    document: bytes  # the business document, as its own XML file


def _sub(parent, tag, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{NS_SBDH}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


def wrap(document, sender, receiver, document_type, process, country, instance_id=None, now=None):
    """The SBDH envelope (bytes) around ``document`` (the business document's bytes).

    ``sender`` / ``receiver`` are :class:`ParticipantId` (or their text), ``document_type`` the
    document type identifier value, ``process`` the process identifier value, ``country`` the
    sender's ISO 3166 code (``COUNTRY_C1``).
    """
    sender, receiver = _participant(sender, "sender"), _participant(receiver, "receiver")
    body = parse_xml(document, max_bytes=MAX_SBDH_BYTES, source="business document")
    qname = etree.QName(body)
    if not qname.namespace:
        raise ParseError("SBDH: the business document has no namespace, it is not a UBL document")
    version = document_type.rpartition("::")[2] if "::" in document_type else "2.1"
    if not country or len(country) != 2 or not country.isalpha():
        raise ParseError(f"SBDH: COUNTRY_C1 must be an ISO 3166 alpha-2 code, not {country!r}")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    root = etree.Element(f"{{{NS_SBDH}}}StandardBusinessDocument", nsmap={None: NS_SBDH})
    header = _sub(root, "StandardBusinessDocumentHeader")
    _sub(header, "HeaderVersion", "1.0")
    _sub(_sub(header, "Sender"), "Identifier", sender.value, Authority=PARTICIPANT_SCHEME)
    _sub(_sub(header, "Receiver"), "Identifier", receiver.value, Authority=PARTICIPANT_SCHEME)
    identification = _sub(header, "DocumentIdentification")
    _sub(identification, "Standard", qname.namespace)
    _sub(identification, "TypeVersion", version)
    _sub(identification, "InstanceIdentifier", instance_id or str(uuid.uuid4()))
    _sub(identification, "Type", qname.localname)
    _sub(identification, "CreationDateAndTime", now.astimezone(datetime.timezone.utc).isoformat(timespec="seconds"))
    scope = _sub(header, "BusinessScope")
    for kind, value, scheme in (
        ("DOCUMENTID", document_type, DOCUMENT_SCHEME),
        ("PROCESSID", process, PROCESS_SCHEME),
        ("COUNTRY_C1", country.upper(), None),
    ):
        item = _sub(scope, "Scope")
        _sub(item, "Type", kind)
        _sub(item, "InstanceIdentifier", value)
        if scheme:
            _sub(item, "Identifier", scheme)
    root.append(body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _participant(value, what):
    if isinstance(value, ParticipantId):
        return value
    try:
        # Check digits are the sender's business: a received identifier is taken as written.
        return ParticipantId.parse(value, check_digits=False)
    except ParticipantIdError as exc:
        raise ParseError(f"SBDH: the {what} identifier {value!r} cannot be read ({exc})") from exc


def _text(parent, path, what):
    found = parent.find(path, {"s": NS_SBDH})
    text = (found.text or "").strip() if found is not None else ""
    if not text:
        raise ParseError(f"SBDH: {what} is missing ({path.replace('s:', '')})")
    return text


def parse(data, max_bytes=MAX_SBDH_BYTES):
    """Read an envelope (bytes): an :class:`Envelope`, or :class:`ParseError` naming the field."""
    root = parse_xml(data, max_bytes=max_bytes, source="SBDH envelope")
    if root.tag != f"{{{NS_SBDH}}}StandardBusinessDocument":
        raise ParseError(f"SBDH: expected a StandardBusinessDocument, got {etree.QName(root).localname}")
    header = root.find(f"{{{NS_SBDH}}}StandardBusinessDocumentHeader")
    if header is None:
        raise ParseError("SBDH: the StandardBusinessDocumentHeader is missing")
    parties = {}
    for role in ("Sender", "Receiver"):
        identifier = header.find(f"s:{role}/s:Identifier", {"s": NS_SBDH})
        if identifier is None or (identifier.get("Authority") or "") != PARTICIPANT_SCHEME:
            raise ParseError(f"SBDH: {role}/Identifier with Authority {PARTICIPANT_SCHEME!r} is missing")
        parties[role] = _participant((identifier.text or "").strip(), role.lower())
    scopes = {}
    for scope in header.iterfind("s:BusinessScope/s:Scope", {"s": NS_SBDH}):
        kind = (scope.findtext(f"{{{NS_SBDH}}}Type") or "").strip()
        if kind in scopes:
            raise ParseError(f"SBDH: the business scope {kind} appears twice")
        scopes[kind] = ((scope.findtext(f"{{{NS_SBDH}}}InstanceIdentifier") or "").strip(), scope)
    for kind in ("DOCUMENTID", "PROCESSID"):
        if not scopes.get(kind, ("",))[0]:
            raise ParseError(f"SBDH: the business scope {kind} is missing")
    documents = [child for child in root if isinstance(child.tag, str) and child is not header]
    if len(documents) != 1:
        raise ParseError(f"SBDH: expected one business document after the header, found {len(documents)}")
    document = documents[0]
    qname = etree.QName(document)
    standard = _text(header, "s:DocumentIdentification/s:Standard", "DocumentIdentification/Standard")
    kind = _text(header, "s:DocumentIdentification/s:Type", "DocumentIdentification/Type")
    if (standard, kind) != (qname.namespace, qname.localname):
        raise ParseError(
            f"SBDH: the header announces {kind} in {standard}, "
            f"the envelope holds {qname.localname} in {qname.namespace}"
        )
    country = scopes.get("COUNTRY_C1", (None,))[0] or None
    return Envelope(
        sender=parties["Sender"],
        receiver=parties["Receiver"],
        document_type=scopes["DOCUMENTID"][0],
        process=scopes["PROCESSID"][0],
        country=country,
        instance_id=_text(header, "s:DocumentIdentification/s:InstanceIdentifier", "InstanceIdentifier"),
        created=_text(header, "s:DocumentIdentification/s:CreationDateAndTime", "CreationDateAndTime"),
        standard=standard,
        type=kind,
        document=etree.tostring(document, xml_declaration=True, encoding="UTF-8"),
    )


__all__ = ["NS_SBDH", "Envelope", "parse", "wrap"]
