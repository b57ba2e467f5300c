"""A time-stamping authority (RFC 3161 over HTTP) on 127.0.0.1, and the test PKI behind it.

:class:`TestPki` makes, with ``cryptography``, a test root CA, a TSA certificate with the
critical timeStamping extended key usage, and a company seal certificate (all issued by
the root), and writes them as PEM for ``openssl``. :class:`TsaSimulator` answers
``POST /`` (``application/timestamp-query``) with real TimeStampResp messages signed by the
TSA certificate. Failures, one per coming request (``fail()``), beside those of
:mod:`einvoice.testing.server` (an HTTP status, ``"drop"``, ``"slow"``):
``"garbage"`` (a body that is not DER), ``"rejection"`` (status rejection, failInfo
badAlg), ``"wrong_nonce"``, ``"wrong_imprint"``, ``"untrusted"`` (a token signed by a TSA
outside the test PKI), ``"wrong_type"`` (a token answered as ``application/json``) and
``"huge"`` (an answer of several megabytes).
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..archive import cms as cmsutil
from ..archive import timestamp as tsp
from .server import SimulatedService, SimulatorHandler

#: The policy of the simulator's tokens (UUID arc 2.25, a test value).
TEST_POLICY_OID = "2.25.329800735698586629295641978511506172918"

_ONE_DAY = datetime.timedelta(days=1)


def pki_name(common_name, organisation="einvoice test PKI"):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key(kind):
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _usage(**kwargs):
    values = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    values.update(kwargs)
    return x509.KeyUsage(**values)


def issue_certificate(subject, key, issuer_name, issuer_key, not_before, not_after, ca=False, timestamping=False):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
    else:
        builder = builder.add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if timestamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


class TestPki:
    """A root CA, a TSA identity and a company seal identity (valid from a day ago, for years)."""

    __test__ = False  # not a pytest test class

    def __init__(self, company="Atelier Dupont SARL", key_kind="rsa", now=None):
        now = now or cmsutil.utcnow()
        start, end = now - _ONE_DAY, now + datetime.timedelta(days=3650)
        self.ca_key = _key(key_kind)
        ca_name = pki_name("einvoice test root CA")
        self.ca_certificate = issue_certificate(ca_name, self.ca_key, ca_name, self.ca_key, start, end, ca=True)
        tsa_key = _key(key_kind)
        tsa_certificate = issue_certificate(
            pki_name("einvoice test TSA"), tsa_key, ca_name, self.ca_key, start, end, timestamping=True
        )
        self.tsa = cmsutil.SignerIdentity(tsa_key, tsa_certificate)
        seal_key = _key(key_kind)
        seal_certificate = issue_certificate(
            pki_name(f"{company} seal", company), seal_key, ca_name, self.ca_key, start, end
        )
        self.company = cmsutil.SignerIdentity(seal_key, seal_certificate)

    def trust(self):
        return cmsutil.TrustStore([self.ca_certificate], [], [self.company.certificate])

    def write(self, folder):
        """Write ca.pem, tsa.pem and company.pem into ``folder``; returns the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, certificate in (
            ("ca.pem", self.ca_certificate),
            ("tsa.pem", self.tsa.certificate),
            ("company.pem", self.company.certificate),
        ):
            (folder / name).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return folder


class TsaSimulator(SimulatedService):
    """An RFC 3161 TSA on 127.0.0.1 (see the module's docstring)."""

    def __init__(self, pki=None, clock=None, **kwargs):
        super().__init__(**kwargs)
        self.pki = pki or TestPki()
        self.clock = clock or cmsutil.utcnow
        self._serials = itertools.count(1)
        self.issued = []  # (serial, digest) of every token given
        self._stranger = None

    def stranger(self):
        """A TSA identity that no test trust store knows (its own root)."""
        if self._stranger is None:
            self._stranger = TestPki(company="Stranger").tsa
        return self._stranger

    def answer(self, body, failure=None):
        """``(content type, body)`` for one DER TimeStampReq."""
        try:
            algorithm, digest, nonce, cert_req, _policy = tsp.read_request(body)
        except tsp.TimestampError:
            return "application/timestamp-reply", tsp.refused_response(text="bad request", failure="bad_data_format")
        if algorithm != "sha256" or failure == "rejection":
            return "application/timestamp-reply", tsp.refused_response(text="unsupported algorithm")
        if failure == "wrong_nonce" and nonce is not None:
            nonce += 1
        if failure == "wrong_imprint":
            digest = bytes(32)
        identity = self.stranger() if failure == "untrusted" else self.pki.tsa
        serial = next(self._serials)
        now = self.clock().replace(microsecond=0)
        token = tsp.issue_token(
            identity, digest, TEST_POLICY_OID, now, serial, nonce=nonce, include_certificates=cert_req
        )
        self.issued.append((serial, digest))
        content_type = "application/json" if failure == "wrong_type" else "application/timestamp-reply"
        return content_type, tsp.granted_response(token)


_OWN_FAILURES = {"garbage", "rejection", "wrong_nonce", "wrong_imprint", "untrusted", "wrong_type", "huge"}


class _Handler(SimulatorHandler):
    def do_POST(self):
        self.simulator.requests.append(("POST", self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20))
        failure = self.simulator._next_failure()
        if failure is not None and failure not in _OWN_FAILURES:
            # The generic failures of server.py: put it back and let the base class answer it.
            with self.simulator._lock:
                self.simulator._failures.insert(0, failure)
            if self._fail(lambda status: {"error": status}):
                return
            failure = None
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query":
            self._send(415, {"error": "application/timestamp-query expected"})
            return
        if failure == "garbage":
            self._send(200, raw=b"this is no DER", content_type="application/timestamp-reply")
            return
        if failure == "huge":
            self._send(200, raw=b"\x30\x84" + b"\x00" * (4 << 20), content_type="application/timestamp-reply")
            return
        content_type, answer = self.simulator.answer(body, failure)
        self._send(200, raw=answer, content_type=content_type)


TsaSimulator.handler_class = _Handler
