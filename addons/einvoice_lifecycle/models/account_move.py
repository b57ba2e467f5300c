import datetime
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import engine_lang, in_company_lang, selection_label
from odoo.addons.l10n_fr_einvoice.models.account_move import SELF_BILLED_TYPES

from einvoice.cdar import (
    PPF_ID,
    PPF_ROLE,
    PPF_SCHEME,
    CdarParty,
    StatusDetail,
    StatusMessage,
    build_cdar,
    cashed_amounts,
    parse_cdar,
)
from einvoice.errors import EInvoiceError
from einvoice.lifecycle import (
    ADMINISTRATION_REASONS,
    ADMINISTRATION_REJECTIONS,
    REPORTING_DELAY,
    REQUESTED_ACTIONS,
    STATUSES,
    Emitter,
    check_event,
    current_status,
)
from einvoice.validation import validate

from .lifecycle_event import ADMINISTRATION_STATUS_SELECTION, INVOICE_STATUS_SELECTION

#: Statuses the buyer gives on a vendor bill, and the seller on an invoice (DSE v3.2 table 8 and
#: the FNFE-MPE list). 211 is the buyer's on a bill it paid, the seller's on a credit note it paid back.
BUYER_STATUSES = ("204", "205", "206", "207", "208", "210", "211", "214")
SELLER_STATUSES = ("209", "211", "212", "220", "224", "225", "226", "227", "228")
#: Statuses whose giver is the other party on a self-billed invoice (Chorus Pro external
#: specifications v1.1 §6.20, case 19b: the supplier validates or refuses it in the lifecycle).
SELF_BILLING_SWAPPED_STATUSES = ("204", "205", "206", "207", "208", "209", "210")
#: The warning comes this long after a mandatory status that is not reported yet, before the 24 h limit.
DEADLINE_WARNING_AFTER = datetime.timedelta(hours=20)
#: Older unreported statuses are past the limit already: the deadline job and the overdue figure
#: look at this last stretch only, not at every status ever recorded.
DEADLINE_HORIZON_DAYS = 7
#: Where to fix what a rule of an outgoing lifecycle message complains about.
CDAR_RULE_HINTS = {
    "BR-FR-CDV-13": "seller_siren",
    "BR-FR-CDV-08": "recipient_address",
}


def _siren_party(partner):
    """The SIREN of a partner as a CDAR party identifier (scheme 0002), when it has one."""
    siren = partner.l10n_fr_siren or None
    return {"id": siren, "scheme": "0002" if siren else None}


