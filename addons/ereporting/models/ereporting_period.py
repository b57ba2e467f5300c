import datetime
import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.pa_connector.models.einvoice_flow import _commit as commit_progress

from einvoice.ereporting import DataKind, periods_between

_logger = logging.getLogger(__name__)

KINDS = [(DataKind.TRANSACTIONS.value, "Transactions"), (DataKind.PAYMENTS.value, "Payments")]
PERIOD_STATES = [
    ("open", "Open"),
    ("grace", "Ended, to report"),
    ("ready", "Ready"),
    ("sent", "Sent"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
]
SALE_TYPES = ("out_invoice", "out_refund", "out_receipt")
PURCHASE_TYPES = ("in_invoice", "in_refund", "in_receipt")
#: How far ahead the periods are generated.
MONTHS_AHEAD = 2


class EreportingPeriod(models.Model):
    _name = "ereporting.period"
    _description = "E-reporting period"
    _inherit = ["mail.thread", "mail.activity.mixin"]  # noqa: RUF012 (Odoo reads this class attribute)
    _order = "date_start desc, kind"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    date_start = fields.Date("From", required=True, readonly=True)
    date_end = fields.Date("To", required=True, readonly=True)
    deadline = fields.Date(
        required=True, readonly=True, help="The last day on which the period's data must reach the platform."
    )
    state = fields.Selection(PERIOD_STATES, required=True, default="open", readonly=True, tracking=True, index=True)
    report_ids = fields.One2many("ereporting.report", "period_id", string="Reports", readonly=True)
    report_count = fields.Integer(compute="_compute_report_count")
    reconciliation_line_ids = fields.One2many(
        "ereporting.reconciliation.line", "period_id", string="Reconciliation", readonly=True
    )
    books_turnover = fields.Monetary("Turnover in the books", readonly=True, currency_field="currency_id")
    books_vat = fields.Monetary("VAT in the books", readonly=True, currency_field="currency_id")
    einvoiced_turnover = fields.Monetary("E-invoiced turnover", readonly=True, currency_field="currency_id")
    ereported_turnover = fields.Monetary("E-reported turnover", readonly=True, currency_field="currency_id")
    difference_turnover = fields.Monetary("Turnover difference", readonly=True, currency_field="currency_id")
    difference_vat = fields.Monetary("VAT difference", readonly=True, currency_field="currency_id")
    reconciled_on = fields.Datetime(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("period_unique", "unique(company_id, kind, date_start)", "A period is generated once per company and kind."),
    ]

    @api.depends("kind", "date_start", "date_end")
    def _compute_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for period in self:
            period.name = f"{labels.get(period.kind, '')} {period.date_start} - {period.date_end}"

    @api.depends("report_ids")
    def _compute_report_count(self):
        for period in self:
            period.report_count = len(period.report_ids)

    # --- generation ---------------------------------------------------------------------------

    @api.model
    def _generate(self, companies=None, until=None):
        """The periods of each e-reporting company, from its first day through ``until`` (two months
        ahead by default), as its VAT regime sets them; the existing ones are kept."""
        companies = companies if companies is not None else self.env["res.company"].search([])
        until = until or fields.Date.context_today(self) + relativedelta(months=MONTHS_AHEAD)
        created = self.browse()
        for company in companies.filtered("ereporting_enabled"):
            if not company.ereporting_vat_regime or not company.ereporting_start_date:
                continue
            existing = set(
                self.sudo()
                .search([("company_id", "=", company.id)])
                .mapped(lambda period: (period.kind, period.date_start))
            )
            values = []
            for kind in DataKind:
                for period in periods_between(
                    company.ereporting_vat_regime, kind, company.ereporting_start_date, until
                ):
                    if period.start < company.ereporting_start_date or (kind.value, period.start) in existing:
                        continue
                    values.append(
                        {
                            "company_id": company.id,
                            "kind": kind.value,
                            "date_start": period.start,
                            "date_end": period.end,
                            "deadline": period.deadline,
                        }
                    )
            created |= self.sudo().create(values)
        created._refresh_state()
        return created

    def action_generate(self):
        companies = self.env.companies.filtered("ereporting_enabled")
        if not companies:
            raise UserError(
                self.env._(
                    "E-reporting is not enabled for %(companies)s: enable it in Settings > Companies, E-reporting tab.",
                    companies=", ".join(self.env.companies.mapped("name")),
                )
            )
        self._generate(companies)
        return self.env["ir.actions.act_window"]._for_xml_id("ereporting.action_ereporting_period")

    # --- state ----------------------------------------------------------------------------------

    def _live_reports(self):
        """The reports that count for the period: per role, the last one (a correction replaces)."""
        self.ensure_one()
        live = self.env["ereporting.report"]
        for role in ("SE", "BY"):
            live |= self.report_ids.filtered(lambda report, role=role: report.role == role).sorted("id")[-1:]
        return live

    def _refresh_state(self, today=None):
        today = today or fields.Date.context_today(self)
        for period in self:
            states = set(period._live_reports().mapped("state"))
            if "rejected" in states:
                state = "rejected"
            elif "sent" in states:
                state = "sent"
            elif states and states <= {"accepted", "empty"} and "accepted" in states:
                state = "accepted"
            elif states and states <= {"ready", "accepted", "empty"}:
                state = "ready"
            else:
                state = "open" if period.date_end >= today else "grace"
            if period.state != state:
                period.state = state

    # --- actions ---------------------------------------------------------------------------------

    def _check_over(self):
        today = fields.Date.context_today(self)
        for period in self:
            if period.date_end >= today:
                raise UserError(
                    self.env._(
                        "%(period)s is not over: its report can be prepared from %(day)s on (rule G7.43).",
                        period=period.name,
                        day=period.date_end + datetime.timedelta(days=1),
                    )
                )

    def _roles(self):
        """The declarant's roles reported for the period: seller always, buyer for international purchases."""
        self.ensure_one()
        if self.kind == DataKind.TRANSACTIONS.value:
            return ("SE", "BY")
        return ("SE",)

    def action_prepare(self):
        """Build and check the report of each role; a report already sent is corrected with Correct."""
        self.check_access("write")
        self._check_over()
        for period in self:
            for role in period._roles():
                report = period.report_ids.filtered(lambda r, role=role: r.role == role).sorted("id")[-1:]
                if report and report.state not in ("draft", "ready", "blocked", "empty"):
                    continue
                if not report:
                    if role == "BY" and not period._moves_of_kind("international", PURCHASE_TYPES):
                        continue  # no international purchase: nothing to report as a buyer
                    report = self.env["ereporting.report"].create(
                        {"period_id": period.id, "role": role, "type_code": "IN"}
                    )
                report._prepare()
            period._refresh_state()
        return True

    def action_send(self):
        for period in self:
            period.report_ids.filtered(lambda report: report.state == "ready").action_send()
            period._refresh_state()
        return True

    def action_view_reports(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ereporting.action_ereporting_report")
        action["domain"] = [("period_id", "=", self.id)]
        return action

    # --- cron -----------------------------------------------------------------------------------

    @api.model
    def _cron_ereporting(self):
        """Generate the periods ahead; warn the accountant a few days before a deadline when a report
        would not leave; at the deadline, prepare and send what is ready.

        Each period is committed on its own (outside tests): a period that fails is logged and
        left for the next run, the others go on."""
        self._generate()
        today = fields.Date.context_today(self)
        periods = self.search([("state", "in", ("open", "grace", "ready", "rejected"))], order="deadline, id")
        periods._refresh_state(today)
        for period in periods.filtered(lambda p: p.date_end < today):
            live = period._live_reports()
            if today > period.deadline and live and set(live.mapped("state")) == {"empty"}:
                continue  # nothing was due, and the deadline is past: nothing more to look at
            company = period.company_id
            warn_from = period.deadline - datetime.timedelta(days=company.ereporting_warning_days or 0)
            if warn_from > today:
                continue
            try:
                with self.env.cr.savepoint():
                    period.with_company(company)._cron_one(today)
            except UserError as exc:
                _logger.warning("E-reporting period %s: %s", period.name, exc)
                period._warn([str(exc)])
            period._commit()

    def _cron_one(self, today):
        self.ensure_one()
        if self.state in ("open", "grace", "ready"):
            self.action_prepare()
        blockers = self._blockers()
        if blockers:
            self._warn(blockers)
            return
        if today >= self.deadline and self.state == "ready":
            self.action_send()

    def _commit(self):
        commit_progress(self.env)  # a period done stays done if the next one fails (not in tests)

    def _blockers(self):
        """What keeps the period's reports from leaving, in words (empty: nothing)."""
        self.ensure_one()
        blockers = []
        for report in self.report_ids.filtered(lambda r: r.state == "blocked"):
            fatal = report.finding_ids.filtered(lambda f: f.severity == "fatal")
            blockers.append(
                self.env._(
                    "%(report)s has %(count)s blocking findings, e.g. %(finding)s",
                    report=report.name,
                    count=len(fatal),
                    finding=fatal[:1].message or "",
                )
            )
        moves = (
            self._moves_of_kind("domestic") if self.kind == DataKind.TRANSACTIONS.value else self.env["account.move"]
        )
        for partner in moves.commercial_partner_id.filtered(lambda p: p.is_company and not p.country_id):
            blockers.append(
                self.env._(
                    "%(partner)s has no country: its invoices are taken as French ones, e-invoiced, not e-reported.",
                    partner=partner.display_name,
                )
            )
        return blockers

    def _warn(self, blockers):
        """An activity for the accountant, once per period and text."""
        self.ensure_one()
        company = self.company_id
        user = company.ereporting_responsible_id or self.env["res.users"].search(
            [("groups_id", "in", self.env.ref("account.group_account_manager").id), ("company_ids", "in", company.id)],
            limit=1,
        )
        note = "<br/>".join(blockers)
        summary = self.env._("E-reporting due on %(deadline)s is blocked", deadline=self.deadline)
        if self.activity_ids.filtered(lambda a: a.summary == summary and a.note and note in a.note):
            return
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.deadline,
            summary=summary,
            note=note,
            user_id=(user or self.env.user).id,
        )
