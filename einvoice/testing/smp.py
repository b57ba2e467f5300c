"""Simulators of the PEPPOL lookup: a DNS (SML) stub and an SMP serving signed metadata.

- :class:`TestPki`: a test SMP CA, an SMP certificate it issues and an access point
  certificate, generated with ``cryptography`` (RSA 2048, SHA-256); ``expired=True`` makes
  an SMP certificate whose validity ended yesterday, ``untrusted=True`` one issued by another CA.
- :class:`SmlStub`: the resolver callable :func:`einvoice.peppol.sml.smp_url` expects,
  answering the U-NAPTR (and, when asked, legacy CNAME) records of registered participants.
- :class:`SmpSimulator`: a PEPPOL SMP 1.x on 127.0.0.1 (:mod:`einvoice.testing.server`),
  serving the ServiceGroup and the SignedServiceMetadata of each registered participant,
  signed with signxml (enveloped, RSA-SHA256, SHA-256, exclusive C14N); ``tamper`` changes the
  endpoint address after signing, to test that a wrong signature is caught.
"""

from __future__ import annotations

import base64
import datetime
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from ..peppol import sml
from ..peppol.identifiers import PARTICIPANT_SCHEME, ParticipantId
from ..peppol.smp import AS4, DOCUMENT_SCHEME, NS_IDS, NS_SMP, NS_WSA, PROCESS_SCHEME
from .server import SimulatedService, SimulatorHandler

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "einvoice test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_certificate(common_name, issuer=None, issuer_key=None, ca=False, not_before=None, not_after=None):
    """``(certificate, private key)``: self-signed when no issuer is given."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = not_before or now - datetime.timedelta(days=1)
    not_after = not_after or now + datetime.timedelta(days=365)
    subject = _name(common_name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=not ca,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    certificate = builder.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())
    return certificate, key


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


class TestPki:
    """A test SMP CA, the SMP's signing certificate and an access point certificate."""

    __test__ = False  # not a pytest class

    def __init__(self, expired=False, untrusted=False):
        self.ca, self.ca_key = make_certificate("Test SMP CA", ca=True)
        issuer, issuer_key = self.ca, self.ca_key
        if untrusted:
            self.other_ca, other_key = make_certificate("Unknown CA", ca=True)
            issuer, issuer_key = self.other_ca, other_key
        now = datetime.datetime.now(datetime.timezone.utc)
        validity = {}
        if expired:
            validity = {"not_before": now - datetime.timedelta(days=400), "not_after": now - datetime.timedelta(days=1)}
        self.smp, self.smp_key = make_certificate("Test SMP", issuer, issuer_key, **validity)
        self.ap, self.ap_key = make_certificate("Test access point", self.ca, self.ca_key)

    @property
    def trust_anchors(self):
        return [self.ca]


class SmlStub:
    """A DNS resolver for :func:`einvoice.peppol.sml.smp_url`: ``stub(name, rdtype)``."""

    def __init__(self, zone=sml.SML_PRODUCTION):
        self.zone = zone
        self.records = {}  # (name lower-cased, rdtype) -> [records]
        self.queries = []

    def register(self, participant, smp_url, legacy_cname=False):
        participant = participant if isinstance(participant, ParticipantId) else ParticipantId.parse(participant)
        if legacy_cname:
            host = urllib.parse.urlsplit(smp_url).hostname
            self.records[(sml.cname_name(participant, self.zone).lower(), "CNAME")] = [host]
        else:
            record = sml.Naptr(100, 10, "U", sml.NAPTR_SERVICE, f"!^.*$!{smp_url}!")
            self.records[(sml.naptr_name(participant, self.zone).lower(), "NAPTR")] = [record]

    def __call__(self, name, rdtype):
        self.queries.append((name, rdtype))
        return list(self.records.get((name.lower(), rdtype), ()))


def _ids(parent, tag, scheme, value):
    element = etree.SubElement(parent, f"{{{NS_IDS}}}{tag}", scheme=scheme)
    element.text = value
    return element


