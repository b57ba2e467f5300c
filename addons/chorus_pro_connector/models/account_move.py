import datetime
import logging
import unicodedata

from markupsafe import Markup
from psycopg2 import errors as pg_errors
from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.l10n_fr_einvoice.language import engine_lang, in_company_lang
from odoo.addons.l10n_fr_einvoice.models.account_move_export import PROFILES, embedded_xml
from odoo.addons.l10n_fr_einvoice.notification import notification

from einvoice.chorus import ChorusProError, codes
from einvoice.lifecycle import Emitter, check_event
from einvoice.pdf import is_pdf, is_signed

from .chorus_pro_account import _commit, error_text

_logger = logging.getLogger(__name__)

CHORUS_STATES = [
    ("to_send", "To send"),
    ("sending", "Being deposited"),
    ("deposited", "Deposited"),
    ("integrated", "In Chorus Pro"),
    ("rejected", "Rejected by Chorus Pro"),
    ("error", "Not sent"),
]
#: Chorus Pro's statuses; French users see the labels the public buyers and the portal use, through
#: the translations.
CHORUS_STATUSES = [(code, status.label_en) for code, status in codes.STATUSES.items()]
#: Who gives each reform status a Chorus Pro status maps to (Chorus Pro is both platforms).
REFORM_EMITTERS = {
    "200": Emitter.ISSUER_PLATFORM.value,
    "203": Emitter.RECEIVER_PLATFORM.value,
    "204": Emitter.BUYER.value,
    "208": Emitter.BUYER.value,
    "209": Emitter.SELLER.value,
    "210": Emitter.BUYER.value,
    "211": Emitter.BUYER.value,
}
#: Reason codes (MDT-113) of a rejection at deposit, by the advice Chorus Pro's message matches.
DEPOSIT_REJECTION_REASONS = {
    "DUPLICATE_INVOICE": "DOUBLON",
    "BUYER_UNKNOWN": "DEST_INC",
    "STRUCTURE_INACTIVE": "DEST_INC",
    "SERVICE_OR_COMMITMENT_MISSING": "REJ_CONT_B2G",
    "SERVICE_CODE_MISSING": "REJ_CONT_B2G",
    "SERVICE_CODE_UNKNOWN": "REJ_CONT_B2G",
    "COMMITMENT_MISSING": "REJ_CONT_B2G",
    "COMMITMENT_INVALID": "REJ_CONT_B2G",
    "SUPPLIER_UNKNOWN": "REJ_CONT_B2G",
    "UNREADABLE_FLOW": "REJ_SEMAN",
}
# Chorus Pro gives no reason code with a rejection or a suspension, only the buyer's words:
# the reform's reason code is taken from them, with the most general code by default.
REFUSAL_WORDS = [
    (("doublon", "deja"), "DOUBLON"),
    (("tva",), "TX_TVA_ERR"),
    (("engagement", "commande"), "CMD_ERR"),
    (("montant",), "MONTANTTOTAL_ERR"),
    (("calcul",), "CALCUL_ERR"),
    (("adresse",), "ADR_ERR"),
    (("contrat", "marche"), "REF_CT_ABSENT"),
]
SUSPENSION_WORDS = [
    (("rib", "iban", "bancaire"), "COORD_BANC_ERR"),
    (("engagement", "commande"), "CMD_ERR"),
    (("siret",), "SIRET_ERR"),
    (("code service", "routage"), "CODE_ROUTAGE_ERR"),
    (("contrat", "marche"), "REF_CT_ABSENT"),
    (("reference",), "REF_ERR"),
]
#: Chorus Pro statuses that call for the seller's action.
ACTION_STATUSES = ("REJETEE", "SUSPENDUE", "A_RECYCLER")
#: Invoices are read again after this delay.
POLL_INTERVAL = datetime.timedelta(minutes=50)
#: Chorus Pro states of an invoice it has, or may have: never deposited again.
DEPOSITED_STATES = ("sending", "deposited", "integrated", "rejected")


