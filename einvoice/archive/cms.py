"""CMS SignedData (RFC 5652) made and checked over exact bytes: keys, signer identities, and
the certificate checks that the seals and the timestamp tokens share.

A signature carries the CAdES-BES signed attributes (ETSI EN 319 122-1): content-type,
signing-time, message-digest and ESS signing-certificate-v2 (RFC 5035: the SHA-256 of the
signer's certificate, so the certificate cannot be swapped for another one over the same key).
SET OF values are written in DER order: verifiers such as OpenSSL re-encode the signed
attributes before they check the signature.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, tsp  # tsp registers the ESS attributes
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from ..errors import ArchiveError

#: Tolerance between clocks: a moment this much before a certificate's start, or a token this
#: much older than the moment it stamps, is still accepted.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def sha256(data):
    return hashlib.sha256(data).digest()


@dataclass
class SignerIdentity:
    """A private key and its X.509 certificate (with the intermediates up to the root)."""

    private_key: object
    certificate: x509.Certificate
    chain: tuple = ()

    def __post_init__(self):
        if not isinstance(self.private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise ArchiveError("The signing key must be an RSA or an elliptic-curve private key.")
        if self.private_key.public_key().public_numbers() != self.certificate.public_key().public_numbers():
            raise ArchiveError(
                f"The private key does not match the certificate {self.certificate.subject.rfc4514_string()}."
            )
        self.chain = tuple(self.chain)
        self._asn1_certificate = asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))
        self._parts = None

    @property
    def signer_parts(self):
        if self._parts is None:
            self._parts = _SignerParts(self)
        return self._parts

    @classmethod
    def from_pkcs12(cls, data, password=None):
        """The identity in a PKCS#12 (.p12 / .pfx) file, as certification authorities deliver it."""
        try:
            key, certificate, others = pkcs12.load_key_and_certificates(
                data, password.encode() if isinstance(password, str) else password
            )
        except ValueError as exc:
            raise ArchiveError(f"The PKCS#12 file cannot be read (wrong password or damaged file): {exc}") from exc
        if key is None or certificate is None:
            raise ArchiveError("The PKCS#12 file holds no private key with its certificate.")
        return cls(key, certificate, tuple(others or ()))

    @classmethod
    def from_pem(cls, key_pem, certificate_pem, password=None):
        try:
            key = serialization.load_pem_private_key(
                key_pem, password.encode() if isinstance(password, str) else password
            )
            certificates = x509.load_pem_x509_certificates(certificate_pem)
        except (ValueError, TypeError) as exc:
            raise ArchiveError(f"The key or the certificate (PEM) cannot be read: {exc}") from exc
        return cls(key, certificates[0], tuple(certificates[1:]))

    @property
    def asn1_certificate(self):
        return self._asn1_certificate

    def sign(self, data):
        """``(signature algorithm, signature)`` over ``data`` with SHA-256."""
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            signature = self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            return algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}), signature
        signature = self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        return algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}), signature


def _attribute(kind, value):
    return cms.CMSAttribute({"type": kind, "values": [value]})


def _signing_certificate_v2(asn1_cert):
    # ESSCertIDv2 with the default hash algorithm (SHA-256), left out as DER wants.
    return tsp.SigningCertificateV2(
        {
            "certs": [
                tsp.ESSCertIDv2(
                    {
                        "cert_hash": sha256(asn1_cert.dump()),
                        "issuer_serial": {
                            "issuer": [asn1_x509.GeneralName({"directory_name": asn1_cert.issuer})],
                            "serial_number": asn1_cert.serial_number,
                        },
                    }
                )
            ]
        }
    )


# --- DER assembly ---------------------------------------------------------------------------
# The parts that do not change from one signature to the next (certificates, signer id, ESS
# attribute) are encoded once per identity and the SignedData is assembled around them:
# building it as one asn1crypto tree re-encodes the certificates at every signature, which
# costs more than the RSA signature itself.


def _tlv(tag, content):
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def _oid(dotted):
    return core.ObjectIdentifier(dotted).dump()


