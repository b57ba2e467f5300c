from odoo import fields, models

FRAME_KINDS = [
    ("1", "1 - Invoice"),
    ("2", "2 - Invoice already paid"),
    ("3", "3 - Subcontracting with direct payment (services)"),
    ("4", "4 - Final invoice after deposits"),
    ("5", "5 - Subcontractor invoice (services)"),
    ("6", "6 - Co-contracting (services)"),
    ("7", "7 - VAT already e-reported"),
    ("8", "8 - Multi-vendor invoice"),
]

#: Frames that exist only for some operation categories (BR-FR-08 code list).
FRAME_CATEGORIES = {"3": "S", "5": "S", "6": "S", "7": "BS"}


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