def _plain(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _guess_reason(text, table, default):
    plain = _plain(text)
    for words, code in table:
        if any(word in plain for word in words):
            return code
    return default


def _parse_date(value):
    """A Chorus Pro date (ISO 8601, UTC when zoned) as a naive UTC datetime, or None."""
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_public_entity = fields.Boolean(related="commercial_partner_id.chorus_public_entity")
    chorus_state = fields.Selection(
        CHORUS_STATES, string="Chorus Pro", copy=False, readonly=True, index=True, tracking=True
    )
    chorus_submission_id = fields.Many2one(
        "chorus.pro.submission", "Chorus Pro deposit", copy=False, readonly=True, index="btree_not_null"
    )
    chorus_invoice_id = fields.Char(
        "Chorus Pro number", copy=False, readonly=True, index="btree_not_null", help="identifiantFactureCPP"
    )
    chorus_status = fields.Selection(
        CHORUS_STATUSES,
        string="Chorus Pro status",
        copy=False,
        readonly=True,
        tracking=True,
        help="The invoice's status in Chorus Pro, as the public buyer sees it. Those that match a status of "
        "the reform also appear in the lifecycle.",
    )
    chorus_status_date = fields.Datetime("Chorus Pro status date", copy=False, readonly=True)
    chorus_status_comment = fields.Char("Chorus Pro comment", copy=False, readonly=True)
    chorus_error = fields.Text("Chorus Pro message", copy=False, readonly=True)
    chorus_history_count = fields.Integer(copy=False, readonly=True, help="Chorus Pro statuses already applied.")
    chorus_polled_on = fields.Datetime("Chorus Pro read on", copy=False, readonly=True)

    # --- required routing data -------------------------------------------------------------

    def _chorus_applies(self):
        """Whether this is a customer invoice or credit note to a public buyer of Chorus Pro.

        An internal credit note (one that cancels a refused or rejected invoice in the books
        only, einvoice_lifecycle) produces no flow: it never goes to Chorus Pro.
        """
        self.ensure_one()
        return (
            self.is_sale_document(include_receipts=False)
            and self.commercial_partner_id.chorus_public_entity
            and not self.einvoice_internal
        )

    def _chorus_check_rights(self):
        """Before the connector acts as superuser for a user: an invoicing user allowed to change these invoices."""
        if self.env.su:
            return
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "Only invoicing users (Accounting > Billing or more) can send invoices to Chorus Pro or act on "
                    "their deposits; read-only access does not allow it."
                )
            )
        self.check_access("write")

    # EXTENDS einvoice_lifecycle
    def _einvoice_channel(self):
        return "chorus_pro" if self._chorus_applies() else super()._einvoice_channel()

    def _chorus_field_label(self, name):
        return self._fields[name].get_description(self.env)["string"]

    def _chorus_routing_problems(self, check_remote=False):
        """What Chorus Pro would reject this invoice for, as sentences naming the field to fill in."""
        self.ensure_one()
        partner = self.commercial_partner_id
        service = (self.l10n_fr_buyer_reference or "").strip()
        commitment = (self.l10n_fr_purchase_order_ref or "").strip()
        service_field = self._chorus_field_label("l10n_fr_buyer_reference")
        commitment_field = self._chorus_field_label("l10n_fr_purchase_order_ref")
        active_codes = partner.chorus_service_ids.mapped("code")
        shown = ", ".join(active_codes[:10]) + (", ..." if len(active_codes) > 10 else "")
        problems = []
        if not partner.siret:
            problems.append(
                self.env._(
                    "%(partner)s has no SIRET: Chorus Pro routes invoices to public buyers by their SIRET.",
                    partner=partner.display_name,
                )
            )
        if partner.chorus_structure_id and not partner.chorus_structure_active:
            problems.append(
                self.env._(
                    "%(partner)s is inactive in Chorus Pro: ask the buyer which structure replaces it.",
                    partner=partner.display_name,
                )
            )
        if partner.chorus_service_or_commitment and not (service or commitment):
            problems.append(
                self.env._(
                    '%(partner)s requires a service code or a commitment number: fill in "%(service_field)s" '
                    '(BT-10) or "%(commitment_field)s" (BT-13) in the E-invoice tab.',
                    partner=partner.display_name,
                    service_field=service_field,
                    commitment_field=commitment_field,
                )
            )
        if partner.chorus_service_code_required and not service:
            problems.append(
                self.env._(
                    '%(partner)s requires a service code: fill in "%(field)s" (BT-10) in the E-invoice tab with '
                    "one of its services: %(services)s.",
                    partner=partner.display_name,
                    field=service_field,
                    services=shown or "-",
                )
            )
        if service and partner.chorus_structure_id and service not in active_codes:
            problems.append(
                self.env._(
                    'The service code %(code)s in "%(field)s" is not an active service of %(partner)s in Chorus '
                    "Pro: use one of %(services)s, or sync the partner from Chorus Pro.",
                    code=service,
                    field=service_field,
                    partner=partner.display_name,
                    services=shown or "-",
                )
            )
        if partner.chorus_commitment_required and not commitment:
            problems.append(
                self.env._(
                    '%(partner)s requires its commitment number (numéro d\'engagement): fill in "%(field)s" (BT-13) '
                    "in the E-invoice tab, as written on its purchase order.",
                    partner=partner.display_name,
                    field=commitment_field,
                )
            )
        if check_remote and commitment and partner.chorus_structure_id and not problems:
            problem = self._chorus_commitment_problem(commitment, commitment_field)
            if problem:
                problems.append(problem)
        return problems

    def _chorus_commitment_problem(self, commitment, field):
        """Ask Chorus Pro whether the buyer knows the commitment number, when the connection says so."""
        account = self.env["chorus.pro.account"]._for_company(self.company_id)
        if not account or not account.check_commitment or not account.credentials_set:
            return None
        partner = self.commercial_partner_id
        try:
            known = account._client().check_commitment(int(partner.chorus_structure_id), commitment)
        except ChorusProError as exc:
            # Not reachable, or the service refused: posting is not held up by a check that cannot run.
            _logger.info("Commitment number of %s not checked: %s", self.display_name, exc)
            return None
        if known:
            return None
        return self.env._(
            'The commitment number %(number)s in "%(field)s" is not known to %(partner)s in Chorus Pro: check it '
            "against the buyer's purchase order.",
            number=commitment,
            field=field,
            partner=partner.display_name,
        )

    def _post(self, soft=True):
        blocked = []
        for move in self.filtered(lambda m: m._chorus_applies()):
            problems = move._chorus_routing_problems(check_remote=True)
            if problems:
                blocked.append(f"{move.display_name}:\n- " + "\n- ".join(problems))
        if blocked:
            raise UserError(
                self.env._("Chorus Pro would reject these invoices; they are not posted.")
                + "\n\n"
                + "\n\n".join(blocked)
            )
        posted = super()._post(soft=soft)
        posted._chorus_queue()
        return posted

    # --- sending -------------------------------------------------------------------------

    def _chorus_queue(self):
        """Queue the invoices of public buyers for the sending job, where the connection sends automatically."""
        queued = self.env["account.move"]
        for move in self.filtered(lambda m: m._chorus_applies() and not m.chorus_state):  # not internal ones
            account = self.env["chorus.pro.account"]._for_company(move.company_id)
            if account and account.auto_send:
                queued |= move
        if queued:
            queued.write({"chorus_state": "to_send"})
            self.env.ref("chorus_pro_connector.cron_send").sudo()._trigger()

    def _chorus_file(self, syntax, pdf=None):
        """(file name, content) of this invoice for Chorus Pro, validated; kept as an attachment."""
        self.ensure_one()
        profile = PROFILES["EN16931"]
        xml = self._l10n_fr_einvoice_xml_to_send(syntax, profile)
        base = self.name.replace("/", "_")
        if syntax == "facturx":
            if not pdf or not is_pdf(pdf) or (is_signed(pdf) and embedded_xml(pdf) != xml):
                # None given, or a signed one made for another XML (Send & Print's, of another
                # profile): Chorus Pro gets a PDF of its own.
                pdf = (
                    self.env["ir.actions.report"]
                    .with_context(force_report_rendering=True)
                    ._render_qweb_pdf("account.account_invoices", self.ids)[0]
                )
            content = self._l10n_fr_einvoice_facturx(pdf, xml, profile)
            name, mimetype = f"{base}_chorus.pdf", "application/pdf"
        else:
            content, name, mimetype = xml, f"{base}_chorus_{syntax}.xml", "application/xml"
        self.env["ir.attachment"].sudo().create(
            {"name": name, "raw": content, "res_model": self._name, "res_id": self.id, "mimetype": mimetype}
        )
        return name, content

    def _chorus_send_now(self, pdf=None):
        """Deposit this invoice alone (Send & Print, Send to Chorus Pro); returns an error message or None.

        Exactly once: the invoice's row is locked while its deposit is created (a second
        click, another user or the sending job waits or is told), the database holds one live
        deposit per invoice, and the deposit is committed before it leaves, so that a lost
        answer or a crash is settled by looking the invoice up in Chorus Pro, never by a
        second deposit.
        """
        self.ensure_one()
        self._chorus_check_rights()
        if self.einvoice_internal:
            return self.env._(
                "%s is an internal credit note: it cancels an invoice in the books only and is never sent.",
                self.display_name,
            )
        if not self._chorus_applies() or self.state != "posted":
            return self.env._("%s is not a posted invoice of a Chorus Pro public buyer.", self.display_name)
        if self.chorus_state in DEPOSITED_STATES:
            return self.env._("%s was already deposited on Chorus Pro.", self.display_name)
        account = self.env["chorus.pro.account"]._for_company(self.company_id)
        if not account:
            return self.env._(
                "%s has no Chorus Pro connection (Accounting > Configuration > Chorus Pro).", self.company_id.name
            )
        if self.einvoice_sandbox and account.environment != "sandbox":
            return self.env._(
                "%s went through the Chorus Pro sandbox: it is not deposited in production. Issue a new invoice "
                "for the public buyer.",
                self.display_name,
            )
        try:
            client = account._client()
        except UserError as exc:
            return str(exc)
        busy = self._chorus_lock()
        if busy:
            return busy
        Submission = self.env["chorus.pro.submission"].sudo()
        held = Submission._held(self)
        if held and held.state == "error":
            # Its last answer could not be read: Chorus Pro may have it. Looked up before anything leaves.
            try:
                if held._settle(client, requeue=True):
                    return None if self.chorus_state in ("deposited", "integrated") else self.chorus_error
            except ChorusProError as exc:
                return self.env._("Chorus Pro could not be reached: %s", error_text(self.env, exc))
        elif held:
            return self.env._("%s was already deposited on Chorus Pro.", self.display_name)
        submission = Submission.create({"account_id": account.id, "name": self.name})
        if submission._link(self):
            submission.unlink()
            return self.env._("%s was already deposited on Chorus Pro.", self.display_name)
        self.write({"chorus_state": "sending", "chorus_submission_id": submission.id})
        files = submission._prepare(pdfs={self: pdf} if pdf else None)
        _commit(self.env)  # the deposit is known before it leaves: a crash from here is settled by a lookup
        if files and submission._lock_to_send():
            submission._deposit(client, files)
            _commit(self.env)
        if self.chorus_state in ("deposited", "integrated"):
            if submission.sandbox:
                body = self.env._("Deposited on Chorus Pro (sandbox), flow %s.", submission.numero_flux)
            else:
                body = self.env._("Deposited on Chorus Pro (flow %s).", submission.numero_flux)
            self.message_post(body=body)
            return None
        if self.chorus_state == "sending":
            return self.env._(
                "%(move)s left for Chorus Pro but its answer was lost: it will be looked up in Chorus Pro before "
                "anything is deposited again. %(reason)s",
                move=self.display_name,
                reason=self.chorus_error or "",
            )
        return self.chorus_error or submission.error or self.env._("Chorus Pro did not answer.")

    def _chorus_lock(self):
        """Lock this invoice's row for its deposit; a message when another transaction has it (or changed it)."""
        self.ensure_one()
        self.flush_recordset(["chorus_state"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT chorus_state FROM account_move WHERE id = %s FOR UPDATE NOWAIT",
                    (self.id,),
                    log_exceptions=False,
                )
                [state] = self.env.cr.fetchone()
        except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure):
            return self.env._(
                "%s is being deposited on Chorus Pro by another user or job: refresh the invoice.", self.display_name
            )
        self.invalidate_recordset(["chorus_state"])
        if state in DEPOSITED_STATES:
            return self.env._("%s was already deposited on Chorus Pro.", self.display_name)
        return None

    def action_chorus_send(self):
        """The "Send to Chorus Pro" button: deposit now, one invoice at a time."""
        self._chorus_check_rights()
        errors = []
        for move in self:
            error = move._chorus_send_now()
            if error:
                errors.append(error)
        if errors:
            message, kind = "\n".join(errors), "danger"
        else:
            message, kind = self.env._("Deposited on Chorus Pro: its report will be read shortly."), "success"
        return notification(message, kind, sticky=bool(errors), reload=True)

    def _chorus_find(self, client):
        """This invoice in Chorus Pro (its number, for this supplier and buyer, of its year), or None."""
        self.ensure_one()
        return client.find_deposited(
            self.name,
            supplier_siret=stdnum_siret.compact(self.company_id.siret or ""),
            buyer_siret=stdnum_siret.compact(self.commercial_partner_id.siret or ""),
            year=self.invoice_date.year if self.invoice_date else None,
        )

    # --- reports and statuses ------------------------------------------------------------

    def _chorus_integrated(self, invoice_id, status=None):
        self.ensure_one()
        values = {"chorus_state": "integrated", "chorus_invoice_id": str(invoice_id), "chorus_error": False}
        if status in codes.STATUSES and not self.chorus_history_count:
            values["chorus_status"] = status
        if self.chorus_submission_id.sandbox:
            values["einvoice_sandbox"] = True
        self.write(values)
        if self.einvoice_sandbox:
            self.message_post(body=self.env._("Integrated in Chorus Pro (sandbox) under number %s.", invoice_id))
        else:
            self.message_post(body=self.env._("Integrated in Chorus Pro under number %s.", invoice_id))

    def _chorus_rejected_at_deposit(self, message, advice=None):
        """Chorus Pro refused the invoice of a flow: the lifecycle gets a rejection (213) with the reason."""
        self.ensure_one()
        plain = advice.text(engine_lang(self.env)) if advice else ""
        text = f"{message}\n{plain}" if plain else message
        self.write({"chorus_state": "rejected", "chorus_error": text})
        flow = self.chorus_submission_id.numero_flux or self.chorus_submission_id.id
        event = self._chorus_reform_event(
            "213",
            Emitter.ISSUER_PLATFORM.value,
            reason_code=DEPOSIT_REJECTION_REASONS.get(advice.key if advice else None, "REJ_SEMAN"),
            reason=plain or message,
            external_id=f"chorus-flow:{flow}:{self.id}",
        )
        if self.einvoice_sandbox:
            title = self.env._("Rejected by Chorus Pro (sandbox) at deposit:")
        else:
            title = self.env._("Rejected by Chorus Pro at deposit:")
        self.message_post(body=Markup("%s<br/>%s") % (title, text))
        if not event:
            self._chorus_activity(
                self.env._("Chorus Pro: invoice rejected at deposit"), plain or message, message if plain else None
            )

    @api.model
    def _chorus_to_poll_domain(self, company, sandbox=False):
        """The company's invoices to read in Chorus Pro: those of the sandbox from the sandbox only."""
        return [
            ("company_id", "=", company.id),
            ("einvoice_sandbox", "=", sandbox),
            ("chorus_state", "=", "integrated"),
            ("chorus_invoice_id", "!=", False),
            ("chorus_status", "not in", list(codes.FINAL_STATUSES)),
            "|",
            ("chorus_polled_on", "=", False),
            ("chorus_polled_on", "<", fields.Datetime.now() - POLL_INTERVAL),
        ]

    def _chorus_poll(self, client):
        self.ensure_one()
        self._chorus_apply_history(client.history(int(self.chorus_invoice_id)))

    def _chorus_followup(self, mode):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Chorus Pro"),
            "res_model": "chorus.pro.followup.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id, "default_mode": mode},
        }

    def action_chorus_complete(self):
        """Answer a suspension: the missing document and a comment, sent to Chorus Pro."""
        self._chorus_check_rights()
        return self._chorus_followup("complete")

    def action_chorus_recycle(self):
        """Correct the service code or commitment number of an invoice Chorus Pro could not route."""
        self._chorus_check_rights()
        return self._chorus_followup("recycle")

    def _chorus_follow_account(self):
        """The connection that follows this invoice: the company's, and the sandbox only for an invoice of it."""
        self.ensure_one()
        account = self.env["chorus.pro.account"]._for_company(self.company_id)
        if not account:
            raise UserError(self.env._("%s has no Chorus Pro connection.", self.company_id.name))
        if self.einvoice_sandbox and account.environment != "sandbox":
            raise UserError(
                self.env._(
                    "%s went through the Chorus Pro sandbox, which is archived: it is not followed in production.",
                    self.display_name,
                )
            )
        return account

    def action_chorus_refresh(self):
        """The "Refresh from Chorus Pro" button: the deposit report, then the invoice's statuses."""
        self._chorus_check_rights()  # it records statuses on the invoice
        for move in self:
            account = move._chorus_follow_account()
            try:
                client = account._client()
                if move.chorus_state == "deposited" and move.chorus_submission_id:
                    move.chorus_submission_id.sudo()._read_report(client)
                if move.chorus_state == "integrated":
                    move._chorus_poll(client)
            except ChorusProError as exc:
                raise UserError(self.env._("Chorus Pro could not be reached: %s", error_text(self.env, exc))) from exc
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _chorus_apply_history(self, history):
        """Apply the statuses of Chorus Pro not applied yet: lifecycle, chatter, activities."""
        self.ensure_one()
        events = sorted(history.events, key=lambda e: e.date or "")
        start = self.chorus_history_count
        for index, event in enumerate(events[start:], start=start):
            self._chorus_apply_status(event, index)
        values = {"chorus_history_count": len(events), "chorus_polled_on": fields.Datetime.now()}
        current = history.status or (events[-1].status if events else None)
        if current in codes.STATUSES:
            values["chorus_status"] = current
        if events:
            values["chorus_status_date"] = _parse_date(events[-1].date) or fields.Datetime.now()
            values["chorus_status_comment"] = events[-1].comment or False
        self.write(values)

    def _chorus_apply_status(self, event, index):
        code, comment = event.status, event.comment
        timestamp = _parse_date(event.date) or fields.Datetime.now()
        external_id = f"chorus:{self.chorus_invoice_id}:{index}"
        reform = codes.reform_status(code)
        explanation = self._chorus_explanation(code, comment)
        applied = None
        if reform:
            # Only what Chorus Pro says: its "Mise à disposition" is 203, and 202 (optional) is not invented.
            reason_code = reason = None
            if reform in ("208", "210"):
                reason_code = _guess_reason(
                    comment,
                    SUSPENSION_WORDS if reform == "208" else REFUSAL_WORDS,
                    "JUSTIF_ABS" if reform == "208" else "NON_CONFORME",
                )
                reason = f"{comment} - {explanation}" if comment else explanation
            applied = self._chorus_reform_event(
                reform,
                REFORM_EMITTERS[reform],
                reason_code=reason_code,
                reason=reason,
                timestamp=timestamp,
                external_id=external_id,
            )
        label = codes.status_label(code, engine_lang(self.env))
        if self.einvoice_sandbox:
            title = self.env._("Chorus Pro status (sandbox):")
        else:
            title = self.env._("Chorus Pro status:")
        body = Markup("%s <b>%s</b>") % (title, label)
        if comment:
            body += Markup("<br/>%s") % comment
        self.message_post(body=body)
        # A rejection the lifecycle recorded already calls for the salesperson (einvoice_lifecycle).
        if code in ACTION_STATUSES and not (code == "REJETEE" and applied):
            summaries = {
                "REJETEE": self.env._("Chorus Pro: invoice rejected by the public buyer"),
                "SUSPENDUE": self.env._("Chorus Pro: invoice suspended by the public buyer"),
                "A_RECYCLER": self.env._("Chorus Pro: invoice to be recycled"),
            }
            self._chorus_activity(summaries[code], explanation, comment)

    def _chorus_explanation(self, code, comment=None):
        """What a Chorus Pro status means for the seller and what to do, in plain words."""
        texts = {
            "REJETEE": self.env._(
                "The public buyer rejected the invoice and will not pay it as it is. Cancel it with a credit note "
                "and, if the work is due, issue a corrected invoice."
            ),
            "SUSPENDUE": self.env._(
                "The public buyer suspended the invoice: it needs a document or a piece of information before it "
                "can pay. Complete the invoice in Chorus Pro (Compléter) with what it asks; processing then resumes."
            ),
            "A_RECYCLER": self.env._(
                "Chorus Pro could not route the invoice to the right service of the public buyer (SIRET, service "
                "code or commitment number). Check these data with the buyer, then recycle the invoice in Chorus "
                "Pro with the right ones, or cancel it with a credit note."
            ),
        }
        text = texts.get(code, "")
        advice = codes.explain(None, comment) if comment else None
        if advice:
            text = f"{text} {advice.text(engine_lang(self.env))}".strip()
        return text

    def _chorus_activity(self, summary, explanation, comment=None):
        if self.einvoice_sandbox:
            sandbox = self.env._("(sandbox)")
            summary = f"{summary} {sandbox}"
        note = Markup("<p>%s</p>") % explanation
        if comment:
            note += Markup("<p>%s %s</p>") % (self.env._("Reason given:"), comment)
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=(self.invoice_user_id or self.env.user).id,
        )

    def _chorus_reform_event(self, status, emitter, reason_code=None, reason=None, timestamp=None, external_id=None):
        """Record a reform status that a Chorus Pro status maps to, when the lifecycle rules allow it now."""
        self.ensure_one()
        events = self.einvoice_event_ids
        known = events.filtered(lambda e: external_id and e.external_id == external_id)
        if known:
            return known[:1]
        history = events.sorted(lambda e: (e.timestamp, e.id)).mapped("status")
        decision = check_event(history, status, emitter=emitter, reason_code=reason_code)
        if not decision:
            # A Chorus Pro status that repeats a reform status (Mandatée after Service fait: both 204)
            # stays in the Chorus Pro status only.
            _logger.debug("%s: %s not applied: %s", self.name, status, decision.reason_en)
            return None
        event = self._einvoice_apply_event(
            status,
            emitter,
            source="chorus_pro",
            timestamp=timestamp,
            reason_code=reason_code,
            reason=reason,
            external_id=external_id,
        )
        if event.mandatory and not event.reported_at:
            # Chorus Pro reports the statuses of public invoices to the administration itself
            # (CPRO §3.5.2): a mandatory one is reported once Chorus Pro gave it to us.
            event.sudo().reported_at = fields.Datetime.now()
        return event

    # --- demo --------------------------------------------------------------------------------

    @api.model
    def _chorus_load_demo(self, company_id):
        """The architect's invoices to the city, deposited through the company's Chorus Pro sandbox.

        The first goes from "Déposée" to "Mise en paiement"; the second is suspended by the
        city, which asks for the acceptance report, for the follow-up to be tried. Only the
        inner steps of the jobs run (no commit): the registry is loading, and the sandbox
        answers in this transaction.
        """
        company = self.env["res.company"].browse(company_id)
        env = in_company_lang(self.with_company(company).with_context(allowed_company_ids=company.ids), company).env
        account = env.ref("chorus_pro_connector.demo_account")
        sandbox = account.sudo()._sandbox()
        tax = env["account.chart.template"].with_company(company).ref("tva_normale_encaissement")
        today = fields.Date.context_today(self)
        # Public contracts invoiced in their own journal, as many firms do: their numbers stay apart.
        Journal = env["account.journal"]
        journal = Journal.search([*Journal._check_company_domain(company), ("code", "=", "MPUB")], limit=1)
        if not journal:
            journal = Journal.create(
                {"name": "Marchés publics", "code": "MPUB", "type": "sale", "company_id": company.id}
            )

        def deposit(product, price, days_ago, behaviour, until):
            sandbox.behaviour = behaviour
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "partner_id": env.ref("chorus_pro_connector.demo_public_architecture").id,
                    "invoice_date": today - datetime.timedelta(days=days_ago),
                    "invoice_payment_term_id": env.ref("account.account_payment_term_30days").id,
                    "l10n_fr_buyer_reference": "DIR-ARCHI",
                    "l10n_fr_purchase_order_ref": "EJ-2026-0045871",
                    "l10n_fr_contract_ref": "MAPA-2026-TX-017 lot 2",
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 1,
                                "price_unit": price,
                                "tax_ids": [fields.Command.set(tax.ids)],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            error = move._chorus_send_now()
            if error:
                raise UserError(error)
            client = account._client()
            move.chorus_submission_id.sudo()._read_report(client)
            for _step in range(len(codes.STATUSES)):
                if move.chorus_status in until:
                    break
                move._chorus_poll(client)
            return move

        paid = deposit(
            env.ref("chorus_pro_connector.demo_product_design_mission"), 18500.0, 30, "normal", ("MISE_EN_PAIEMENT",)
        )
        suspended = deposit(
            env.ref("chorus_pro_connector.demo_product_reception_mission"), 6200.0, 5, "suspend", ("SUSPENDUE",)
        )
        sandbox.behaviour = "normal"  # the next invoices tried in the sandbox are paid
        return paid | suspended
