"""PEPPOL eDelivery AS4: messages built, signed and encrypted, sent to the receiving access
point simulator on 127.0.0.1 and back, receipts verified, and what must be refused refused.

Our bytes are checked by other implementations: ``xmlsec1`` verifies the receipts' signature
whole and the message's same-document references (it has no SwA attachment transform), OpenSSL
the message's signature value, unwraps the content key (RSA-OAEP, MGF1 SHA-256) and digests
the attachment, and ``xmlsec1 --decrypt`` decrypts the AES-128-GCM payload.
"""

import base64
import dataclasses
import datetime
import gzip
import hashlib
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from einvoice.errors import (
    AS4CertificateError,
    AS4DecryptionError,
    AS4Error,
    AS4RecipientError,
    AS4SignalError,
    AS4SignatureError,
    ParseError,
    SignatureError,
    TransportError,
)
from einvoice.peppol import as4, sbdh
from einvoice.peppol.smp import BIS3_CREDIT_NOTE, BIS3_INVOICE, SmpClient
from einvoice.peppol.validation import validate_bis3
from einvoice.profiles import Profile
from einvoice.testing.as4 import AccessPointSimulator, As4Pki
from einvoice.testing.cases import CASES
from einvoice.testing.smp import SmlStub, SmpSimulator, TestPki, make_certificate, pem
from einvoice.ubl import build_ubl

SELLER = "0009:78430177200025"  # a French SIRET participant
BUYER = "0208:0403019261"  # a Belgian enterprise number
NS = {
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


@pytest.fixture(scope="module")
def pki():
    return As4Pki()


@pytest.fixture(scope="module")
def invoice():
    return build_ubl(CASES["b2b_goods_standard"](), Profile.PEPPOL)


@pytest.fixture
def receiver(pki):
    with AccessPointSimulator(pki.theirs, pki.trust_anchors, served={BUYER}) as simulator:
        yield simulator


def _message(pki, document, sender=None, receiver_certificate=None, **kwargs):
    return as4.build_message(
        document,
        sender or pki.ours,
        receiver_certificate or pki.theirs.certificate,
        SELLER,
        BUYER,
        kwargs.pop("document_type", BIS3_INVOICE),
        **kwargs,
    )


def _amounts(document):
    root = etree.fromstring(document)
    return (
        root.findtext("cbc:ID", namespaces=NS),
        root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS),
        root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS),
    )


# --- round trips ------------------------------------------------------------------------------


def test_invoice_sent_to_the_simulated_access_point(pki, invoice, receiver):
    message = _message(pki, invoice)
    receipt = as4.send(message, receiver.endpoint, trust_anchors=pki.trust_anchors)

    assert receipt.ref_to_message_id == message.message_id
    assert receipt.signer == pki.theirs.certificate
    uris = [uri for uri, _ in receipt.references]
    assert len(uris) == 3 and uris[2].startswith("cid:") and all(u.startswith("#") for u in uris[:2])
    assert sorted(receipt.references) == sorted(message.references)

    [stored] = receiver.received
    assert stored["message_id"] == message.message_id
    assert (stored["original_sender"], stored["final_recipient"]) == (SELLER, BUYER)
    assert stored["document_type"] == BIS3_INVOICE.value
    assert _amounts(stored["document"]) == _amounts(invoice) == ("F2026-0001", "515.52", "85.92")
    report = validate_bis3(stored["document"])
    assert report.is_valid, [(f.rule_id, f.message_en) for f in report.fatal]