class AccountMove(models.Model):
    _inherit = "account.move"

    einvoice_status = fields.Selection(
        INVOICE_STATUS_SELECTION,
        string="E-invoice status",
        compute="_compute_einvoice_status",
        store=True,
        tracking=True,
        index=True,
        help="The last lifecycle status of the e-invoice (French reform, Flux 6).",
    )
    einvoice_administration_status = fields.Selection(
        ADMINISTRATION_STATUS_SELECTION,
        string="Tax administration",
        compute="_compute_einvoice_status",
        store=True,
        tracking=True,
        index=True,
        help="The last answer of the tax administration about what the platforms sent it on this invoice: "
        "its regulatory data, the flow that carried them, its mandatory statuses.",
    )
    einvoice_event_ids = fields.One2many("einvoice_lifecycle.event", "move_id", string="Lifecycle", copy=False)
    einvoice_channel = fields.Selection(
        [("platform", "Approved platform"), ("chorus_pro", "Chorus Pro")],
        string="E-invoice channel",
        compute="_compute_einvoice_channel",
        help="How the invoice travels: the company's approved platform, or Chorus Pro for public buyers.",
    )
    einvoice_self_billed = fields.Boolean(
        string="Self-billed by the company",
        compute="_compute_einvoice_self_billed",
        help="A bill the company issued in its supplier's name (self-billing): the supplier approves or refuses "
        "it, the company completes it.",
    )
    einvoice_sandbox = fields.Boolean(
        string="Sandbox",
        readonly=True,
        copy=False,
        index=True,
        help="Sent or received through a sandbox that Odoo serves itself: no real flow, nothing declared.",
    )
    einvoice_internal = fields.Boolean(
        string="Internal credit note",
        readonly=True,
        copy=False,
        index=True,
        help="Credit note that cancels a refused or rejected invoice in the books only: it produces no "
        "regulated flow and is sent to no platform (DGFiP specifications, section 3.6.4).",
    )

    @api.depends("move_type", "l10n_fr_document_type", "l10n_fr_imported_syntax")
    def _compute_einvoice_self_billed(self):
        for move in self:
            move.einvoice_self_billed = move._l10n_fr_is_self_billed()

    @api.depends("einvoice_event_ids.status")
    def _compute_einvoice_status(self):
        for move in self:
            history = move.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id)).mapped("status")
            move.einvoice_status = current_status(history) or False
            answers = [code for code in history if STATUSES[code].from_administration]
            move.einvoice_administration_status = answers[-1] if answers else False

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
        reported_at=None,
        event_values=None,
    ):
        """Record a lifecycle status from any connector or action; returns the event.

        The same event applied twice is recorded once: same message id, or same status,
        emitter, reason and timestamp. A status the rules do not allow now raises a UserError
        that says why. ``reported_at``: when the status reached the administration, for the
        statuses a platform or Chorus Pro reports itself as it gives them. ``event_values``: further
        fields of the event (the payment a 212 reports); such an event is told apart by them, never
        taken for another of the same content (two payments of one day are two 212).

        This is the only way an event is created: whoever may change the move may record its
        statuses, and only in the order the rules allow (events have no create right).
        """
        self.ensure_one()
        self.check_access("write")
        Event = self.env["einvoice_lifecycle.event"]
        timestamp = timestamp or fields.Datetime.now()
        for event in self.einvoice_event_ids:
            same_message = external_id and event.external_id == external_id
            same_content = not event_values and (
                event.status,
                event.emitter,
                event.reason_code or None,
                event.timestamp,
            ) == (
                status,
                emitter,
                reason_code or None,
                timestamp,
            )
            if same_message or same_content:
                return event
        self._einvoice_check_order(status, self._einvoice_rule_emitter(status, emitter), reason_code)
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
            "reported_at": reported_at or False,
            **(event_values or {}),
        }
        if message:
            values["attachment_id"] = self._einvoice_attach(message_name or f"{self.name}_{status}.xml", message).id
        # The caller's right on the move was checked above, the order by check_event.
        event = Event.sudo().create(values).with_env(self.env)
        self._einvoice_after_event(event)
        return event

    def _einvoice_check_order(self, status, emitter, reason_code):
        """Refuse, saying why, a status the rules do not allow after this move's history."""
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
        if not siren and not company:
            # Only a flow not receivable (501) may name no seller (BR-FR-CDV-13): the company whose
            # platform received it must then be known.
            raise UserError(
                self.env._(
                    "The lifecycle message %(id)s names no seller (MDT-129): it cannot be matched to an invoice.",
                    id=message.id,
                )
            )
        moves = self.search(
            [
                *scope,
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("name", "=", message.invoice_number),
                *([("company_id.partner_id.l10n_fr_siren", "=", siren)] if siren else []),
            ]
        ) or self.search(
            [
                *scope,
                ("move_type", "in", ("in_invoice", "in_refund")),
                ("ref", "=", message.invoice_number),
                *([("commercial_partner_id.l10n_fr_siren", "=", siren)] if siren else []),
            ]
        )
        if not moves:
            # A self-billed bill: the company numbered it, in its supplier's (the seller's) name.
            moves = self.search(
                [
                    *scope,
                    ("move_type", "in", ("in_invoice", "in_refund")),
                    ("name", "=", message.invoice_number),
                    ("l10n_fr_imported_syntax", "=", False),
                    ("l10n_fr_document_type", "in", sorted(SELF_BILLED_TYPES)),
                    *([("commercial_partner_id.l10n_fr_siren", "=", siren)] if siren else []),
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
        status = STATUSES.get(message.status)
        given = move.einvoice_event_ids.mapped("status")
        if status and status.from_administration:
            emitter = Emitter.ADMINISTRATION.value
        elif role == "BY":
            emitter = Emitter.BUYER.value
        elif role == "SE":
            emitter = Emitter.SELLER.value
        elif message.status in ("200", "201") or (
            # Our platform gives 200 or 213: a rejection after its 200 is the receiving platform's.
            message.status == "213"
            and (move.is_sale_document() or move._l10n_fr_is_self_billed())
            and "200" not in given
        ):
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

    def _einvoice_rule_emitter(self, status, emitter):
        """The role the status rules know ``emitter`` by. On a self-billed invoice the buyer issues
        and the seller receives: the seller gives the processing statuses the recipient gives
        (204 to 208, 210) and the buyer the completion (209); payment stays with who pays (211)
        and who collects (212)."""
        if status in SELF_BILLING_SWAPPED_STATUSES and self._l10n_fr_is_self_billed():
            swapped = {Emitter.SELLER.value: Emitter.BUYER.value, Emitter.BUYER.value: Emitter.SELLER.value}
            return swapped.get(emitter, emitter)
        return emitter

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
        """Follow-ups of a status: a refused or rejected customer invoice calls for its salesperson,
        the administration's answers are told in the chatter (with an activity when it rejected
        something), a bill its seller cancelled is flagged so that nobody pays it."""
        # A platform's job has no user: its texts are in the company's language.
        move = in_company_lang(self, self.company_id)
        if STATUSES[event.status].from_administration:
            move._einvoice_administration_answer(event)
        elif self.is_sale_document() and event.status in ("210", "213"):
            move.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=move.env._(
                    "E-invoice %(status)s: issue a credit note",
                    status=selection_label(move, "einvoice_status", event.status),
                ),
                note=move.env._("Reason: %(code)s %(reason)s", code=event.reason_code or "", reason=event.reason or ""),
                user_id=(self.invoice_user_id or self.env.user).id,
            )
        elif self.is_purchase_document() and event.status == "220":
            move._einvoice_supersede(
                move.env._(
                    "Cancelled by the seller (status 220): %(reason)s",
                    reason=event.reason or move.env._("no reason given"),
                ),
                replacement=move._einvoice_replacement_received() or None,
            )

    def _einvoice_reason_text(self, event):
        """The reason of an event as the accountant reads it: code, official label, the sender's words."""
        label = ADMINISTRATION_REASONS.get(event.reason_code or "")
        parts = [event.reason_code or ""]
        if label:
            parts.append(f"({label[0] if engine_lang(self.env) == 'fr' else label[1]})")
        if event.reason:
            parts.append(event.reason)
        return " ".join(part for part in parts if part) or self.env._("no reason given")

    def _einvoice_administration_answer(self, event):
        """The tax administration's answer in the chatter; what it rejected calls for the accountant."""
        status = selection_label(self, "einvoice_administration_status", event.status)
        reason = self._einvoice_reason_text(event)
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "The tax administration answered: %(status)s. Reason: %(reason)s", status=status, reason=reason
            ),
            subtype_xmlid="mail.mt_note",
        )
        if event.status not in ADMINISTRATION_REJECTIONS:
            return
        todo = {
            "251": self.env._(
                "The administration did not take this invoice's regulatory data into account: correct what the "
                "reason says, then have the platform send them again (same invoice number)."
            ),
            "501": self.env._(
                "The administration could not receive the flow that carried this invoice's data: ask the platform "
                "to send a corrected flow."
            ),
            "601": self.env._(
                "The administration did not take a mandatory status of this invoice into account: check the "
                "status (its amounts for a 212) and give it again once corrected."
            ),
        }[event.status]
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Rejected by the tax administration: %(status)s", status=status),
            note=Markup("<p>%s</p><p>%s</p>") % (self.env._("Reason: %(reason)s", reason=reason), todo),
            user_id=(self.invoice_user_id or self.env.user).id,
        )

    # --- our own statuses, with their CDAR -------------------------------------------------

    def _einvoice_status_message(self, status, details=(), key=None, status_at=None, to_administration=False):
        """The CDAR message of a status we give on this move (buyer on a bill, seller on an invoice).

        ``key`` tells apart two messages of one status given in the same second (the payment a 212
        reports); ``status_at`` is when the status happened (MDT-78); ``to_administration`` names the
        administration (PPF) among the recipients, as the FNFE-MPE examples of a mandatory status do.
        """
        self.ensure_one()
        own = self.company_id.partner_id
        other = self.partner_id.commercial_partner_id
        seller = other if self.is_purchase_document() else own
        role = "BY" if self.is_purchase_document() else "SE"
        now = fields.Datetime.now()
        # A bill is known by its supplier's number, a self-billed one by the number the company gave it.
        theirs = self.is_purchase_document() and not self._l10n_fr_is_self_billed()
        number = self.ref if theirs else self.name
        address = other.l10n_fr_electronic_address or other.l10n_fr_siren or None
        recipient = CdarParty(
            **_siren_party(other),
            name=other.name,
            role="SE" if role == "BY" else "BY",
            uri=address,
            uri_scheme="0225" if address else None,
        )
        return StatusMessage(
            id=f"{number}_{status}_{now.strftime('%Y%m%d%H%M%S')}" + (f"_{key}" if key else ""),
            name=f"{number} {STATUSES[status].label_fr}",
            issued_at=now,
            status=status,
            invoice_number=number or "",
            invoice_date=self.invoice_date or fields.Date.context_today(self),
            invoice_type=self.l10n_fr_document_type or ("381" if self.move_type.endswith("refund") else "380"),
            seller=CdarParty(**_siren_party(seller)),
            issuer=CdarParty(**_siren_party(own), name=own.name, role=role),
            recipients=[recipient, CdarParty(id=PPF_ID, scheme=PPF_SCHEME, name="PPF", role=PPF_ROLE)]
            if to_administration
            else [recipient],
            status_at=status_at,
            details=list(details),
        )

    def _einvoice_give_status(
        self,
        status,
        reason_code=None,
        reason=None,
        action_code=None,
        amounts=None,
        timestamp=None,
        note=None,
        message_key=None,
        event_values=None,
        to_administration=False,
    ):
        """A status we give: checked, recorded, and its CDAR attached for the connector to send.

        ``timestamp`` is when the status happened (a payment's date for 212), now by default;
        ``note`` the comment of a 212 (MDT-126: why a payment is cancelled); ``message_key``,
        ``event_values`` and ``to_administration``: see the message and the event.
        """
        self.ensure_one()
        reason_code, reason, action_code = reason_code or None, reason or None, action_code or None
        if self.is_purchase_document():
            emitter = Emitter.BUYER.value
            self_billed = self._l10n_fr_is_self_billed()
            if self_billed and status == "209":
                pass  # the company issued it: it completes what its supplier suspended (208)
            elif status not in BUYER_STATUSES:
                raise UserError(self.env._("Status %s is not given by the buyer.", status))
            elif status in SELF_BILLING_SWAPPED_STATUSES and self_billed:
                raise UserError(
                    self.env._(
                        "%(move)s is a self-billed invoice the company issued: its seller, not the company, "
                        "gives status %(status)s on it.",
                        move=self.display_name,
                        status=status,
                    )
                )
        else:
            emitter = Emitter.SELLER.value
            if status not in SELLER_STATUSES:
                raise UserError(self.env._("Status %s is not given by the seller.", status))
        if status == "211" and self.move_type not in ("in_invoice", "out_refund"):
            raise UserError(
                self.env._(
                    "Status 211 (payment sent) is given by the buyer on a bill it paid, or by the seller on a "
                    "credit note it paid back."
                )
            )
        # The rules first (cheap, and their refusal says more than the message's).
        self._einvoice_check_order(status, self._einvoice_rule_emitter(status, emitter), reason_code)
        details = []
        action_text = REQUESTED_ACTIONS[action_code][0] if action_code in REQUESTED_ACTIONS else None
        if reason_code or reason or action_code:
            details.append(
                StatusDetail(reason_code=reason_code, reason=reason, action_code=action_code, action=action_text)
            )
        if status == "212":
            details.append(
                cashed_amounts(
                    {Decimal(rate): Decimal(amount) for rate, amount in amounts.items()},
                    self.currency_id.name,
                    note=note,
                )
            )
        cdar = build_cdar(
            self._einvoice_status_message(
                status, details, key=message_key, status_at=timestamp, to_administration=to_administration
            )
        )
        self._einvoice_check_cdar(status, cdar)
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
            event_values=event_values,
        )

    def _einvoice_check_cdar(self, status, cdar):
        """An outgoing lifecycle message leaves only valid (CDAR XSD and BR-FR-CDV rules): else a
        UserError that names each broken rule, and where to fix it."""
        try:
            report = validate(cdar)
        except EInvoiceError as exc:
            raise UserError(
                self.env._(
                    "The lifecycle message of status %(status)s could not be checked: %(error)s",
                    status=status,
                    error=exc,
                )
            ) from exc
        if not report.fatal:
            return
        french = engine_lang(self.env) == "fr"
        seller = self.partner_id.commercial_partner_id if self.is_purchase_document() else self.company_id.partner_id
        other = self.partner_id.commercial_partner_id
        hints = {
            "seller_siren": self.env._(
                "Fill in the SIREN of the seller %(seller)s (its SIRET or French VAT number) on its contact.",
                seller=seller.display_name,
            ),
            "recipient_address": self.env._(
                "Fill in the electronic address or the SIREN of %(partner)s on its contact.",
                partner=other.display_name,
            ),
        }
        lines = []
        for finding in report.fatal:
            line = f"[{finding.rule_id}] {(finding.message_fr if french else finding.message_en).strip()}"
            hint = CDAR_RULE_HINTS.get(finding.rule_id)
            if hint:
                line += f" {hints[hint]}"
            lines.append(line)
        raise UserError(
            self.env._(
                "%(move)s: the lifecycle message of status %(status)s breaks the official rules; nothing was "
                "recorded nor sent.\n%(findings)s",
                move=self.display_name,
                status=status,
                findings="\n".join(lines),
            )
        )

    # --- buttons ---------------------------------------------------------------------------

    def action_einvoice_take_charge(self):
        for move in self:
            move._einvoice_give_status("204")

    def action_einvoice_approve(self):
        for move in self:
            move._einvoice_give_status("205")

    def action_einvoice_payment_sent(self):
        """211: the buyer paid the bill, or the seller paid back the credit note."""
        for move in self:
            move._einvoice_give_status("211")

    def action_einvoice_endorse(self):
        for move in self:
            move._einvoice_give_status("214")

    def action_einvoice_complete(self):
        for move in self:
            move._einvoice_give_status("209")

    def action_einvoice_status_wizard(self):
        """Statuses that need a reason or a choice: partial approval, dispute, suspension, refusal
        (buyer); direct payment, factoring, payment account (seller)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "einvoice_lifecycle.status.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id, "default_status": self.env.context.get("einvoice_status")},
        }

    def action_einvoice_cancel_wizard(self):
        """220: the seller cancels a posted invoice, naming the invoice that replaces it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "einvoice_lifecycle.cancel.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_einvoice_credit_note(self):
        """One click from a refused or rejected invoice to its credit note.

        The credit note only cancels the invoice in the books (an internal credit note): after a
        refusal or a rejection no regulated flow may follow (DSE v3.2 §3.6.4), so it is marked
        and no e-invoice, platform flow or Chorus Pro deposit is made of it.
        """
        self.ensure_one()
        self.check_access("write")
        ending = self.einvoice_event_ids.filtered(lambda e: e.status in ("210", "213")).sorted("timestamp")[-1:]
        if not self.is_sale_document() or not ending:
            raise UserError(
                self.env._(
                    "%(move)s was neither refused (210) nor rejected (213): issue an ordinary credit note instead.",
                    move=self.display_name,
                )
            )
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=self.ids)
            .create(
                {
                    "reason": self.env._("E-invoice refused (%s)", ending.reason_code or ""),
                    "journal_id": self.journal_id.id,
                }
            )
        )
        action = wizard.refund_moves()
        status = selection_label(self, "einvoice_status", ending.status)
        for credit_note in wizard.new_move_ids:
            credit_note.einvoice_internal = True
            credit_note.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Internal credit note: it cancels %(invoice)s in the books after its status %(status)s "
                    "(reason %(reason)s). The specifications forbid any regulated flow after a refusal or a "
                    "rejection (DGFiP general specification, section 3.6.4): this credit note is neither sent "
                    "as an e-invoice nor reported to the administration.",
                    invoice=self.display_name,
                    status=status,
                    reason=self._einvoice_reason_text(ending),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return action

    # --- automation ------------------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A received e-invoice validated by the accountant is taken in charge (204).
        for move in posted.filtered(lambda m: m.is_purchase_document() and m.l10n_fr_imported_syntax):
            if "204" not in move.einvoice_event_ids.mapped("status"):
                decision = check_event(move.einvoice_event_ids.mapped("status"), "204", emitter="buyer")
                if decision:
                    try:
                        # Refused before anything is written (rules, then the message's validation).
                        move._einvoice_give_status("204")
                    except UserError as exc:
                        # The bill is posted all the same: the accountant learns why no 204 left.
                        move.message_post(
                            body=Markup("<p>%s</p>")
                            % move.env._("Status 204 (taken in charge) was not given: %(error)s", error=exc.args[0]),
                            subtype_xmlid="mail.mt_note",
                        )
        return posted

    @api.model
    def _cron_einvoice_mandatory_deadlines(self):
        """Mandatory statuses the company gives, not reported 20 hours after their timestamp: one
        activity per status before the 24 h limit.

        Only the last days are scanned (older ones are past the limit already), each status is
        warned about once (marking the activity done does not bring it back), and the statuses a
        platform or Chorus Pro reports itself are not the company's to report.
        """
        now = fields.Datetime.now()
        events = self.env["einvoice_lifecycle.event"].search(
            [
                ("company_reports", "=", True),
                ("reported_at", "=", False),
                ("deadline_warned", "=", False),
                ("timestamp", "<=", now - DEADLINE_WARNING_AFTER),
                ("timestamp", ">=", now - datetime.timedelta(days=DEADLINE_HORIZON_DAYS)),
                # A sandbox reports nothing to anyone, by design: no deadline to warn about.
                ("move_id.einvoice_sandbox", "=", False),
            ],
            order="timestamp, id",
        )
        for event in events:
            move = in_company_lang(event.move_id, event.company_id)
            moment = fields.Datetime.context_timestamp(move, event.timestamp + REPORTING_DELAY)
            move.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=move.env._("Mandatory e-invoice status not reported (24 h limit)"),
                note=move.env._(
                    "Status %(status)s must reach the tax administration before %(limit)s: check that the "
                    "platform received it.",
                    status=selection_label(move, "einvoice_status", event.status),
                    limit=fields.Datetime.to_string(moment.replace(tzinfo=None)),
                ),
                user_id=(move.invoice_user_id or self.env.user).id,
            )
            # Events are written by the lifecycle only (users have no write right on them).
            event.sudo().deadline_warned = True

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
