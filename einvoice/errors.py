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