def test_lookup_then_delivery_to_the_endpoint_the_smp_publishes(invoice):
    """SML -> SMP (signed metadata) -> AS4 to the published address, encrypted for the
    published certificate, its receipt signed with it."""
    lookup_pki = TestPki()  # one test CA for the SMP and the access points
    ours = as4.AccessPoint(*make_certificate("POP000001", lookup_pki.ca, lookup_pki.ca_key))
    theirs = as4.AccessPoint(lookup_pki.ap, lookup_pki.ap_key)
    anchors = lookup_pki.trust_anchors
    with AccessPointSimulator(theirs, anchors) as access_point, SmpSimulator(lookup_pki) as smp:
        dns = SmlStub()
        dns.register(BUYER, smp.url)
        smp.register(BUYER, BIS3_INVOICE, access_point.endpoint)
        endpoint = SmpClient(anchors, resolver=dns).require(BUYER, BIS3_INVOICE)
        message, receipt = as4.deliver(invoice, ours, endpoint, SELLER, BUYER, BIS3_INVOICE, anchors)
        assert receipt.signer == lookup_pki.ap
        assert [item["message_id"] for item in access_point.received] == [message.message_id]

        stranger = dataclasses.replace(endpoint, certificate=As4Pki().theirs.certificate)
        with pytest.raises(AS4CertificateError, match="not issued by a trusted authority"):
            as4.deliver(invoice, ours, stranger, SELLER, BUYER, BIS3_INVOICE, anchors)
        assert len(access_point.received) == 1  # refused before anything was sent


def test_a_resent_message_is_acknowledged_once_stored(pki, invoice, receiver):
    message = _message(pki, invoice)
    first = as4.send(message, receiver.endpoint, trust_anchors=pki.trust_anchors)
    second = as4.send(message, receiver.endpoint, trust_anchors=pki.trust_anchors)
    assert first.ref_to_message_id == second.ref_to_message_id == message.message_id
    assert len(receiver.received) == 1


def test_the_other_way_their_message_opened_and_acknowledged_by_us(pki):
    credit_note = build_ubl(CASES["credit_note"](), Profile.PEPPOL)
    message = as4.build_message(
        credit_note, pki.theirs, pki.ours.certificate, BUYER, SELLER, BIS3_CREDIT_NOTE, country="BE"
    )
    received = as4.open_message(message.body, message.content_type, pki.ours, pki.trust_anchors)

    assert (received.from_party, received.to_party) == ("POP000002", "POP000001")
    assert (received.original_sender.value, received.final_recipient.value) == (BUYER, SELLER)
    assert (received.document_type, received.process) == (BIS3_CREDIT_NOTE.value, BIS3_CREDIT_NOTE.process)
    envelope = received.envelope
    assert (envelope.type, envelope.country) == ("CreditNote", "BE")
    assert envelope.document == etree.tostring(etree.fromstring(credit_note), xml_declaration=True, encoding="UTF-8")
    assert validate_bis3(received.document).is_valid

    receipt = as4.read_answer(as4.build_receipt(received, pki.ours), "application/soap+xml", message, pki.trust_anchors)
    assert receipt.ref_to_message_id == message.message_id
    assert receipt.signer == pki.ours.certificate


# --- checked by xmlsec1 and OpenSSL ---------------------------------------------------------


def _tool(name):
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed")
    return name


def _run(*command, data=None):
    return subprocess.run(command, input=data, capture_output=True, timeout=60, check=False)


def test_receipt_signature_verified_by_xmlsec1(pki, invoice, tmp_path):
    xmlsec1 = _tool("xmlsec1")
    message = _message(pki, invoice)
    received = as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors)
    (tmp_path / "receipt.xml").write_bytes(as4.build_receipt(received, pki.theirs))
    (tmp_path / "signer.pem").write_bytes(pem(pki.theirs.certificate))
    (tmp_path / "other.pem").write_bytes(pem(pki.ours.certificate))
    ids = ["--id-attr:Id", f"{as4.NS_EB}:Messaging", "--id-attr:Id", f"{as4.NS_S12}:Body"]
    ok = _run(
        xmlsec1, "--verify", *ids, "--pubkey-cert-pem", str(tmp_path / "signer.pem"), str(tmp_path / "receipt.xml")
    )
    assert ok.returncode == 0, ok.stderr.decode()
    assert b"SignedInfo References (ok/all): 2/2" in ok.stderr + ok.stdout
    wrong = _run(
        xmlsec1, "--verify", *ids, "--pubkey-cert-pem", str(tmp_path / "other.pem"), str(tmp_path / "receipt.xml")
    )
    assert wrong.returncode != 0


