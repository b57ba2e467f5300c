from odoo import api, fields, models

from ..models.chorus_pro_sandbox import BEHAVIOURS


class ChorusSandboxWizard(models.TransientModel):
    """What the public buyers of the sandbox do with the invoices deposited from now on."""

    _name = "chorus.pro.sandbox.wizard"
    _description = "Chorus Pro sandbox: the public buyer's behaviour"

    account_id = fields.Many2one(
        "chorus.pro.account", "Chorus Pro connection", required=True, readonly=True, ondelete="cascade"
    )
    behaviour = fields.Selection(BEHAVIOURS, "The public buyer", required=True, default="normal")
    reason = fields.Char(
        "Reason given",
        help="What the buyer writes when it suspends or rejects the invoice, or what Chorus Pro writes when it "
        "cannot route it. Empty: a usual reason.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        account = self.env["chorus.pro.account"].browse(values.get("account_id"))
        if account:
            values.update(behaviour=account.sandbox_behaviour or "normal", reason=account.sandbox_reason or False)
        return values

    def action_confirm(self):
        self.ensure_one()
        account = self.account_id
        account._check_is_sandbox()
        reason = (self.reason or "").strip() if self.behaviour != "normal" else ""
        account.sudo()._sandbox().write({"behaviour": self.behaviour, "reason": reason or False})
        return {"type": "ir.actions.client", "tag": "soft_reload"}
