from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    l10n_fr_vat_on_debits = fields.Boolean(related="company_id.l10n_fr_vat_on_debits", readonly=False)
    l10n_fr_note_pmt = fields.Char(related="company_id.l10n_fr_note_pmt", readonly=False)
    l10n_fr_note_pmd = fields.Char(related="company_id.l10n_fr_note_pmd", readonly=False)
    l10n_fr_note_aab = fields.Char(related="company_id.l10n_fr_note_aab", readonly=False)
    l10n_fr_vat_group_member = fields.Boolean(related="company_id.l10n_fr_vat_group_member", readonly=False)
    l10n_fr_vat_group_partner_id = fields.Many2one(related="company_id.l10n_fr_vat_group_partner_id", readonly=False)
    l10n_fr_vat_group_siren = fields.Char(related="company_id.l10n_fr_vat_group_siren", readonly=False)
