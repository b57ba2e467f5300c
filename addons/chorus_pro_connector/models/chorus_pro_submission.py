import datetime
import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import in_company_lang
from odoo.addons.l10n_fr_einvoice.models.account_move_export import InvalidEinvoiceError
from odoo.addons.l10n_fr_einvoice.notification import notification

from einvoice.chorus import ChorusProError, DepositUncertain, FlowTooLargeError, codes
from einvoice.errors import EInvoiceError
from einvoice.platform.http import RETRIED_STATUSES, remote_text

from .chorus_pro_account import SYNTAX_CODES, _commit, error_text

_logger = logging.getLogger(__name__)

STATES = [
    ("sending", "Being deposited"),
    ("deposited", "Deposited, report awaited"),
    ("integrated", "Integrated"),
    ("partly", "Partly integrated"),
    ("rejected", "Rejected"),
    ("error", "Not deposited"),
]
#: A deposit that left without an answer, and whose invoices Chorus Pro does not show, is
#: queued again after this delay: Chorus Pro integrates a flow some minutes after taking it.
LOOKUP_DELAY = datetime.timedelta(minutes=10)
#: Characters of an error kept on a deposit or an invoice (a remote text may be long).
MAX_ERROR = 1000
#: What the "Retry" button and the batches catch around one deposit: the engine's errors (a
#: refusal, an answer that cannot be used), a refusal of ours, an argument the engine refuses.
DEPOSIT_ERRORS = (EInvoiceError, UserError, ValueError)


def _unavailable(exc):
    """Chorus Pro or PISTE is out of reach or refuses our credentials: the next run will try again."""
    return exc.status is None or exc.status in RETRIED_STATUSES or exc.status in (401, 403)


def _short(text):
    return remote_text(text, MAX_ERROR) if text else text


class ChorusProSubmissionLine(models.Model):
    """One invoice of a deposit. Live while the deposit may hold the invoice in Chorus Pro.

    A partial unique index lets an invoice be live in one deposit only: whatever the
    process, worker, job or click, no second deposit can be made of an invoice that a
    first one may have brought to Chorus Pro.
    """

    _name = "chorus.pro.submission.line"
    _description = "Invoice of a Chorus Pro deposit"
    _order = "id"

    submission_id = fields.Many2one(
        "chorus.pro.submission", "Deposit", required=True, readonly=True, index=True, ondelete="cascade"
    )
    move_id = fields.Many2one("account.move", "Invoice", required=True, readonly=True, index=True, ondelete="cascade")
    live = fields.Boolean(
        "Held by this deposit",
        readonly=True,
        default=True,
        help="Chorus Pro has, or may have, the invoice through this deposit: no other deposit can carry it.",
    )

    def init(self):
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS chorus_pro_submission_line_one_live"
            " ON chorus_pro_submission_line (move_id) WHERE live"
        )