def test_message_signature_checked_by_xmlsec1_and_openssl(pki, invoice, tmp_path):
    xmlsec1, openssl = _tool("xmlsec1"), _tool("openssl")
    message = _message(pki, invoice)
    soap, attachments = as4.split_mime(message.body, message.content_type)
    (tmp_path / "message.xml").write_bytes(soap)
    (tmp_path / "sender.pem").write_bytes(pem(pki.ours.certificate))
    ids = ["--id-attr:Id", f"{as4.NS_EB}:Messaging", "--id-attr:Id", f"{as4.NS_S12}:Body"]
    result = _run(
        xmlsec1, "--verify", *ids, "--pubkey-cert-pem", str(tmp_path / "sender.pem"), str(tmp_path / "message.xml")
    )
    output = (result.stdout + result.stderr).decode()
    # xmlsec1 digests the ebMS header and the SOAP body and finds them right, then stops at the
    # attachment reference: no xmlsec release implements the SwA transform.
    assert "SignedInfo References (ok/all): 2/3" in output, output
    assert "Attachment-Content-Signature-Transform" in output

    root = etree.fromstring(soap)
    signature = root.find(".//ds:Signature", as4.NSMAP)
    info = etree.tostring(signature.find("ds:SignedInfo", as4.NSMAP), method="c14n", exclusive=True)
    (tmp_path / "signedinfo").write_bytes(info)
    (tmp_path / "signature").write_bytes(
        base64.b64decode(signature.findtext("ds:SignatureValue", namespaces=as4.NSMAP))
    )
    public = pki.ours.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "public.pem").write_bytes(public)
    verified = _run(
        openssl, "dgst", "-sha256", "-verify", str(tmp_path / "public.pem"), "-signature", str(tmp_path / "signature"),
        str(tmp_path / "signedinfo"),
    )  # fmt: skip
    assert verified.returncode == 0 and b"Verified OK" in verified.stdout, verified.stderr.decode()
    assert len(attachments) == 1


def test_payload_decrypted_by_openssl_and_xmlsec1(pki, invoice, tmp_path):
    xmlsec1, openssl = _tool("xmlsec1"), _tool("openssl")
    message = _message(pki, invoice)
    soap, attachments = as4.split_mime(message.body, message.content_type)
    [(cid, ciphertext)] = attachments.items()
    root = etree.fromstring(soap)
    wrapped = root.findtext(".//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", namespaces=as4.NSMAP)
    (tmp_path / "wrapped").write_bytes(base64.b64decode(wrapped))
    key = pki.theirs.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "receiver.key").write_bytes(key)
    unwrapped = _run(
        openssl, "pkeyutl", "-decrypt", "-inkey", str(tmp_path / "receiver.key"), "-in", str(tmp_path / "wrapped"),
        "-out", str(tmp_path / "aes.key"), "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
        "-pkeyopt", "rsa_mgf1_md:sha256",
    )  # fmt: skip
    assert unwrapped.returncode == 0, unwrapped.stderr.decode()
    assert len((tmp_path / "aes.key").read_bytes()) == 16
    # The attachment as an EncryptedData of xmlsec1's own: IV || ciphertext || tag, AES-128-GCM.
    (tmp_path / "data.xml").write_text(
        f'<EncryptedData xmlns="{as4.NS_XENC}"><EncryptionMethod Algorithm="{as4.AES128_GCM}"/>'
        f"<CipherData><CipherValue>{base64.b64encode(ciphertext).decode()}</CipherValue></CipherData></EncryptedData>"
    )
    decrypted = _run(
        xmlsec1, "--decrypt", "--aeskey", str(tmp_path / "aes.key"), "--output", str(tmp_path / "payload.gz"),
        str(tmp_path / "data.xml"),
    )  # fmt: skip
    assert decrypted.returncode == 0, decrypted.stderr.decode()
    compressed = (tmp_path / "payload.gz").read_bytes()
    digest = base64.b64encode(hashlib.sha256(compressed).digest()).decode()
    assert (f"cid:{cid}", digest) in message.references  # the signed digest is the gzipped payload's
    envelope = sbdh.parse(gzip.decompress(compressed))
    assert (envelope.sender.value, envelope.receiver.value, envelope.document_type) == (
        SELLER,
        BUYER,
        BIS3_INVOICE.value,
    )
    assert _amounts(envelope.document)[1] == "515.52"


