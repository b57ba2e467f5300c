"""Invoices that replace others: the seller's cancellation (220), the buyer's superseded bills.

A seller cancels an invoice it replaces with status 220 "Annulée", naming the replacing
invoice. On the buyer's side, a received 220, or a received corrected invoice (type 384)
whose preceding invoice reference (BT-25) names a bill already booked, supersedes that bill:
it is flagged, an activity asks the accountant to cancel it, and it can no longer be paid
(payment wizard, payment matching and bank reconciliation refuse it).
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.models.account_move import CORRECTED_TYPES


class AccountMove(models.Model):
    _inherit = "account.move"

    einvoice_replaced_by_id = fields.Many2one(
        "account.move",
        string="Replaced by",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The invoice that replaces this one (cancelled by its seller, or corrected by an invoice of type 384).",
    )
    einvoice_replaces_id = fields.Many2one(
        "account.move",
        string="Replaces",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The invoice this one replaces.",
    )
    einvoice_superseded = fields.Boolean(
        string="Superseded",
        readonly=True,
        copy=False,
        index=True,
        help="The seller cancelled this bill (status 220) or replaced it by a corrected invoice (type 384): "
        "it must not be paid.",
    )
    einvoice_superseded_reason = fields.Char(string="Why superseded", readonly=True, copy=False)

    # --- the internal credit note produces no e-invoice ----------------------------------

    @api.depends("einvoice_internal")
    def _compute_l10n_fr_is_einvoice(self):
        # EXTENDS l10n_fr_einvoice: an internal credit note travels nowhere (DSE v3.2 §3.6.4).
        result = super()._compute_l10n_fr_is_einvoice()
        for move in self.filtered("einvoice_internal"):
            move.l10n_fr_is_einvoice = False
        return result

    # --- the seller cancels (220) ------------------------------------------------------------

    def _einvoice_cancel(self, replacement=None, reason=None):
        """220 "Annulée" on this posted customer invoice, replaced by ``replacement`` when given."""
        self.ensure_one()
        self.check_access("write")
        if self.move_type != "out_invoice" or self.state != "posted":
            raise UserError(
                self.env._("Only a posted customer invoice can be cancelled (220): %(move)s.", move=self.display_name)
            )
        if replacement:
            replacement.check_access("write")
            problem = None
            if replacement == self:
                problem = self.env._("an invoice cannot replace itself")
            elif replacement.move_type != "out_invoice" or replacement.state != "posted":
                problem = self.env._("the replacing invoice must be a posted customer invoice")
            elif replacement.company_id != self.company_id:
                problem = self.env._("the replacing invoice belongs to another company")
            elif replacement.commercial_partner_id != self.commercial_partner_id:
                problem = self.env._("the replacing invoice is addressed to another customer")
            elif replacement.einvoice_replaces_id:
                problem = self.env._(
                    "it already replaces %(other)s", other=replacement.einvoice_replaces_id.display_name
                )
            if problem:
                raise UserError(
                    self.env._(
                        "%(replacement)s cannot replace %(move)s: %(problem)s.",
                        replacement=replacement.display_name,
                        move=self.display_name,
                        problem=problem,
                    )
                )
        if replacement:
            text = self.env._("Replaced by invoice %(number)s", number=replacement.name)
            reason = f"{text}. {reason}" if reason else text
        event = self._einvoice_give_status("220", reason=reason)
        if replacement:
            self.einvoice_replaced_by_id = replacement
            replacement.einvoice_replaces_id = self
            replacement.message_post(
                body=Markup("<p>%s</p>")
                % self.env._("This invoice replaces %(move)s, cancelled (220).", move=self.display_name),
                subtype_xmlid="mail.mt_note",
            )
        return event

    # --- the buyer's superseded bills ---------------------------------------------------------

    def _einvoice_supersede(self, reason, replacement=None):
        """Flag this bill as superseded (cancelled or corrected by its seller): it must not be paid."""
        self.ensure_one()
        values = {"einvoice_superseded": True, "einvoice_superseded_reason": reason}
        if replacement:
            values["einvoice_replaced_by_id"] = replacement.id
        self.write(values)
        if replacement:
            replacement.einvoice_replaces_id = self
        if self.payment_state in ("paid", "in_payment", "partial"):
            todo = self.env._(
                "It was already paid, in part or in full: ask the supplier to pay it back or to deduct it, and "
                "cancel it with a credit note."
            )
        else:
            todo = self.env._("Do not pay it: cancel it with a credit note (or reset it to draft and cancel it).")
        if replacement:
            todo = self.env._("Pay %(replacement)s instead.", replacement=replacement.display_name) + " " + todo
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Superseded bill: do not pay it"),
            note=Markup("<p>%s</p><p>%s</p>") % (reason, todo),
            user_id=(self.invoice_user_id or self.env.user).id,
        )
        self.message_post(
            body=Markup("<p>%s</p>") % self.env._("Superseded bill: %(reason)s", reason=reason),
            subtype_xmlid="mail.mt_note",
        )

    def _l10n_fr_link_preceding(self, document, partner):
        # EXTENDS l10n_fr_einvoice: a corrected invoice (384, 472 factored) supersedes the bill it corrects (BT-25).
        result = super()._l10n_fr_link_preceding(document, partner)
        if self.move_type == "in_invoice" and document.type_code not in CORRECTED_TYPES:
            # An invoice naming (BT-25) a bill its seller cancelled (220) is its replacement (a
            # credit note naming it is not); it replaces one bill.
            cancelled = self.l10n_fr_preceding_move_ids.filtered(
                lambda m: m.move_type == "in_invoice" and m.einvoice_superseded and not m.einvoice_replaced_by_id
            )
            if cancelled and not self.einvoice_replaces_id:
                cancelled[:1]._einvoice_link_replacement(self)
        if self.is_purchase_document() and document.type_code in CORRECTED_TYPES:
            for bill in self.l10n_fr_preceding_move_ids.filtered(
                lambda m: m.move_type == "in_invoice" and m.state != "cancel" and not m.einvoice_superseded
            ):
                bill._einvoice_supersede(
                    self.env._(
                        "Corrected by the supplier's invoice %(number)s (type %(type)s).",
                        number=document.number,
                        type=document.type_code,
                    ),
                    replacement=self,
                )
        return result

    def _einvoice_replacement_received(self):
        """The bill already received that names this one as its preceding invoice (BT-25): what
        replaces this bill when its seller cancels it (220) after sending the new one."""
        self.ensure_one()
        return self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "in_invoice"),
                ("state", "!=", "cancel"),
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("l10n_fr_preceding_move_ids", "in", self.ids),
                ("id", "!=", self.id),
                ("einvoice_replaces_id", "=", False),
                ("einvoice_superseded", "=", False),
            ],
            order="id desc",
            limit=1,
        )

    def _einvoice_link_replacement(self, replacement):
        """``replacement`` replaces this superseded bill, received after the cancellation (220)."""
        self.ensure_one()
        self.einvoice_replaced_by_id = replacement
        replacement.einvoice_replaces_id = self
        note = self.env._("Replaced by the supplier's invoice %(number)s.", number=replacement.ref or replacement.name)
        self.message_post(body=Markup("<p>%s</p>") % note, subtype_xmlid="mail.mt_note")
        replacement.message_post(
            body=Markup("<p>%s</p>")
            % self.env._("This bill replaces %(move)s, cancelled by the supplier (220).", move=self.display_name),
            subtype_xmlid="mail.mt_note",
        )

    def _einvoice_refuse_superseded_payment(self):
        """Raise when one of these moves is a superseded bill: say which, why, and what to pay instead."""
        superseded = self.filtered("einvoice_superseded")
        if not superseded:
            return
        lines = []
        for bill in superseded:
            line = f"{bill.display_name}: {bill.einvoice_superseded_reason or ''}"
            if bill.einvoice_replaced_by_id:
                line += " " + self.env._(
                    "Pay %(replacement)s instead.", replacement=bill.einvoice_replaced_by_id.display_name
                )
            lines.append(line)
        raise UserError(
            self.env._(
                "These bills were cancelled or corrected by their supplier and must not be paid:\n%(bills)s",
                bills="\n".join(lines),
            )
        )
