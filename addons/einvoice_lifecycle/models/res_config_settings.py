from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    einvoice_reminder_days_before = fields.Integer(related="company_id.einvoice_reminder_days_before", readonly=False)
    einvoice_reminder_days_after = fields.Integer(related="company_id.einvoice_reminder_days_after", readonly=False)
