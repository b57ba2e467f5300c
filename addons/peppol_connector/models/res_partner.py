import datetime
import logging

from cryptography import x509

from odoo import api, fields, models
from odoo.exceptions import UserError

from einvoice.errors import EInvoiceError, ParticipantNotFound, SignatureError
from einvoice.peppol.identifiers import ParticipantId, ParticipantIdError
from einvoice.peppol.sml import SML_PRODUCTION, dns_resolver
from einvoice.peppol.smp import BIS3_CREDIT_NOTE, BIS3_INVOICE, INVOICE_RESPONSE, SmpClient

_logger = logging.getLogger(__name__)

#: Our e-invoice format for PEPPOL participants, as l10n_fr_einvoice's formats: (target, profile).
PEPPOL_FORMAT = "fr_peppol_bis3"
PEPPOL_TARGET = ("ubl", "PEPPOL BIS 3.0")

LOOKUP_STATES = [
    ("unknown", "Not looked up"),
    ("found", "Receives on PEPPOL"),
    ("absent", "Not on PEPPOL"),
    ("untrusted", "Answer not trusted"),
    ("error", "Lookup failed"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    invoice_edi_format = fields.Selection(selection_add=[(PEPPOL_FORMAT, "PEPPOL BIS Billing 3.0")])
    einvoice_peppol_state = fields.Selection(
        LOOKUP_STATES,
        string="PEPPOL",
        default="unknown",
        readonly=True,
        copy=False,
        help="What the last PEPPOL lookup of this participant found.",
    )
    einvoice_peppol_checked_on = fields.Datetime("PEPPOL checked on", readonly=True, copy=False)
    einvoice_peppol_checked_id = fields.Char(
        "Participant looked up", readonly=True, copy=False, help="The participant identifier the lookup was about."
    )
    einvoice_peppol_invoice = fields.Boolean("Receives BIS 3 invoices", readonly=True, copy=False)
    einvoice_peppol_credit_note = fields.Boolean("Receives BIS 3 credit notes", readonly=True, copy=False)
    einvoice_peppol_response = fields.Boolean("Sends Invoice Responses", readonly=True, copy=False)
    einvoice_peppol_access_point = fields.Char("PEPPOL access point", readonly=True, copy=False)
    einvoice_peppol_message = fields.Text("PEPPOL lookup result", readonly=True, copy=False)

    # --- the format ------------------------------------------------------------------------

    # EXTENDS l10n_fr_einvoice
    def _l10n_fr_einvoice_format(self):
        if self.commercial_partner_id.invoice_edi_format == PEPPOL_FORMAT:
            return PEPPOL_TARGET
        return super()._l10n_fr_einvoice_format()

    def _einvoice_is_peppol(self):
        return self.commercial_partner_id.invoice_edi_format == PEPPOL_FORMAT

    # --- the participant -------------------------------------------------------------------

    def _einvoice_peppol_participant(self):
        """The partner's PEPPOL participant (its Peppol e-address: scheme and endpoint); a UserError
        names what is wrong with it."""
        partner = self.commercial_partner_id
        if not partner.peppol_eas or not partner.peppol_endpoint:
            raise UserError(
                self.env._(
                    "%(partner)s has no PEPPOL address: fill in its Peppol e-address (scheme and endpoint, "
                    "for instance 0208 and its Belgian enterprise number) in its Accounting tab.",
                    partner=partner.display_name,
                )
            )
        try:
            return ParticipantId.of(partner.peppol_eas, partner.peppol_endpoint)
        except ParticipantIdError as exc:
            raise UserError(
                self.env._("%(partner)s: Peppol e-address: %(error)s", partner=partner.display_name, error=exc)
            ) from exc

    @api.model
    def _einvoice_peppol_client(self, company):
        """An SMP client with the company's settings: its SMP CAs, its SML zone and DNS, or its fixed SMP.
        A caller (a test) may give the DNS resolver in the context key ``einvoice_peppol_resolver``."""
        company = company.sudo()
        pem = (company.einvoice_peppol_smp_ca or "").strip()
        if not pem:
            raise UserError(
                self.env._(
                    "%(company)s has no SMP CA certificates: paste the OpenPeppol SMP CA certificates (PEM) in "
                    "Accounting > Configuration > Settings > PEPPOL, so that the answers of the network can "
                    "be trusted.",
                    company=company.name,
                )
            )
        try:
            anchors = x509.load_pem_x509_certificates(pem.encode())
        except ValueError as exc:
            raise UserError(
                self.env._(
                    "SMP CA certificates of %(company)s: not PEM certificates (%(error)s).",
                    company=company.name,
                    error=exc,
                )
            ) from exc
        resolver = self.env.context.get("einvoice_peppol_resolver")
        if resolver is None and not company.einvoice_peppol_smp_url:
            servers = [s.strip() for s in (company.einvoice_peppol_nameservers or "").split(",") if s.strip()]
            resolver = dns_resolver(nameservers=servers or None)
        return SmpClient(
            anchors,
            resolver=resolver,
            zone=company.einvoice_peppol_sml_zone or SML_PRODUCTION,
            smp_url=company.einvoice_peppol_smp_url or None,
        )

    def action_einvoice_peppol_lookup(self):
        """The "Look up on PEPPOL" button."""
        self.check_access("write")
        for partner in self:
            partner.commercial_partner_id._einvoice_peppol_lookup(self.env.company)
        return True

    def _einvoice_peppol_lookup(self, company):
        """Ask the network what the partner receives and store the answer; returns the state."""
        self.ensure_one()
        participant = self._einvoice_peppol_participant()
        values = {
            "einvoice_peppol_checked_on": fields.Datetime.now(),
            "einvoice_peppol_checked_id": participant.value,
            "einvoice_peppol_invoice": False,
            "einvoice_peppol_credit_note": False,
            "einvoice_peppol_response": False,
            "einvoice_peppol_access_point": False,
        }
        client = self._einvoice_peppol_client(company)
        try:
            found = {c.document.value: c for c in client.capabilities(participant)}
        except ParticipantNotFound as exc:
            values.update(
                einvoice_peppol_state="absent",
                einvoice_peppol_message=self._einvoice_peppol_text(
                    self.env._("%(participant)s is not registered on PEPPOL", participant=participant.value), exc
                ),
            )
        except SignatureError as exc:
            values.update(
                einvoice_peppol_state="untrusted",
                einvoice_peppol_message=self._einvoice_peppol_text(
                    self.env._(
                        "The SMP's answer about %(participant)s cannot be trusted, it is not used",
                        participant=participant.value,
                    ),
                    exc,
                ),
            )
        except EInvoiceError as exc:
            values.update(
                einvoice_peppol_state="error",
                einvoice_peppol_message=self._einvoice_peppol_text(
                    self.env._("The PEPPOL lookup of %(participant)s failed", participant=participant.value), exc
                ),
            )
        else:
            invoice, credit_note, response = (
                found[d.value] for d in (BIS3_INVOICE, BIS3_CREDIT_NOTE, INVOICE_RESPONSE)
            )
            endpoint = invoice.endpoint or credit_note.endpoint or response.endpoint
            values.update(
                einvoice_peppol_state="found" if invoice.supported else "absent",
                einvoice_peppol_invoice=invoice.supported,
                einvoice_peppol_credit_note=credit_note.supported,
                einvoice_peppol_response=response.supported,
                einvoice_peppol_access_point=endpoint.address if endpoint else False,
                einvoice_peppol_message=self._einvoice_peppol_summary(participant, invoice, credit_note, response),
            )
        self.sudo().write(values)
        return values["einvoice_peppol_state"]

    def _einvoice_peppol_text(self, sentence, exc):
        return self.env._("%(sentence)s: %(detail)s", sentence=sentence, detail=str(exc)[:500])

    def _einvoice_peppol_summary(self, participant, invoice, credit_note, response):
        yes, no = self.env._("yes"), self.env._("no")
        return self.env._(
            "%(participant)s on PEPPOL: BIS 3 invoices %(invoice)s, credit notes %(credit_note)s, Invoice "
            "Responses %(response)s; access point %(access_point)s.",
            participant=participant.value,
            invoice=yes if invoice.supported else no,
            credit_note=yes if credit_note.supported else no,
            response=yes if response.supported else no,
            access_point=(invoice.endpoint or credit_note.endpoint or response.endpoint).address
            if (invoice.supported or credit_note.supported or response.supported)
            else "-",
        )

    def _einvoice_peppol_fresh(self, company):
        """Whether the last lookup is about the current participant and recent enough to rely on."""
        self.ensure_one()
        if not self.einvoice_peppol_checked_on or self.einvoice_peppol_state == "unknown":
            return False
        participant = f"{self.peppol_eas}:{self.peppol_endpoint}"
        if (self.einvoice_peppol_checked_id or "").lower() != participant.lower():
            return False
        max_age = datetime.timedelta(days=max(company.einvoice_peppol_max_age, 0))
        return fields.Datetime.now() - self.einvoice_peppol_checked_on <= max_age

    def _einvoice_peppol_obstacle(self, company, credit_note=False):
        """Why this customer cannot receive the invoice (or credit note) over PEPPOL now, with what to
        do, or False. A stale or missing lookup is done again first."""
        partner = self.commercial_partner_id
        try:
            if not partner._einvoice_peppol_fresh(company):
                partner._einvoice_peppol_lookup(company)
        except UserError as exc:
            return str(exc)
        name = partner.display_name
        state = partner.einvoice_peppol_state
        if state == "found":
            if credit_note and not partner.einvoice_peppol_credit_note:
                return self.env._(
                    "%(partner)s receives BIS 3 invoices on PEPPOL but no credit notes: send this credit note by "
                    "another channel.",
                    partner=name,
                )
            return False
        if state == "absent":
            return self.env._(
                "%(partner)s does not receive PEPPOL BIS 3 invoices (%(detail)s): check its Peppol e-address or "
                "send this invoice by another channel.",
                partner=name,
                detail=partner.einvoice_peppol_message or "",
            )
        return self.env._(
            "%(partner)s could not be looked up on PEPPOL (%(detail)s): fix the cause, click Look up on PEPPOL "
            "on the customer, then Send to platform.",
            partner=name,
            detail=partner.einvoice_peppol_message or "",
        )
