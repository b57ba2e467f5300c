"""SML + SMP lookups against the simulators on 127.0.0.1, with signed service metadata.

The signatures the simulated SMP makes (signxml) are also checked by xmlsec1, and a
signature made by xmlsec1 is checked by the engine: two implementations agreeing.
"""

import datetime
import shutil
import subprocess

import pytest
import requests
from lxml import etree

from einvoice.errors import CapabilityError, ParticipantNotFound, SignatureError, TransportError
from einvoice.peppol import sml
from einvoice.peppol.identifiers import ParticipantId
from einvoice.peppol.smp import (
    AS4,
    BIS3_CREDIT_NOTE,
    BIS3_INVOICE,
    INVOICE_RESPONSE,
    NS_DS,
    NS_SMP,
    SmpClient,
    service_metadata_path,
    verify_signed_xml,
)
from einvoice.platform.http import ResponseTooLarge
from einvoice.testing.smp import SmlStub, SmpSimulator, TestPki, make_certificate, pem
from einvoice.xmlsafe import parse_xml

BELGIAN = "0208:0403019261"
AP_URL = "https://ap.example.test/as4"


@pytest.fixture(scope="module")
def pki():
    return TestPki()


def _client(pki, dns, **options):
    return SmpClient(pki.trust_anchors, resolver=dns, **options)


def test_found_with_capabilities(pki):
    with SmpSimulator(pki) as smp:
        dns = SmlStub()
        dns.register(BELGIAN, smp.url)
        smp.register(BELGIAN, BIS3_INVOICE, AP_URL)
        smp.register(BELGIAN, BIS3_CREDIT_NOTE, AP_URL)
        client = _client(pki, dns)
        found = {c.document: c for c in client.capabilities(BELGIAN)}
        assert found[BIS3_INVOICE].supported and found[BIS3_CREDIT_NOTE].supported
        endpoint = found[BIS3_INVOICE].endpoint
        assert endpoint.address == AP_URL
        assert endpoint.transport_profile == AS4 == "peppol-transport-as4-v2_0"
        assert endpoint.certificate == pki.ap
        assert not found[INVOICE_RESPONSE].supported
        assert found[INVOICE_RESPONSE].reason == f"{BELGIAN} does not receive the PEPPOL Invoice Response 3"
        assert client.require(BELGIAN, BIS3_CREDIT_NOTE).address == AP_URL
        # DNS was asked for the hashed NAPTR name; the SMP for the percent-encoded identifiers.
        assert dns.queries[0] == (sml.naptr_name(BELGIAN), "NAPTR")
        assert smp.requests[0] == ("GET", "/iso6523-actorid-upis%3A%3A0208%3A0403019261")
        assert any("/services/busdox-docid-qns%3A%3Aurn%3Aoasis" in path for _, path in smp.requests)


def test_case_of_the_identifier_does_not_matter(pki):
    with SmpSimulator(pki) as smp:
        dns = SmlStub()
        dns.register("9925:BE0403019261", smp.url)
        smp.register("9925:BE0403019261", BIS3_INVOICE, AP_URL)
        assert _client(pki, dns).require("9925:be0403019261").address == AP_URL


def test_not_in_sml(pki):
    client = _client(pki, SmlStub())
    with pytest.raises(ParticipantNotFound) as caught:
        client.capabilities(BELGIAN)
    assert "is not registered in the PEPPOL network" in str(caught.value)


def test_in_sml_but_unknown_to_the_smp(pki):
    with SmpSimulator(pki) as smp:
        dns = SmlStub()
        dns.register(BELGIAN, smp.url)
        with pytest.raises(ParticipantNotFound) as caught:
            _client(pki, dns).capabilities(BELGIAN)
        assert caught.value.status == 404
        assert f"the SMP does not know {BELGIAN}" in str(caught.value)


def test_other_process_or_expired_endpoint_is_no_capability(pki):
    with SmpSimulator(pki) as smp:
        dns = SmlStub()
        dns.register(BELGIAN, smp.url)
        smp.register(BELGIAN, BIS3_INVOICE, AP_URL, process="urn:example:other-process")
        yesterday = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
        smp.register(BELGIAN, BIS3_CREDIT_NOTE, AP_URL, expiration=yesterday)
        client = _client(pki, dns)
        with pytest.raises(CapabilityError) as caught:
            client.require(BELGIAN, BIS3_INVOICE)
        assert "receives the PEPPOL BIS Billing 3.0 invoice in another process" in str(caught.value)
        with pytest.raises(CapabilityError) as caught:
            client.require(BELGIAN, BIS3_CREDIT_NOTE)
        assert "has no active peppol-transport-as4-v2_0 endpoint" in str(caught.value)


@pytest.mark.parametrize(
    ("pki_options", "smp_options", "message"),
    [
        ({}, {"tamper": True}, "does not verify"),
        ({}, {"unsigned": True}, "is not signed"),
        ({"expired": True}, {}, "expired on"),
        ({"untrusted": True}, {}, "was not issued by a trusted authority"),
    ],
)
def test_bad_signatures_are_refused(pki_options, smp_options, message):
    bad = TestPki(**pki_options)
    unsigned = smp_options.pop("unsigned", False)
    with SmpSimulator(bad, **smp_options) as smp:
        smp.unsigned = unsigned
        dns = SmlStub()
        dns.register(BELGIAN, smp.url)
        smp.register(BELGIAN, BIS3_INVOICE, AP_URL)
        client = SmpClient([bad.ca], resolver=dns)
        with pytest.raises(SignatureError) as caught:
            client.require(BELGIAN)
        assert message in str(caught.value)


