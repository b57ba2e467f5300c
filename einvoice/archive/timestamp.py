"""RFC 3161 time-stamp tokens: requests, an HTTP client for a time-stamping authority (TSA),
the internal authority, and the check of a token.

- :class:`HttpTimeStampAuthority` posts a ``TimeStampReq`` (SHA-256 imprint, a random nonce,
  ``certReq``) to the configured URL and checks the answer before it is kept: status granted,
  same imprint, same nonce, a valid signature by a certificate with the critical
  timeStamping extended key usage that leads to a trusted root. Bounds: the connection and
  each read time out, the whole call ends within ``deadline`` seconds, and an answer larger
  than ``max_answer_bytes`` is refused while it arrives.
- :class:`InternalTimeStampAuthority` is the fallback the arrêté of 22 March 2017 allows (an
  internal time source): it signs with the company's own key, through a certificate that this
  key issues to itself whose subject says "internal time source", and its tokens carry the
  policy :data:`INTERNAL_POLICY_OID`; a verifier accepts it only when its public key is the
  key of a company certificate it trusts, and reports such tokens as internal.
- :class:`FallbackTimeStamper` asks each authority in turn and keeps why the others failed.
"""

from __future__ import annotations

import datetime
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..errors import TimestampError, TransportError
from . import cms as cmsutil

#: The policy of the internal authority's tokens: an OID of the UUID arc 2.25 (ITU-T X.667,
#: no registration needed), so no reader takes them for a qualified TSA's.
INTERNAL_POLICY_OID = "2.25.216585049207151542358410776420549843546"
#: What the internal authority's certificate subject says it is.
INTERNAL_TSA_LABEL = "internal time source"
INTERNAL_TSA_UNIT = "company key, not a qualified time-stamping authority"
#: Bytes of a TSA answer read before it is refused (a token with its chain is a few KiB).
MAX_ANSWER_BYTES = 256 * 1024
#: A token may say it was made this long after the moment it stamps (a retried request).
MAX_TOKEN_DELAY = datetime.timedelta(days=1)

_GRANTED = {"granted", "granted_with_mods"}


class TimeStampResp(core.Sequence):
    """RFC 3161 §2.4.2; asn1crypto's own requires the token, which a refusal does not carry."""

    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass
class TimestampToken:
    """A checked token: its DER (a CMS ContentInfo), when it says the data existed, by whom."""

    der: bytes
    gen_time: datetime.datetime
    policy: str
    serial_number: int
    tsa_certificate: x509.Certificate
    internal: bool = False
    authority: str = ""

    @property
    def tsa_name(self):
        return self.tsa_certificate.subject.rfc4514_string()


def timestamp_request(digest, nonce=None, policy=None):
    """A DER ``TimeStampReq`` for a SHA-256 ``digest``."""
    if len(digest) != 32:
        raise TimestampError("A timestamp request needs a SHA-256 digest (32 bytes).")
    request = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
        "cert_req": True,
    }
    if nonce is not None:
        request["nonce"] = nonce
    if policy:
        request["req_policy"] = policy
    return tsp.TimeStampReq(request).dump()


def read_request(data):
    """``(digest, nonce, certReq, policy)`` of a DER TimeStampReq; TimestampError if unreadable."""
    try:
        request = tsp.TimeStampReq.load(bytes(data), strict=True)
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        return (
            algorithm,
            digest,
            request["nonce"].native,
            bool(request["cert_req"].native),
            request["req_policy"].native,
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"The timestamp request is not readable DER ({type(exc).__name__}).") from exc


def issue_token(identity, digest, policy, gen_time, serial_number, nonce=None, include_certificates=True):
    """A DER TimeStampToken (ContentInfo) signed by ``identity`` over a SHA-256 ``digest``."""
    tst_info = {
        "version": "v1",
        "policy": policy,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
        "serial_number": serial_number,
        "gen_time": gen_time,
        "accuracy": {"seconds": 1},
        # The TSA name must be the subject of the signing certificate (RFC 3161 §2.4.2).
        "tsa": asn1_x509.GeneralName({"directory_name": identity.asn1_certificate.subject}),
    }
    if nonce is not None:
        tst_info["nonce"] = nonce
    content = tsp.TSTInfo(tst_info).dump()
    der, _signature = cmsutil.signed_data_der(
        identity,
        "tst_info",
        cmsutil.sha256(content),
        content=content,
        signing_time=gen_time,
        with_certificates=include_certificates,
    )
    return der


def granted_response(token_der):
    """A DER TimeStampResp granting ``token_der``."""
    return TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": cms.ContentInfo.load(token_der)}).dump()


def refused_response(status="rejection", text="request refused", failure="bad_alg"):
    """A DER TimeStampResp refusing a request (no token)."""
    status_info = {"status": status, "status_string": [text], "fail_info": tsp.PKIFailureInfo({failure})}
    return TimeStampResp({"status": status_info}).dump()


