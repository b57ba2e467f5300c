from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    einvoice_reminder_days_before = fields.Integer(
        string="Reminder days before due date",
        default=3,
        help="Email the customer this many days before an unpaid invoice is due (0: no reminder).",
    )
    einvoice_reminder_days_after = fields.Integer(
        string="Reminder days after due date",
        default=7,
        help="Email the customer this many days after an unpaid invoice was due (0: no reminder).",
    )
