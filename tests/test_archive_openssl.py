"""Our timestamp tokens, seals and chains checked by an implementation we did not write
(``openssl ts -verify``, ``openssl cms -verify``), and the RFC 3161 client against the TSA
simulator: real answers, and each failure mode turned into a clear error."""

import hashlib
import shutil
import subprocess
import time

import pytest
import requests
from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives import serialization

from einvoice.archive import (
    ArchiveChain,
    FallbackTimeStamper,
    HttpTimeStampAuthority,
    InternalTimeStampAuthority,
    check_token,
    seal_statement,
    verify_chain,
)
from einvoice.archive.timestamp import timestamp_request
from einvoice.errors import TimestampError
from einvoice.testing.tsa import TEST_POLICY_OID, TestPki, TsaSimulator

DIGEST = hashlib.sha256(b"the chain head").digest()


@pytest.fixture(scope="module")
def openssl():
    command = shutil.which("openssl")
    if command is None:
        pytest.skip("!!! OPENSSL IS MISSING: TOKENS AND SEALS WERE NOT CHECKED BY AN INDEPENDENT IMPLEMENTATION !!!")
    return command


@pytest.fixture(scope="module")
def pki():
    return TestPki()


@pytest.fixture(scope="module")
def pem(pki, tmp_path_factory):
    return pki.write(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tsa(pki):
    with TsaSimulator(pki, slow_seconds=2) as simulator:
        yield simulator


def _run(*args, ok=True):
    result = subprocess.run(list(args), check=False, capture_output=True, text=True, timeout=60)
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_tsa_token_verifies_with_openssl(openssl, pki, pem, tsa, tmp_path):
    token = HttpTimeStampAuthority(tsa.url, pki.trust()).timestamp(DIGEST)
    assert token.policy == TEST_POLICY_OID
    assert not token.internal
    assert token.tsa_name == "CN=einvoice test TSA,O=einvoice test PKI,C=FR"
    (tmp_path / "token.der").write_bytes(token.der)
    result = _run(
        openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
        "-digest", DIGEST.hex(), "-CAfile", str(pem / "ca.pem"),
    )  # fmt: skip
    assert "Verification: OK" in result.stdout
    # The same token does not stamp other data.
    result = _run(
        openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
        "-digest", "00" * 32, "-CAfile", str(pem / "ca.pem"), ok=False,
    )  # fmt: skip
    assert result.returncode != 0


def test_an_openssl_query_is_answered_and_the_reply_verifies(openssl, pem, tsa, tmp_path):
    """openssl writes the request (with its nonce), the simulator answers, openssl checks the
    answer against the request: both sides of RFC 3161 interoperate."""
    (tmp_path / "file.xml").write_bytes(b"<Invoice/>")
    _run(
        openssl,
        "ts",
        "-query",
        "-data",
        str(tmp_path / "file.xml"),
        "-sha256",
        "-cert",
        "-out",
        str(tmp_path / "q.tsq"),
    )
    answer = requests.post(
        tsa.url,
        data=(tmp_path / "q.tsq").read_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        timeout=10,
    )
    assert answer.headers["Content-Type"] == "application/timestamp-reply"
    (tmp_path / "r.tsr").write_bytes(answer.content)
    result = _run(
        openssl, "ts", "-verify", "-in", str(tmp_path / "r.tsr"), "-queryfile", str(tmp_path / "q.tsq"),
        "-CAfile", str(pem / "ca.pem"),
    )  # fmt: skip
    assert "Verification: OK" in result.stdout
    text = _run(openssl, "ts", "-reply", "-in", str(tmp_path / "r.tsr"), "-text").stdout
    assert "Status: Granted." in text
    assert f"Policy OID: {TEST_POLICY_OID}" in text


def test_an_internal_token_verifies_with_openssl_and_says_so(openssl, pki, pem, tmp_path):
    authority = InternalTimeStampAuthority(pki.company)
    token = authority.timestamp(DIGEST)
    (tmp_path / "internal.der").write_bytes(token.der)
    (tmp_path / "internal.pem").write_bytes(authority.certificate.public_bytes(serialization.Encoding.PEM))
    result = _run(
        openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "internal.der"), "-digest", DIGEST.hex(),
        "-CAfile", str(tmp_path / "internal.pem"),
    )  # fmt: skip
    assert "Verification: OK" in result.stdout
    text = _run(openssl, "ts", "-reply", "-token_in", "-in", str(tmp_path / "internal.der"), "-text").stdout
    assert "Policy OID: 2.25.216585049207151542358410776420549843546" in text
    assert "internal time source" in text
    # The auditor's link from the internal certificate to the company's certified key.
    internal_key = _run(openssl, "x509", "-in", str(tmp_path / "internal.pem"), "-noout", "-pubkey").stdout
    company_key = _run(openssl, "x509", "-in", str(pem / "company.pem"), "-noout", "-pubkey").stdout
    assert internal_key == company_key
    # A company certificate verifies against the root.
    _run(openssl, "verify", "-CAfile", str(pem / "ca.pem"), str(pem / "company.pem"))


