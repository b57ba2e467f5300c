from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import selection_label

from einvoice.lifecycle import STATUSES, Emitter

from .einvoice_flow import ENDED_STATES, INVOICE_TYPES, TARGET_SYNTAX

#: SIREN numbers of public bodies begin with 1 (the State's services) or 2 (local authorities):
#: INSEE numbering, the sign of a public buyer when no directory or Chorus Pro says it.
PUBLIC_SIREN_PREFIXES = ("1", "2")
#: Statuses the issuing platform gives itself: it reports them to the administration.
PLATFORM_STATUSES = ("200", "213")


class AccountMove(models.Model):
    _inherit = "account.move"

    einvoice_flow_ids = fields.One2many("einvoice.flow", "move_id", string="Platform flows", readonly=True)
    einvoice_platform_state = fields.Selection(
        related="einvoice_flow_ids.state", string="Platform", help="State of the invoice's last flow."
    )
    einvoice_platform_live = fields.Boolean(
        "On the platform",
        compute="_compute_einvoice_platform_live",
        help="A flow of this invoice is queued, being sent or sent: it is not sent again.",
    )
    einvoice_not_sent_reason = fields.Text(
        "Not sent to the platform",
        readonly=True,
        copy=False,
        help="Why this e-invoice does not go to the approved platform, and what to do about it.",
    )

    @api.depends("einvoice_flow_ids.state", "einvoice_flow_ids.flow_type")
    def _compute_einvoice_platform_live(self):
        for move in self:
            move.einvoice_platform_live = any(
                flow.flow_type in INVOICE_TYPES and flow.direction == "out" and flow.state not in ENDED_STATES
                for flow in move.einvoice_flow_ids
            )

    # --- issuing ---------------------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._einvoice_queue_for_platform()
        return posted

    def _einvoice_platform_syntax(self, platform):
        found = self.partner_id._l10n_fr_einvoice_format()
        return TARGET_SYNTAX[found[0] if found else platform.default_syntax]

    def _einvoice_platform_candidates(self):
        """The moves the approved platform carries: customer invoices and credit notes in e-invoice
        format, not internal credit notes (DGFiP specifications §3.6.4), not Chorus Pro's."""
        return self.filtered(
            lambda m: (
                (m.is_sale_document() or m._l10n_fr_is_self_billed())
                and m.l10n_fr_is_einvoice
                and not m.einvoice_internal
                and m._einvoice_channel() == "platform"
            )
        )

    def _einvoice_queue_for_platform(self):
        """Queue the customer invoices whose buyer receives through an approved platform; each one
        that stays says why in its chatter and in the "Not sent" filter."""
        moves = self._einvoice_platform_candidates()
        if not moves:
            return
        moves._einvoice_lock()
        live = moves._einvoice_live_flow_moves()
        platforms = {}
        for move in moves:
            company = move.company_id
            if company not in platforms:
                platforms[company] = self.env["einvoice.platform"].sudo()._for_company(company)
            platform = platforms[company]
            if move.id in live or not move._einvoice_in_platform_scope():
                continue
            reason = move._einvoice_platform_obstacle(platform)
            if reason:
                move._einvoice_note_not_sent(reason)
                continue
            move._einvoice_queue_invoice(platform)

    def action_einvoice_send_to_platform(self):
        """Send now (queue) an invoice that was posted before the platform was set up, or that
        stayed here until its buyer could receive."""
        self.check_access("write")
        self._einvoice_lock()
        live = self._einvoice_live_flow_moves()
        for move in self:
            platform = self.env["einvoice.platform"].sudo()._for_company(move.company_id)
            if move.state != "posted" or not (move.is_sale_document() or move._l10n_fr_is_self_billed()):
                raise UserError(
                    self.env._(
                        "%(move)s: only posted customer invoices and self-billed vendor bills are sent.",
                        move=move.display_name,
                    )
                )
            if move.einvoice_internal:
                raise UserError(
                    self.env._(
                        "%(move)s is an internal credit note: it cancels a refused or rejected invoice in the "
                        "books only and is sent to no platform.",
                        move=move.display_name,
                    )
                )
            if move._einvoice_channel() != "platform":
                raise UserError(_("%s goes through Chorus Pro, not the approved platform.", move.display_name))
            reason = move._einvoice_platform_obstacle(platform, recipient=False)
            if reason:
                raise UserError(reason)
            if move.id in live:
                raise UserError(_("%s is already sent or queued.", move.display_name))
            if not move._einvoice_in_platform_scope():
                raise UserError(
                    self.env._(
                        "%(move)s: %(partner)s is not a French company; its invoices are reported to the tax "
                        "administration (e-reporting), not sent through the platform.",
                        move=move.display_name,
                        partner=move.commercial_partner_id.display_name,
                    )
                )
            reason = move._einvoice_platform_obstacle(platform)
            if reason:
                raise UserError(reason)
            move._einvoice_queue_invoice(platform)

    def _einvoice_queue_invoice(self, platform):
        self.ensure_one()
        # The Flow API calls a self-billed invoice the company issues a SupplierInvoice.
        flow_type = "SupplierInvoice" if self._l10n_fr_is_self_billed() else "CustomerInvoice"
        flow = self.env["einvoice.flow"]._queue(
            platform, flow_type, self, syntax=self._einvoice_platform_syntax(platform)
        )
        if self.einvoice_not_sent_reason:
            self.einvoice_not_sent_reason = False
        return flow

    def _einvoice_lock(self):
        """Hold these invoices until the transaction ends, so that two sends of one invoice (two
        users, two workers) queue it once.

        Odoo's transactions are REPEATABLE READ: a second transaction that merely waited for a
        row lock would go on with a snapshot taken before the first one's flow existed. An
        UPDATE of the row instead makes the second one fail with a serialization error once the
        first commits (Odoo runs an RPC call again then, and the call sees the flow). The unique
        index on the flows (``einvoice.flow.init``) is the last word."""
        if self.ids:
            self.env.cr.execute(
                "UPDATE account_move SET write_date = write_date WHERE id IN %s",
                [tuple(self.ids)],
                log_exceptions=False,
            )

    def _einvoice_live_flow_moves(self):
        """Ids of these moves that have an invoice flow that stands (queued, sending, sent, accepted),
        read from the database, not from the cache."""
        if not self.ids:
            return set()
        self.env["einvoice.flow"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT move_id FROM einvoice_flow
             WHERE move_id IN %s AND direction = 'out' AND flow_type IN %s AND state NOT IN %s
            """,
            [tuple(self.ids), INVOICE_TYPES, ENDED_STATES],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _einvoice_in_platform_scope(self):
        """Whether the buyer is one an invoice goes to through the platform: a French company. A
        consumer's or a foreign company's invoice is reported to the administration (e-reporting),
        not sent."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return bool(partner.l10n_fr_siren) or (partner.is_company and partner.country_code in (False, "FR"))

    def _einvoice_platform_obstacle(self, platform, recipient=True):
        """Why this invoice cannot go to ``platform`` now, with what to do, or False (``recipient``:
        whether its buyer's side is looked at too)."""
        self.ensure_one()
        if not platform:
            return self.env._(
                "%(company)s has no approved platform: set it up in Accounting > Configuration > E-invoicing "
                "platforms (or try the sandbox), then click Send to platform on this invoice.",
                company=self.company_id.name,
            )
        if not self._einvoice_may_use(platform):
            return self.env._(
                "%s went through the sandbox: it is a trial, never sent to a real platform. Cancel it with "
                "a credit note and issue the invoice again to send it for real.",
                self.display_name,
            )
        return self._einvoice_recipient_obstacle() if recipient else False

    def _einvoice_recipient_obstacle(self):
        """Why the buyer cannot receive this invoice through the platform, with what to do, or False."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if not partner.l10n_fr_siren:
            return self.env._(
                "%(partner)s has no SIREN, by which the directory finds where it receives e-invoices: enter its "
                "SIRET (or SIREN) on the customer, then click Send to platform; or send this invoice by another "
                "channel.",
                partner=partner.display_name,
            )
        state = partner.einvoice_directory_state
        if state == "absent":
            return self.env._(
                "%(partner)s is not in the e-invoicing directory: ask it to register with an approved platform, "
                "then click Send to platform; meanwhile, send this invoice by another channel.",
                partner=partner.display_name,
            )
        if state == "disabled":
            return self.env._(
                "%(partner)s cannot receive e-invoices yet (directory: %(state)s): ask it to choose its approved "
                "platform, then click Send to platform; meanwhile, send this invoice by another channel.",
                partner=partner.display_name,
                state=selection_label(partner, "einvoice_directory_state", state),
            )
        if state == "ambiguous":
            return self.env._(
                "The directory lists several electronic addresses for %(partner)s (%(addresses)s): enter the one "
                "to use as its electronic address, then click Send to platform.",
                partner=partner.display_name,
                addresses=partner.einvoice_directory_addresses or "",
            )
        return False

    def _einvoice_note_not_sent(self, reason):
        """Say on the invoice why it stays here: in its chatter (once, not at each run) and in the
        "Not sent" filter."""
        for move in self:
            if move.einvoice_not_sent_reason == reason:
                continue
            move.sudo().write({"einvoice_not_sent_reason": reason})
            move.sudo()._message_log(body=self.env._("Not sent to the approved platform: %(reason)s", reason=reason))

    def _einvoice_may_use(self, platform):
        """Never mixed: what went through a sandbox never goes to a real platform."""
        self.ensure_one()
        return platform.environment == "sandbox" or not self.einvoice_sandbox

    def _einvoice_public_buyer(self):
        """Whether the buyer is a public body (B2G): the directory or Chorus Pro says so, or its SIREN
        is one of a public body's."""
        self.ensure_one()
        partner = self.commercial_partner_id if self.is_sale_document() else self.company_id.partner_id
        return bool(
            partner.einvoice_public_entity
            or ("chorus_public_entity" in partner._fields and partner.chorus_public_entity)
            or (partner.l10n_fr_siren or "")[:1] in PUBLIC_SIREN_PREFIXES
        )

    def _einvoice_processing_rule(self):
        """processingRule of this move's flows (AFNOR Flow API): B2G for a public buyer, B2C for a
        consumer, B2BInt for a trade with a foreign company, B2B otherwise."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if self._einvoice_public_buyer():
            return "B2G"
        if partner.l10n_fr_siren:
            return "B2B"
        if not partner.is_company:
            return "B2C"
        return "B2B" if partner.country_code in (False, "FR") else "B2BInt"

    def action_einvoice_view_flows(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("pa_connector.action_einvoice_flow")
        action["domain"] = [("move_id", "=", self.id)]
        return action

    # --- statuses: the platform's own, and ours that travel as CDAR -------------------------------

    # EXTENDS einvoice_lifecycle
    def _einvoice_apply_event(self, status, emitter, *args, **options):
        """The issuing platform tells its 200 and its 213 twice (its acknowledgement of the flow and
        its status message): the second tells nothing new and is the event already recorded. A
        status a platform gives itself is reported to the administration by that platform."""
        source = args[0] if args else options.get("source", "manual")
        issuer = Emitter.ISSUER_PLATFORM.value
        if source == "platform" and emitter == issuer and status in PLATFORM_STATUSES:
            given = self.einvoice_event_ids.filtered(lambda e: e.status == status and e.emitter == issuer)
            if given:
                return given[:1]
        platforms = (issuer, Emitter.RECEIVER_PLATFORM.value)
        if source == "platform" and emitter in platforms and getattr(STATUSES.get(status), "mandatory", False):
            options.setdefault("reported_at", fields.Datetime.now())
        return super()._einvoice_apply_event(status, emitter, *args, **options)

    # EXTENDS einvoice_lifecycle
    def _einvoice_give_status(self, status, **options):
        event = super()._einvoice_give_status(status, **options)
        platform = self.env["einvoice.platform"].sudo()._for_company(self.company_id)
        if (
            platform
            and not self.einvoice_internal
            and self._einvoice_may_use(platform)
            and event.attachment_id
            and not self.env["einvoice.flow"].sudo().search_count([("event_id", "=", event.id)])
        ):
            self.env["einvoice.flow"]._queue(
                platform,
                "SupplierInvoiceLC" if self.is_purchase_document() else "CustomerInvoiceLC",
                self,
                syntax="CDAR",
                attachment=event.attachment_id,
                event=event,
            )
        return event