class ChorusProSubmission(models.Model):
    """One deposit on Chorus Pro: a flow of one invoice, or a tar.gz of several, and what became of it."""

    _name = "chorus.pro.submission"
    _description = "Chorus Pro deposit"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default="/")
    account_id = fields.Many2one(
        "chorus.pro.account", "Chorus Pro connection", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    sandbox = fields.Boolean(
        "Deposited in the sandbox",
        compute="_compute_sandbox",
        store=True,
        index=True,
        help="Deposited in the sandbox this Odoo serves: nothing reached Chorus Pro.",
    )
    sandbox_label = fields.Char("Sandbox", compute="_compute_sandbox_label")
    state = fields.Selection(STATES, required=True, readonly=True, default="sending", index=True)
    numero_flux = fields.Char("Flow number", readonly=True, copy=False, index=True, help="numeroFluxDepot")
    syntax = fields.Char(readonly=True, help="syntaxeFlux of the deposit.")
    line_ids = fields.One2many("chorus.pro.submission.line", "submission_id", "Invoices of the deposit", readonly=True)
    move_ids = fields.Many2many(
        "account.move", string="Invoices", compute="_compute_move_ids", search="_search_move_ids", readonly=True
    )
    invoice_count = fields.Integer(compute="_compute_move_ids")
    sent_on = fields.Datetime(
        "Sent on",
        readonly=True,
        copy=False,
        help="When the flow left for Chorus Pro. Recorded before it leaves: after a crash or a lost answer, its "
        "invoices are looked up in Chorus Pro before any new deposit.",
    )
    deposited_on = fields.Datetime(readonly=True)
    flow_state = fields.Char("Chorus Pro flow state", readonly=True, help="etatCourantDepotFlux")
    attempts = fields.Integer(readonly=True, default=1)
    error = fields.Text(readonly=True)
    technical_errors = fields.Text(readonly=True)

    @api.depends("account_id.environment")
    def _compute_sandbox(self):
        for submission in self:
            submission.sandbox = submission.account_id.environment == "sandbox"

    def _compute_sandbox_label(self):
        for submission in self:
            submission.sandbox_label = self.env._("Sandbox") if submission.sandbox else False

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for submission in self:
            submission.move_ids = submission.line_ids.move_id
            submission.invoice_count = len(submission.line_ids)

    def _search_move_ids(self, operator, value):
        return [("line_ids.move_id", operator, value)]

    def action_view_invoices(self):
        self.ensure_one()
        return self.move_ids._get_records_action(name=self.env._("Invoices"))

    # --- the invoices of a deposit ------------------------------------------------------------

    def _link(self, moves):
        """Make ``moves`` live invoices of this deposit; returns those another live deposit holds.

        ``ON CONFLICT`` on the partial unique index: the database itself refuses a second
        live deposit of an invoice, even from a transaction that cannot see the first yet.
        """
        self.ensure_one()
        if not moves:
            return moves
        self.env["chorus.pro.submission.line"].flush_model(["live"])  # a release just made counts
        self.env.cr.execute(
            """
            INSERT INTO chorus_pro_submission_line (submission_id, move_id, live, create_uid, create_date,
                                                    write_uid, write_date)
            SELECT %(submission)s, move_id, TRUE, %(uid)s, now() at time zone 'UTC', %(uid)s,
                   now() at time zone 'UTC'
              FROM unnest(%(moves)s::int[]) AS move_id
            ON CONFLICT (move_id) WHERE live DO NOTHING
            RETURNING move_id
            """,
            {"submission": self.id, "uid": self.env.uid, "moves": moves.ids},
        )
        linked = {row[0] for row in self.env.cr.fetchall()}
        self.invalidate_recordset(["line_ids", "move_ids", "invoice_count"])
        return moves.filtered(lambda move: move.id not in linked)

    def _live_moves(self):
        self.ensure_one()
        return self.line_ids.filtered("live").move_id

    def _release(self, moves=None):
        """Chorus Pro surely does not hold these invoices through this deposit: they may be deposited again."""
        lines = self.line_ids.filtered(lambda line: line.live and (moves is None or line.move_id in moves))
        lines.sudo().write({"live": False})  # bookkeeping of the connector: rights are checked by the actions

    def _drop(self, moves):
        """Take out of this deposit invoices that never left with it (set aside, or refused before sending)."""
        self.line_ids.filtered(lambda line: line.move_id in moves).sudo().unlink()

    @api.model
    def _held(self, move):
        """The deposit that may hold ``move`` in Chorus Pro, if any."""
        line = self.env["chorus.pro.submission.line"].search([("move_id", "=", move.id), ("live", "=", True)], limit=1)
        return line.submission_id

    # --- sending ------------------------------------------------------------------------------

    @api.model
    def _cron_send(self):
        """Deposit one batch of queued invoices per connection; runs again at once while some remain.

        Invoices are taken with FOR UPDATE SKIP LOCKED, so several workers share the queue.
        Their deposit is created in state "sending", its files built and its departure time
        recorded, and that is committed before the deposit: a deposit still "sending" that no
        live worker holds was interrupted, and its invoices are looked up in Chorus Pro before
        any is deposited again. Each company's work runs apart: one that fails (Chorus Pro
        out of reach, an answer that cannot be used) stops neither the others nor the next
        deposit.
        """
        # The queue holds every user's invoices; the cron may run as anyone.
        submissions = self.sudo()
        done = 0
        for record in submissions.env["chorus.pro.account"].search([]).filtered("credentials_set"):
            account = in_company_lang(record, record.company_id)  # nobody acts: the company's language
            batch = submissions.with_env(account.env)
            try:
                client = account._client()
                batch._recover(account, client)
                done += batch._send_batch(account, client)
            except ChorusProError as exc:
                _logger.warning("Chorus Pro unavailable for %s, sending stopped: %s", account.company_id.name, exc)
            except DEPOSIT_ERRORS as exc:
                _logger.warning("Chorus Pro sending stopped for %s: %s", account.company_id.name, exc)
        submissions.env["account.move"].flush_model(["chorus_state"])
        submissions.env.cr.execute("SELECT count(*) FROM account_move WHERE chorus_state IN ('to_send', 'sending')")
        remaining = submissions.env.cr.fetchone()[0] if done else 0
        submissions.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _claim(self, account):
        """Take up to a batch of the company's queued invoices into a new deposit, its files built; committed.

        Returns ``(submission, files)``, the submission empty when nothing is to send. All of
        it is one savepoint: a failure leaves the queue as it was.
        """
        Move = self.env["account.move"]
        Move.flush_model(["chorus_state", "company_id", "einvoice_sandbox", "einvoice_internal"])
        with self.env.cr.savepoint():
            # An internal credit note (einvoice_lifecycle) never produces a flow: out of the queue.
            self.env.cr.execute(
                """
                UPDATE account_move SET chorus_state = NULL
                 WHERE company_id = %s AND chorus_state = 'to_send' AND einvoice_internal
                """,
                (account.company_id.id,),
            )
            self.env.cr.execute(
                """
                UPDATE account_move SET chorus_state = 'sending'
                 WHERE id IN (SELECT id FROM account_move
                               WHERE company_id = %s AND chorus_state = 'to_send'
                                 AND (%s OR einvoice_sandbox IS NOT TRUE)
                               ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                RETURNING id
                """,
                # An invoice of the sandbox never leaves for production.
                (account.company_id.id, account.environment == "sandbox", account.batch_size),
            )
            ids = sorted(row[0] for row in self.env.cr.fetchall())
            Move.invalidate_model(["chorus_state"])
            moves = Move.browse(ids)
            if not moves:
                return self, []
            submission = self.create({"account_id": account.id, "name": moves[0].name})
            held = submission._link(moves)
            for move in held:
                move.write(
                    {
                        "chorus_state": "error",
                        "chorus_error": self.env._(
                            "Already in the Chorus Pro deposit %s: it is not deposited twice.", self._held(move).name
                        ),
                    }
                )
            moves -= held
            moves.write({"chorus_submission_id": submission.id})
            files = submission._prepare()
        _commit(self.env)  # the crash marker: from here on, these invoices may reach Chorus Pro
        return submission, files

    def _send_batch(self, account, client):
        submission, files = self._claim(account)
        if not submission or not files:
            return 0
        if not submission._lock_to_send():
            return 0
        unavailable = submission._deposit(client, files)
        # One commit per batch: what Chorus Pro accepted is recorded before the next batch.
        _commit(self.env)
        if unavailable:
            raise unavailable  # the rest waits for the next run
        return len(submission.move_ids) if submission.state in ("deposited", "integrated") else 0

    def _prepare(self, pdfs=None):
        """Build the files of this deposit and record that it leaves; returns them (empty: nothing leaves)."""
        self.ensure_one()
        files = self._files(pdfs)
        if not files:
            self.write({"state": "error", "error": self.env._("No invoice of this deposit could be sent.")})
            return files
        syntax = SYNTAX_CODES[self.account_id.syntax]
        name = files[0][0] if len(files) == 1 else f"{files[0][0].rsplit('.', 1)[0]}_lot_{len(files)}.tar.gz"
        self.write({"syntax": syntax, "name": name, "sent_on": fields.Datetime.now()})
        return files

    def _lock_to_send(self):
        """Hold this deposit's row while it is sent; False when another process settled or holds it.

        Called after the commit that recorded the departure: a deposit whose row nobody holds
        is taken by the recovery of another worker, which may have settled it since.
        """
        self.ensure_one()
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT state FROM chorus_pro_submission WHERE id = %s FOR UPDATE",
                    (self.id,),
                    log_exceptions=False,
                )
                row = self.env.cr.fetchone()
        except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable):
            return False
        self.invalidate_recordset(["state"])
        return bool(row) and row[0] == "sending"

    def _files(self, pdfs=None):
        """Build, check and keep the file of each invoice; those that cannot leave are set aside."""
        files, failed = [], self.env["account.move"]
        for move in self.move_ids:
            problems = move._chorus_routing_problems()
            if problems:
                move.write({"chorus_state": "error", "chorus_error": "\n".join(problems)})
                failed |= move
                continue
            try:
                with self.env.cr.savepoint():
                    files.append(move._chorus_file(self.account_id.syntax, pdf=(pdfs or {}).get(move)))
            except InvalidEinvoiceError as exc:
                exc.keep_findings()  # the savepoint took them away; they are what the user needs
                move.write({"chorus_state": "error", "chorus_error": str(exc)})
                failed |= move
            except (UserError, EInvoiceError) as exc:
                move.write({"chorus_state": "error", "chorus_error": str(exc)})
                failed |= move
        if failed:
            self._drop(failed)
        return files

    def _deposit(self, client, files):
        """Deposit this submission's files in one flow; the state and errors are written in any case.

        Returns the error when Chorus Pro is out of reach (the invoices are then queued
        again), else None. A deposit whose outcome is unknown is looked up at once; what
        Chorus Pro does not show yet stays "sending" for the recovery.
        """
        self.ensure_one()
        moves = self.move_ids
        try:
            # The work of this deposit is undone as a whole if something unexpected happens in it.
            with self.env.cr.savepoint():
                return self._deposit_flow(client, files, moves)
        except DEPOSIT_ERRORS as exc:
            message = _short(error_text(self.env, exc))
            _logger.warning("Chorus Pro deposit %s left in doubt: %s", self.name, message)
            # It may have left: kept live and "sending", the recovery looks its invoices up.
            self.write({"error": message})
            moves.write({"chorus_error": message})
            return None

    def _deposit_flow(self, client, files, moves):
        try:
            deposit = client.deposit_invoices(files, syntax=self.syntax, batch_name=self.name)
        except FlowTooLargeError as exc:
            message = error_text(self.env, exc)
            self.write({"state": "error", "error": message})
            self._release()
            moves.write({"chorus_state": "error", "chorus_error": message})
            return None
        except DepositUncertain as exc:
            message = _short(error_text(self.env, exc))
            if exc.answered:
                # An answer that cannot be read calls for a look: in error, its invoices still live
                # (Chorus Pro may have them); the Retry button looks them up before any new deposit.
                self.write({"state": "error", "error": message})
                moves.write({"chorus_state": "error", "chorus_error": message})
                _logger.warning("Chorus Pro deposit %s: %s", self.name, message)
                return None
            self._settle(client, doubt=message)
            return None
        except ChorusProError as exc:
            message = _short(error_text(self.env, exc))
            if _unavailable(exc):
                # It did not reach Chorus Pro (the engine sends a deposit again only then): queued again.
                self.write({"state": "error", "error": message})
                self._drop(moves)
                moves.write({"chorus_state": "to_send", "chorus_error": message, "chorus_submission_id": False})
                return exc
            self.write({"state": "error", "error": message})
            self._release()
            moves.write({"chorus_state": "error", "chorus_error": message})
            return None
        self.write(
            {
                "state": "deposited",
                "numero_flux": deposit.numero_flux,
                "deposited_on": fields.Datetime.now(),
                "error": False,
            }
        )
        values = {"chorus_state": "deposited", "chorus_error": False}
        if self.sandbox:
            values["einvoice_sandbox"] = True
        moves.write(values)
        _logger.info("Chorus Pro: %s invoice(s) deposited in flow %s", len(moves), deposit.numero_flux)
        self.env.ref("chorus_pro_connector.cron_poll").sudo()._trigger()
        return None

    # --- deposits in doubt ----------------------------------------------------------------------

    def _settle(self, client, doubt=None, requeue=False):
        """Look the live invoices of this deposit up in Chorus Pro; returns whether Chorus Pro has any.

        An invoice Chorus Pro holds is recorded with its identifier, never deposited again;
        when the flow is known by one of them, the others wait for its report (which says why
        Chorus Pro rejected them). When Chorus Pro shows none, the invoices are queued again
        if ``requeue`` (the deposit surely left long ago, or a user asks), else they stay
        "sending" with ``doubt`` as the reason. Chorus Pro refuses a number deposited twice
        in a year, and that refusal is settled the same way (see _read_report).
        """
        self.ensure_one()
        moves = self._live_moves().filtered(lambda move: move.chorus_state not in ("integrated", "rejected"))
        found = {}
        for move in moves:
            summary = move._chorus_find(client)
            if summary:
                found[move] = summary
        if found:
            flows = {summary.numero_flux for summary in found.values() if summary.numero_flux}
            numero = self.numero_flux or (flows.pop() if len(flows) == 1 else False)
            values = {"numero_flux": numero, "deposited_on": self.deposited_on or fields.Datetime.now()}
            for move, summary in found.items():
                move._chorus_integrated(summary.invoice_id, summary.status)
            missing = moves - self.env["account.move"].union(*found)
            if missing and numero:
                # The flow was taken: its report says what became of the others.
                values.update(state="deposited", error=False)
                missing.write({"chorus_state": "deposited", "chorus_error": False})
                self.env.ref("chorus_pro_connector.cron_poll").sudo()._trigger()
            elif missing:
                values.update(state="partly")
                self._requeue(missing)
            else:
                values.update(state="integrated", error=False)
            self.write(values)
            return True
        if requeue:
            self._requeue(moves)
            self.write(
                {
                    "state": "error",
                    "error": self.env._(
                        "Chorus Pro does not show these invoices: they were queued again. Chorus Pro refuses a "
                        "number deposited twice, so none can be integrated twice."
                    ),
                }
            )
        elif doubt:
            self.write({"error": doubt})
            moves.write({"chorus_error": doubt})
        return False

    def _requeue(self, moves):
        self._release(moves)
        moves.write({"chorus_state": "to_send", "chorus_submission_id": False, "chorus_error": False})
        self.env.ref("chorus_pro_connector.cron_send").sudo()._trigger()

    def _recover(self, account, client):
        """Settle deposits that left without their answer being saved, without depositing twice.

        A live worker holds the row of the deposit it sends (see _lock_to_send), so SKIP
        LOCKED passes it; one left by a killed process is free, and taken over at once. Its
        invoices Chorus Pro knows (found by their number) are recorded; the others are queued
        again once the deposit is older than LOOKUP_DELAY (or never left).
        """
        self.flush_model(["state", "account_id", "sent_on"])
        self.env.cr.execute(
            """
            SELECT id FROM chorus_pro_submission
             WHERE account_id = %s AND state = 'sending'
             ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            """,
            (account.id, account.batch_size),
        )
        limit = fields.Datetime.now() - LOOKUP_DELAY
        for submission in self.browse([row[0] for row in self.env.cr.fetchall()]):
            if not submission.sent_on:
                # Interrupted before its files were ready: it never left.
                with self.env.cr.savepoint():
                    submission._requeue(submission._live_moves())
                    submission.write(
                        {"state": "error", "error": self.env._("Interrupted before leaving: queued again.")}
                    )
                _commit(self.env)
                continue
            try:
                with self.env.cr.savepoint():
                    submission._settle(client, requeue=submission.sent_on <= limit)
            except ChorusProError as exc:
                if _unavailable(exc):
                    raise  # Chorus Pro out of reach: this company waits for the next run
                submission.error = _short(error_text(self.env, exc))  # the lookup's answer: noted, the next goes on
            _commit(self.env)  # each settled deposit is kept even if the next lookup fails

    def action_retry(self):
        """The "Retry" button of a deposit not made: its invoices looked up in Chorus Pro first, then queued again."""
        self.check_access("read")
        self.move_ids._chorus_check_rights()
        settled = queued = 0
        for submission in self.sudo():
            if submission.state != "error":
                raise UserError(
                    self.env._("%s is not a deposit in error: it has nothing to retry.", submission.display_name)
                )
            live = submission._live_moves()
            if live:
                try:
                    # Chorus Pro may hold them (its answer could not be read): never deposited before this lookup.
                    if submission._settle(submission.account_id._client(), requeue=True):
                        settled += 1
                        continue
                except ChorusProError as exc:
                    raise UserError(
                        self.env._("Chorus Pro could not be reached: %s", error_text(self.env, exc))
                    ) from exc
                queued += len(live)
            # What was set aside or refused is queued again, and checked again before it leaves.
            again = submission.move_ids.filtered(
                lambda move, s=submission: (
                    move.state == "posted"
                    and move.chorus_state == "error"
                    and move.chorus_submission_id in (s, s.browse())
                )
            )
            submission._requeue(again)
            queued += len(again)
        if settled:
            message = self.env._("Found in Chorus Pro: recorded, not deposited again.")
        else:
            message = self.env._("%(count)s invoice(s) queued again for Chorus Pro.", count=queued)
        return notification(message, "success", reload=True)

    # --- deposit reports -------------------------------------------------------------------

    @api.model
    def _cron_poll(self):
        """Read the reports of deposited flows, then the statuses of the invoices in Chorus Pro.

        Each run reads a batch per connection and commits it; the job runs again at once
        while invoices not read for an hour remain. Each report and each invoice is read
        apart: one that fails is noted on it, the others go on.
        """
        submissions = self.sudo()
        done = remaining = 0
        for record in submissions.env["chorus.pro.account"].search([]).filtered("credentials_set"):
            account = in_company_lang(record, record.company_id)  # nobody acts: the company's language
            batch = submissions.with_env(account.env)
            Move = batch.env["account.move"]
            try:
                client = account._client()
                for submission in batch.search(
                    [("account_id", "=", account.id), ("state", "=", "deposited")], limit=account.batch_size
                ):
                    try:
                        with submissions.env.cr.savepoint():
                            submission._read_report(client)
                    except ChorusProError as exc:
                        if _unavailable(exc):
                            raise
                        submission.error = _short(error_text(batch.env, exc))
                    except (UserError, EInvoiceError) as exc:
                        submission.error = _short(str(exc))
                    done += 1
                _commit(submissions.env)
                domain = Move._chorus_to_poll_domain(account.company_id, sandbox=account.environment == "sandbox")
                for move in Move.search(domain, order="chorus_polled_on asc nulls first, id", limit=account.batch_size):
                    try:
                        with submissions.env.cr.savepoint():
                            move._chorus_poll(client)
                    except ChorusProError as exc:
                        if _unavailable(exc):
                            raise
                        move.write(
                            {
                                "chorus_error": _short(error_text(batch.env, exc)),
                                "chorus_polled_on": fields.Datetime.now(),
                            }
                        )
                    except (UserError, EInvoiceError) as exc:
                        _logger.info("Chorus Pro status of %s not applied: %s", move.name, exc)
                        move.chorus_polled_on = fields.Datetime.now()  # not read again before the next hour
                    done += 1
                _commit(submissions.env)  # the statuses read are kept even if the next batch fails
                remaining += Move.search_count(domain)
            except ChorusProError as exc:
                _logger.warning("Chorus Pro unavailable for %s, polling stopped: %s", account.company_id.name, exc)
        submissions.env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)
        return done

    def _read_report(self, client):
        """Apply the detailed report of the flow to its invoices once Chorus Pro has processed it."""
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.chorus_state == "deposited" and m.chorus_submission_id == self)
        report = client.deposit_report(self.numero_flux, numbers=moves.mapped("name"))
        values = {"flow_state": report.state}
        if report.technical_errors:
            values["technical_errors"] = _short(
                "\n".join(
                    f"{e.get('codeErreur', '')} {e.get('libelleErreur', '')}".strip() for e in report.technical_errors
                )
            )
        if not report.done:
            self.write(values)
            return
        reported = report.by_number()
        for move in moves:
            line = reported.get(move.name)
            if line is not None and line.integrated:
                move._chorus_integrated(line.invoice_id, line.status)
                continue
            if line is not None and line.advice is not None and line.advice.key == "DUPLICATE_INVOICE":
                # Deposited before by a deposit whose answer was lost: the first deposit is the invoice.
                summary = move._chorus_find(client)
                if summary:
                    move._chorus_integrated(summary.invoice_id, summary.status)
                    continue
            message = (
                (line.error if line is not None else None)
                or values.get("technical_errors")
                or (self.env._("Chorus Pro did not integrate the invoice (flow %s).", report.state))
            )
            move._chorus_rejected_at_deposit(message, line.advice if line is not None else codes.explain(None, message))
            self._release(move)
        # What the deposit brought, all its invoices counted (some may have been found by a lookup).
        states = set(self.line_ids.move_id.filtered(lambda m: m.chorus_submission_id == self).mapped("chorus_state"))
        if "integrated" in states and "rejected" in states:
            values["state"] = "partly"
        else:
            values["state"] = "integrated" if "integrated" in states else "rejected"
        self.write(values)
