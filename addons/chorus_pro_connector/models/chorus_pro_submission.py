import logging

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import in_company_lang
from odoo.addons.l10n_fr_einvoice.models.account_move_export import InvalidEinvoiceError

from einvoice.chorus import ChorusProError, FlowTooLargeError, codes
from einvoice.errors import EInvoiceError
from einvoice.platform.http import RETRIED_STATUSES

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
#: A submission still "sending" after this many minutes was interrupted (worker killed, crash).
STALE_MINUTES = 10


def _maybe_taken(exc):
    """Whether Chorus Pro may have taken a flow although no answer came (a read timeout)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, requests.ReadTimeout):
            return True
        seen.add(id(exc))
        exc = exc.__cause__
    return False


def _unavailable(exc):
    """Chorus Pro or PISTE is out of reach or refuses our credentials: the next run will try again."""
    return exc.status is None or exc.status in RETRIED_STATUSES or exc.status in (401, 403)


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
    move_ids = fields.Many2many(
        "account.move",
        "chorus_pro_submission_move_rel",
        "submission_id",
        "move_id",
        string="Invoices",
        readonly=True,
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
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

    def _compute_invoice_count(self):
        for submission in self:
            submission.invoice_count = len(submission.move_ids)

    def action_view_invoices(self):
        self.ensure_one()
        return self.move_ids._get_records_action(name=self.env._("Invoices"))

    # --- sending ------------------------------------------------------------------------------

    @api.model
    def _cron_send(self):
        """Deposit one batch of queued invoices per connection; runs again at once while some remain.

        Invoices are taken with FOR UPDATE SKIP LOCKED, so several workers share the queue.
        Their submission is created in state "sending" and committed before the deposit: a
        submission still "sending" later was interrupted, and its invoices are looked up in
        Chorus Pro by number before any is deposited again.
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
        submissions.env["account.move"].flush_model(["chorus_state"])
        submissions.env.cr.execute("SELECT count(*) FROM account_move WHERE chorus_state IN ('to_send', 'sending')")
        remaining = submissions.env.cr.fetchone()[0] if done else 0
        submissions.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _claim(self, account):
        """Mark up to a batch of the company's queued invoices as being sent; committed at once."""
        self.env["account.move"].flush_model(["chorus_state", "company_id", "einvoice_sandbox"])
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
        moves = self.env["account.move"].browse(ids)
        moves.invalidate_recordset(["chorus_state"])
        if not moves:
            return self
        submission = self.create({"account_id": account.id, "name": moves[0].name, "move_ids": [(6, 0, ids)]})
        moves.write({"chorus_submission_id": submission.id})
        _commit(self.env)  # the crash marker: from here on, these invoices may reach Chorus Pro
        return submission

    def _send_batch(self, account, client):
        submission = self._claim(account)
        if not submission:
            return 0
        # Held until the batch is committed: recovery in another worker skips this row.
        self.env.cr.execute("SELECT id FROM chorus_pro_submission WHERE id = %s FOR UPDATE", (submission.id,))
        unavailable = submission._deposit(client)
        # One commit per batch: what Chorus Pro accepted is recorded before the next batch.
        _commit(self.env)
        if unavailable:
            raise unavailable  # the rest waits for the next run
        return len(submission.move_ids) if submission.state == "deposited" else 0

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
            self.move_ids = [(3, move.id) for move in failed]
        return files

    def _deposit(self, client, pdfs=None):
        """Deposit this submission's invoices in one flow; the state and errors are written in any case.

        Returns the error when Chorus Pro is out of reach (the invoices are then queued again
        or, if it may have taken the flow, left to the recovery), else None.
        """
        self.ensure_one()
        files = self._files(pdfs)
        moves = self.move_ids
        if not files:
            self.write({"state": "error", "error": self.env._("No invoice of this deposit could be sent.")})
            return None
        syntax = SYNTAX_CODES[self.account_id.syntax]
        name = files[0][0] if len(files) == 1 else f"{files[0][0].rsplit('.', 1)[0]}_lot_{len(files)}.tar.gz"
        self.write({"syntax": syntax, "name": name})
        try:
            deposit = client.deposit_invoices(files, syntax=syntax, batch_name=name)
        except FlowTooLargeError as exc:
            message = error_text(self.env, exc)
            self.write({"state": "error", "error": message})
            moves.write({"chorus_state": "error", "chorus_error": message})
            return None
        except ChorusProError as exc:
            message = error_text(self.env, exc)
            if _maybe_taken(exc):
                # Chorus Pro may have the flow: left "sending", the invoices are looked up by number later.
                self.write({"error": message})
                moves.write({"chorus_error": message})
                return exc
            if _unavailable(exc):
                self.write({"state": "error", "error": message, "move_ids": [(5,)]})
                moves.write({"chorus_state": "to_send", "chorus_error": message, "chorus_submission_id": False})
                return exc
            self.write({"state": "error", "error": message})
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

    def _recover(self, account, client):
        """Settle deposits interrupted before Chorus Pro's answer was saved, without depositing twice.

        An invoice Chorus Pro knows (found by its number) is taken as deposited; the others
        go back to the queue. Chorus Pro refuses a number already deposited this year, and
        such a refusal is checked the same way, so nothing is ever integrated twice.
        """
        self.flush_model(["state", "account_id"])
        self.env.cr.execute(
            """
            SELECT id FROM chorus_pro_submission
             WHERE account_id = %s AND state = 'sending'
               AND write_date < (now() at time zone 'UTC') - make_interval(mins => %s)
             ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            """,
            (account.id, STALE_MINUTES, account.batch_size),
        )
        for submission in self.browse([row[0] for row in self.env.cr.fetchall()]):
            found_any = False
            for move in submission.move_ids.filtered(lambda m: m.chorus_state == "sending"):
                summary = move._chorus_find(client)
                if summary:
                    found_any = True
                    move._chorus_integrated(summary.invoice_id, summary.status)
                    if summary.numero_flux and not submission.numero_flux:
                        submission.numero_flux = summary.numero_flux
                else:
                    move.write({"chorus_state": "to_send", "chorus_submission_id": False})
            submission.write(
                {
                    "state": "integrated" if found_any else "error",
                    "error": self.env._(
                        "Interrupted before Chorus Pro's answer was saved: the invoices Chorus Pro knows were "
                        "taken as deposited, the others were queued again."
                    ),
                }
            )
            _commit(self.env)

    # --- deposit reports -------------------------------------------------------------------

    @api.model
    def _cron_poll(self):
        """Read the reports of deposited flows, then the statuses of the invoices in Chorus Pro.

        Each run reads a batch per connection and commits it; the job runs again at once
        while invoices not read for an hour remain.
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
                        submission.error = error_text(batch.env, exc)
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
                            {"chorus_error": error_text(batch.env, exc), "chorus_polled_on": fields.Datetime.now()}
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
            values["technical_errors"] = "\n".join(
                f"{e.get('codeErreur', '')} {e.get('libelleErreur', '')}".strip() for e in report.technical_errors
            )
        if not report.done:
            self.write(values)
            return
        reported = report.by_number()
        integrated = rejected = 0
        for move in moves:
            line = reported.get(move.name)
            if line is not None and line.integrated:
                move._chorus_integrated(line.invoice_id, line.status)
                integrated += 1
                continue
            if line is not None and line.advice is not None and line.advice.key == "DUPLICATE_INVOICE":
                # Deposited before by a run whose answer was lost: the first deposit is the invoice.
                summary = move._chorus_find(client)
                if summary:
                    move._chorus_integrated(summary.invoice_id, summary.status)
                    integrated += 1
                    continue
            message = (
                (line.error if line is not None else None)
                or values.get("technical_errors")
                or (self.env._("Chorus Pro did not integrate the invoice (flow %s).", report.state))
            )
            move._chorus_rejected_at_deposit(message, line.advice if line is not None else codes.explain(None, message))
            rejected += 1
        if integrated and rejected:
            values["state"] = "partly"
        else:
            values["state"] = "integrated" if integrated else "rejected"
        self.write(values)
