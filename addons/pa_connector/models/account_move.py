from odoo import _, fields, models
from odoo.exceptions import UserError

from .einvoice_flow import TARGET_SYNTAX


class AccountMove(models.Model):
    _inherit = "account.move"

    einvoice_flow_ids = fields.One2many("einvoice.flow", "move_id", string="Platform flows", readonly=True)
    einvoice_platform_state = fields.Selection(
        related="einvoice_flow_ids.state", string="Platform", help="State of the invoice's last flow."
    )

    # --- issuing ---------------------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._einvoice_queue_for_platform()
        return posted

    def _einvoice_platform_syntax(self, platform):
        found = self.partner_id._l10n_fr_einvoice_format()
        return TARGET_SYNTAX[found[0] if found else platform.default_syntax]

    def _einvoice_queue_for_platform(self):
        """Queue the customer invoices whose buyer receives through an approved platform."""
        Flow = self.env["einvoice.flow"]
        platforms = {}
        for move in self.filtered(
            lambda m: m.is_sale_document() and m.l10n_fr_is_einvoice and m._einvoice_channel() == "platform"
        ):
            company = move.company_id
            if company not in platforms:
                platforms[company] = self.env["einvoice.platform"].sudo()._for_company(company)
            platform = platforms[company]
            partner = move.partner_id.commercial_partner_id
            if not platform or not partner._einvoice_may_receive() or not move._einvoice_may_use(platform):
                continue
            if move.einvoice_flow_ids.filtered(lambda f: f.flow_type == "CustomerInvoice" and f.state != "error"):
                continue
            Flow._queue(platform, "CustomerInvoice", move, syntax=move._einvoice_platform_syntax(platform))

    def action_einvoice_send_to_platform(self):
        """Send now (queue) an invoice that was posted before the platform was set up."""
        for move in self:
            platform = self.env["einvoice.platform"].sudo()._for_company(move.company_id)
            if not platform:
                raise UserError(_("%s has no approved platform configured.", move.company_id.name))
            if move.state != "posted" or not move.is_sale_document():
                raise UserError(_("%s: only posted customer invoices are sent.", move.display_name))
            if move._einvoice_channel() != "platform":
                raise UserError(_("%s goes through Chorus Pro, not the approved platform.", move.display_name))
            if not move._einvoice_may_use(platform):
                raise UserError(
                    self.env._(
                        "%s went through the sandbox: it is a trial, never sent to a real platform. Cancel it with "
                        "a credit note and issue the invoice again to send it for real.",
                        move.display_name,
                    )
                )
            if move.einvoice_flow_ids.filtered(
                lambda f: f.flow_type == "CustomerInvoice" and f.state not in ("error", "rejected")
            ):
                raise UserError(_("%s is already sent or queued.", move.display_name))
            self.env["einvoice.flow"]._queue(
                platform, "CustomerInvoice", move, syntax=move._einvoice_platform_syntax(platform)
            )

    def _einvoice_may_use(self, platform):
        """Never mixed: what went through a sandbox never goes to a real platform."""
        self.ensure_one()
        return platform.environment == "sandbox" or not self.einvoice_sandbox

    def action_einvoice_view_flows(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("pa_connector.action_einvoice_flow")
        action["domain"] = [("move_id", "=", self.id)]
        return action

    # --- statuses we give travel as CDAR -----------------------------------------------------

    # EXTENDS einvoice_lifecycle
    def _einvoice_give_status(self, status, **options):
        event = super()._einvoice_give_status(status, **options)
        platform = self.env["einvoice.platform"].sudo()._for_company(self.company_id)
        if (
            platform
            and self._einvoice_may_use(platform)
            and event.attachment_id
            and not self.env["einvoice.flow"].sudo().search_count([("event_id", "=", event.id)])
        ):
            self.env["einvoice.flow"]._queue(
                platform,
                "SupplierInvoiceLC" if self.is_purchase_document() else "CustomerInvoiceLC",
                self,
                syntax="CDAR",
                attachment=event.attachment_id,
                event=event,
            )
        return event
