import logging
import uuid

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.l10n_fr_einvoice.language import in_company_lang, selection_label
from odoo.addons.l10n_fr_einvoice.models.account_move_export import InvalidEinvoiceError, embedded_xml

from einvoice import api as einvoice_api
from einvoice.errors import EInvoiceError, TransportError
from einvoice.lifecycle import STATUSES
from einvoice.platform import MalformedFlow, ProtocolError, check_flow
from einvoice.platform.http import ResponseTooLarge, remote_text
from einvoice.profiles import Profile
from einvoice.render import render_pdf

_logger = logging.getLogger(__name__)

DIRECTIONS = [("out", "Sent"), ("in", "Received")]
FLOW_TYPES = [
    ("CustomerInvoice", "Customer invoice"),
    ("SupplierInvoice", "Supplier invoice"),
    ("CustomerInvoiceLC", "Status of a customer invoice"),
    ("SupplierInvoiceLC", "Status of a supplier invoice"),
]
SYNTAXES = [("CII", "CII"), ("UBL", "UBL"), ("Factur-X", "Factur-X"), ("CDAR", "CDAR")]
STATES = [
    ("queued", "To send"),
    ("sending", "Sending"),
    ("sent", "Submitted"),
    ("accepted", "Accepted by the platform"),
    ("rejected", "Rejected by the platform"),
    ("received", "Received"),
    ("done", "Processed"),
    ("error", "Error"),
]
INVOICE_TYPES = ("CustomerInvoice", "SupplierInvoice")
#: Syntaxes whose flows carry no invoice profile (flowProfile): status messages, e-reporting (FRR).
PROFILELESS_SYNTAXES = ("CDAR", "FRR")
#: States of a flow that no longer stands: another one of the same invoice (or status) may be sent.
ENDED_STATES = ("error", "rejected")
#: Characters of an error text kept on a flow (a remote text or an unforeseen error).
MAX_ERROR_TEXT = 1000
#: The cron jobs that send; activate the second one to send with two cron workers.
SENDING_CRONS = ("pa_connector.cron_send_flows", "pa_connector.cron_send_flows_lane2")


#: The syntax announced to the platform for each target of l10n_fr_einvoice.
TARGET_SYNTAX = {"cii": "CII", "ubl": "UBL", "facturx": "Factur-X"}
#: Biggest incoming file taken (bytes): a platform flow is an invoice, not a data dump.
MAX_INCOMING_SIZE = 30 * 1024 * 1024


class RecipientObstacle(UserError):
    """An invoice whose buyer cannot receive it through the platform: ``reason`` says why and what to do."""

    def __init__(self, move, reason):
        super().__init__(reason)
        self.move, self.reason = move, reason


def _commits(env):
    """Whether work is committed as it goes: not in a test (one transaction) nor while a module is
    installed (its demo data sends through the sandbox: Odoo commits the module whole)."""
    return not modules.module.current_test and env.registry.ready


def _commit(env):
    """Commit the work done so far. A batch already accepted by the platform must be on disk
    before the next one starts (see :func:`_commits` for when it is not committed)."""
    if _commits(env):
        env.cr.commit()  # pylint: disable=invalid-commit


