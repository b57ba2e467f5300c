from odoo import fields, models

from einvoice.lifecycle import REASON_CODES, REQUESTED_ACTIONS, STATUSES

WIZARD_STATUSES = ("206", "207", "208", "210")


class StatusWizard(models.TransientModel):
    """A status that needs a reason: partial approval, dispute, suspension, refusal."""

    _name = "einvoice_lifecycle.status.wizard"
    _description = "E-invoice status with a reason"

    move_id = fields.Many2one("account.move", required=True)
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

    def action_apply(self):
        self.ensure_one()
        self.move_id._einvoice_give_status(
            self.status, reason_code=self.reason_code, reason=self.reason, action_code=self.action_code
        )
        return {"type": "ir.actions.act_window_close"}
