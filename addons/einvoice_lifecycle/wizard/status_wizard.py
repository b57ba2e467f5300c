from odoo import api, fields, models

from einvoice.lifecycle import REASON_CODES, REQUESTED_ACTIONS, STATUSES

#: The statuses a company gives with a reason or a choice: the buyer's on a bill (partial approval,
#: dispute, suspension, refusal, endorsement), the seller's on an invoice (direct payment, factoring,
#: payment account).
BUYER_WIZARD_STATUSES = ("206", "207", "208", "210", "214")
SELLER_WIZARD_STATUSES = ("224", "225", "226", "227", "228")
WIZARD_STATUSES = BUYER_WIZARD_STATUSES + SELLER_WIZARD_STATUSES


class StatusWizard(models.TransientModel):
    """A status that needs a reason or a choice among several."""

    _name = "einvoice_lifecycle.status.wizard"
    _description = "E-invoice status with a reason"

    move_id = fields.Many2one("account.move", required=True)
    side = fields.Selection([("buyer", "Buyer"), ("seller", "Seller")], compute="_compute_side")
    status = fields.Selection(
        [(code, f"{code} - {STATUSES[code].label_en}") for code in WIZARD_STATUSES], required=True
    )
    reason_code = fields.Selection(
        [(code, code) for code in sorted(REASON_CODES)], string="Reason code", help="MDT-113"
    )
    reason = fields.Char(help="What is wrong or missing, in words (MDT-114)")
    action_code = fields.Selection(
        [(code, f"{code} - {labels[1]}") for code, labels in REQUESTED_ACTIONS.items()],
        string="Requested action",
        help="MDT-121",
    )

    @api.depends("move_id")
    def _compute_side(self):
        for wizard in self:
            wizard.side = "buyer" if wizard.move_id.is_purchase_document() else "seller"

    def action_apply(self):
        self.ensure_one()
        self.move_id._einvoice_give_status(
            self.status, reason_code=self.reason_code, reason=self.reason, action_code=self.action_code
        )
        return {"type": "ir.actions.act_window_close"}