def test_encrypted_key_and_payload_decrypted_by_libxmlsec1_1_3(pki, invoice, tmp_path):
    """libxmlsec1 1.3 (the ``xmlsec`` binding's, which peppol-py brings) knows the xmlenc 1.1
    RSA-OAEP that the 1.2 command line lacks: our EncryptionMethod and key, read by it."""
    xmlsec = pytest.importorskip("xmlsec")
    message = _message(pki, invoice)
    soap, attachments = as4.split_mime(message.body, message.content_type)
    [(cid, ciphertext)] = attachments.items()
    encrypted_key = etree.fromstring(soap).find(".//xenc:EncryptedKey", as4.NSMAP)
    method = etree.tostring(encrypted_key.find("xenc:EncryptionMethod", as4.NSMAP)).decode()
    wrapped = encrypted_key.findtext("xenc:CipherData/xenc:CipherValue", namespaces=as4.NSMAP)
    document = etree.fromstring(
        f'<EncryptedData xmlns="{as4.NS_XENC}"><EncryptionMethod Algorithm="{as4.AES128_GCM}"/>'
        f'<KeyInfo xmlns="{as4.NS_DS}"><EncryptedKey xmlns="{as4.NS_XENC}">{method}'
        f"<CipherData><CipherValue>{wrapped}</CipherValue></CipherData></EncryptedKey></KeyInfo>"
        f"<CipherData><CipherValue>{base64.b64encode(ciphertext).decode()}</CipherValue></CipherData>"
        "</EncryptedData>"
    )
    key = pki.theirs.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(key, xmlsec.KeyFormat.PEM))
    compressed = xmlsec.EncryptionContext(manager).decrypt(document)
    digest = base64.b64encode(hashlib.sha256(compressed).digest()).decode()
    assert (f"cid:{cid}", digest) in message.references
    assert sbdh.parse(gzip.decompress(compressed)).receiver.value == BUYER


# --- refused ----------------------------------------------------------------------------------