class EinvoiceFlow(models.Model):
    _name = "einvoice.flow"
    _description = "E-invoicing platform flow"
    _order = "id desc"
    _rec_name = "name"

    name = fields.Char(required=True, readonly=True)
    platform_id = fields.Many2one("einvoice.platform", required=True, readonly=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="platform_id.company_id", store=True, index=True)
    direction = fields.Selection(DIRECTIONS, required=True, readonly=True, index=True)
    flow_type = fields.Selection(FLOW_TYPES, required=True, readonly=True)
    syntax = fields.Selection(SYNTAXES, readonly=True)
    state = fields.Selection(STATES, required=True, readonly=True, index=True, default="queued")
    tracking_id = fields.Char(
        readonly=True, copy=False, index=True, help="Our id of a sent flow: a flow sent twice is found by it."
    )
    platform_flow_id = fields.Char("Platform flow id", readonly=True, copy=False, index=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True, index=True, ondelete="set null")
    event_id = fields.Many2one("einvoice_lifecycle.event", string="Status", readonly=True, ondelete="set null")
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True, ondelete="set null")
    attempts = fields.Integer(readonly=True, default=0, help="How many times sending was started.")
    error = fields.Text(readonly=True)
    submitted_at = fields.Char(readonly=True, help="Submission time on the platform's clock.")
    updated_at = fields.Char(readonly=True, help="Last update on the platform's clock.")
    sandbox = fields.Boolean(
        compute="_compute_sandbox",
        store=True,
        index=True,
        help="Through the sandbox that Odoo serves itself: no real flow, nothing declared.",
    )
    sandbox_badge = fields.Char("Sandbox mark", compute="_compute_sandbox_badge")

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("tracking_unique", "unique(tracking_id)", "A tracking id names one flow."),
        ("platform_flow_unique", "unique(platform_id, platform_flow_id)", "A platform flow is saved once."),
    ]

    def init(self):
        """One outgoing flow that stands per invoice and flow type, and per status we give: the
        database refuses a second one, whatever the code or the number of workers does."""
        result = super().init()
        cr = self.env.cr
        cr.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'einvoice_flow_one_live_invoice_flow'")
        if not cr.rowcount:
            # Invoices sent twice before this index existed: the later flows are marked, so the
            # index can be built; the accountant checks with the platform which one it kept.
            cr.execute(
                """
                UPDATE einvoice_flow f SET state = 'error', error = %s
                 WHERE f.direction = 'out' AND f.move_id IS NOT NULL AND f.state NOT IN %s
                   AND f.flow_type IN %s
                   AND EXISTS (SELECT 1 FROM einvoice_flow o
                                WHERE o.move_id = f.move_id AND o.flow_type = f.flow_type AND o.direction = 'out'
                                  AND o.state NOT IN %s AND o.id < f.id)
                """,
                [
                    "Second flow of an invoice already sent: check with the platform which one it kept.",
                    ENDED_STATES,
                    INVOICE_TYPES,
                    ENDED_STATES,
                ],
            )
            cr.execute(
                """
                CREATE UNIQUE INDEX einvoice_flow_one_live_invoice_flow ON einvoice_flow (move_id, flow_type)
                 WHERE direction = 'out' AND move_id IS NOT NULL
                   AND flow_type IN ('CustomerInvoice', 'SupplierInvoice') AND state NOT IN ('error', 'rejected')
                """
            )
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS einvoice_flow_one_live_status_flow ON einvoice_flow (event_id)
             WHERE direction = 'out' AND event_id IS NOT NULL AND state NOT IN ('error', 'rejected')
            """
        )
        return result

    @api.depends("platform_id.environment")
    def _compute_sandbox(self):
        for flow in self:
            flow.sandbox = flow.platform_id.environment == "sandbox"

    @api.depends("sandbox")
    def _compute_sandbox_badge(self):
        label = self.env._("Sandbox")
        for flow in self:
            flow.sandbox_badge = label if flow.sandbox else False

    @api.model_create_multi
    def create(self, vals_list):
        flows = super().create(vals_list)
        flows._mark_sandbox_moves()
        return flows

    def write(self, vals):
        if "state" in vals and vals["state"] != "error":
            vals.setdefault("error", False)
        result = super().write(vals)
        if vals.get("move_id"):
            self._mark_sandbox_moves()
        return result

    def _mark_sandbox_moves(self):
        """Invoices and bills that went through a sandbox are marked so, for good."""
        moves = self.filtered("sandbox").move_id.filtered(lambda move: not move.einvoice_sandbox)
        if moves:
            moves.sudo().write({"einvoice_sandbox": True})

    def _log_on_move(self, message):
        """A note in the chatter of the flow's invoice or bill; a sandbox flow says it is one."""
        if not self.move_id:
            return
        text = self.env._("%s (sandbox).", message) if self.sandbox else f"{message}."
        self.move_id.sudo()._message_log(body=text)

    # --- queueing --------------------------------------------------------------------------

    @api.model
    def _queue(self, platform, flow_type, move, syntax=None, attachment=None, event=None, name=None):
        """A new outgoing flow, to be sent by the sending cron. A second flow that stands for the
        same invoice (or status) is refused by the database: a UserError says so."""
        values = {
            "name": name or (attachment.name if attachment else move.name),
            "platform_id": platform.id,
            "direction": "out",
            "flow_type": flow_type,
            "syntax": syntax,
            "move_id": move.id,
            "event_id": event.id if event else False,
            "attachment_id": attachment.id if attachment else False,
            "tracking_id": str(uuid.uuid4()),
        }
        try:
            with self.env.cr.savepoint():
                flow = self.sudo().create(values)
        except pg_errors.UniqueViolation as exc:
            raise UserError(self.env._("%s is already sent or queued.", move.display_name)) from exc
        self._trigger_sending()
        return flow

    @api.model
    def _trigger_sending(self):
        for xmlid in SENDING_CRONS:
            cron = self.env.ref(xmlid, raise_if_not_found=False)
            if cron and cron.sudo().active:
                cron._trigger()

    def _check_may_act(self):
        """The rights a button of these flows needs, checked before the work runs as superuser:
        seeing the flows, and changing the invoices or bills they carry (sending one again is
        sending the invoice; processing a received one creates a bill or changes its status)."""
        self.check_access("read")
        moves = self.sudo().move_id.with_env(self.env)
        if moves:
            moves.check_access("write")
        if self.filtered(lambda f: f.direction == "in"):
            self.env["account.move"].check_access("create")

    def action_retry(self):
        """Send again a flow stopped by an error (once its cause is fixed)."""
        self._check_may_act()
        flows = self.sudo().filtered(lambda f: f.direction == "out" and f.state in ENDED_STATES)
        rejected = flows.filtered(lambda f: f.state == "rejected" and f.flow_type in INVOICE_TYPES and f.move_id)
        if rejected:
            # 213 ends an invoice's lifecycle: the corrected invoice is a new one.
            raise UserError(
                _(
                    "%(moves)s: rejected by the platform (213), an invoice cannot be sent again. "
                    "Cancel it with a credit note and issue a corrected invoice.",
                    moves=", ".join(rejected.move_id.mapped("display_name")),
                )
            )
        internal = flows.move_id.filtered("einvoice_internal")
        if internal:
            raise UserError(
                self.env._(
                    "%(moves)s: an internal credit note produces no flow (it cancels a refused or rejected "
                    "invoice in the books only).",
                    moves=", ".join(internal.mapped("display_name")),
                )
            )
        flows.move_id._einvoice_lock()
        for flow in flows:
            values = {"state": "queued"}
            if flow.state == "rejected":
                # The platform kept the rejected flow under the old tracking id: a new one is a new flow.
                values.update(tracking_id=str(uuid.uuid4()), platform_flow_id=False)
            if flow.flow_type in INVOICE_TYPES:
                values["attachment_id"] = False  # rebuilt from the corrected invoice
            try:
                with self.env.cr.savepoint():
                    flow.write(values)
                    flow.flush_recordset()
            except pg_errors.UniqueViolation as exc:
                raise UserError(
                    self.env._(
                        "%(flow)s: another flow of %(move)s is already sent or queued; this one stays as it is.",
                        flow=flow.name,
                        move=flow.move_id.display_name,
                    )
                ) from exc
            if flow.flow_type in INVOICE_TYPES and flow.move_id.einvoice_not_sent_reason:
                flow.move_id.einvoice_not_sent_reason = False
        self._trigger_sending()

    def action_process_again(self):
        """Process a received flow again, e.g. once the missing partner or tax exists; a flow whose
        file was not fetched (its description was unreadable) is fetched first."""
        self._check_may_act()
        for flow in self.sudo().filtered(lambda f: f.direction == "in" and f.state == "error"):
            if not flow.attachment_id:
                flow._fetch_file()
            flow._process_incoming()

    def _fetch_file(self):
        """Download the file of a received flow that has none yet; errors stay on the flow."""
        self.ensure_one()
        if not self.platform_flow_id:
            raise UserError(
                self.env._("%(flow)s: the platform gave no flow id, there is nothing to fetch.", flow=self.name)
            )
        client = in_company_lang(self.platform_id, self.company_id)._clients()[0]
        try:
            content = client.download(self.platform_flow_id, max_bytes=MAX_INCOMING_SIZE)
        except ResponseTooLarge:
            self.write({"state": "error", "error": _("The file is larger than 30 MB: it was not downloaded.")})
            return
        except TransportError as exc:
            raise UserError(self.env._("The platform could not be reached: %(error)s", error=exc)) from exc
        self._attach(content)
        self.write({"state": "received"})

    # --- sending ---------------------------------------------------------------------------

    @api.model
    def _cron_send_flows(self):
        """Send one batch per platform; the cron runs again at once while flows remain.

        Rows are taken with FOR UPDATE SKIP LOCKED, so several cron jobs (or workers) share
        the queue without waiting on each other. A flow is first marked "sending" and that
        is committed: after a crash, a flow still "sending" may have reached the platform,
        so it is looked up by its tracking id before it is sent again.
        """
        flows = self.sudo()  # the queue is shared by every user's invoices; the cron may run as anyone
        done = 0
        for record in flows.env["einvoice.platform"].search([]):
            platform = in_company_lang(record, record.company_id)  # nobody acts: the company's language
            batch = flows.with_env(platform.env)
            done += batch._on_its_own(platform, "sending", lambda b=batch, p=platform: b._send_batch(p)) or 0
        # Flows left on an archived platform (a sandbox once gone live) are never sent: not counted.
        self.env.cr.execute(
            """
            SELECT count(*) FROM einvoice_flow f JOIN einvoice_platform p ON p.id = f.platform_id
             WHERE f.direction = 'out' AND f.state IN ('queued', 'sending') AND p.active
            """
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _claim(self, platform, limit):
        """Mark up to ``limit`` queued flows as sending; committed at once (the crash marker)."""
        self.flush_model()
        self.env.cr.execute(
            """
            UPDATE einvoice_flow SET state = 'sending', attempts = coalesce(attempts, 0) + 1,
                   write_date = now() at time zone 'UTC'
             WHERE id IN (SELECT id FROM einvoice_flow
                           WHERE platform_id = %s AND direction = 'out' AND state = 'queued'
                           ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
            RETURNING id
            """,
            (platform.id, limit),
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        # Written in SQL: what the cache knew of these flows (their state, attempts) is gone.
        self.invalidate_model(["state", "attempts", "write_date"], flush=False)
        _commit(self.env)
        return ids

    def _lock_sending(self, platform, claimed):
        """Lock the flows this batch sends: its own claims or, once the queue is empty, claims
        left by a dead process.

        A live worker holds the row locks of the flows it sends, so SKIP LOCKED passes them;
        a killed one released its locks with its connection, so its flows are taken over.
        """
        self.env.cr.execute(
            """
            SELECT id FROM einvoice_flow
             WHERE platform_id = %s AND direction = 'out' AND state = 'sending'
               AND (%s::int[] IS NULL OR id = ANY(%s))
             ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            """,
            (platform.id, claimed or None, claimed or None, len(claimed) or platform.batch_size),
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _on_its_own(self, platform, what, work):
        """``work()`` for one platform, apart from the others: a platform unreachable, wrongly set
        up or answering nonsense stops its own work only (logged), never another platform's.

        Where work is committed as it goes (the cron), each flow is committed with its answer and
        a failure rolls back only what was not; in one transaction (tests, install) a savepoint
        keeps the other platforms' work."""
        try:
            if _commits(self.env):
                return work()
            with self.env.cr.savepoint():
                return work()
        except (TransportError, UserError, EInvoiceError) as exc:
            if _commits(self.env):
                self.env.cr.rollback()
            _logger.warning("Platform %s: %s stopped: %s", platform.name, what, exc)
            return None

    def _send_batch(self, platform):
        claimed = self._claim(platform, platform.batch_size)
        flows = self._lock_sending(platform, claimed)
        if not flows:
            return 0
        try:
            client = platform._clients()[0]
        except UserError as exc:
            flows.write({"state": "error", "error": str(exc)})
            _commit(self.env)
            return 0
        sent = 0
        claimed = set(claimed)
        for index, flow in enumerate(flows):
            # Sent before, or left by a dead process: the platform may have it already.
            maybe_sent = flow.attempts > 1 or flow.id not in claimed
            try:
                if not maybe_sent:
                    flow._refresh_recipient()  # kept even when the invoice then stays here
                with self.env.cr.savepoint():
                    flow._send(client, maybe_sent)
                    sent += 1
            except ProtocolError as exc:
                # An answer off the contract: this flow waits for a look at it, the others go on.
                flow._answer_unusable(exc)
            except TransportError as exc:
                if exc.status is not None and 400 <= exc.status < 500 and exc.status not in (401, 408, 429):
                    flow.write({"state": "error", "error": _("The platform refused the flow: %s", exc)})
                    continue
                # The platform is unreachable or overloaded: the rest waits for the next run.
                _logger.warning("Platform %s unavailable, sending stopped: %s", platform.name, exc)
                flows[index:].filtered(lambda f: f.state == "sending").write({"state": "queued", "error": str(exc)})
                break
            except InvalidEinvoiceError as exc:
                exc.keep_findings()  # what the user needs to fix it
                flow.write({"state": "error", "error": str(exc)})
            except RecipientObstacle as exc:
                exc.move._einvoice_note_not_sent(exc.reason)  # after the savepoint that took it away
                flow.write({"state": "error", "error": exc.reason})
            except (UserError, EInvoiceError) as exc:
                flow.write({"state": "error", "error": str(exc)})
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as exc:  # a flow failing in an unforeseen way must not stop the queue
                # Left "sending", it would come first in every batch and block all the others.
                _logger.exception("Platform %s: flow %s failed", platform.name, flow.id)
                flow.write(
                    {
                        "state": "error",
                        "error": self.env._(
                            "Unexpected error: %(error)s",
                            error=remote_text(f"{type(exc).__name__}: {exc}", MAX_ERROR_TEXT),
                        ),
                    }
                )
        # One commit for the batch: what the platform accepted is recorded before the next batch.
        _commit(self.env)
        return sent

    def _send(self, client, maybe_sent):
        """Send this flow (whose row this transaction holds); idempotent through its tracking id.

        The upload taken (HTTP 202) makes the flow "submitted", not the invoice "Déposée": the
        platform gives its 200 (or 213) itself, once it has checked the invoice, as a status
        message or an acknowledgement that the receiving cron reads.
        """
        self.ensure_one()
        answer = client.find(self.tracking_id) if maybe_sent else None
        if answer is None:
            self._check_recipient()
            content, name = self._file()
            info = {
                "trackingId": self.tracking_id,
                "name": name,
                "flowSyntax": self.syntax,
                "processingRule": self._processing_rule(),
            }
            if self.syntax not in PROFILELESS_SYNTAXES:
                info["flowProfile"] = self._profile()
            answer = client.submit(content, name, info)
        self.write(
            {
                "state": "sent",
                "platform_flow_id": answer["flowId"],
                "submitted_at": answer.get("submittedAt"),
                "updated_at": answer.get("updatedAt") or answer.get("submittedAt"),
            }
        )
        if self.flow_type in INVOICE_TYPES and self.move_id:
            self._log_on_move(
                self.env._(
                    "E-invoice submitted to %(platform)s, flow %(flow)s: the platform checks it and gives its "
                    "status (200 Submitted, or 213 Rejected)",
                    platform=self.platform_id.name,
                    flow=self.platform_flow_id,
                )
            )
        elif self.event_id:
            self._log_on_move(
                self.env._(
                    "Sent to %(platform)s: status %(status)s",
                    status=selection_label(self.event_id, "status", self.event_id.status),
                    platform=self.platform_id.name,
                )
            )
        if (answer.get("acknowledgement") or {}).get("status") in ("Ok", "Error"):
            # Found by its tracking id with its answer already given (possibly before this run's cursor).
            self._apply_acknowledgement(answer)

    def _processing_rule(self):
        """processingRule of the flow (Flow API): the invoice's (B2B, B2G for a public buyer...)."""
        return self.move_id._einvoice_processing_rule() if self.move_id else "B2B"

    def _refresh_recipient(self):
        """Before an invoice leaves, a directory answer older than a week is asked again."""
        if self.flow_type not in INVOICE_TYPES or not self.move_id or not self.platform_id.has_directory:
            return
        partner = self.move_id.partner_id.commercial_partner_id
        if not partner._einvoice_directory_fresh():
            partner._einvoice_directory_lookup(self.platform_id)

    def _check_recipient(self):
        """An invoice leaves only when the directory does not say its buyer cannot receive it; the
        reason it stays is also on the invoice (its chatter, the "Not sent" filter)."""
        if self.flow_type not in INVOICE_TYPES or not self.move_id:
            return
        reason = self.move_id._einvoice_recipient_obstacle()
        if reason:
            raise RecipientObstacle(self.move_id, reason)

    def _profile(self):
        if self.move_id and self.move_id._l10n_fr_einvoice_format_of()[1] == Profile.EXTENDED_CTC_FR:
            return "Extended-CTC-FR"
        return "CIUS"

    def _file(self):
        """The file to send: the status message as it is, or the invoice built and validated now."""
        if self.attachment_id:
            return self.attachment_id.raw, self.attachment_id.name
        move = self.move_id
        if not move:
            raise UserError(_("Flow %s has neither a file nor an invoice to build it from.", self.name))
        target = self.syntax and {v: k for k, v in TARGET_SYNTAX.items()}.get(self.syntax)
        xml = move._l10n_fr_einvoice_xml_to_send(target=target)
        content, name = xml, f"{move.name.replace('/', '_')}.xml"
        if target == "facturx":
            content, name = self._facturx_pdf(move, xml), f"{move.name.replace('/', '_')}.pdf"
        self.attachment_id = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": content,
                    "res_model": "account.move",
                    "res_id": move.id,
                    "mimetype": "application/pdf" if target == "facturx" else "application/xml",
                }
            )
        )
        return content, name

    def _facturx_pdf(self, move, xml):
        profile = move._l10n_fr_einvoice_format_of()[1]
        printed = move.sudo().invoice_pdf_report_id.raw
        if printed and embedded_xml(printed) == xml:
            # Send & Print made this invoice's Factur-X already (sealed, maybe): the platform gets
            # the file the customer got, not a second original (and no second rendering).
            return move._l10n_fr_einvoice_facturx(printed, xml, profile)
        if not self.env.registry.ready:
            # A module being installed (demo data): Odoo's report engine would wait for ever, as
            # wkhtmltopdf fetches the report's styles from the HTTP server, which waits for the
            # registry. The engine draws the invoice it sends instead.
            pdf = render_pdf(einvoice_api.load(xml).invoice)
        else:
            pdf = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("account.account_invoices", move.ids)[0]
            )
        return move._l10n_fr_einvoice_facturx(pdf, xml, profile)

    # --- acknowledgements and incoming flows --------------------------------------------------

    @api.model
    def _cron_receive_flows(self):
        """Read the platform's answers on sent flows, then save and process incoming flows.

        The two are independent, and each platform's apart from the others' (``_on_its_own``):
        acknowledgements that cannot be read never keep supplier invoices and statuses from
        being received. The cursor of each direction moves on only after the flows up to it are
        committed: a flow is acknowledged (never asked for again) once it is saved. A flow whose
        description breaks the contract is put in error with the reason; the others go on.
        """
        flows = self.sudo()
        for record in flows.env["einvoice.platform"].search([]):
            platform = in_company_lang(record, record.company_id)  # nobody acts: the company's language
            batch = flows.with_env(platform.env)
            clients = batch._on_its_own(platform, "receiving", lambda p=platform: p._clients())
            if not clients:
                continue
            client = clients[0]
            batch._on_its_own(
                platform,
                "reading acknowledgements",
                lambda b=batch, p=platform, c=client: b._read_acknowledgements(p, c),
            )
            batch._on_its_own(platform, "receiving", lambda b=batch, p=platform, c=client: b._receive(p, c))

    def _read_acknowledgements(self, platform, client):
        where = {"flowDirection": ["Out"]}
        if platform.out_cursor:
            where["updatedAfter"] = platform.out_cursor
        for count, item in enumerate(client.search_all(where), start=1):
            self._read_acknowledgement(platform, item)
            if count % 100 == 0:
                _commit(self.env)  # answers read are kept; re-reading the rest is harmless
        _commit(self.env)

    def _read_acknowledgement(self, platform, item):
        """One sent flow's answer, applied to its flow; an answer off the contract puts that flow in
        error with the reason. The cursor moves past it either way."""
        try:
            remote, problem = check_flow(item, "acknowledgement of flow"), None
            flow_id, tracking_id, updated_at = remote["flowId"], remote.get("trackingId"), remote["updatedAt"]
        except MalformedFlow as exc:
            remote, problem = None, exc
            flow_id, tracking_id, updated_at = exc.flow_id, exc.tracking_id, exc.updated_at
        flow = self._sent_flow(platform, flow_id, tracking_id)
        if flow:
            try:
                with self.env.cr.savepoint():
                    if problem is not None:
                        raise problem
                    flow._apply_acknowledgement(remote)
            except (UserError, EInvoiceError) as exc:
                flow._answer_unusable(exc)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as exc:  # one answer failing in an unforeseen way must not stop the others
                _logger.exception("Platform %s: the answer on flow %s failed", platform.name, flow.id)
                flow._answer_unusable(exc)
        elif problem is not None:
            _logger.warning("Platform %s: an answer on a flow unknown here cannot be read: %s", platform.name, problem)
        if updated_at and (not platform.out_cursor or updated_at > platform.out_cursor):
            platform.out_cursor = updated_at

    def _sent_flow(self, platform, flow_id, tracking_id):
        """Our outgoing flow on ``platform`` that the platform calls ``flow_id`` (or, not yet known
        by it, that we sent with ``tracking_id``)."""
        flow = self.browse()
        if flow_id:
            flow = self.search([("platform_id", "=", platform.id), ("platform_flow_id", "=", flow_id)], limit=1)
        if not flow and tracking_id:
            flow = self.search(
                [("platform_id", "=", platform.id), ("tracking_id", "=", tracking_id), ("direction", "=", "out")],
                limit=1,
            )
        return flow

    def _answer_unusable(self, exc):
        """The platform's answer on this flow cannot be used: the flow waits in error with the reason.
        A "Send again" looks it up by its tracking id before anything is sent."""
        self.ensure_one()
        text = remote_text(str(exc) if isinstance(exc, (UserError, EInvoiceError)) else f"{type(exc).__name__}: {exc}")
        self.write(
            {
                "state": "error",
                "error": self.env._(
                    "The platform's answer on this flow cannot be used: %(error)s. Check the flow on the platform, "
                    "then click Send again (it is looked up by its tracking id, never sent twice).",
                    error=text[:MAX_ERROR_TEXT],
                ),
            }
        )
        self._log_on_move(self.env._("Flow %(flow)s in error: %(error)s", flow=self.name, error=self.error))

    def _apply_acknowledgement(self, remote):
        """The platform's acknowledgement of this sent flow (a checked Flow object).

        ``Ok``: accepted, and a status we give that the administration must know (210, 212...)
        counts as reported, the platform passing it on. ``Error``: rejected; on an invoice, the
        platform's 213 (once: its status message may have come first). ``Pending``: nothing yet.
        """
        self.ensure_one()
        if self.platform_flow_id and self.platform_flow_id != remote["flowId"]:
            raise UserError(
                self.env._(
                    "The platform answers with flow %(remote)s for the tracking id of flow %(flow)s (%(known)s): "
                    "two flows for one submission.",
                    remote=remote_text(remote["flowId"], 64),
                    flow=self.name,
                    known=self.platform_flow_id,
                )
            )
        ack = remote["acknowledgement"]
        status = ack["status"]
        values = {"updated_at": remote["updatedAt"], "platform_flow_id": remote["flowId"]}
        if status == "Ok" and self.state in ("sent", "sending", "queued", "error"):
            values["state"] = "accepted"
            event = self.event_id
            if event and event.mandatory and not event.reported_at:
                event.sudo().write({"reported_at": fields.Datetime.now()})
        elif status == "Error" and self.state != "rejected":
            details = (ack.get("details") or [{}])[:20]
            values["state"] = "rejected"
            values["error"] = "\n".join(
                remote_text(f"{d.get('reasonCode') or ''} {d.get('item') or ''}: {d.get('reasonMessage') or ''}")
                for d in details
            )
            if self.flow_type in INVOICE_TYPES and self.move_id:
                code = details[0].get("reasonCode")
                try:
                    with self.env.cr.savepoint():
                        self.move_id._einvoice_apply_event(
                            "213",
                            "issuer_platform",
                            source="platform",
                            reason_code=code if code in STATUSES["213"].reasons else "REJ_SEMAN",
                            reason=remote_text(details[0].get("reasonMessage") or "", 250) or None,
                            external_id=f"{remote['flowId']}:213",
                        )
                except UserError as exc:
                    # The platform rejected the flow: that stays recorded whatever the lifecycle says.
                    values["error"] += "\n" + self.env._(
                        "Status 213 was not recorded on the invoice: %(error)s", error=exc
                    )
        self.write(values)
        if values.get("state") == "rejected":
            self._log_on_move(
                self.env._("Rejected by %(platform)s: %(error)s", platform=self.platform_id.name, error=self.error)
            )

    def _receive(self, platform, client):
        where = {"flowDirection": ["In"]}
        if platform.in_cursor:
            where["updatedAfter"] = platform.in_cursor
        for item in client.search_all(where):
            self._receive_one(platform, client, item)
            _commit(self.env)  # the cursor moves past a flow only once it is saved

    def _receive_one(self, platform, client, item):
        """Save and process one incoming flow; one whose description breaks the contract is saved in
        error with the reason (its file fetched by "Process again"). The cursor moves past it."""
        try:
            remote, problem = check_flow(item, "incoming flow"), None
            flow_id, updated_at = remote["flowId"], remote["updatedAt"]
        except MalformedFlow as exc:
            remote, problem = None, exc
            flow_id, updated_at = exc.flow_id, exc.updated_at
        if not flow_id:
            _logger.warning(
                "Platform %s: an incoming flow without a usable id is left aside: %s", platform.name, problem
            )
        elif not self.search_count([("platform_id", "=", platform.id), ("platform_flow_id", "=", flow_id)]):
            if problem is not None:
                self._save_unreadable(platform, item, flow_id, problem)
            else:
                try:
                    content = client.download(flow_id, max_bytes=MAX_INCOMING_SIZE)
                except ResponseTooLarge:
                    content = None
                flow = self._save_incoming(platform, remote, content)
                _commit(self.env)  # saved: from here on the flow cannot be lost
                flow._process_incoming()
        if updated_at and (not platform.in_cursor or updated_at > platform.in_cursor):
            platform.in_cursor = updated_at

    def _save_unreadable(self, platform, item, flow_id, problem):
        """An incoming flow kept in error: the platform described it off the contract."""
        name = item.get("name") if isinstance(item, dict) else None
        flow_type = item.get("flowType") if isinstance(item, dict) else None
        return self.create(
            {
                "name": name if isinstance(name, str) and name.strip() else flow_id,
                "platform_id": platform.id,
                "direction": "in",
                "flow_type": flow_type if flow_type in dict(FLOW_TYPES) else "SupplierInvoice",
                "platform_flow_id": flow_id,
                "state": "error",
                "error": self.env._(
                    "The platform's description of this flow cannot be used: %(error)s. Its file was not "
                    "fetched: click Process again once the platform describes it correctly.",
                    error=remote_text(problem, MAX_ERROR_TEXT),
                ),
            }
        )

    def _save_incoming(self, platform, remote, content):
        flow_type = remote.get("flowType")
        flow = self.create(
            {
                "name": remote.get("name") or remote["flowId"],
                "platform_id": platform.id,
                "direction": "in",
                "flow_type": flow_type if flow_type in dict(FLOW_TYPES) else "SupplierInvoice",
                "syntax": remote.get("flowSyntax") if remote.get("flowSyntax") in dict(SYNTAXES) else False,
                "platform_flow_id": remote["flowId"],
                "submitted_at": remote.get("submittedAt"),
                "updated_at": remote.get("updatedAt"),
                "state": "received",
            }
        )
        if flow_type not in dict(FLOW_TYPES):
            flow.write({"state": "error", "error": _("Flow type %s is not handled here.", flow_type)})
        if content is None:
            flow.write({"state": "error", "error": _("The file is larger than 30 MB: it was not downloaded.")})
            return flow
        flow._attach(content)
        return flow

    def _attach(self, content):
        self.ensure_one()
        self.attachment_id = self.env["ir.attachment"].create(
            {
                "name": self.name,
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf" if content[:5] == b"%PDF-" else "application/xml",
            }
        )

    def _process_incoming(self):
        """Turn a saved incoming flow into a draft bill or a lifecycle status; errors stay on the flow."""
        self.ensure_one()
        if self.state not in ("received", "error") or not self.attachment_id:
            return
        try:
            with self.env.cr.savepoint():
                if self.flow_type in ("CustomerInvoiceLC", "SupplierInvoiceLC"):
                    event = (
                        self.env["account.move"]
                        .with_company(self.company_id)
                        ._einvoice_apply_cdar(self.attachment_id.raw, source="platform", company=self.company_id)
                    )
                    self.write({"state": "done", "event_id": event.id, "move_id": event.move_id.id})
                    status = selection_label(event, "status", event.status)
                    if event.reason_code or event.reason:
                        message = self.env._(
                            "Received from %(platform)s: status %(status)s, reason %(code)s %(reason)s",
                            status=status,
                            platform=self.platform_id.name,
                            code=event.reason_code or "",
                            reason=event.reason or "",
                        )
                    else:
                        message = self.env._(
                            "Received from %(platform)s: status %(status)s",
                            status=status,
                            platform=self.platform_id.name,
                        )
                    self._log_on_move(message)
                else:
                    move = self._import_bill()
                    self.write({"state": "done", "move_id": move.id})
                    self._log_on_move(
                        self.env._(
                            "E-invoice received from %(platform)s, flow %(flow)s",
                            platform=self.platform_id.name,
                            flow=self.platform_flow_id,
                        )
                    )
        except (UserError, EInvoiceError) as exc:
            self.write({"state": "error", "error": str(exc)})
        _commit(self.env)

    def _import_bill(self):
        company = self.company_id
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "purchase")], limit=1
        )
        if not journal:
            raise UserError(_("%s has no purchase journal to receive bills in.", company.name))
        attachment = self.env["ir.attachment"].create({"name": self.attachment_id.name, "raw": self.attachment_id.raw})
        moves = (
            journal.with_company(company)
            .with_context(default_move_type="in_invoice", allowed_company_ids=company.ids)
            ._create_document_from_attachment(attachment.ids)
        )
        if not moves or not moves[:1].l10n_fr_imported_syntax:
            # Odoo makes an empty bill of any file; a platform flow that is no e-invoice is an error.
            raise UserError(_("%s is not an e-invoice in CII, UBL or Factur-X: nothing was imported.", self.name))
        return moves[:1]
