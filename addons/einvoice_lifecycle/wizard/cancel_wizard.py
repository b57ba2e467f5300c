from odoo import fields, models


class CancelWizard(models.TransientModel):
    """220 "Annulée": the seller cancels a posted invoice and names the invoice that replaces it."""

    _name = "einvoice_lifecycle.cancel.wizard"
    _description = "Cancel an e-invoice (220)"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    company_id = fields.Many2one(related="move_id.company_id")
    commercial_partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    replacement_id = fields.Many2one(
        "account.move",
        string="Replacing invoice",
        required=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), ('company_id', '=', company_id), "
        "('commercial_partner_id', '=', commercial_partner_id), ('id', '!=', move_id), "
        "('einvoice_replaces_id', '=', False)]",
        help="The posted invoice the customer must pay instead of this one.",
    )
    reason = fields.Char(help="Why the invoice is cancelled, for the customer (MDT-114).")

    def action_apply(self):
        self.ensure_one()
        self.move_id._einvoice_cancel(self.replacement_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