def test_signature_wrapping_refused(pki, invoice):
    """A second element carrying the signed Id (the original moved aside, a forged one in its
    place) is refused, whichever of them the digest would find."""
    message = _message(pki, invoice)
    soap, _attachments = as4.split_mime(message.body, message.content_type)
    root = etree.fromstring(soap)
    messaging = root.find("S12:Header/eb:Messaging", as4.NSMAP)
    decoy = etree.SubElement(root.find("S12:Header/wsse:Security", as4.NSMAP), f"{{{as4.NS_EB}}}Messaging")
    decoy.set(f"{{{as4.NS_WSU}}}Id", messaging.get(f"{{{as4.NS_WSU}}}Id"))
    body = message.body.replace(soap, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    with pytest.raises(AS4SignatureError, match="which 2 elements carry"):
        as4.open_message(body, message.content_type, pki.theirs, pki.trust_anchors)


def test_tampered_ebms_header_refused(pki, invoice):
    message = _message(pki, invoice)
    altered = message.body.replace(BUYER.encode(), b"0208:0403019262", 1)
    assert altered != message.body
    with pytest.raises(AS4SignatureError, match="digest of Messaging does not match") as caught:
        as4.open_message(altered, message.content_type, pki.theirs, pki.trust_anchors)
    assert caught.value.ebms_code == "EBMS:0101"
    assert isinstance(caught.value, SignatureError)


def test_tampered_ciphertext_refused(pki, invoice):
    message = _message(pki, invoice)
    _soap, attachments = as4.split_mime(message.body, message.content_type)
    [ciphertext] = attachments.values()
    flipped = ciphertext[:40] + bytes([ciphertext[40] ^ 1]) + ciphertext[41:]
    altered = message.body.replace(ciphertext, flipped)
    with pytest.raises(AS4DecryptionError, match="does not decrypt") as caught:
        as4.open_message(altered, message.content_type, pki.theirs, pki.trust_anchors)
    assert caught.value.ebms_code == "EBMS:0102"


def test_payload_replaced_under_the_same_key_refused_by_its_digest(pki, invoice):
    """Someone who holds the content key re-encrypts another payload: the signature catches it."""
    message = _message(pki, invoice)
    soap, attachments = as4.split_mime(message.body, message.content_type)
    [ciphertext] = attachments.values()
    wrapped = etree.fromstring(soap).findtext(
        ".//xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue", namespaces=as4.NSMAP
    )
    key = pki.theirs.key.decrypt(base64.b64decode(wrapped), as4._oaep())
    plain = gzip.decompress(AESGCM(key).decrypt(ciphertext[:12], ciphertext[12:], None))
    assert b"515.52" in plain
    other = gzip.compress(plain.replace(b"515.52", b"1.52"))
    forged = ciphertext[:12] + AESGCM(key).encrypt(ciphertext[:12], other, None)
    with pytest.raises(AS4SignatureError, match="digest of the attachment"):
        as4.open_message(message.body.replace(ciphertext, forged), message.content_type, pki.theirs, pki.trust_anchors)


def test_message_encrypted_for_another_access_point_refused(pki, invoice):
    stranger = pki.access_point("POP000002")  # same PartyId, another certificate and key
    message = _message(pki, invoice, receiver_certificate=stranger.certificate)
    with pytest.raises(AS4DecryptionError, match="wrapped for another certificate"):
        as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors)


def test_message_for_another_access_point_refused(pki, invoice):
    message = _message(pki, invoice, receiver_party="POP000099")
    with pytest.raises(AS4RecipientError, match="POP000099") as caught:
        as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors)
    assert caught.value.ebms_code == "EBMS:0010"


@pytest.mark.parametrize(
    ("kind", "match"), [("expired", "expired on"), ("other_ca", "was not issued by a trusted authority")]
)
def test_sender_certificate_refused(pki, invoice, kind, match):
    sender = pki.access_point("POP000003", **{kind: True})
    message = _message(pki, invoice, sender=sender)
    with pytest.raises(AS4CertificateError, match=match):
        as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors)


def test_expired_sender_refused_by_the_simulator_with_a_signed_error(pki, invoice, receiver):
    message = _message(pki, invoice, sender=pki.access_point("POP000003", expired=True))
    with pytest.raises(AS4SignalError, match="FailedAuthentication") as caught:
        as4.send(message, receiver.endpoint, trust_anchors=pki.trust_anchors)
    assert (caught.value.remote_code, caught.value.status) == ("EBMS:0101", 500)
    assert receiver.received == [] and b'errorCode="EBMS:0101"' in receiver.refused[0]


def test_recipient_not_serviced(pki, invoice):
    simulator = AccessPointSimulator(pki.theirs, pki.trust_anchors, served={"0208:0999999999"})
    with simulator, pytest.raises(AS4SignalError, match=as4.NOT_SERVICED) as caught:
        as4.send(_message(pki, invoice), simulator.endpoint, trust_anchors=pki.trust_anchors)
    assert caught.value.remote_code == "EBMS:0004"


