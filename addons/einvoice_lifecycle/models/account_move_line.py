from odoo import models


def _plan_lines(plan, lines):
    """Every journal item of a reconciliation plan (recordsets, or plans of them)."""
    for item in plan:
        if isinstance(item, models.BaseModel):
            lines |= item
        else:
            lines = _plan_lines(item, lines)
    return lines


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_plan(self, reconciliation_plan):
        # EXTENDS account: a superseded bill is not paid, whatever the way (payment, bank statement).
        # Its own credit note or a write-off may still settle it.
        for group in reconciliation_plan:
            lines = _plan_lines([group], self.browse())
            moves = lines.move_id
            if moves.filtered("einvoice_superseded") and moves.filtered(
                lambda m: m.origin_payment_id or m.statement_line_id
            ):
                moves._einvoice_refuse_superseded_payment()
        return super()._reconcile_plan(reconciliation_plan)
