from odoo import api, fields, models
from odoo.exceptions import UserError

#: The channel of an invoice that leaves through the company's own PEPPOL access point.
AS4_CHANNEL = "peppol_as4"


class AccountMove(models.Model):
    _inherit = "account.move"

    einvoice_channel = fields.Selection(selection_add=[(AS4_CHANNEL, "PEPPOL, own access point")])
    einvoice_as4_ids = fields.One2many(
        "einvoice.peppol.transmission", "move_id", string="PEPPOL AS4 messages", readonly=True
    )
    einvoice_as4_state = fields.Selection(
        [("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent, receipt verified"), ("error", "Error")],
        string="PEPPOL (own access point)",
        compute="_compute_einvoice_as4_state",
        help="State of the invoice's last message sent by the company's own PEPPOL access point.",
    )

    @api.depends("einvoice_as4_ids.state")
    def _compute_einvoice_as4_state(self):
        for move in self:
            sent = move.einvoice_as4_ids.filtered(lambda t: t.direction == "out")
            move.einvoice_as4_state = sent[:1].state if sent else False

    # EXTENDS einvoice_lifecycle
    def _einvoice_channel(self):
        """A PEPPOL customer's invoice leaves through the company's own access point when it has
        an active one: then it does not go to the approved platform."""
        if self._einvoice_to_peppol() and self.env["einvoice.peppol.access.point"]._for_company(self.company_id):
            return AS4_CHANNEL
        return super()._einvoice_channel()

    # EXTENDS account
    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._einvoice_queue_for_as4()
        return posted

    def _einvoice_as4_candidates(self):
        return self.filtered(
            lambda m: (
                m.is_sale_document()
                and m.l10n_fr_is_einvoice
                and not m.einvoice_internal
                and m._einvoice_channel() == AS4_CHANNEL
            )
        )

    def _einvoice_queue_for_as4(self):
        """Queue the invoices to PEPPOL customers for the company's access point; one whose
        customer cannot receive stays here and says why."""
        moves = self._einvoice_as4_candidates()
        if not moves:
            return self.env["einvoice.peppol.transmission"]
        moves._einvoice_lock()
        queued = self.env["einvoice.peppol.transmission"]
        for move in moves:
            if move._einvoice_as4_live():
                continue
            reason = move.partner_id._einvoice_peppol_obstacle(
                move.company_id, credit_note=move.move_type == "out_refund"
            )
            if reason:
                move._einvoice_as4_note_not_sent(reason)
                continue
            access_point = self.env["einvoice.peppol.access.point"]._for_company(move.company_id)
            queued |= self.env["einvoice.peppol.transmission"]._queue(move, access_point)
        if queued:
            self.env.ref("peppol_connector.cron_as4_send")._trigger()
        return queued

    def _einvoice_as4_live(self):
        """This invoice's outgoing message that stands (queued, sending, sent, or failed and kept for
        retries), from the database."""
        self.ensure_one()
        return (
            self.env["einvoice.peppol.transmission"]
            .sudo()
            .search([("move_id", "=", self.id), ("direction", "=", "out")], order="id desc", limit=1)
        )

    def _einvoice_as4_note_not_sent(self, reason):
        for move in self:
            if move.einvoice_not_sent_reason == reason:
                continue
            move.sudo().write({"einvoice_not_sent_reason": reason})
            move.sudo()._message_log(body=self.env._("Not sent over PEPPOL: %(reason)s", reason=reason))

    def action_einvoice_send_as4(self):
        """The "Send via PEPPOL (own access point)" button: send now, or again after a failure
        (with the same AS4 message id, so the customer receives the invoice once)."""
        self.check_access("write")
        self._einvoice_lock()
        for move in self:
            if move.state != "posted" or not move.is_sale_document():
                raise UserError(self.env._("%(move)s: only posted customer invoices are sent.", move=move.display_name))
            if move._einvoice_channel() != AS4_CHANNEL:
                raise UserError(
                    self.env._(
                        "%(move)s does not go through the company's PEPPOL access point: its customer is not a "
                        "PEPPOL participant, or the company has no active access point.",
                        move=move.display_name,
                    )
                )
            transmission = move._einvoice_as4_live()
            if transmission.state == "sent":
                raise UserError(
                    self.env._(
                        "%(move)s was already sent over PEPPOL (message %(message)s).",
                        move=move.display_name,
                        message=transmission.message_id,
                    )
                )
            if transmission.state == "sending":
                raise UserError(
                    self.env._(
                        "%(move)s is being sent over PEPPOL (message %(message)s): wait for the result.",
                        move=move.display_name,
                        message=transmission.message_id,
                    )
                )
            if not transmission:
                reason = move.partner_id._einvoice_peppol_obstacle(
                    move.company_id, credit_note=move.move_type == "out_refund"
                )
                if reason:
                    raise UserError(reason)
                access_point = self.env["einvoice.peppol.access.point"]._for_company(move.company_id)
                transmission = self.env["einvoice.peppol.transmission"]._queue(move, access_point)
            transmission._send()
            if transmission.state != "sent":
                # Committed by the caller's transaction with the error on the message and in the chatter.
                return {
                    "type": "ir.actions.client",
                    "tag": "display_notification",
                    "params": {"message": transmission.error, "type": "danger", "sticky": True},
                }
        return True

    def action_einvoice_view_as4(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("PEPPOL AS4 messages"),
            "res_model": "einvoice.peppol.transmission",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
        }
