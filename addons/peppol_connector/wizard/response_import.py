import base64

from odoo import fields, models
from odoo.exceptions import UserError

from ..models.account_move import is_invoice_response


class EinvoicePeppolResponseImport(models.TransientModel):
    _name = "einvoice.peppol.response.import"
    _description = "Import a PEPPOL Invoice Response"

    file = fields.Binary(required=True, help="The Invoice Response (PEPPOL BIS Invoice Response 3) XML file.")
    filename = fields.Char()

    def action_import(self):
        """Apply the file to the customer invoice it answers, then open that invoice."""
        self.ensure_one()
        data = base64.b64decode(self.file or b"")
        Move = self.env["account.move"]

        if not is_invoice_response(data):
            raise UserError(
                self.env._("%(file)s is not a PEPPOL Invoice Response.", file=self.filename or self.env._("The file"))
            )
        event = Move._einvoice_apply_invoice_response(data, source="peppol", company=self.env.company)
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": event.move_id.id,
            "view_mode": "form",
        }
