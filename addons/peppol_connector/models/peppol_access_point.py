import base64
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from einvoice.errors import AS4CertificateError
from einvoice.peppol import as4
from einvoice.peppol.identifiers import ParticipantId, ParticipantIdError

#: The path of the receiving endpoint this Odoo serves (controllers/as4.py).
AS4_PATH = "/peppol/as4"
#: Days before the certificate's end from which its test warns.
RENEWAL_WARNING_DAYS = 30


class PeppolAccessPoint(models.Model):
    """The company's own PEPPOL access point: the OpenPeppol AP certificate it holds, the
    participants it serves, the address it publishes. Invoices to PEPPOL customers then travel
    directly over AS4, and suppliers' invoices arrive at ``/peppol/as4``."""

    _name = "einvoice.peppol.access.point"
    _description = "PEPPOL access point of the company"
    _order = "company_id, id"

    name = fields.Char(required=True, default="PEPPOL access point")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True, ondelete="cascade"
    )
    certificate_file = fields.Binary(
        "Certificate (PKCS#12)",
        attachment=True,
        groups="base.group_system",
        copy=False,
        help="The OpenPeppol access point certificate with its private key, as a PKCS#12 file (.p12, .pfx).",
    )
    certificate_password = fields.Char(
        "Certificate password", groups="base.group_system", copy=False, help="The password of the PKCS#12 file."
    )
    ca_certificates = fields.Text(
        "Access point CA certificates",
        help="The OpenPeppol access point CA certificates (PEM) that the other access points' certificates "
        "must be issued by: the production ones, or the test ones for the test network.",
    )
    participant_ids = fields.Text(
        "Participants served",
        help="The PEPPOL participant identifiers (scheme:identifier, one per line) whose documents this "
        "access point receives; empty: the company's own Peppol e-address.",
    )
    party_id = fields.Char(
        "Access point id",
        readonly=True,
        copy=False,
        help="The common name of the certificate (POP000123...): the AS4 PartyId other access points address.",
    )
    certificate_subject = fields.Char(readonly=True, copy=False)
    certificate_not_before = fields.Datetime("Valid from", readonly=True, copy=False)
    certificate_not_after = fields.Datetime("Valid until", readonly=True, copy=False)
    endpoint_url = fields.Char(
        "Receiving address",
        compute="_compute_endpoint_url",
        help="The address to publish in the SMP for this access point (transport profile "
        "peppol-transport-as4-v2_0): other access points send the company's invoices there.",
    )

    def _compute_endpoint_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for access_point in self:
            access_point.endpoint_url = f"{base.rstrip('/')}{AS4_PATH}" if base else AS4_PATH

    @api.constrains("active", "company_id")
    def _check_one_active_per_company(self):
        for access_point in self.filtered("active"):
            others = self.search_count(
                [("company_id", "=", access_point.company_id.id), ("active", "=", True), ("id", "!=", access_point.id)]
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "%(company)s already has an active PEPPOL access point: archive it first.",
                        company=access_point.company_id.name,
                    )
                )

    @api.constrains("participant_ids")
    def _check_participants(self):
        for access_point in self:
            access_point._served_participants()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.filtered(lambda r: r.sudo().certificate_file)._read_certificate_dates()
        return records

    def write(self, vals):
        result = super().write(vals)
        if {"certificate_file", "certificate_password"} & set(vals):
            self.filtered(lambda r: r.sudo().certificate_file)._read_certificate_dates()
        return result

    # --- the certificate ---------------------------------------------------------------------

    def _load(self):
        """``(certificate, private key)`` of the PKCS#12 file; a UserError names what is wrong."""
        self.ensure_one()
        record = self.sudo()
        if not record.certificate_file:
            raise UserError(self.env._("%(name)s has no certificate: upload its PKCS#12 file.", name=self.display_name))
        password = (record.certificate_password or "").encode() or None
        try:
            key, certificate, _chain = pkcs12.load_key_and_certificates(
                base64.b64decode(record.certificate_file), password
            )
        except ValueError as exc:
            # The library's text never carries the password; it says whether the file or the password is wrong.
            raise UserError(
                self.env._(
                    "%(name)s: the PKCS#12 file cannot be opened with this password (%(error)s).",
                    name=self.display_name,
                    error=str(exc)[:200],
                )
            ) from exc
        if certificate is None or key is None:
            raise UserError(
                self.env._(
                    "%(name)s: the PKCS#12 file must hold the certificate and its private key.", name=self.display_name
                )
            )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise UserError(
                self.env._("%(name)s: the access point key must be an RSA key (PEPPOL AS4).", name=self.display_name)
            )
        return certificate, key

    def _read_certificate_dates(self):
        for access_point in self:
            certificate, _key = access_point._load()
            try:
                party = as4.party_of(certificate)
            except AS4CertificateError as exc:
                raise UserError(self.env._("%(name)s: %(error)s", name=access_point.display_name, error=exc)) from exc
            access_point.write(
                {
                    "party_id": party,
                    "certificate_subject": certificate.subject.rfc4514_string(),
                    "certificate_not_before": certificate.not_valid_before_utc.replace(tzinfo=None),
                    "certificate_not_after": certificate.not_valid_after_utc.replace(tzinfo=None),
                }
            )

    def _as4_access_point(self):
        """The engine's view of this access point: its certificate and private key.

        Opening the PKCS#12 file (its password's key derivation) takes tens of milliseconds, a
        fifth of the work on a received message: it is opened once per process for a given file
        and password, which the cache key follows by their digest."""
        self.ensure_one()
        record = self.sudo()
        digest = hashlib.sha256(
            (record.certificate_file or b"") + b"\0" + (record.certificate_password or "").encode()
        ).hexdigest()
        return self._as4_opened(self.id, digest)

    @tools.ormcache("access_point_id", "digest")
    def _as4_opened(self, access_point_id, digest):
        certificate, key = self.browse(access_point_id)._load()
        return as4.AccessPoint(certificate, key)

    def _trust_anchors(self):
        """The access point CA certificates the other side's certificate must be issued by."""
        self.ensure_one()
        pem = (self.ca_certificates or "").strip()
        if not pem:
            raise UserError(
                self.env._(
                    "%(name)s has no access point CA certificates: paste the OpenPeppol AP CA certificates (PEM), "
                    "without which no other access point can be trusted.",
                    name=self.display_name,
                )
            )
        try:
            return x509.load_pem_x509_certificates(pem.encode())
        except ValueError as exc:
            raise UserError(
                self.env._(
                    "%(name)s: the access point CA certificates are not PEM certificates (%(error)s).",
                    name=self.display_name,
                    error=exc,
                )
            ) from exc

    def _served_participants(self):
        """The participants this access point receives for: its list, or the company's own."""
        self.ensure_one()
        lines = [line.strip() for line in (self.participant_ids or "").replace(",", "\n").splitlines()]
        participants = []
        for line in filter(None, lines):
            try:
                participants.append(ParticipantId.parse(line, check_digits=False))
            except ParticipantIdError as exc:
                raise ValidationError(
                    self.env._("Participants served: %(value)s: %(error)s", value=line, error=exc)
                ) from exc
        if not participants:
            own = self.company_id._einvoice_peppol_own_participant()
            if own:
                participants.append(own)
        return participants

    def _serves(self, participant):
        return any(participant.same(ours) for ours in self._served_participants())

    def action_test(self):
        """The "Test" button: the certificate opens with its password and is valid today."""
        self.ensure_one()
        self.check_access("write")
        certificate, _key = self._load()
        self._read_certificate_dates()
        now = datetime.datetime.now(datetime.timezone.utc)
        if now < certificate.not_valid_before_utc:
            raise UserError(
                self.env._(
                    "The certificate %(party)s is not valid before %(date)s.",
                    party=self.party_id,
                    date=self.certificate_not_before,
                )
            )
        if now >= certificate.not_valid_after_utc:
            raise UserError(
                self.env._(
                    "The certificate %(party)s expired on %(date)s: ask OpenPeppol for a new one.",
                    party=self.party_id,
                    date=self.certificate_not_after,
                )
            )
        days = (certificate.not_valid_after_utc - now).days
        message = self.env._(
            "The certificate %(party)s is valid until %(date)s (%(days)s days left).",
            party=self.party_id,
            date=self.certificate_not_after,
            days=days,
        )
        kind = "warning" if days < RENEWAL_WARNING_DAYS else "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": False},
        }

    @api.model
    def _for_company(self, company):
        return self.sudo().search([("company_id", "=", company.id), ("active", "=", True)], limit=1)


class ResCompany(models.Model):
    _inherit = "res.company"

    def _einvoice_peppol_own_participant(self):
        """The company's PEPPOL participant (its partner's Peppol e-address), or None."""
        self.ensure_one()
        partner = self.partner_id
        if not partner.peppol_eas or not partner.peppol_endpoint:
            return None
        try:
            return ParticipantId.of(partner.peppol_eas, partner.peppol_endpoint, check_digits=False)
        except ParticipantIdError:
            return None
