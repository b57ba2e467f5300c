import base64
import mimetypes

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import engine_lang

from einvoice.chorus import ChorusProError, OutcomeUnknown, codes

from ..models.chorus_pro_account import error_text

#: Chorus Pro takes attachments of at most 10 MB.
MAX_ATTACHMENT = 10 * 1024 * 1024


class ChorusFollowupWizard(models.TransientModel):
    """Answer the public buyer from Odoo: complete a suspended invoice, or correct the routing of one to recycle."""

    _name = "chorus.pro.followup.wizard"
    _description = "Chorus Pro: complete or recycle an invoice"

    move_id = fields.Many2one("account.move", required=True, readonly=True, ondelete="cascade")
    mode = fields.Selection(
        [("complete", "Complete the suspended invoice"), ("recycle", "Correct the routing data (recycle)")],
        required=True,
        readonly=True,
    )
    comment = fields.Text(help="What the public buyer's agent reads with your answer.")
    attachment = fields.Binary("Document", help="The missing document (PDF preferred), at most 10 MB.")
    attachment_name = fields.Char("File name")
    service_code = fields.Char("Service code", help="BT-10: the buyer's service the invoice goes to.")
    commitment = fields.Char("Commitment number", help="BT-13: the buyer's commitment number (numéro d'engagement).")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        move = self.env["account.move"].browse(values.get("move_id") or self.env.context.get("active_id"))
        if move and values.get("mode") == "recycle":
            values.setdefault("service_code", move.l10n_fr_buyer_reference)
            values.setdefault("commitment", move.l10n_fr_purchase_order_ref)
        return values

    def action_confirm(self):
        self.ensure_one()
        move = self.move_id
        move._chorus_check_rights()  # it answers the public buyer and changes the invoice
        expected = "SUSPENDUE" if self.mode == "complete" else "A_RECYCLER"
        if move.chorus_status != expected or not move.chorus_invoice_id:
            raise UserError(
                self.env._(
                    "%(move)s is not %(status)s in Chorus Pro: refresh it from Chorus Pro first.",
                    move=move.display_name,
                    status=codes.status_label(expected, engine_lang(self.env)),
                )
            )
        account = move._chorus_follow_account()
        invoice_id = int(move.chorus_invoice_id)
        try:
            client = account._client()
            if self.mode == "complete":
                self._complete(client, invoice_id)
            else:
                self._recycle(client, invoice_id)
            move._chorus_poll(client)
        except OutcomeUnknown as exc:
            # Not sent twice: whether Chorus Pro did it shows in the invoice's status.
            raise UserError(
                self.env._(
                    "Chorus Pro's answer was lost (%s). Refresh the invoice from Chorus Pro to see whether it was done "
                    "before trying again.",
                    error_text(self.env, exc),
                )
            ) from exc
        except ChorusProError as exc:
            raise UserError(self.env._("Chorus Pro refused: %s", error_text(self.env, exc))) from exc
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _complete(self, client, invoice_id):
        if not self.comment and not self.attachment:
            raise UserError(self.env._("Give the public buyer a comment or the missing document."))
        if self.attachment:
            content = base64.b64decode(self.attachment)
            if len(content) > MAX_ATTACHMENT:
                raise UserError(self.env._("The document is larger than 10 MB: Chorus Pro refuses it."))
            name = self.attachment_name or "piece.pdf"
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            client.attach_and_complete(invoice_id, content, name, comment=self.comment or None, mimetype=mimetype)
        else:
            client.complete(invoice_id, comment=self.comment)
        comment = self.comment or self.attachment_name
        if self.move_id.einvoice_sandbox:
            body = self.env._("Completed in Chorus Pro (sandbox): %(comment)s", comment=comment)
        else:
            body = self.env._("Completed in Chorus Pro: %(comment)s", comment=comment)
        self.move_id.message_post(body=body)

    def _recycle(self, client, invoice_id):
        move = self.move_id
        service, commitment = (self.service_code or "").strip(), (self.commitment or "").strip()
        if service == (move.l10n_fr_buyer_reference or "") and commitment == (move.l10n_fr_purchase_order_ref or ""):
            raise UserError(
                self.env._(
                    "Change the service code or the commitment number: they are what Chorus Pro could not route."
                )
            )
        client.recycle(
            invoice_id, service_code=service or None, commitment=commitment or None, comment=self.comment or None
        )
        # The invoice now carries what Chorus Pro routes it with.
        move.write({"l10n_fr_buyer_reference": service or False, "l10n_fr_purchase_order_ref": commitment or False})
        if move.einvoice_sandbox:
            body = self.env._(
                "Routing corrected in Chorus Pro (sandbox): service code %(service)s, commitment number "
                "%(commitment)s.",
                service=service or "-",
                commitment=commitment or "-",
            )
        else:
            body = self.env._(
                "Routing corrected in Chorus Pro: service code %(service)s, commitment number %(commitment)s.",
                service=service or "-",
                commitment=commitment or "-",
            )
        move.message_post(body=body)