def test_record_seals_tokens_and_the_daily_seal_verify_with_openssl(openssl, pki, pem, tsa, tmp_path):
    stamper = FallbackTimeStamper([HttpTimeStampAuthority(tsa.url, pki.trust())])
    chain = ArchiveChain("FR-123456789", sealer=pki.company, timestamper=stamper)
    files = [b"%PDF-1.7 facture 1", b"<CrossIndustryInvoice/>"]
    records = [chain.append(data, "invoice_sent", f"F-{n}") for n, data in enumerate(files)]
    seal = chain.seal_head("2026-12-02")
    assert verify_chain([*zip(records, files, strict=True), (seal, None)], trust=pki.trust()).ok
    for record, data in zip(records, files, strict=True):
        (tmp_path / "file").write_bytes(data)
        (tmp_path / "seal.p7s").write_bytes(record.seal)
        (tmp_path / "record.txt").write_bytes(record.canonical())
        (tmp_path / "token.der").write_bytes(record.token)
        _run(
            openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "seal.p7s"),
            "-content", str(tmp_path / "file"), "-CAfile", str(pem / "ca.pem"), "-out", "/dev/null",
        )  # fmt: skip
        _run(
            openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
            "-data", str(tmp_path / "record.txt"), "-CAfile", str(pem / "ca.pem"),
        )  # fmt: skip
        # One byte flipped in the file: openssl refuses the seal too.
        (tmp_path / "file").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        result = _run(
            openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "seal.p7s"),
            "-content", str(tmp_path / "file"), "-CAfile", str(pem / "ca.pem"), "-out", "/dev/null", ok=False,
        )  # fmt: skip
        assert result.returncode != 0
    # The daily seal: a CAdES signature over the documented statement.
    (tmp_path / "statement.txt").write_bytes(seal_statement("FR-123456789", "2026-12-02", 2, records[-1].chain_hash))
    (tmp_path / "daily.p7s").write_bytes(seal.seal)
    _run(
        openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "daily.p7s"),
        "-content", str(tmp_path / "statement.txt"), "-CAfile", str(pem / "ca.pem"), "-out", "/dev/null",
    )  # fmt: skip
    printed = _run(openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", str(tmp_path / "daily.p7s")).stdout
    for attribute in ("signingTime", "id-smime-aa-signingCertificateV2", "id-smime-aa-timeStampToken"):
        assert attribute in printed
    # Its CAdES-T token stamps the signature value.
    signer = asn1_cms.ContentInfo.load(seal.seal)["content"]["signer_infos"][0]
    (tmp_path / "sigtst.der").write_bytes(signer["unsigned_attrs"][0]["values"][0].dump())
    _run(
        openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "sigtst.der"),
        "-digest", hashlib.sha256(signer["signature"].native).hexdigest(), "-CAfile", str(pem / "ca.pem"),
    )  # fmt: skip


def test_a_tampered_token_fails_with_openssl_and_with_us(openssl, pki, pem, tmp_path):
    token = InternalTimeStampAuthority(pki.company).timestamp(DIGEST).der
    tampered = token[:-5] + bytes([token[-5] ^ 0x40]) + token[-4:]  # inside the signature value
    (tmp_path / "t.der").write_bytes(tampered)
    result = _run(openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "t.der"), "-digest", DIGEST.hex(),
                  "-CAfile", str(pem / "ca.pem"), ok=False)  # fmt: skip
    assert result.returncode != 0
    with pytest.raises(TimestampError, match="signature does not verify"):
        check_token(tampered, DIGEST, pki.trust())


# --- the client against the simulator's failure modes ------------------------------------------


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("garbage", "not a DER TimeStampResp"),
        ("rejection", "refused the request: status rejection \\(bad_alg\\)"),
        ("wrong_nonce", "answers another request \\(nonce differs\\)"),
        ("wrong_imprint", "stamps other data \\(message imprint differs\\)"),
        ("untrusted", "is not signed by its issuer"),
        ("wrong_type", "answered application/json, not application/timestamp-reply"),
        ("huge", "larger than 262144 bytes"),
    ],
)
def test_tsa_failures_are_clear_errors(pki, tsa, failure, message):
    client = HttpTimeStampAuthority(tsa.url, pki.trust(), max_attempts=1)
    tsa.fail(failure)
    with pytest.raises(TimestampError, match=message):
        client.timestamp(DIGEST)
    # The next request is answered normally.
    assert client.timestamp(DIGEST).gen_time


