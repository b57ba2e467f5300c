from odoo import api, fields, models


class ChorusProService(models.Model):
    """A service of a public buyer's Chorus Pro structure: the service codes its invoices may carry (BT-10)."""

    _name = "chorus.pro.service"
    _description = "Chorus Pro service of a public buyer"
    _order = "partner_id, code"
    _rec_names_search = ["code", "name"]  # noqa: RUF012 (Odoo reads this class attribute)

    partner_id = fields.Many2one("res.partner", "Public buyer", required=True, index=True, ondelete="cascade")
    code = fields.Char("Service code", required=True, index=True)
    name = fields.Char("Service")
    service_id = fields.Char("Chorus Pro id", help="idService in Chorus Pro.")
    active = fields.Boolean(default=True, help="Inactive in Chorus Pro: invoices with this code are rejected.")

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("code_unique", "unique(partner_id, code)", "A service code is listed once per public buyer."),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for service in self:
            service.display_name = f"{service.code} - {service.name}" if service.name else service.code