def check_token(token_der, digest, trust, nonce=None, not_before=None, not_after=None):
    """Check a DER TimeStampToken stamps ``digest``; return a :class:`TimestampToken`.

    Checked: the CMS signature and its ESS certificate, the imprint, the nonce when one was
    sent, the TSA certificate (critical timeStamping usage, valid at the token's time, led to
    a trusted root; or the internal authority over a trusted company key) and, when given,
    that the token's time lies within ``[not_before, not_after]``. Raises TimestampError."""
    try:
        info = cmsutil.load_content_info(token_der, "timestamp token")
        checked = cmsutil.check_signed_data(info, None, "timestamp token", content_type="tst_info")
        tst = tsp.TSTInfo.load(checked.content, strict=True)
        imprint = tst["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            raise cmsutil.SignatureCheckError("the timestamp token's imprint is not SHA-256")
        if imprint["hashed_message"].native != digest:
            raise cmsutil.SignatureCheckError("the timestamp token stamps other data (message imprint differs)")
        if nonce is not None and tst["nonce"].native != nonce:
            raise cmsutil.SignatureCheckError("the timestamp token answers another request (nonce differs)")
        gen_time = tst["gen_time"].native
        policy = tst["policy"].native
        certificate = checked.signer
        if not cmsutil.has_critical_timestamping_eku(certificate):
            raise cmsutil.SignatureCheckError(
                f"the certificate {certificate.subject.rfc4514_string()} is not a time-stamping certificate "
                "(critical timeStamping extended key usage)"
            )
        internal = policy == INTERNAL_POLICY_OID
        if internal:
            company = trust.company_key_of(certificate)
            if company is None:
                raise cmsutil.SignatureCheckError("the internal authority's key is not a trusted company key")
            cmsutil.check_path(company, trust, gen_time)
            try:
                certificate.verify_directly_issued_by(certificate)
            except (ValueError, TypeError, InvalidSignature) as exc:
                raise cmsutil.SignatureCheckError("the internal authority's certificate is not self-issued") from exc
        else:
            cmsutil.check_path(certificate, trust, gen_time, others=checked.certificates)
        if not_before is not None and gen_time < not_before - cmsutil.CLOCK_SKEW:
            raise cmsutil.SignatureCheckError(
                f"the timestamp token's time {gen_time.isoformat()} is before {not_before.isoformat()}"
            )
        if not_after is not None and gen_time > not_after:
            raise cmsutil.SignatureCheckError(
                f"the timestamp token's time {gen_time.isoformat()} is after {not_after.isoformat()}"
            )
    except cmsutil.SignatureCheckError as exc:
        raise TimestampError(f"Invalid timestamp token: {exc}.") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"Invalid timestamp token: unreadable ({type(exc).__name__}).") from exc
    return TimestampToken(
        der=bytes(token_der),
        gen_time=gen_time,
        policy=policy,
        serial_number=tst["serial_number"].native,
        tsa_certificate=certificate,
        internal=internal,
    )


def read_response(data, digest, trust, nonce, now=None):
    """The checked token of a DER TimeStampResp, or TimestampError naming the refusal."""
    try:
        response = TimeStampResp.load(bytes(data), strict=True)
        status = response["status"]
        state = status["status"].native
        texts = status["status_string"].native or []
        failures = sorted(status["fail_info"].native or ()) if status["fail_info"].native else []
        token = response["time_stamp_token"]
        token_der = None if isinstance(token, core.Void) else token.dump()
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(
            f"The time-stamping authority's answer is not a DER TimeStampResp ({type(exc).__name__})."
        ) from exc
    if state not in _GRANTED:
        detail = "; ".join(str(text)[:200] for text in texts)
        raise TimestampError(
            f"The time-stamping authority refused the request: status {state}"
            + (f" ({', '.join(failures)})" if failures else "")
            + (f": {detail}" if detail else "")
        )
    if token_der is None:
        raise TimestampError("The time-stamping authority granted the request but sent no token.")
    now = now or cmsutil.utcnow()
    return check_token(
        token_der, digest, trust, nonce=nonce, not_before=now - MAX_TOKEN_DELAY, not_after=now + cmsutil.CLOCK_SKEW
    )


class _NoAuth:
    def header(self, session, timeout):
        return None

    def invalidate(self):
        pass


