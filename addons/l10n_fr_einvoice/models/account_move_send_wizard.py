from odoo import models

from ..notification import notification


class AccountMoveSendWizard(models.TransientModel):
    _inherit = "account.move.send.wizard"

    def action_send_and_print(self, allow_fallback_pdf=False):
        # Check before sending, so that the findings stay on the invoice (an error would roll them back).
        self.ensure_one()
        move = self.move_id
        found = self.env["account.move.send"]._l10n_fr_target(move, self.invoice_edi_format)
        if found and not move.ubl_cii_xml_id:
            _xml, report, problems = move._l10n_fr_einvoice_xml(*found)
            if not move._l10n_fr_store_findings(report, problems):
                return notification(
                    self.env._(
                        "%s breaks the official e-invoicing rules: the problems are listed in its "
                        "E-invoice tab, with the record to fix for each.",
                        move.display_name,
                    ),
                    "danger",
                    sticky=True,
                    title=self.env._("E-invoice not sent"),
                    reload=True,
                )
        return super().action_send_and_print(allow_fallback_pdf=allow_fallback_pdf)
