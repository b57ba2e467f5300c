from odoo import api, models

from einvoice.profiles import Profile

from .res_partner import PEPPOL_FORMAT


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    # EXTENDS l10n_fr_einvoice
    @api.model
    def _l10n_fr_target(self, move, invoice_edi_format):
        if invoice_edi_format == PEPPOL_FORMAT and move.is_sale_document():
            return "ubl", Profile.PEPPOL
        return super()._l10n_fr_target(move, invoice_edi_format)

    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        peppol = moves.filtered(lambda m: moves_data[m]["invoice_edi_format"] == PEPPOL_FORMAT and m.is_sale_document())
        reasons = []
        for move in peppol:
            reason = move.partner_id._einvoice_peppol_obstacle(
                move.company_id, credit_note=move.move_type == "out_refund"
            )
            if reason and reason not in reasons:
                reasons.append(reason)
        if reasons:
            alerts["peppol_connector_recipient"] = {"level": "warning", "message": "\n".join(reasons)}
        return alerts
