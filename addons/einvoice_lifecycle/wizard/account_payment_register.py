from odoo import api, fields, models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    einvoice_superseded_move_ids = fields.Many2many(
        "account.move",
        "einvoice_payment_register_superseded_rel",
        "wizard_id",
        "move_id",
        string="Superseded bills left out",
        readonly=True,
    )

    @api.model
    def default_get(self, fields_list):
        # EXTENDS account: superseded bills are left out of the payment; alone, they are refused.
        res = super().default_get(fields_list)
        if not res.get("line_ids"):
            return res
        lines = self.env["account.move.line"].browse(res["line_ids"][0][2])
        superseded = lines.move_id.filtered("einvoice_superseded")
        if superseded:
            kept = lines.filtered(lambda line: not line.move_id.einvoice_superseded)
            if not kept:
                superseded._einvoice_refuse_superseded_payment()
            res["line_ids"] = [fields.Command.set(kept.ids)]
            res["einvoice_superseded_move_ids"] = [fields.Command.set(superseded.ids)]
        return res

    @api.depends("einvoice_superseded_move_ids")
    def _compute_actionable_errors(self):
        # EXTENDS account
        result = super()._compute_actionable_errors()
        for wizard in self.filtered("einvoice_superseded_move_ids"):
            bills = wizard.einvoice_superseded_move_ids
            wizard.actionable_errors = dict(
                wizard.actionable_errors or {},
                einvoice_superseded={
                    "message": self.env._(
                        "Left out, cancelled or corrected by their supplier: %(bills)s",
                        bills=", ".join(bills.mapped("display_name")),
                    ),
                    "action_text": self.env._("See them"),
                    "action": bills._get_records_action(name=self.env._("Superseded bills")),
                    "level": "warning",
                },
            )
        return result

    def _create_payments(self):
        # EXTENDS account: the last guard, whatever filled the wizard.
        self.line_ids.move_id._einvoice_refuse_superseded_payment()
        return super()._create_payments()
