"""One exception hierarchy, by kind of failure."""


class EInvoiceError(Exception):
    """Base of every error the engine raises on purpose."""


class ModelError(EInvoiceError, ValueError):
    """A value does not fit the semantic model (wrong type, bad identifier)."""


class ProfileError(EInvoiceError):
    """The invoice carries terms that the requested profile does not allow."""

    def __init__(self, profile, terms):
        self.profile = profile
        self.terms = sorted(terms, key=_term_sort_key)
        super().__init__(
            f"Profile {profile} does not allow {', '.join(self.terms)}; "
            "remove these terms or choose a richer profile (EN 16931, EXTENDED)."
        )


class ParseError(EInvoiceError):
    """Input that cannot be read: not XML, not an invoice, no embedded XML, too large."""


class UnsafeInputError(ParseError):
    """Input that tries entity expansion, a DTD or a network reference."""


class ArtefactError(EInvoiceError):
    """An official validation artefact (XSD, schematron) is missing or unreadable."""


class ValidationError(EInvoiceError):
    """Raised only by callers that want an exception; carries all findings."""

    def __init__(self, findings):
        self.findings = list(findings)
        fatal = [f for f in self.findings if f.is_fatal]
        super().__init__(
            f"{len(fatal)} fatal finding(s): " + "; ".join(f"[{f.rule_id}] {f.message_en}" for f in fatal[:5])
        )


class TransportError(EInvoiceError):
    """A remote service answered with an error or could not be reached."""

    def __init__(self, message, status=None, remote_code=None):
        self.status = status
        self.remote_code = remote_code
        super().__init__(message)


def _term_sort_key(term):
    kind, _, number = term.partition("-")
    return (kind, int(number) if number.isdigit() else 0, term)


class ReportParseError(ParseError):
    """An e-reporting (Flux 10) document that cannot be read into the report model.

    The message names the term (TT-x) and the element path of the faulty value.
    """


class ArchiveError(EInvoiceError):
    """An archive record, seal or timestamp that cannot be made or read (bad field, bad key)."""


class TimestampError(ArchiveError):
    """A time-stamping authority refused the request or gave an answer that is not a valid token:
    the message names what is wrong (status, nonce, imprint, signature, certificate)."""


class ParticipantNotFound(TransportError):
    """The PEPPOL network does not know this participant (no SML record, no SMP service group)."""


class CapabilityError(EInvoiceError):
    """A PEPPOL participant exists but cannot receive this document type with this process."""


class SignatureError(EInvoiceError):
    """An XML signature that is missing, does not verify, or was made with a certificate that
    is not trusted, not yet valid or expired. The message says which."""


class AS4Error(EInvoiceError):
    """A PEPPOL AS4 message, receipt or signal that cannot be built or accepted.

    ``ebms_code`` is the ebMS 3 error code a receiving access point answers with
    (``EBMS:0004`` "Other" unless a subclass or the raiser says better)."""

    ebms_code = "EBMS:0004"

    def __init__(self, message, ebms_code=None):
        if ebms_code:
            self.ebms_code = ebms_code
        super().__init__(message)


class AS4SignatureError(AS4Error, SignatureError):
    """The WS-Security signature of an AS4 message or receipt is missing, does not cover what
    it must (ebMS header, SOAP body, every attachment) or does not verify."""

    ebms_code = "EBMS:0101"  # FailedAuthentication


class AS4CertificateError(AS4SignatureError):
    """The access point certificate of an AS4 message or receipt is not trusted, not yet valid
    or expired, or is not the one the counterpart published."""


class AS4DecryptionError(AS4Error):
    """The encrypted payload of an AS4 message cannot be decrypted: wrong algorithm, a key
    made for another certificate, altered ciphertext."""

    ebms_code = "EBMS:0102"  # FailedDecryption


class AS4RecipientError(AS4Error):
    """An AS4 message addressed to another access point or participant than this one."""

    ebms_code = "EBMS:0010"  # ProcessingModeMismatch


class AS4SignalError(TransportError):
    """The receiving access point answered with an ebMS error signal; ``remote_code`` is its
    errorCode (``EBMS:0101``, ``PEPPOL:NOT_SERVICED``...)."""