def test_certificate_judged_at_the_callers_clock(pki):
    with SmpSimulator(pki) as smp:
        smp.register(BELGIAN, BIS3_INVOICE, AP_URL)
        in_two_years = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=730)
        client = SmpClient(pki.trust_anchors, smp_url=smp.url, clock=lambda: in_two_years)
        with pytest.raises(SignatureError) as caught:
            client.require(BELGIAN)
        assert "Test SMP" in str(caught.value) and "expired on" in str(caught.value)


def test_size_and_time_limits(pki):
    with SmpSimulator(pki, slow_seconds=1) as smp:
        smp.register(BELGIAN, BIS3_INVOICE, AP_URL)
        with pytest.raises(ResponseTooLarge):
            SmpClient(pki.trust_anchors, smp_url=smp.url, max_bytes=200).require(BELGIAN)
        smp.fail("slow")
        with pytest.raises(TransportError) as caught:
            SmpClient(pki.trust_anchors, smp_url=smp.url, timeout=0.2).require(BELGIAN)
        assert "the SMP cannot be reached" in str(caught.value)
        smp.fail(503)
        with pytest.raises(TransportError) as caught:
            SmpClient(pki.trust_anchors, smp_url=smp.url).require(BELGIAN)
        assert caught.value.status == 503


def test_a_dtd_in_the_answer_is_refused(pki):
    root = parse_xml(b"<a/>")
    with pytest.raises(SignatureError):
        verify_signed_xml(root, pki.trust_anchors, datetime.datetime.now(datetime.timezone.utc))
    from einvoice.errors import UnsafeInputError

    with pytest.raises(UnsafeInputError):
        parse_xml(b'<!DOCTYPE x [<!ENTITY e "x">]><smp:SignedServiceMetadata xmlns:smp="%s"/>' % NS_SMP.encode())


# --- xmlsec1, the independent judge ------------------------------------------------------


@pytest.fixture(scope="module")
def xmlsec1():
    command = shutil.which("xmlsec1")
    if command is None:
        pytest.skip("!!! XMLSEC1 IS MISSING (Debian package xmlsec1): SMP SIGNATURES NOT CHECKED INDEPENDENTLY !!!")
    return command


def _signed_metadata(smp, participant=BELGIAN, document=BIS3_INVOICE):
    url = smp.url + service_metadata_path(ParticipantId.parse(participant), document)
    return requests.get(url, timeout=5).content


def test_xmlsec1_verifies_the_simulators_signature(pki, xmlsec1, tmp_path):
    (tmp_path / "ca.pem").write_bytes(pem(pki.ca))
    with SmpSimulator(pki) as smp, SmpSimulator(pki, tamper=True) as tampered:
        smp.register(BELGIAN, BIS3_INVOICE, AP_URL)
        tampered.register(BELGIAN, BIS3_INVOICE, AP_URL)
        (tmp_path / "good.xml").write_bytes(_signed_metadata(smp))
        (tmp_path / "bad.xml").write_bytes(_signed_metadata(tampered))
    good = subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", tmp_path / "ca.pem", tmp_path / "good.xml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert "OK" in good.stdout + good.stderr
    bad = subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", tmp_path / "ca.pem", tmp_path / "bad.xml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0


def _template(pki):
    """Service metadata with an empty enveloped signature for xmlsec1 to fill."""
    with SmpSimulator(pki) as smp:
        smp.unsigned = True
        smp.register(BELGIAN, BIS3_INVOICE, AP_URL)
        root = parse_xml(_signed_metadata(smp))
    ds = f"{{{NS_DS}}}"
    signature = etree.SubElement(root, ds + "Signature", nsmap={"ds": NS_DS})
    info = etree.SubElement(signature, ds + "SignedInfo")
    etree.SubElement(info, ds + "CanonicalizationMethod", Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    etree.SubElement(info, ds + "SignatureMethod", Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    reference = etree.SubElement(info, ds + "Reference", URI="")
    transforms = etree.SubElement(reference, ds + "Transforms")
    etree.SubElement(transforms, ds + "Transform", Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature")
    etree.SubElement(transforms, ds + "Transform", Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    etree.SubElement(reference, ds + "DigestMethod", Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    etree.SubElement(reference, ds + "DigestValue")
    etree.SubElement(signature, ds + "SignatureValue")
    # An empty X509Data: xmlsec1 puts the signing certificate in it.
    etree.SubElement(etree.SubElement(signature, ds + "KeyInfo"), ds + "X509Data")
    return etree.tostring(root)


def test_engine_verifies_a_signature_made_by_xmlsec1(pki, xmlsec1, tmp_path):
    from cryptography.hazmat.primitives import serialization

    key = pki.smp_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "cert.pem").write_bytes(pem(pki.smp))
    (tmp_path / "template.xml").write_bytes(_template(pki))
    done = subprocess.run(
        [
            xmlsec1,
            "--sign",
            "--privkey-pem",
            f"{tmp_path / 'key.pem'},{tmp_path / 'cert.pem'}",
            "--output",
            tmp_path / "signed.xml",
            tmp_path / "template.xml",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    root = parse_xml((tmp_path / "signed.xml").read_bytes())
    signed, signer = verify_signed_xml(root, pki.trust_anchors, datetime.datetime.now(datetime.timezone.utc))
    assert signer == pki.smp
    assert signed.find(f".//{{{NS_SMP}}}ServiceInformation") is not None
    # The same document signed by a key the trust anchors do not know is refused.
    stranger, stranger_key = make_certificate("Stranger SMP")
    with pytest.raises(SignatureError):
        verify_signed_xml(root, [stranger], datetime.datetime.now(datetime.timezone.utc))
    del stranger_key
