from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    einvoice_peppol_sml_zone = fields.Char(related="company_id.einvoice_peppol_sml_zone", readonly=False)
    einvoice_peppol_nameservers = fields.Char(related="company_id.einvoice_peppol_nameservers", readonly=False)
    einvoice_peppol_smp_ca = fields.Text(
        related="company_id.einvoice_peppol_smp_ca", readonly=False, groups="base.group_system"
    )
    einvoice_peppol_max_age = fields.Integer(related="company_id.einvoice_peppol_max_age", readonly=False)
    einvoice_peppol_smp_url = fields.Char(related="company_id.einvoice_peppol_smp_url", readonly=False)