_SEQUENCE, _SET, _OCTETS = 0x30, 0x31, 0x04
_SHA256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
_CONTENT_TYPES = {"data": _oid("1.2.840.113549.1.7.1"), "tst_info": _oid("1.2.840.113549.1.9.16.1.4")}
_SIGNED_DATA = _oid("1.2.840.113549.1.7.2")
_ATTR_CONTENT_TYPE = _oid("1.2.840.113549.1.9.3")
_ATTR_MESSAGE_DIGEST = _oid("1.2.840.113549.1.9.4")
_ATTR_SIGNING_TIME = _oid("1.2.840.113549.1.9.5")
_ATTR_SIGNING_CERTIFICATE_V2 = _oid("1.2.840.113549.1.9.16.2.47")


def _attribute_der(oid_der, value_der):
    return _tlv(_SEQUENCE, oid_der + _tlv(_SET, value_der))


class _SignerParts:
    """The DER of what every signature by one identity repeats."""

    def __init__(self, identity):
        cert = identity.asn1_certificate
        ders = [cert.dump()] + [c.public_bytes(serialization.Encoding.DER) for c in identity.chain]
        self.certificates = _tlv(0xA0, b"".join(sorted(ders)))  # [0] IMPLICIT SET OF
        self.sid = _tlv(_SEQUENCE, cert.issuer.dump() + core.Integer(cert.serial_number).dump())
        self.ess = _attribute_der(_ATTR_SIGNING_CERTIFICATE_V2, _signing_certificate_v2(cert).dump())


def _time_der(moment):
    # RFC 5652 §11.3: UTCTime up to 2049, GeneralizedTime after.
    moment = moment.astimezone(datetime.timezone.utc).replace(microsecond=0)
    if moment.year < 2050:
        return core.UTCTime(moment).dump()
    return core.GeneralizedTime(moment).dump()


def signed_data_der(
    identity, content_type, digest, content=None, signing_time=None, unsigned_attrs=b"", with_certificates=True
):
    """The DER of a CMS ``ContentInfo`` holding ``SignedData`` by ``identity`` over content whose
    SHA-256 is ``digest``; ``content`` is encapsulated when given (a TSTInfo), else the signature
    is detached. ``unsigned_attrs``: DER of attributes (each a SEQUENCE), CAdES-T for one."""
    parts = identity.signer_parts
    attributes = [
        _attribute_der(_ATTR_CONTENT_TYPE, _CONTENT_TYPES[content_type]),
        _attribute_der(_ATTR_MESSAGE_DIGEST, _tlv(_OCTETS, digest)),
        parts.ess,
    ]
    if signing_time is not None:
        attributes.append(_attribute_der(_ATTR_SIGNING_TIME, _time_der(signing_time)))
    attributes_der = b"".join(sorted(attributes))  # DER order of a SET OF
    algorithm, signature = identity.sign(_tlv(_SET, attributes_der))
    signer = _tlv(
        _SEQUENCE,
        core.Integer(1).dump()
        + parts.sid
        + _SHA256
        + _tlv(0xA0, attributes_der)
        + algorithm.dump()
        + _tlv(_OCTETS, signature)
        + (_tlv(0xA1, unsigned_attrs) if unsigned_attrs else b""),
    )
    encapsulated = _CONTENT_TYPES[content_type]
    if content is not None:
        encapsulated += _tlv(0xA0, _tlv(_OCTETS, content))
    body = _tlv(
        _SEQUENCE,
        # v3 when the content is not id-data (RFC 5652 §5.1)
        core.Integer(1 if content_type == "data" else 3).dump()
        + _tlv(_SET, _SHA256)
        + _tlv(_SEQUENCE, encapsulated)
        + (parts.certificates if with_certificates else b"")
        + _tlv(_SET, signer),
    )
    return _tlv(_SEQUENCE, _SIGNED_DATA + _tlv(0xA0, body)), signature


def attribute_der(kind, value):
    """The DER of one CMS attribute (asn1crypto names: ``signature_time_stamp_token``...)."""
    return _attribute(kind, value).dump()


def with_unsigned_attributes(der, unsigned_der):
    """The same SignedData (DER) with unsigned attributes (the DER of each, concatenated) added
    to its signer: the signed parts keep their bytes (only the changed parents are re-encoded)."""
    info = cms.ContentInfo.load(der)
    signer = info["content"]["signer_infos"][0]
    attributes = cms.CMSAttributes.load(_tlv(_SET, unsigned_der))
    signer["unsigned_attrs"] = attributes
    return info.dump()