class HttpTimeStampAuthority:
    """An RFC 3161 TSA over HTTP (RFC 3161 §3.4: ``application/timestamp-query``)."""

    def __init__(
        self,
        url,
        trust,
        session=None,
        timeout=10,
        deadline=30,
        max_attempts=2,
        max_answer_bytes=MAX_ANSWER_BYTES,
        policy=None,
        auth=None,
        clock=None,
    ):
        from ..platform.http import ApiClient  # requests is only needed for a remote TSA

        if not url or not url.lower().startswith(("http://", "https://")):
            raise TimestampError(f"The time-stamping authority URL must be http:// or https://, not {url!r}.")
        self.url = url
        self.trust = trust
        self.policy = policy
        self.clock = clock or cmsutil.utcnow
        parts = urllib.parse.urlsplit(url)
        path = parts.path or "/"
        self._path = path + (f"?{parts.query}" if parts.query else "")
        self._client = ApiClient(
            f"{parts.scheme}://{parts.netloc}",
            auth or _NoAuth(),
            timeout=timeout,
            max_attempts=max_attempts,
            backoff=0.2,
            max_backoff=2,
            session=session,
            deadline=deadline,
            max_answer_bytes=max_answer_bytes,
        )

    @property
    def name(self):
        return self.url

    def timestamp(self, digest):
        nonce = secrets.randbits(63)
        body = timestamp_request(digest, nonce=nonce, policy=self.policy)
        try:
            response = self._client.request(
                "POST", self._path, data=body, headers={"Content-Type": "application/timestamp-query"}
            )
        except TransportError as exc:
            raise TimestampError(f"The time-stamping authority {self.url} could not be used: {exc}") from exc
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/timestamp-reply":
            raise TimestampError(
                f"The time-stamping authority {self.url} answered {content_type or 'no content type'}, "
                "not application/timestamp-reply."
            )
        token = read_response(response.content, digest, self.trust, nonce, now=self.clock())
        token.authority = self.url
        return token


class InternalTimeStampAuthority:
    """Tokens signed with the company's own key (see the module's docstring)."""

    def __init__(self, identity, clock=None):
        self.company = identity
        self.clock = clock or cmsutil.utcnow
        self.identity = cmsutil.SignerIdentity(identity.private_key, self._self_issued_certificate(identity))

    name = "internal"

    @staticmethod
    def _self_issued_certificate(identity):
        company = identity.certificate
        organisations = company.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        common_names = company.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        owner = (organisations or common_names)[0].value if (organisations or common_names) else "company"
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, owner[:64]),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, INTERNAL_TSA_UNIT),
                x509.NameAttribute(
                    NameOID.COMMON_NAME, f"{owner[: 63 - len(INTERNAL_TSA_LABEL)]} {INTERNAL_TSA_LABEL}"
                ),
            ]
        )
        # Deterministic: the same company certificate always gives the same internal certificate.
        serial = int.from_bytes(cmsutil.sha256(company.public_bytes(serialization.Encoding.DER))[:16], "big") >> 1
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(identity.private_key.public_key())
            .serial_number(serial)
            .not_valid_before(company.not_valid_before_utc)
            .not_valid_after(company.not_valid_after_utc)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        )
        return builder.sign(identity.private_key, hashes.SHA256())

    @property
    def certificate(self):
        return self.identity.certificate

    def timestamp(self, digest, nonce=None):
        now = self.clock().replace(microsecond=0)
        serial = secrets.randbits(127)
        der = issue_token(self.identity, digest, INTERNAL_POLICY_OID, now, serial, nonce=nonce)
        return TimestampToken(
            der=der,
            gen_time=now,
            policy=INTERNAL_POLICY_OID,
            serial_number=serial,
            tsa_certificate=self.identity.certificate,
            internal=True,
            authority=self.name,
        )


#: Authorities that could not be reached, left alone until then (``time.monotonic()``), by name:
#: a TSA that is down would otherwise cost its whole timeout on every document of a batch
#: before the next authority stamps it. Per process, as the connections are.
_RESTING = {}
_RESTING_LOCK = threading.Lock()


@dataclass
class FallbackTimeStamper:
    """Ask each authority in turn (the configured TSA first, the internal one last). One that
    could not be reached is not asked again for ``rest_seconds`` while a later one can stamp."""

    authorities: list
    failures: list = field(default_factory=list)  # (authority name, message) of the last call
    rest_seconds: float = 300.0

    def timestamp(self, digest):
        self.failures = []
        last = len(self.authorities) - 1
        for index, authority in enumerate(self.authorities):
            name = authority.name
            if index < last:
                with _RESTING_LOCK:
                    until = _RESTING.get(name)
                if until is not None and time.monotonic() < until:
                    self.failures.append(
                        (name, f"not asked: it could not be reached less than {self.rest_seconds:.0f} s ago")
                    )
                    continue
            try:
                token = authority.timestamp(digest)
            except TimestampError as exc:
                self.failures.append((name, str(exc)))
                if index < last and isinstance(exc.__cause__, TransportError) and self.rest_seconds > 0:
                    with _RESTING_LOCK:
                        _RESTING[name] = time.monotonic() + self.rest_seconds
                continue
            with _RESTING_LOCK:
                _RESTING.pop(name, None)
            return token
        raise TimestampError(
            "No time-stamping authority gave a token: " + "; ".join(f"{name}: {text}" for name, text in self.failures)
        )


__all__ = [
    "INTERNAL_POLICY_OID",
    "FallbackTimeStamper",
    "HttpTimeStampAuthority",
    "InternalTimeStampAuthority",
    "TimestampToken",
    "check_token",
    "issue_token",
    "read_response",
    "timestamp_request",
]
