from odoo import fields, models


class EinvoiceFinding(models.Model):
    """One problem the validation found in an invoice's e-invoice, with where to fix it."""

    _name = "l10n_fr_einvoice.finding"
    _description = "E-invoice validation finding"
    _order = "severity, id"

    move_id = fields.Many2one("account.move", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    rule_id = fields.Char(string="Rule", required=True)
    severity = fields.Selection([("fatal", "Blocking"), ("warning", "Warning")], required=True)
    business_term = fields.Char(string="Business term", help="EN 16931 term (BT-x) the rule is about.")
    message = fields.Text(required=True)
    location = fields.Char(help="Where in the XML file the rule failed (XPath).")
    field_description = fields.Char(string="Field to fix")
    fix_model = fields.Char(string="Record to fix (model)")
    fix_res_id = fields.Many2oneReference(string="Record to fix (id)", model_field="fix_model")
    fix_display_name = fields.Char(string="Record to fix")

    def action_open_record(self):
        """Open the record that holds the data to fix."""
        self.ensure_one()
        model = self.fix_model or "account.move"
        res_id = self.fix_res_id or self.move_id.id
        return {
            "type": "ir.actions.act_window",
            "res_model": model,
            "res_id": res_id,
            "views": [(False, "form")],
            "target": "current",
        }
