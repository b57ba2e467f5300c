import datetime
import logging

from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.l10n_fr_einvoice.notification import notification

from einvoice.chorus import ChorusProError

from .chorus_pro_account import _commit, error_text

_logger = logging.getLogger(__name__)

#: Public buyers are looked up again after this delay: their services and requirements change.
SYNC_FRESHNESS = datetime.timedelta(days=7)
SYNC_BATCH = 100


class ResPartner(models.Model):
    _inherit = "res.partner"

    invoice_sending_method = fields.Selection(selection_add=[("chorus_pro", "by Chorus Pro")])
    chorus_public_entity = fields.Boolean(
        "Public entity (Chorus Pro)",
        copy=False,
        tracking=True,
        help="A structure of Chorus Pro: its invoices must be sent through Chorus Pro. Set when the SIRET is "
        "found in Chorus Pro's structures.",
    )
    chorus_structure_id = fields.Char("Chorus Pro structure", copy=False, help="idStructureCPP in Chorus Pro.")
    chorus_structure_name = fields.Char("Name in Chorus Pro", copy=False)
    chorus_structure_active = fields.Boolean("Structure active", copy=False, default=True)
    chorus_service_code_required = fields.Boolean(
        "Service code required", copy=False, help="The public buyer requires a service code on its invoices (BT-10)."
    )
    chorus_commitment_required = fields.Boolean(
        "Commitment number required",
        copy=False,
        help="The public buyer requires its commitment number (numéro d'engagement) on its invoices (BT-13).",
    )
    chorus_service_or_commitment = fields.Boolean(
        "Service code or commitment required",
        copy=False,
        help="The public buyer requires at least one of the service code and the commitment number.",
    )
    chorus_service_ids = fields.One2many("chorus.pro.service", "partner_id", "Chorus Pro services")
    chorus_synced_on = fields.Datetime("Synced with Chorus Pro on", copy=False, readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if partners.filtered(lambda p: p.is_company and p.siret and not p.chorus_synced_on):
            # Looked up by the sync job, not here: an import of 5,000 partners must not wait on HTTP.
            self._chorus_trigger_sync()
        return partners

    def write(self, vals):
        if "siret" in vals and "chorus_synced_on" not in vals:
            vals = dict(vals, chorus_synced_on=False)
        result = super().write(vals)
        if vals.get("siret"):
            self._chorus_trigger_sync()
        return result

    @api.model
    def _chorus_trigger_sync(self):
        cron = self.env.ref("chorus_pro_connector.cron_sync_partners", raise_if_not_found=False)
        if cron and self.env["chorus.pro.account"].sudo().search_count([]):
            cron._trigger()

    def _chorus_account(self, company=None):
        """A Chorus Pro connection to look structures up: the company's, else any other but a sandbox
        (structures are public data; a sandbox knows only its own company's public buyers)."""
        Account = self.env["chorus.pro.account"].sudo()
        account = Account._for_company(company or self.env.company)
        if not account or not account.credentials_set:
            account = Account.search([("environment", "!=", "sandbox")]).filtered("credentials_set")[:1]
        return account

    def _chorus_own_sirets(self):
        companies = self.env["res.company"].sudo().search([("siret", "!=", False)])
        return {stdnum_siret.compact(siret) for siret in companies.mapped("siret")}

    def _chorus_sync(self, client):
        """Look this company up in Chorus Pro's structures: public flag, requirements and services."""
        self.ensure_one()
        partner = self.commercial_partner_id
        siret = stdnum_siret.compact(partner.siret or "")
        values = {"chorus_synced_on": fields.Datetime.now()}
        structures = client.find_structures(siret) if siret and siret not in self._chorus_own_sirets() else []
        if not structures:
            values.update(chorus_public_entity=False, chorus_structure_id=False, chorus_structure_name=False)
            partner.write(values)
            return False
        structure = structures[0]
        details = client.structure(structure.structure_id)
        services = client.services(structure.structure_id)
        values.update(
            chorus_public_entity=True,
            chorus_structure_id=str(structure.structure_id),
            chorus_structure_name=details.name or structure.name or False,
            chorus_structure_active=details.active,
            chorus_service_code_required=details.service_code_required,
            chorus_commitment_required=details.commitment_required,
            chorus_service_or_commitment=details.service_or_commitment,
        )
        partner.write(values)
        partner._chorus_save_services(services)
        return True

    def _chorus_save_services(self, services):
        Service = self.env["chorus.pro.service"].sudo().with_context(active_test=False)
        existing = {s.code: s for s in Service.search([("partner_id", "=", self.id)])}
        seen = set()
        for service in services:
            if not service.code or service.code in seen:
                continue
            seen.add(service.code)
            values = {
                "name": service.name or False,
                "service_id": str(service.service_id) if service.service_id else False,
                "active": service.active,
            }
            record = existing.get(service.code)
            if record:
                if any(record[key] != value for key, value in values.items()):
                    record.write(values)
            else:
                Service.create(dict(values, partner_id=self.id, code=service.code))
        # Services Chorus Pro no longer lists are kept, inactive: old invoices still name them.
        Service.browse([s.id for code, s in existing.items() if code not in seen and s.active]).write({"active": False})

    def action_chorus_sync(self):
        """The "Sync from Chorus Pro" button."""
        self.ensure_one()
        partner = self.commercial_partner_id
        # The lookup writes the partner and its services (as superuser): the user must be allowed to.
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only invoicing users can sync a partner from Chorus Pro."))
        partner.check_access("write")
        if not partner.siret:
            raise UserError(self.env._("%s has no SIRET: it cannot be looked up in Chorus Pro.", partner.display_name))
        account = self._chorus_account()
        if not account:
            raise UserError(
                self.env._("No Chorus Pro connection is configured (Accounting > Configuration > Chorus Pro).")
            )
        try:
            public = partner._chorus_sync(account._client())
        except ChorusProError as exc:
            raise UserError(self.env._("Chorus Pro could not be reached: %s", error_text(self.env, exc))) from exc
        if public:
            message = self.env._(
                "%(partner)s is a public entity in Chorus Pro with %(count)s active service(s).",
                partner=partner.display_name,
                count=len(partner.chorus_service_ids),
            )
            kind = "success"
        else:
            message = self.env._(
                "%(partner)s is not a structure of Chorus Pro: its invoices are not sent there.",
                partner=partner.display_name,
            )
            kind = "info"
        return notification(message, kind, reload=True)

    @api.model
    def _cron_chorus_sync_partners(self):
        """Look up companies never checked, and refresh the public buyers checked over a week ago."""
        account = self._chorus_account()
        if not account:
            return
        try:
            client = account._client()
        except UserError:
            return  # not configured yet: nothing to do
        cutoff = fields.Datetime.now() - SYNC_FRESHNESS
        # A sandbox answers for the public buyers of its company only.
        scope = [("company_id", "in", [False, account.company_id.id])] if account.environment == "sandbox" else []
        domain = [
            *scope,
            ("is_company", "=", True),
            ("siret", "!=", False),
            "|",
            ("chorus_synced_on", "=", False),
            "&",
            ("chorus_public_entity", "=", True),
            ("chorus_synced_on", "<", cutoff),
        ]
        partners = self.search(domain, order="chorus_synced_on asc nulls first, id", limit=SYNC_BATCH)
        done = 0
        for partner in partners:
            try:
                with self.env.cr.savepoint():
                    partner._chorus_sync(client)
                done += 1
            except ChorusProError as exc:
                _logger.warning("Chorus Pro structure sync stopped: %s", exc)
                break
        _commit(self.env)  # a batch of answers is kept even if the next batch fails
        remaining = self.search_count(domain) if done else 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