# --- checking -----------------------------------------------------------------------------


@dataclass
class TrustStore:
    """What a verifier trusts: root certificates, intermediates, and the company certificates
    whose keys may also sign the internal authority's timestamp tokens."""

    roots: list = field(default_factory=list)
    intermediates: list = field(default_factory=list)
    company_certificates: list = field(default_factory=list)

    def __post_init__(self):
        self._root_ders = {cert.public_bytes(serialization.Encoding.DER) for cert in self.roots}

    def is_root(self, certificate):
        return certificate.public_bytes(serialization.Encoding.DER) in self._root_ders

    def company_key_of(self, certificate):
        """The trusted company certificate with the same public key as ``certificate``, or None."""
        numbers = certificate.public_key().public_numbers()
        for company in self.company_certificates:
            if company.public_key().public_numbers() == numbers:
                return company
        return None


class SignatureCheckError(Exception):
    """One reason why a signature does not hold (turned into a finding by the verifier)."""


def _certificate_at(certificate, moment):
    if moment < certificate.not_valid_before_utc - CLOCK_SKEW or moment > certificate.not_valid_after_utc:
        raise SignatureCheckError(
            f"the certificate {certificate.subject.rfc4514_string()} is not valid at "
            f"{moment.isoformat()} (valid from {certificate.not_valid_before_utc.isoformat()} "
            f"to {certificate.not_valid_after_utc.isoformat()})"
        )


def check_path(certificate, trust, moment, others=()):
    """Check that ``certificate`` leads to a trusted root, each link valid at ``moment``;
    ``others``: the certificates a signature carries (intermediates), never trusted as roots.
    Revocation (CRL, OCSP) is not checked."""
    pool = list(others) + list(trust.intermediates) + list(trust.roots)
    current = certificate
    for _depth in range(8):
        _certificate_at(current, moment)
        if trust.is_root(current):
            return
        candidates = [c for c in pool if c.subject == current.issuer and c != current]
        if not candidates:
            raise SignatureCheckError(
                f"no trusted issuer for the certificate {current.subject.rfc4514_string()} "
                f"(issuer {current.issuer.rfc4514_string()})"
            )
        # Several certificates may share a name (a renewed CA key): the one whose key signed.
        issuer = next((c for c in candidates if _issued_by(current, c)), None)
        if issuer is None:
            raise SignatureCheckError(f"the certificate {current.subject.rfc4514_string()} is not signed by its issuer")
        try:
            constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise SignatureCheckError(f"the issuer {issuer.subject.rfc4514_string()} is not a certification authority")
        current = issuer
    raise SignatureCheckError("the certificate chain is too long")


def _issued_by(certificate, issuer):
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def allows_signatures(certificate):
    """Whether a key usage, when the certificate has one, allows digital signatures."""
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


