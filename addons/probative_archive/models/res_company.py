import base64
import hashlib
import logging

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from einvoice.archive import (
    FallbackTimeStamper,
    HttpTimeStampAuthority,
    InternalTimeStampAuthority,
    SignerIdentity,
    pades,
    trust_store,
)
from einvoice.errors import EInvoiceError

_logger = logging.getLogger(__name__)


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def _is_self_signed(certificate):
    return certificate.subject == certificate.issuer


class ResCompany(models.Model):
    _inherit = "res.company"

    archive_certificate = fields.Binary(
        "Seal certificate (PKCS#12)",
        attachment=True,
        groups="base.group_system",
        help="The company's X.509 certificate with its private key (.p12 or .pfx), which seals every archived "
        "record and the daily chain head.",
    )
    archive_certificate_name = fields.Char(groups="base.group_system")
    archive_certificate_password = fields.Char("Certificate password", groups="base.group_system")
    archive_tsa_url = fields.Char(
        "Time-stamping authority URL",
        help="An RFC 3161 time-stamping authority. Empty: the company's own key timestamps (the internal time "
        "source the arrêté of 22 March 2017 allows). When the authority cannot be reached, the internal time "
        "source stamps instead, and the record says so.",
    )
    archive_tsa_ca = fields.Text(
        "Authority's root certificates (PEM)",
        help="The certificates the time-stamping authority's tokens are checked against.",
    )
    archive_seal_each_record = fields.Boolean(
        "Seal each record",
        default=True,
        help="Seal the bytes of each record with the certificate (a CMS signature), beside the daily seal of "
        "the chain.",
    )
    archive_pades_seal = fields.Boolean(
        "Seal outgoing Factur-X PDFs",
        help="Sign every Factur-X PDF that leaves (Send & Print, the platform, Chorus Pro) with the seal "
        "certificate: a PAdES seal, timestamped by the time source, that keeps the file PDF/A-3 and lets the "
        "customer's reader show that it comes from the company unaltered.",
    )
    archive_scan_user_ids = fields.Many2many(
        "res.users",
        "probative_archive_company_scan_users",
        string="Who scans paper invoices",
        help="Named in the archiving policy: the people allowed to archive scans of paper invoices.",
    )
    archive_controls = fields.Text(
        "Internal controls",
        help="Written in the archiving policy: the controls of the scanning (who checks the copy against the "
        "paper, how often the chain is verified).",
    )
    archive_certificate_ids = fields.One2many(
        "probative.archive.certificate", "company_id", string="Archive certificates"
    )

    @api.constrains("archive_certificate", "archive_certificate_password")
    def _check_archive_certificate(self):
        for company in self.sudo():
            if company.archive_certificate:
                company._archive_identity()  # raises a clear error on a wrong password or file

    @api.constrains("archive_pades_seal", "archive_certificate")
    def _check_archive_pades_seal(self):
        for company in self.sudo():
            if not company.archive_pades_seal:
                continue
            if not company.archive_certificate:
                raise ValidationError(
                    self.env._(
                        "%(company)s: sealing the Factur-X PDFs needs the seal certificate (Probative archive tab).",
                        company=company.name,
                    )
                )
            if not pades.available():
                raise ValidationError(
                    self.env._(
                        "Sealing the Factur-X PDFs needs the Python package pyhanko on the server "
                        "(pip install pyhanko)."
                    )
                )

    @api.constrains("archive_tsa_url")
    def _check_archive_tsa_url(self):
        for company in self:
            url = company.archive_tsa_url
            if url and not url.lower().startswith(("http://", "https://")):
                raise ValidationError(
                    self.env._("The time-stamping authority URL must start with http:// or https://.")
                )

    def write(self, vals):
        # EXTENDS base: a change of the archiving settings is a new version of the policy, archived.
        result = super().write(vals)
        policy_fields = {
            "archive_certificate",
            "archive_tsa_url",
            "archive_tsa_ca",
            "archive_seal_each_record",
            "archive_pades_seal",
            "archive_scan_user_ids",
            "archive_controls",
        }
        if policy_fields & set(vals):
            for company in self.sudo():
                if "archive_certificate" in vals and company.archive_certificate:
                    company._archive_register_certificates()
                company._archive_policy()
        return result

    # --- identity, time source, trust ---------------------------------------------------------

    def _archive_identity(self):
        """The company's seal identity, or None when no certificate is configured."""
        self.ensure_one()
        company = self.sudo()
        if not company.archive_certificate:
            return None
        try:
            return SignerIdentity.from_pkcs12(
                base64.b64decode(company.archive_certificate), company.archive_certificate_password or None
            )
        except EInvoiceError as exc:
            raise ValidationError(
                self.env._("Seal certificate of %(company)s: %(error)s", company=company.name, error=exc)
            ) from exc

    def _archive_timestamper(self, identity):
        """The configured authority with the internal time source as fallback; the internal one
        alone without a URL; None without a certificate (nothing to sign a token with)."""
        self.ensure_one()
        if identity is None:
            return None
        internal = InternalTimeStampAuthority(identity)
        if not self.archive_tsa_url:
            return internal
        return FallbackTimeStamper(
            [HttpTimeStampAuthority(self.archive_tsa_url, self._archive_trust(), timeout=10, deadline=20), internal]
        )

    def _archive_seal_pdf(self, pdf):
        """``pdf`` with the company's PAdES seal (timestamped by its time source) when it seals
        its Factur-X PDFs, else ``pdf`` as it is; UserError when the seal cannot be applied."""
        self.ensure_one()
        company = self.sudo()
        if not company.archive_pades_seal:
            return pdf
        identity = company._archive_identity()
        if identity is None:
            raise UserError(
                self.env._("%(company)s seals its Factur-X PDFs but has no seal certificate.", company=company.name)
            )
        certificate = identity.certificate
        now = fields.Datetime.now()
        if (
            not certificate.not_valid_before_utc.replace(tzinfo=None)
            <= now
            <= certificate.not_valid_after_utc.replace(tzinfo=None)
        ):
            # A reader would call the seal invalid: better no invoice sent than a broken seal on it.
            raise UserError(
                self.env._(
                    "The seal certificate of %(company)s is valid from %(start)s to %(end)s: renew it before "
                    "sealing Factur-X PDFs.",
                    company=company.name,
                    start=certificate.not_valid_before_utc.date().isoformat(),
                    end=certificate.not_valid_after_utc.date().isoformat(),
                )
            )
        timestamper = company._archive_timestamper(identity)
        try:
            sealed = pades.seal_pdf(pdf, identity, timestamper, location=company.city or None)
        except EInvoiceError as exc:
            raise UserError(
                self.env._(
                    "The Factur-X PDF could not be sealed with the certificate of %(company)s: %(error)s",
                    company=company.name,
                    error=exc,
                )
            ) from exc
        if getattr(timestamper, "failures", None):
            # The authority did not answer: the internal time source stamped this PDF instead.
            _logger.warning(
                "Factur-X PDF of company %s timestamped by the internal time source: %s",
                company.id,
                "; ".join(f"{name}: {text}" for name, text in timestamper.failures),
            )
        return sealed

    def _archive_time_source_label(self):
        self.ensure_one()
        if self.archive_tsa_url:
            return self.env._(
                "Time-stamping authority %(url)s (internal time source when it cannot be reached)",
                url=self.archive_tsa_url,
            )
        return self.env._("Internal time source: the company's own key, not a qualified time-stamping authority")

    def _archive_register_certificates(self):
        """Keep every certificate ever used (the company's, its chain, its internal time source):
        records sealed with an older one stay verifiable."""
        self.ensure_one()
        identity = self._archive_identity()
        if identity is None:
            return
        Certificate = self.env["probative.archive.certificate"].sudo()
        wanted = [("company", identity.certificate), ("internal_tsa", InternalTimeStampAuthority(identity).certificate)]
        wanted += [("ca" if _is_self_signed(cert) else "intermediate", cert) for cert in identity.chain]
        for role, certificate in wanted:
            pem = _pem(certificate)
            digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
            if not Certificate.search_count([("company_id", "=", self.id), ("sha256", "=", digest)]):
                Certificate.create(
                    {
                        "company_id": self.id,
                        "role": role,
                        "pem": pem.decode(),
                        "sha256": digest,
                        "subject": certificate.subject.rfc4514_string(),
                        "not_after": certificate.not_valid_after_utc.replace(tzinfo=None),
                    }
                )

    def _archive_trust(self):
        """What the company's proofs are checked against, or None without any certificate."""
        self.ensure_one()
        company = self.sudo()
        identity = company._archive_identity()
        if identity is not None:
            company._archive_register_certificates()
        certificates = company.archive_certificate_ids
        if not certificates:
            return None
        loaded = {role: [] for role in ("company", "internal_tsa", "ca", "intermediate")}
        for certificate in certificates:
            loaded[certificate.role].append(x509.load_pem_x509_certificate(certificate.pem.encode()))
        roots = loaded["ca"]
        if company.archive_tsa_ca:
            try:
                roots += x509.load_pem_x509_certificates(company.archive_tsa_ca.encode())
            except ValueError as exc:
                raise UserError(
                    self.env._(
                        "The authority's root certificates of %(company)s are not PEM certificates.",
                        company=company.name,
                    )
                ) from exc
        # A self-signed company certificate is its own root.
        roots += [cert for cert in loaded["company"] if _is_self_signed(cert)]
        return trust_store(roots=roots, intermediates=loaded["intermediate"], company_certificates=loaded["company"])

    # --- the archiving policy ------------------------------------------------------------------

    def _archive_policy_text(self):
        self.ensure_one()
        company = self.sudo()
        identity = company._archive_identity()
        scanners = ", ".join(company.archive_scan_user_ids.mapped("name")) or self.env._("nobody named yet")
        if identity:
            certificate = identity.certificate
            seal = self.env._(
                "Certificate %(subject)s issued by %(issuer)s, valid until %(end)s; each record sealed: %(each)s.",
                subject=certificate.subject.rfc4514_string(),
                issuer=certificate.issuer.rfc4514_string(),
                end=certificate.not_valid_after_utc.date().isoformat(),
                each=self.env._("yes") if company.archive_seal_each_record else self.env._("no, the daily seal only"),
            )
        else:
            seal = self.env._("No certificate: records are fingerprinted and chained, neither sealed nor timestamped.")
        lines = [
            self.env._("Archiving policy of %(company)s", company=company.name),
            "",
            self.env._(
                "1. What is archived: every e-invoice sent or received, every lifecycle status (CDAR) in and out, "
                "every e-reporting flow and answer, scans of paper invoices, this policy, the daily seals and the "
                "exports."
            ),
            self.env._(
                "2. How: the exact bytes, their SHA-256 fingerprint, in a hash chain per company; the chain head "
                "sealed every day; records never changed nor deleted (refused by the software and the database)."
            ),
            self.env._("3. Seal: %(seal)s", seal=seal),
            self.env._("4. Time source: %(time_source)s.", time_source=company._archive_time_source_label()),
            self.env._(
                "5. Outgoing Factur-X PDFs: %(pades)s",
                pades=self.env._("sealed (PAdES) with the certificate above and timestamped.")
                if company.archive_pades_seal
                else self.env._("not sealed; their bytes are sealed in the archive."),
            ),
            self.env._(
                "6. Scanned paper invoices: scanned by %(who)s; kept as PDF/A-3 without image processing nor "
                "lossy compression (the image bytes are embedded as scanned), sealed and timestamped.",
                who=scanners,
            ),
            self.env._(
                "7. Internal controls: %(controls)s",
                controls=company.archive_controls or self.env._("not described yet"),
            ),
            self.env._(
                "8. Verification: the whole chain daily (batched), on demand from the archive's page; exports for "
                "the auditor with a script that checks them with openssl and sha256sum alone."
            ),
            self.env._(
                "9. Retention: 10 years for invoices, statuses and scans (Code de commerce L123-22); 6 years for "
                "e-reporting (LPF L102 B); counted from the end of the archiving year."
            ),
        ]
        return ("\n".join(lines) + "\n").encode()

    def _archive_policy(self):
        """Archive the current policy as a new version, when it changed."""
        self.ensure_one()
        text = self._archive_policy_text()
        return self.env["probative.archive.record"]._archive(
            self,
            text,
            "policy",
            self,
            name="archiving-policy.txt",
            mimetype="text/plain",
            metadata={"document": "policy"},
        )

    def action_archive_policy(self):
        self.ensure_one()
        record = self._archive_policy()
        if not record:
            raise UserError(self.env._("The policy could not be archived now: see the archive's page."))
        return record.action_download()
