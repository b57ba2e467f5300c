from stdnum.fr import siren as stdnum_siren

from odoo import api, fields, models
from odoo.exceptions import ValidationError

FRAME_KINDS = [
    ("1", "1 - Invoice"),
    ("2", "2 - Invoice already paid"),
    ("3", "3 - Subcontracting with direct payment (services)"),
    ("4", "4 - Final invoice after deposits"),
    ("5", "5 - Subcontractor invoice (services)"),
    ("6", "6 - Co-contracting (services)"),
    ("7", "7 - VAT already e-reported"),
    ("8", "8 - Multi-vendor invoice"),
    ("9", "9 - Bidirectional invoice"),
]

#: Frames that exist only for some operation categories (BR-FR-08 code list).
FRAME_CATEGORIES = {"3": "S", "5": "S", "6": "S", "7": "BS"}

#: A member of a single VAT taxpayer (assujetti unique) states the group's SIREN with this
#: identifier scheme (BT-29-1, annex 7 S1.14 and G1.76) and the TXD note (BR-FR-CO-14).
VAT_GROUP_SCHEME = "0231"
VAT_GROUP_NOTE = "MEMBRE_ASSUJETTI_UNIQUE"


def default_note(env, code):
    texts = {
        "PMT": env._("Fixed compensation for recovery costs in case of late payment: 40 EUR (art. L441-10 C. com.)"),
        "PMD": env._("Late payment penalties: three times the French legal interest rate"),
        "AAB": env._("No discount for early payment"),
    }
    return texts[code]


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_fr_vat_on_debits = fields.Boolean(
        string="VAT on debits",
        help="The company opted to pay VAT on services when invoicing (option pour les débits): "
        "e-invoices state it with BT-8.",
    )
    l10n_fr_vat_group_member = fields.Boolean(
        string="Member of a VAT group",
        help="The company belongs to a single VAT taxpayer (assujetti unique, CGI art. 256 C): its e-invoices "
        "name the group (seller identifier scheme 0231, note TXD, the group as tax representative BG-11).",
    )
    l10n_fr_vat_group_partner_id = fields.Many2one(
        "res.partner",
        string="VAT group",
        help="The single VAT taxpayer: its name, VAT number and address are written as the seller's tax "
        "representative (BG-11, BR-FR-CO-15).",
    )
    l10n_fr_vat_group_siren = fields.Char(
        string="VAT group SIREN",
        compute="_compute_l10n_fr_vat_group_siren",
        store=True,
        readonly=False,
        help="SIREN of the single VAT taxpayer, written as a seller identifier with scheme 0231 (BT-29, G1.76).",
    )
    l10n_fr_note_pmt = fields.Char(
        string="Recovery costs note (PMT)",
        translate=True,
        default=lambda self: default_note(self.env, "PMT"),
        help="Mandatory mention of the fixed compensation for recovery costs, written on every "
        "e-invoice as a note with subject PMT.",
    )
    l10n_fr_note_pmd = fields.Char(
        string="Late payment penalties note (PMD)",
        translate=True,
        default=lambda self: default_note(self.env, "PMD"),
    )
    l10n_fr_note_aab = fields.Char(
        string="Early payment discount note (AAB)",
        translate=True,
        default=lambda self: default_note(self.env, "AAB"),
    )

    @api.depends("l10n_fr_vat_group_partner_id")
    def _compute_l10n_fr_vat_group_siren(self):
        for company in self:
            # The group's own SIREN when its contact knows it; else what the user typed stays.
            group_siren = company.l10n_fr_vat_group_partner_id.l10n_fr_siren
            company.l10n_fr_vat_group_siren = group_siren or company.l10n_fr_vat_group_siren

    @api.constrains("l10n_fr_vat_group_siren")
    def _check_l10n_fr_vat_group_siren(self):
        for company in self:
            siren = (company.l10n_fr_vat_group_siren or "").replace(" ", "")
            if siren and not stdnum_siren.is_valid(siren):
                raise ValidationError(
                    self.env._(
                        "VAT group SIREN: %(siren)s is not a valid SIREN (9 digits with a Luhn check).", siren=siren
                    )
                )
