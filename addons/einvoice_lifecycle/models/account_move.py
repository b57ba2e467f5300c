import datetime
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import engine_lang, in_company_lang, selection_label

from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar, cashed_amounts, parse_cdar
from einvoice.errors import EInvoiceError
from einvoice.lifecycle import REQUESTED_ACTIONS, STATUSES, Emitter, check_event

from .lifecycle_event import STATUS_SELECTION

#: Statuses the buyer gives on a vendor bill, and the seller on an invoice.
BUYER_STATUSES = ("204", "205", "206", "207", "208", "210", "211")
SELLER_STATUSES = ("209", "212")


def _siren_party(partner):
    """The SIREN of a partner as a CDAR party identifier (scheme 0002), when it has one."""
    siren = partner.l10n_fr_siren or None
    return {"id": siren, "scheme": "0002" if siren else None}


class AccountMove(models.Model):
    _inherit = "account.move"

    einvoice_status = fields.Selection(
        STATUS_SELECTION,
        string="E-invoice status",
        compute="_compute_einvoice_status",
        store=True,
        tracking=True,
        index=True,
        help="The last lifecycle status of the e-invoice (French reform, Flux 6).",
    )
    einvoice_event_ids = fields.One2many("einvoice_lifecycle.event", "move_id", string="Lifecycle", copy=False)
    einvoice_channel = fields.Selection(
        [("platform", "Approved platform"), ("chorus_pro", "Chorus Pro")],
        string="E-invoice channel",
        compute="_compute_einvoice_channel",
        help="How the invoice travels: the company's approved platform, or Chorus Pro for public buyers.",
    )
    einvoice_sandbox = fields.Boolean(
        string="Sandbox",
        readonly=True,
        copy=False,
        index=True,
        help="Sent or received through a sandbox that Odoo serves itself: no real flow, nothing declared.",
    )

    @api.depends("einvoice_event_ids.status")
    def _compute_einvoice_status(self):
        for move in self:
            events = move.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id))
            move.einvoice_status = events[-1:].status or False

    # --- the one entry point ---------------------------------------------------------------

    def _einvoice_apply_event(
        self,
        status,
        emitter,
        source="manual",
        timestamp=None,
        reason_code=None,
        reason=None,
        action_code=None,
        action_text=None,
        amounts=None,
        external_id=None,
        message=None,
        message_name=None,
    ):
        """Record a lifecycle status from any connector or action; returns the event.

        The same event applied twice is recorded once: same message id, or same status,
        emitter, reason and timestamp. A status the rules do not allow now raises a UserError
        that says why.
        """
        self.ensure_one()
        Event = self.env["einvoice_lifecycle.event"]
        timestamp = timestamp or fields.Datetime.now()
        for event in self.einvoice_event_ids:
            same_message = external_id and event.external_id == external_id
            same_content = (event.status, event.emitter, event.reason_code or None, event.timestamp) == (
                status,
                emitter,
                reason_code or None,
                timestamp,
            )
            if same_message or same_content:
                return event
        history = [e.status for e in self.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id))]
        decision = check_event(history, status, emitter=emitter, reason_code=reason_code)
        if not decision:
            raise UserError(
                self.env._(
                    "%(move)s: status %(status)s cannot be applied now: %(why)s",
                    move=self.display_name,
                    status=status,
                    why=decision.reason_fr if engine_lang(self.env) == "fr" else decision.reason_en,
                )
            )
        values = {
            "move_id": self.id,
            "status": status,
            "emitter": emitter,
            "source": source,
            "timestamp": timestamp,
            "reason_code": reason_code or False,
            "reason": reason or False,
            "action_code": action_code or False,
            "action_text": action_text or False,
            "amounts": amounts or False,
            "external_id": external_id or False,
        }
        event = Event.create(values)
        if message:
            event.attachment_id = self._einvoice_attach(message_name or f"{self.name}_{status}.xml", message)
        self._einvoice_after_event(event)
        return event

    @api.model
    def _einvoice_apply_cdar(self, data, source="platform", company=None):
        """Apply a received CDAR message to the invoice or bill it is about; returns the event.

        The move is found by its number (MDT-87) and the seller's SIREN (MDT-129), among the
        customer invoices of a company with that SIREN and the vendor bills of a supplier
        with it; ``company`` (the one whose platform received the message) narrows the search,
        as two companies of a database may share a SIREN. The message's id (MDT-4) makes a
        second delivery harmless.
        """
        try:
            message = parse_cdar(data)
        except EInvoiceError as exc:
            raise UserError(self.env._("This lifecycle message cannot be read: %s", exc)) from exc
        siren = message.seller.id
        scope = [("company_id", "=", company.id)] if company else []
        moves = self.search(
            [
                *scope,
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("name", "=", message.invoice_number),
                ("company_id.partner_id.l10n_fr_siren", "=", siren),
            ]
        ) or self.search(
            [
                *scope,
                ("move_type", "in", ("in_invoice", "in_refund")),
                ("ref", "=", message.invoice_number),
                ("commercial_partner_id.l10n_fr_siren", "=", siren),
            ]
        )
        if len(moves) != 1:
            raise UserError(
                self.env._(
                    "No single invoice %(number)s of the seller %(siren)s for this lifecycle message "
                    "(%(count)s found).",
                    number=message.invoice_number,
                    siren=siren,
                    count=len(moves),
                )
            )
        move = moves
        role = message.issuer.role
        if role == "BY":
            emitter = Emitter.BUYER.value
        elif role == "SE":
            emitter = Emitter.SELLER.value
        elif message.status in ("200", "201") or (message.status == "213" and move.is_sale_document()):
            emitter = Emitter.ISSUER_PLATFORM.value
        else:
            emitter = Emitter.RECEIVER_PLATFORM.value
        detail = message.details[0] if message.details else None
        amounts = {
            f"{item.percent:.2f}": f"{item.amount:.2f}"
            for detail_item in message.details
            for item in detail_item.characteristics
            if item.type_code == "MEN" and item.amount is not None and item.percent is not None
        }
        timestamp = message.status_at or message.issued_at
        return move._einvoice_apply_event(
            message.status,
            emitter,
            source=source,
            timestamp=timestamp,
            reason_code=detail.reason_code if detail else None,
            reason=detail.reason if detail else None,
            action_code=detail.action_code if detail else None,
            action_text=detail.action if detail else None,
            amounts=amounts or None,
            external_id=message.id,
            message=data,
            message_name=f"{message.id}.xml",
        )

    @api.depends("partner_id", "move_type")
    def _compute_einvoice_channel(self):
        for move in self:
            move.einvoice_channel = move._einvoice_channel()

    def _einvoice_channel(self):
        """How this invoice travels: "platform" (the company's approved platform) unless a
        connector claims it (Chorus Pro for public buyers)."""
        self.ensure_one()
        return "platform"

    def _einvoice_attach(self, name, content):
        return self.env["ir.attachment"].create(
            {"name": name, "raw": content, "mimetype": "application/xml", "res_model": self._name, "res_id": self.id}
        )

    def _einvoice_after_event(self, event):
        """Follow-ups of a status: a refused or rejected customer invoice calls for its salesperson."""
        if self.is_sale_document() and event.status in ("210", "213"):
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "E-invoice %(status)s: issue a credit note",
                    status=selection_label(self, "einvoice_status", event.status),
                ),
                note=self.env._("Reason: %(code)s %(reason)s", code=event.reason_code or "", reason=event.reason or ""),
                user_id=(self.invoice_user_id or self.env.user).id,
            )

    # --- our own statuses, with their CDAR -------------------------------------------------

    def _einvoice_status_message(self, status, details=()):
        """The CDAR message of a status we give on this move (buyer on a bill, seller on an invoice)."""
        self.ensure_one()
        own = self.company_id.partner_id
        other = self.partner_id.commercial_partner_id
        seller = other if self.is_purchase_document() else own
        role = "BY" if self.is_purchase_document() else "SE"
        now = fields.Datetime.now()
        number = self.ref if self.is_purchase_document() else self.name
        address = other.l10n_fr_electronic_address or other.l10n_fr_siren or None
        recipient = CdarParty(
            **_siren_party(other),
            name=other.name,
            role="SE" if role == "BY" else "BY",
            uri=address,
            uri_scheme="0225" if address else None,
        )
        return StatusMessage(
            id=f"{number}_{status}_{now.strftime('%Y%m%d%H%M%S')}",
            name=f"{number} {STATUSES[status].label_fr}",
            issued_at=now,
            status=status,
            invoice_number=number or "",
            invoice_date=self.invoice_date or fields.Date.context_today(self),
            invoice_type=self.l10n_fr_document_type or ("381" if self.move_type.endswith("refund") else "380"),
            seller=CdarParty(**_siren_party(seller)),
            issuer=CdarParty(**_siren_party(own), name=own.name, role=role),
            recipients=[recipient],
            details=list(details),
        )

    def _einvoice_give_status(
        self, status, reason_code=None, reason=None, action_code=None, amounts=None, timestamp=None
    ):
        """A status we give: checked, recorded, and its CDAR attached for the connector to send.

        ``timestamp`` is when the status happened (a payment's date for 212), now by default.
        """
        self.ensure_one()
        reason_code, reason, action_code = reason_code or None, reason or None, action_code or None
        if self.is_purchase_document():
            emitter = Emitter.BUYER.value
            if status not in BUYER_STATUSES:
                raise UserError(self.env._("Status %s is not given by the buyer.", status))
        else:
            emitter = Emitter.SELLER.value
            if status not in SELLER_STATUSES:
                raise UserError(self.env._("Status %s is not given by the seller.", status))
        details = []
        action_text = REQUESTED_ACTIONS[action_code][0] if action_code in REQUESTED_ACTIONS else None
        if reason_code or action_code:
            details.append(
                StatusDetail(reason_code=reason_code, reason=reason, action_code=action_code, action=action_text)
            )
        if status == "212":
            details.append(
                cashed_amounts(
                    {Decimal(rate): Decimal(amount) for rate, amount in amounts.items()}, self.currency_id.name
                )
            )
        cdar = build_cdar(self._einvoice_status_message(status, details))
        return self._einvoice_apply_event(
            status,
            emitter,
            source="manual" if status != "212" else "automatic",
            timestamp=timestamp,
            reason_code=reason_code,
            reason=reason,
            action_code=action_code,
            action_text=action_text,
            amounts=amounts,
            message=cdar,
        )

    def _einvoice_amounts_by_rate(self):
        """Cashed amounts per VAT rate (212): the paid total split like the invoice's tax base."""
        self.ensure_one()
        amounts = defaultdict(float)
        for line in self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            rate = sum(
                line.tax_ids.flatten_taxes_hierarchy().filtered(lambda t: t.amount_type == "percent").mapped("amount")
            )
            amounts[f"{rate:.2f}"] += line.price_total
        return {rate: f"{amount:.2f}" for rate, amount in amounts.items()}

    # --- buttons ---------------------------------------------------------------------------

    def action_einvoice_take_charge(self):
        for move in self:
            move._einvoice_give_status("204")

    def action_einvoice_approve(self):
        for move in self:
            move._einvoice_give_status("205")

    def action_einvoice_payment_sent(self):
        for move in self:
            move._einvoice_give_status("211")

    def action_einvoice_complete(self):
        for move in self:
            move._einvoice_give_status("209")

    def action_einvoice_status_wizard(self):
        """Statuses that need a reason: partial approval, dispute, suspension, refusal."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "einvoice_lifecycle.status.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id, "default_status": self.env.context.get("einvoice_status")},
        }

    def action_einvoice_credit_note(self):
        """One click from a refused or rejected invoice to its credit note."""
        self.ensure_one()
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=self.ids)
            .create(
                {
                    "reason": self.env._("E-invoice refused (%s)", self.einvoice_event_ids[-1:].reason_code or ""),
                    "journal_id": self.journal_id.id,
                }
            )
        )
        return wizard.refund_moves()

    # --- automation ------------------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A received e-invoice validated by the accountant is taken in charge (204).
        for move in posted.filtered(lambda m: m.is_purchase_document() and m.l10n_fr_imported_syntax):
            if "204" not in move.einvoice_event_ids.mapped("status"):
                decision = check_event(move.einvoice_event_ids.mapped("status"), "204", emitter="buyer")
                if decision:
                    move._einvoice_give_status("204")
        return posted

    def _einvoice_vat_due_on_receipt(self):
        """212 is reported to the administration when VAT is due on receipt: services without the debits option."""
        self.ensure_one()
        return self.l10n_fr_operation_category in ("S", "M") and not self.company_id.l10n_fr_vat_on_debits

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        for move in self.filtered(lambda m: m.is_sale_document() and m.l10n_fr_is_einvoice):
            statuses = move.einvoice_event_ids.mapped("status")
            # Called again when "in payment" becomes "paid": one 212 for the full payment.
            # Chorus Pro gives "Encaissée" itself when the public buyer pays (DSE §2.3.7).
            if (
                move._einvoice_channel() != "chorus_pro"
                and move._einvoice_vat_due_on_receipt()
                and "212" not in statuses
                and check_event(statuses, "212", emitter="seller")
            ):
                move._einvoice_give_status("212", amounts=move._einvoice_amounts_by_rate())
        return result

    @api.model
    def _cron_einvoice_mandatory_deadlines(self):
        """Mandatory statuses not reported 20 hours after their timestamp: an activity before the 24 h limit."""
        limit = fields.Datetime.now() - datetime.timedelta(hours=20)
        events = self.env["einvoice_lifecycle.event"].search(
            [
                ("mandatory", "=", True),
                ("reported_at", "=", False),
                ("timestamp", "<=", limit),
                # A sandbox reports nothing to anyone, by design: no deadline to warn about.
                ("move_id.einvoice_sandbox", "=", False),
            ]
        )
        for record in events.move_id:
            move = in_company_lang(record, record.company_id)
            # The summary is in the move's language; each of its translations says "24 h".
            if not move.activity_ids.filtered(lambda a: a.summary and "24 h" in a.summary):
                move.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=move.env._("Mandatory e-invoice status not reported (24 h limit)"),
                    user_id=(move.invoice_user_id or self.env.user).id,
                )

    # --- payment reminders -----------------------------------------------------------------

    einvoice_reminder_before_sent = fields.Date(string="Reminder sent before due date", copy=False, readonly=True)
    einvoice_reminder_after_sent = fields.Date(string="Reminder sent after due date", copy=False, readonly=True)

    @api.model
    def _cron_einvoice_payment_reminders(self):
        """Email unpaid customer invoices N days before and after their due date, once each."""
        today = fields.Date.context_today(self)
        template = self.env.ref("einvoice_lifecycle.mail_template_payment_reminder")
        for company in self.env["res.company"].search([]):
            kinds = (
                ("einvoice_reminder_before_sent", company.einvoice_reminder_days_before),
                ("einvoice_reminder_after_sent", -company.einvoice_reminder_days_after),
            )
            for field, days in kinds:
                if not days:
                    continue
                due = today + datetime.timedelta(days=days)
                moves = self.search(
                    [
                        ("company_id", "=", company.id),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("payment_state", "in", ("not_paid", "partial")),
                        ("invoice_date_due", "=", due) if days > 0 else ("invoice_date_due", "<=", due),
                        (field, "=", False),
                        ("einvoice_status", "not in", ("210", "213")),
                    ]
                )
                for move in moves:
                    move.with_context(einvoice_reminder_late=days < 0).message_post_with_source(
                        template, subtype_xmlid="mail.mt_comment"
                    )
                    move[field] = today
