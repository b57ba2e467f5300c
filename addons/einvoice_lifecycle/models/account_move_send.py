from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _l10n_fr_target(self, move, invoice_edi_format):
        # EXTENDS l10n_fr_einvoice: an internal credit note is printed and sent as a PDF, never as an
        # e-invoice (no regulated flow after a refusal or a rejection, DSE v3.2 §3.6.4).
        if move.einvoice_internal:
            return None
        return super()._l10n_fr_target(move, invoice_edi_format)
