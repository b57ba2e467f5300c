from odoo import fields, models

from .res_company import FRAME_KINDS


class AccountJournal(models.Model):
    _inherit = "account.journal"

    l10n_fr_frame_kind = fields.Selection(
        FRAME_KINDS,
        string="Default billing frame",
        help="Billing frame (BT-23 digit) of the invoices of this journal, unless the customer has its own.",
    )