def has_critical_timestamping_eku(certificate):
    """RFC 3161 §2.3: a TSA certificate has one extended key usage, timeStamping, critical."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    return extension.critical and list(extension.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def load_content_info(data, what):
    """A CMS ContentInfo holding SignedData with exactly one signer, parsed from DER."""
    try:
        info = cms.ContentInfo.load(bytes(data), strict=True)
        if info["content_type"].native != "signed_data":
            raise SignatureCheckError(f"the {what} is not CMS SignedData")
        signed = info["content"]
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise SignatureCheckError(f"the {what} has {len(signers)} signers, one is expected")
        # asn1crypto parses lazily: a malformed part fails where it is read (callers catch it).
        signed["encap_content_info"]["content_type"].native  # noqa: B018
        return info
    except SignatureCheckError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise SignatureCheckError(f"the {what} is not readable DER CMS ({type(exc).__name__})") from exc


@dataclass
class CheckedSignature:
    signer: x509.Certificate
    certificates: list  # every certificate the structure carries (intermediates for the path)
    signing_time: datetime.datetime | None
    content: bytes | None
    signature: bytes


def check_signed_data(info, digest, what, content_type="data"):
    """Check the one signature of ``info`` (a ContentInfo from :func:`load_content_info`).

    ``digest``: the SHA-256 the signed content must have (for encapsulated content, None:
    the content's own digest is checked). Returns the signer certificate, the signing time
    and the encapsulated content. The signer's certificate must be in the structure."""
    signed = info["content"]
    encapsulated = signed["encap_content_info"]
    if encapsulated["content_type"].native != content_type:
        raise SignatureCheckError(f"the {what} signs {encapsulated['content_type'].native}, not {content_type}")
    content = None
    if not isinstance(encapsulated["content"], core.Void):
        content = bytes(encapsulated["content"])
        if digest is None:
            digest = sha256(content)
    signer = signed["signer_infos"][0]
    attrs = signer["signed_attrs"]
    # The bytes as received, taken before asn1crypto parses (and would re-encode) the attributes.
    signed_attrs_der = attrs.dump()
    if signer["digest_algorithm"]["algorithm"].native != "sha256":
        raise SignatureCheckError(f"the {what} uses {signer['digest_algorithm']['algorithm'].native}, not SHA-256")
    sid = signer["sid"]
    if sid.name != "issuer_and_serial_number":
        raise SignatureCheckError(f"the {what} names its signer by key identifier, which is not supported")
    certificate, carried = None, []
    # Never .native on big parts: asn1crypto would decode (and later re-encode) all of it.
    issuer_der, serial = sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native
    for choice in _present(signed["certificates"]):
        if choice.name != "certificate":
            continue
        candidate = x509.load_der_x509_certificate(choice.chosen.dump())
        carried.append(candidate)
        if certificate is None and candidate.serial_number == serial and candidate.issuer.public_bytes() == issuer_der:
            certificate = candidate
    if certificate is None:
        raise SignatureCheckError(f"the {what} does not carry its signer's certificate")
    if not _present(attrs):
        raise SignatureCheckError(f"the {what} has no signed attributes")
    values = {}
    for attribute in attrs:
        values.setdefault(attribute["type"].native, attribute["values"][0])
    if "content_type" not in values or values["content_type"].native != content_type:
        raise SignatureCheckError(f"the {what}'s content-type attribute is not {content_type}")
    if "message_digest" not in values or values["message_digest"].native != digest:
        raise SignatureCheckError(f"the {what} was made over other bytes (message-digest differs)")
    ess = values.get("signing_certificate_v2")
    if ess is None:
        raise SignatureCheckError(f"the {what} has no ESS signing-certificate-v2 attribute")
    cert_ids = ess["certs"]
    if not cert_ids or cert_ids[0]["hash_algorithm"]["algorithm"].native != "sha256":
        raise SignatureCheckError(f"the {what}'s signing-certificate-v2 attribute names no SHA-256 certificate hash")
    if cert_ids[0]["cert_hash"].native != sha256(certificate.public_bytes(serialization.Encoding.DER)):
        raise SignatureCheckError(f"the {what}'s signing-certificate-v2 attribute names another certificate")
    signing_time = values["signing_time"].native if "signing_time" in values else None
    to_verify = b"\x31" + signed_attrs_der[1:]  # the SET OF tag, as signed (RFC 5652 §5.4)
    signature = signer["signature"].native
    algorithm = signer["signature_algorithm"].signature_algo
    public_key = certificate.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsassa_pkcs1v15":
            public_key.verify(signature, to_verify, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm == "ecdsa":
            public_key.verify(signature, to_verify, ec.ECDSA(hashes.SHA256()))
        else:
            raise SignatureCheckError(f"the {what} uses an unsupported signature algorithm ({algorithm})")
    except InvalidSignature as exc:
        raise SignatureCheckError(f"the {what}'s signature does not verify with its certificate") from exc
    return CheckedSignature(certificate, carried, signing_time, content, signature)


def _present(value):
    """The items of an optional SET OF, or an empty list when it is absent."""
    return [] if isinstance(value, core.Void) else list(value)


def unsigned_attribute(info, kind):
    """The first value of an unsigned attribute of the signer, or None."""
    signer = info["content"]["signer_infos"][0]
    if not _present(signer["unsigned_attrs"]):
        return None
    for attribute in signer["unsigned_attrs"]:
        if attribute["type"].native == kind:
            return attribute["values"][0]
    return None
