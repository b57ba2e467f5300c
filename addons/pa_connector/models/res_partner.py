import datetime
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import selection_label
from odoo.addons.l10n_fr_einvoice.notification import notification

from einvoice.errors import TransportError
from einvoice.platform import ProtocolError
from einvoice.platform.directory import choose_line

from .einvoice_flow import _commit

_logger = logging.getLogger(__name__)

DIRECTORY_STATES = [
    ("unknown", "Not checked"),
    ("enabled", "Receives e-invoices"),
    ("upcoming", "Will receive soon"),
    ("disabled", "Cannot receive yet"),
    ("absent", "Not in the directory"),
    ("ambiguous", "Several addresses"),
]
#: A directory answer older than this is checked again before an invoice is sent.
DIRECTORY_FRESHNESS = datetime.timedelta(days=7)
DIRECTORY_BATCH = 200


class ResPartner(models.Model):
    _inherit = "res.partner"

    einvoice_directory_state = fields.Selection(
        DIRECTORY_STATES,
        string="Directory",
        default="unknown",
        copy=False,
        help="What the e-invoicing directory says of this company's electronic address.",
    )
    einvoice_directory_checked_on = fields.Datetime("Directory checked on", copy=False, readonly=True)
    einvoice_directory_platform = fields.Char(
        "Receiving platform type", copy=False, readonly=True, help="WK: an approved platform; DFH: the public portal."
    )
    einvoice_directory_addresses = fields.Char(
        "Addresses in the directory",
        copy=False,
        readonly=True,
        help="The electronic addresses the directory lists for this company when its data does not say which "
        "one its invoices go to: enter the right one as its electronic address.",
    )
    einvoice_public_entity = fields.Boolean(
        "Public entity",
        copy=False,
        help="The directory lists this company as a public structure (invoiced via Chorus Pro).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if partners.filtered(lambda p: p.is_company and p.l10n_fr_siren):
            # Looked up by the directory cron, not here: an import of 5,000 partners must not wait on HTTP.
            cron = self.env.ref("pa_connector.cron_directory_refresh", raise_if_not_found=False)
            if (
                cron
                and cron.sudo().active
                and self.env["einvoice.platform"].sudo().search_count([("has_directory", "=", True)])
            ):
                cron._trigger()
        return partners

    def _einvoice_may_receive(self):
        """Whether invoices to this partner go through the platform (not known to be unreachable)."""
        self.ensure_one()
        return bool(self.l10n_fr_siren) and self.einvoice_directory_state not in ("disabled", "absent", "ambiguous")

    def _einvoice_directory_platform(self, company=None):
        Platform = self.env["einvoice.platform"].sudo()
        domain = [("has_directory", "=", True)]
        platform = Platform.search([*domain, ("company_id", "=", (company or self.env.company).id)], limit=1)
        return platform or Platform.search(domain, limit=1)

    def _einvoice_directory_lookup(self, platform):
        """Ask the directory for this partner's line; writes and returns the new state."""
        self.ensure_one()
        directory = platform._clients()[1]
        partner = self.commercial_partner_id
        siren, siret = partner.l10n_fr_siren, partner.siret or None
        if not siren:
            raise UserError(_("%s has no SIREN: it cannot be looked up in the directory.", partner.display_name))
        if platform.environment == "sandbox":
            platform._sandbox_know(partner)
        lines = directory.lines_of(siren)
        # A bare SIREN is the address every company has by default: it names no line in particular.
        address = partner.l10n_fr_electronic_address
        line, alternatives = choose_line(
            lines,
            siret=siret,
            routing_code=partner.l10n_fr_routing_code or None,
            address=address if address and address != siren else None,
        )
        values = {"einvoice_directory_checked_on": fields.Datetime.now(), "einvoice_directory_addresses": False}
        if alternatives:
            values["einvoice_directory_state"] = "ambiguous"
            values["einvoice_directory_addresses"] = ", ".join(alt["addressingIdentifier"] for alt in alternatives)[
                :500
            ]
        elif line is None:
            values["einvoice_directory_state"] = "absent"
        else:
            status = line.get("directoryLineStatus")
            values["einvoice_directory_state"] = {"Enabled": "enabled", "Upcoming": "upcoming"}.get(status, "disabled")
            values["einvoice_directory_platform"] = line.get("platformType") or False
            values["l10n_fr_electronic_address"] = line["addressingIdentifier"]
            if line.get("routingIdentifier"):
                values["l10n_fr_routing_code"] = line["routingIdentifier"]
            if line.get("addressingSuffix"):
                values["l10n_fr_routing_suffix"] = line["addressingSuffix"]
            unit = line.get("legalUnit") if isinstance(line.get("legalUnit"), dict) else {}
            if unit.get("entityType"):
                values["einvoice_public_entity"] = unit["entityType"] == "Public"
        partner.write(values)
        return values["einvoice_directory_state"]

    def _einvoice_directory_fresh(self):
        checked = self.commercial_partner_id.einvoice_directory_checked_on
        return bool(checked) and fields.Datetime.now() - checked < DIRECTORY_FRESHNESS

    def action_einvoice_directory_check(self):
        """The "Check in directory" button."""
        self.ensure_one()
        self.check_access("write")  # the answer is written on the partner
        platform = self._einvoice_directory_platform()
        if not platform:
            raise UserError(_("No approved platform with a directory is configured (Accounting > Configuration)."))
        try:
            state = self._einvoice_directory_lookup(platform)
        except TransportError as exc:
            raise UserError(_("The directory could not be reached: %s", exc)) from exc
        partner = self.commercial_partner_id
        if state == "enabled":
            message, kind = (
                _(
                    "%(partner)s receives e-invoices at %(address)s.",
                    partner=partner.name,
                    address=partner.l10n_fr_electronic_address,
                ),
                "success",
            )
        else:
            message, kind = (
                _(
                    "%(partner)s cannot receive e-invoices yet (%(state)s): "
                    "invoices to it are not sent through the platform.",
                    partner=partner.name,
                    state=selection_label(partner, "einvoice_directory_state", state),
                ),
                "warning",
            )
        return notification(message, kind)

    @api.model
    def _cron_einvoice_directory_refresh(self):
        """Look up never-checked partners and refresh customers checked over a day ago, by batches."""
        platform = self._einvoice_directory_platform()
        if not platform:
            return
        cutoff = fields.Datetime.now() - datetime.timedelta(days=1)
        domain = [
            ("is_company", "=", True),
            ("l10n_fr_siren", "!=", False),
            "|",
            ("einvoice_directory_checked_on", "=", False),
            "&",
            ("customer_rank", ">", 0),
            ("einvoice_directory_checked_on", "<", cutoff),
        ]
        partners = self.search(domain, order="einvoice_directory_checked_on asc nulls first, id", limit=DIRECTORY_BATCH)
        done = 0
        for partner in partners:
            try:
                with self.env.cr.savepoint():
                    partner._einvoice_directory_lookup(platform)
                done += 1
            except ProtocolError as exc:
                # An answer off the contract for this partner: asked again later, after the others.
                _logger.warning("Directory answer for %s cannot be used: %s", partner.display_name, exc)
                partner.einvoice_directory_checked_on = fields.Datetime.now()
                done += 1
            except TransportError as exc:
                _logger.warning("Directory refresh stopped: %s", exc)
                break
        _commit(self.env)  # a batch of answers is kept even if the next batch fails
        remaining = self.search_count(domain) if done else 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