def _smp(parent, tag, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{NS_SMP}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


_NSMAP = {"smp": NS_SMP, "ids": NS_IDS, "wsa": NS_WSA}


class _Handler(SimulatorHandler):
    def do_GET(self):
        simulator = self.simulator
        simulator.requests.append(("GET", self.path))
        if self._fail(lambda status: None):
            return None
        path = urllib.parse.unquote(self.path.split("?", 1)[0]).lstrip("/")
        participant, sep, document = path.partition("/services/")
        body = simulator.service_metadata(participant, document) if sep else simulator.service_group(participant)
        if body is None:
            return self._send(404, raw=b"<error>not found</error>", content_type="application/xml")
        return self._send(200, raw=body, content_type="application/xml")


class SmpSimulator(SimulatedService):
    """A PEPPOL SMP 1.x: ``register(participant, document, endpoint_url)`` then look it up."""

    handler_class = _Handler

    def __init__(self, pki, tamper=False, **kwargs):
        super().__init__(**kwargs)
        self.pki = pki
        self.tamper = tamper
        self.unsigned = False
        self.participants = {}  # participant value lower-cased -> {document value: [(process, address)]}

    def register(self, participant, document, address, process=None, transport_profile=AS4, expiration=None):
        participant = participant if isinstance(participant, ParticipantId) else ParticipantId.parse(participant)
        documents = self.participants.setdefault(participant.value.lower(), {})
        documents.setdefault(document.value, []).append(
            (process or document.process, address, transport_profile, expiration)
        )

    def _participant(self, uri):
        scheme, sep, value = uri.partition("::")
        if not sep or scheme.lower() != PARTICIPANT_SCHEME:
            return None, None
        return value, self.participants.get(value.lower())

    def service_group(self, uri):
        value, documents = self._participant(uri)
        if documents is None:
            return None
        root = etree.Element(f"{{{NS_SMP}}}ServiceGroup", nsmap=_NSMAP)
        _ids(root, "ParticipantIdentifier", PARTICIPANT_SCHEME, value)
        collection = _smp(root, "ServiceMetadataReferenceCollection")
        base = f"{self.url}/{urllib.parse.quote(f'{PARTICIPANT_SCHEME}::{value}', safe='')}/services/"
        for document in documents:
            _smp(
                collection,
                "ServiceMetadataReference",
                href=base + urllib.parse.quote(f"{DOCUMENT_SCHEME}::{document}", safe=""),
            )
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def service_metadata(self, uri, document_uri):
        value, documents = self._participant(uri)
        scheme, _, document = document_uri.partition("::")
        if documents is None or scheme != DOCUMENT_SCHEME or document not in documents:
            return None
        root = etree.Element(f"{{{NS_SMP}}}SignedServiceMetadata", nsmap=_NSMAP)
        info = _smp(_smp(root, "ServiceMetadata"), "ServiceInformation")
        _ids(info, "ParticipantIdentifier", PARTICIPANT_SCHEME, value)
        _ids(info, "DocumentIdentifier", DOCUMENT_SCHEME, document)
        processes = _smp(info, "ProcessList")
        for process_id, address, profile, expiration in documents[document]:
            process = _smp(processes, "Process")
            _ids(process, "ProcessIdentifier", PROCESS_SCHEME, process_id)
            endpoint = _smp(_smp(process, "ServiceEndpointList"), "Endpoint", transportProfile=profile)
            reference = etree.SubElement(endpoint, f"{{{NS_WSA}}}EndpointReference")
            etree.SubElement(reference, f"{{{NS_WSA}}}Address").text = address
            _smp(endpoint, "RequireBusinessLevelSignature", "false")
            if expiration is not None:
                _smp(endpoint, "ServiceExpirationDate", expiration.isoformat())
            der = self.pki.ap.public_bytes(serialization.Encoding.DER)
            _smp(endpoint, "Certificate", base64.b64encode(der).decode("ascii"))
            _smp(endpoint, "ServiceDescription", "Test access point")
            _smp(endpoint, "TechnicalContactUrl", "mailto:support@example.test")
        if not self.unsigned:
            root = self._sign(root)
        if self.tamper:
            address = root.find(f".//{{{NS_WSA}}}Address")
            address.text = "https://attacker.example.test/as4"
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _sign(self, root):
        from signxml import XMLSigner

        signer = XMLSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=EXC_C14N)
        return signer.sign(root, key=self.pki.smp_key, cert=[self.pki.smp])