def test_tsa_http_errors_are_retried_then_reported(pki, tsa):
    client = HttpTimeStampAuthority(tsa.url, pki.trust(), max_attempts=2)
    tsa.fail(503)
    assert client.timestamp(DIGEST)  # one 503, then the answer
    tsa.fail(503, 503)
    with pytest.raises(TimestampError, match=r"could not be used: POST /: HTTP 503"):
        client.timestamp(DIGEST)


def test_a_slow_tsa_is_cut_at_the_deadline_and_the_internal_one_takes_over(pki, tsa):
    client = HttpTimeStampAuthority(tsa.url, pki.trust(), timeout=0.5, deadline=1, max_attempts=1)
    stamper = FallbackTimeStamper([client, InternalTimeStampAuthority(pki.company)])
    tsa.fail("slow")
    started = time.monotonic()
    token = stamper.timestamp(DIGEST)
    assert time.monotonic() - started < 2
    assert token.internal
    assert stamper.failures[0][0] == tsa.url
    assert "could not be used" in stamper.failures[0][1]


def test_an_unreachable_tsa_rests_while_the_internal_one_stamps(pki, tsa):
    """A TSA that is down costs its timeout once, not on every document of a batch."""
    client = HttpTimeStampAuthority(tsa.url + "/rest", pki.trust(), timeout=0.5, deadline=1, max_attempts=1)
    stamper = FallbackTimeStamper([client, InternalTimeStampAuthority(pki.company)], rest_seconds=60)
    tsa.fail(503, 503)
    first = len(tsa.requests)
    assert stamper.timestamp(DIGEST).internal
    assert len(tsa.requests) == first + 1
    for _ in range(5):
        assert stamper.timestamp(DIGEST).internal
    assert len(tsa.requests) == first + 1, "not asked again while it rests"
    assert "not asked: it could not be reached less than 60 s ago" in stamper.failures[0][1]
    # Alone (nothing to fall back on), it is always asked; and once it answers, it is used again.
    tsa._clear_failures()
    assert not FallbackTimeStamper([client]).timestamp(DIGEST).internal
    assert not stamper.timestamp(DIGEST).internal
    # A refusal is an answer, not an absence: the authority is asked again at once.
    tsa.fail("rejection")
    assert stamper.timestamp(DIGEST).internal
    assert not stamper.timestamp(DIGEST).internal


def test_the_client_refuses_a_bad_url_and_a_bad_digest(pki):
    with pytest.raises(TimestampError, match="must be http:// or https://"):
        HttpTimeStampAuthority("ftp://tsa.example.test", pki.trust())
    with pytest.raises(TimestampError, match="SHA-256 digest"):
        timestamp_request(b"short")


def test_the_simulator_refuses_what_is_not_a_query(tsa):
    answer = requests.post(tsa.url, data=b"x", headers={"Content-Type": "text/plain"}, timeout=10)
    assert answer.status_code == 415
    answer = requests.post(tsa.url, data=b"x", headers={"Content-Type": "application/timestamp-query"}, timeout=10)
    assert answer.status_code == 200 and b"bad request" in answer.content


def test_a_tsa_under_an_intermediate_ca(openssl, pki, pem, tmp_path):
    """A real TSA's certificate is issued by an intermediate CA that its tokens carry."""
    import datetime

    from cryptography.hazmat.primitives.asymmetric import ec

    from einvoice.archive import SignerIdentity
    from einvoice.archive.timestamp import issue_token
    from einvoice.testing.tsa import issue_certificate, pki_name

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
    middle_key, tsa_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    middle = issue_certificate(
        pki_name("einvoice test TSA CA"), middle_key, pki.ca_certificate.subject, pki.ca_key, start, end, ca=True
    )
    tsa_certificate = issue_certificate(
        pki_name("einvoice test TSA 2"), tsa_key, middle.subject, middle_key, start, end, timestamping=True
    )
    identity = SignerIdentity(tsa_key, tsa_certificate, (middle,))
    token = issue_token(identity, DIGEST, TEST_POLICY_OID, now.replace(microsecond=0), 99)
    assert check_token(token, DIGEST, pki.trust()).tsa_name.startswith("CN=einvoice test TSA 2")
    (tmp_path / "t.der").write_bytes(token)
    result = _run(
        openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "t.der"), "-digest", DIGEST.hex(),
        "-CAfile", str(pem / "ca.pem"),
    )  # fmt: skip
    assert "Verification: OK" in result.stdout
    # Without the intermediate in the token, no path leads to the root.
    bare = issue_token(identity, DIGEST, TEST_POLICY_OID, now.replace(microsecond=0), 100, include_certificates=False)
    with pytest.raises(TimestampError, match="does not carry its signer's certificate"):
        check_token(bare, DIGEST, pki.trust())