def test_receipt_refused_when_signed_by_another_key_or_for_another_message(pki, invoice):
    message = _message(pki, invoice)
    received = as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors)
    impostor = as4.build_receipt(received, pki.access_point("POP000002"))
    with pytest.raises(AS4CertificateError, match="not by the certificate the counterpart published"):
        as4.read_answer(impostor, "application/soap+xml", message, pki.trust_anchors)
    other = _message(pki, invoice)
    with pytest.raises(AS4Error, match="receipt is for the message") as caught:
        as4.read_answer(as4.build_receipt(received, pki.theirs), "application/soap+xml", other, pki.trust_anchors)
    assert caught.value.ebms_code == "EBMS:0302"
    receipt = as4.build_receipt(received, pki.theirs)
    tampered = receipt.replace(b"<ds:DigestValue>", b"<ds:DigestValue>AAAA", 1)
    with pytest.raises(AS4SignatureError):
        as4.read_answer(tampered, "application/soap+xml", message, pki.trust_anchors)


def test_receipt_checked_at_the_callers_clock(pki, invoice):
    message = _message(pki, invoice)
    received = as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors)
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=800)
    with pytest.raises(AS4CertificateError, match="expired on"):
        as4.read_answer(as4.build_receipt(received, pki.theirs), "application/soap+xml", message, now=later)


def test_size_limits(pki, invoice):
    message = _message(pki, invoice)
    with pytest.raises(AS4Error, match="over the 1000 bytes limit"):
        as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors, max_bytes=1000)
    with pytest.raises(AS4Error, match="once decompressed") as caught:
        as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors, max_payload=2000)
    assert caught.value.ebms_code == "EBMS:0303"
    boundary = message.content_type.split('boundary="')[1].split('"')[0]
    many = message.body.replace(f"--{boundary}--".encode(), b"".join(
        f"--{boundary}\r\nContent-ID: <x{i}>\r\n\r\nx\r\n".encode() for i in range(10)
    ) + f"--{boundary}--".encode())  # fmt: skip
    with pytest.raises(AS4Error, match="more than 8 parts"):
        as4.open_message(many, message.content_type, pki.theirs, pki.trust_anchors)


def test_unsigned_or_not_mime_refused(pki, invoice):
    with pytest.raises(AS4Error, match="Content-Type 'text/plain'"):
        as4.open_message(b"hello", "text/plain", pki.theirs, pki.trust_anchors)
    message = _message(pki, invoice)
    soap, _attachments = as4.split_mime(message.body, message.content_type)
    root = etree.fromstring(soap)
    signature = root.find(".//ds:Signature", as4.NSMAP)
    signature.getparent().remove(signature)
    body = message.body.replace(soap, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    with pytest.raises(AS4SignatureError, match="expected one ds:Signature"):
        as4.open_message(body, message.content_type, pki.theirs, pki.trust_anchors)


def test_transport_failures_are_transport_errors(pki, invoice, receiver):
    receiver.fail(503, "drop")
    message = _message(pki, invoice)
    with pytest.raises(TransportError, match="503"):
        as4.send(message, receiver.endpoint, trust_anchors=pki.trust_anchors)
    with pytest.raises(TransportError, match="cannot be reached"):
        as4.send(message, receiver.endpoint, trust_anchors=pki.trust_anchors)
    assert as4.send(message, receiver.endpoint, trust_anchors=pki.trust_anchors).ref_to_message_id == message.message_id


# --- SBDH -------------------------------------------------------------------------------------


def test_sbdh_wraps_and_reads_the_routing(invoice):
    moment = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.timezone.utc)
    data = sbdh.wrap(invoice, SELLER, BUYER, BIS3_INVOICE.value, BIS3_INVOICE.process, "FR", "ID-1", now=moment)
    envelope = sbdh.parse(data)
    assert (envelope.sender.value, envelope.receiver.value) == (SELLER, BUYER)
    assert (envelope.document_type, envelope.process, envelope.country) == (
        BIS3_INVOICE.value, BIS3_INVOICE.process, "FR",
    )  # fmt: skip
    assert (envelope.instance_id, envelope.created, envelope.type) == ("ID-1", "2026-03-01T10:00:00+00:00", "Invoice")
    assert envelope.standard == NS["ubl"]
    assert _amounts(envelope.document) == _amounts(invoice)

    root = etree.fromstring(data)
    scope = root.find(f".//{{{sbdh.NS_SBDH}}}Scope")
    scope.getparent().remove(scope)
    with pytest.raises(ParseError, match="DOCUMENTID is missing"):
        sbdh.parse(etree.tostring(root))
    with pytest.raises(ParseError, match="COUNTRY_C1"):
        sbdh.wrap(invoice, SELLER, BUYER, BIS3_INVOICE.value, BIS3_INVOICE.process, "France")


# --- another implementation: the ``as4`` package, when it is importable -----------------------


def test_interoperates_with_the_as4_package(pki, invoice):
    """Both ways with an independent AS4 stack (it pins cryptography < 47, so it is no
    dependency: the test runs where it is importable)."""
    peer = pytest.importorskip("as4.peppol")
    from as4 import AS4LocalPrivateKey

    theirs = peer.create_peppol_internal_party("POP000002", pki.theirs.certificate, AS4LocalPrivateKey(pki.theirs.key))
    ours_for_them = peer.create_peppol_external_party("POP000001", pki.ours.certificate)
    policy = peer.peppol_security_policy(pki.ca)

    # ours -> theirs: they verify and decrypt, their receipt verifies here
    message = _message(pki, invoice)
    exchange = peer.parse_peppol_message(message.headers, message.body, theirs, security_policy=policy)
    assert exchange.successful, exchange.error
    headers, signal = exchange.build_signal()
    receipt = as4.read_answer(signal, headers.get("Content-Type"), message, pki.trust_anchors)
    assert receipt.ref_to_message_id == message.message_id

    # theirs -> ours: we verify and decrypt, our receipt verifies there
    sent = peer.build_peppol_message(
        invoice,
        local_party=theirs,
        remote_party=ours_for_them,
        sender=BUYER,
        recipient=SELLER,
        document_type_identifier_scheme="busdox-docid-qns",
        document_type_identifier_value=BIS3_INVOICE.value,
        process_identifier=BIS3_INVOICE.process,
        sender_country_id="BE",
    )
    body, boundary = sent.get_request_data()
    received = as4.open_message(body, sent.get_http_headers(boundary)["Content-Type"], pki.ours, pki.trust_anchors)
    assert (received.original_sender.value, received.from_party) == (BUYER, "POP000002")
    assert _amounts(received.document) == _amounts(invoice)
    their_view = peer.parse_peppol_receipt(as4.build_receipt(received, pki.ours), pki.ours.certificate)
    their_view.verify_non_repudiation(sent.signed_references)


def test_not_serviced_error_detail_is_exact():
    error = AS4RecipientError(f"{as4.NOT_SERVICED}: 0208:0403019261 is not served here", "EBMS:0004")
    signal = etree.fromstring(as4.build_error("m-1@example", error))
    found = signal.find(".//eb:Error", as4.NSMAP)
    assert (found.get("errorCode"), found.get("refToMessageInError")) == ("EBMS:0004", "m-1@example")
    assert found.findtext("eb:ErrorDetail", namespaces=as4.NSMAP) == as4.NOT_SERVICED
    assert "is not served here" in found.findtext("eb:Description", namespaces=as4.NSMAP)
    assert signal.find(".//wsse:Security", as4.NSMAP) is None  # unsigned without a signer
