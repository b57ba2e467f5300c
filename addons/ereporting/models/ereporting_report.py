from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from einvoice.ereporting import (
    Declarant,
    InvoiceEntry,
    InvoicePaymentLine,
    InvoiceTaxSubtotal,
    PaymentLine,
    PaymentsReport,
    Report,
    ReportDocument,
    ReportPeriod,
    SaleLine,
    Sender,
    TransactionsReport,
    aggregate_invoice_payments,
    aggregate_payments,
    aggregate_transactions,
    build_report,
    invoice_entry,
    report_party,
)
from einvoice.errors import EInvoiceError
from einvoice.model import Address, Identifier, Party
from einvoice.validation import validate

from .ereporting_period import PURCHASE_TYPES

REPORT_STATES = [
    ("draft", "Draft"),
    ("ready", "Ready to send"),
    ("blocked", "Blocked by findings"),
    ("empty", "Nothing to report"),
    ("sent", "Sent"),
    ("error", "Not delivered"),
    ("accepted", "Accepted (300)"),
    ("rejected", "Rejected"),
]
ROLES = [("SE", "Seller"), ("BY", "Buyer")]
TYPE_CODES = [("IN", "Initial"), ("RE", "Corrective")]
BLOCKS = [
    ("10.1", "10.1 International invoice"),
    ("10.2", "10.2 Payment of an invoice"),
    ("10.3", "10.3 B2C day"),
    ("10.4", "10.4 B2C payments of a day"),
]
#: The administration's rejection reasons (DGFiP specifications v3.2 §3.7.10, Tableau 6).
REJECTION_REASONS = [
    ("REJ_SEMAN", "Semantic format check"),
    ("REJ_UNI", "Uniqueness check: already transmitted and processed"),
    ("REJ_COH", "Data consistency check"),
    ("REJ_PER", "Period check: transmission date inconsistent with the period"),
]
SEVERITIES = [("fatal", "Blocking"), ("warning", "Warning")]
CENT = Decimal("0.01")


def _rate(value):
    return Decimal(value).quantize(CENT)


class EreportingReport(models.Model):
    _name = "ereporting.report"
    _description = "E-reporting transmission"
    _inherit = "mail.thread"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        "Transmission id",
        readonly=True,
        copy=False,
        help="TT-1: unique per declarant and period; a correction gets a new one.",
    )
    period_id = fields.Many2one("ereporting.period", required=True, readonly=True, ondelete="restrict", index=True)
    company_id = fields.Many2one(related="period_id.company_id", store=True, index=True)
    kind = fields.Selection(related="period_id.kind", store=True)
    date_start = fields.Date(related="period_id.date_start")
    date_end = fields.Date(related="period_id.date_end")
    deadline = fields.Date(related="period_id.deadline")
    role = fields.Selection(
        ROLES, required=True, readonly=True, default="SE", help="TT-15: the declarant sells or buys."
    )
    type_code = fields.Selection(TYPE_CODES, required=True, readonly=True, default="IN", help="TT-4")
    corrected_report_id = fields.Many2one("ereporting.report", string="Corrects", readonly=True)
    state = fields.Selection(REPORT_STATES, required=True, readonly=True, default="draft", tracking=True, index=True)
    issued_at = fields.Datetime("Built on", readonly=True, help="TT-3")
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True, ondelete="set null")
    finding_ids = fields.One2many("ereporting.finding", "report_id", string="Findings", readonly=True)
    fatal_count = fields.Integer("Blocking findings", compute="_compute_fatal_count")
    line_ids = fields.One2many("ereporting.report.line", "report_id", string="Figures", readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "ereporting_report_move_rel",
        "report_id",
        "move_id",
        string="Moves reported",
        readonly=True,
        help="The moves whose figures this report carries.",
    )
    flow_id = fields.Many2one("einvoice.flow", string="Platform flow", readonly=True, ondelete="set null")
    flow_type = fields.Char(readonly=True)
    answer_code = fields.Selection(
        [("300", "300 Deposited"), ("301", "301 Rejected")], string="Administration's answer", readonly=True
    )
    rejection_code = fields.Char("Rejection code", readonly=True)
    rejection_reason = fields.Selection(REJECTION_REASONS, string="Rejection reason", readonly=True)
    rejection_message = fields.Text("Rejection details", readonly=True)
    sent_on = fields.Datetime(readonly=True)
    answered_on = fields.Datetime(readonly=True)

    def _compute_fatal_count(self):
        for report in self:
            report.fatal_count = len(report.finding_ids.filtered(lambda f: f.severity == "fatal"))

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        for report in reports:
            report.name = report._transmission_id()
        return reports

    def _transmission_id(self):
        """TT-1: ER, the data kind, the role, the period's first day and a sequence of the period."""
        self.ensure_one()
        sequence = self.search_count([("period_id", "=", self.period_id.id), ("role", "=", self.role)])
        kind = "T" if self.kind == "transactions" else "P"
        return f"ER-{kind}-{self.role}-{self.date_start:%Y%m%d}-{sequence}"

    # --- building ----------------------------------------------------------------------------

    def _prepare(self):
        """Collect the figures, build the report, run the DGFiP XSD and the Flux 10 rules; the
        findings are kept. A report with a blocking finding cannot be sent."""
        self.ensure_one()
        if self.state not in ("draft", "ready", "blocked", "empty"):
            raise UserError(
                self.env._("%(report)s is already sent: correct it with a corrective report.", report=self.name)
            )
        self.finding_ids.unlink()
        self.line_ids.unlink()
        self._unlink_moves()
        previous_file = self.attachment_id
        findings, lines = [], []
        body, moves = self._collect(findings, lines)
        values = {"issued_at": fields.Datetime.now(), "move_ids": [fields.Command.set(moves.ids)]}
        document = self._document(findings, values["issued_at"])
        blocks = body.invoices or body.aggregates
        xml = None
        if document is not None and blocks:
            report = Report(document, **{"transactions" if self.kind == "transactions" else "payments": body})
            try:
                xml = build_report(report)
            except EInvoiceError as exc:
                findings.append(self._finding("BUILD", str(exc)))
        if xml is not None:
            for finding in validate(xml).findings:
                findings.append(
                    {
                        "rule_id": finding.rule_id,
                        "severity": "fatal" if finding.is_fatal else "warning",
                        "location": finding.location or finding.bt or False,
                        "message": finding.message_fr if self.env.lang == "fr_FR" else finding.message_en,
                    }
                )
            attachment = self.env["ir.attachment"].create(
                {
                    "name": f"{self.name}.xml",
                    "raw": xml,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/xml",
                }
            )
            values.update(attachment_id=attachment.id, flow_type=self._flow_type_of(body))
        else:
            values.update(attachment_id=False, flow_type=False)
        values["finding_ids"] = [fields.Command.create(finding) for finding in findings]
        values["line_ids"] = [fields.Command.create(line) for line in lines]
        if any(finding["severity"] == "fatal" for finding in findings):
            values["state"] = "blocked"
        elif not blocks:
            values["state"] = "empty"
        else:
            values["state"] = "ready"
        self.write(values)
        self._link_moves(self._move_queries())
        previous_file.unlink()  # the file of an earlier preparation, never sent

    def _move_queries(self):
        """SQL queries of the moves reported besides those ``_collect`` returns: the B2C sales'
        (hundreds of thousands of moves in a large period, never loaded into Python)."""
        if self.kind == "transactions" and self.role == "SE":
            return self.period_id._b2c_move_queries()
        return []

    def _unlink_moves(self):
        """Empty ``move_ids`` in the database: the ORM would load every linked move to replace them."""
        self.flush_recordset(["move_ids"])
        field = self._fields["move_ids"]
        self.env.cr.execute(
            SQL(
                "DELETE FROM %(table)s WHERE %(report)s = %(id)s",
                table=SQL.identifier(field.relation),
                report=SQL.identifier(field.column1),
                id=self.id,
            )
        )
        self.invalidate_recordset(["move_ids"])

    def _link_moves(self, queries):
        """Add the moves of the queries to ``move_ids`` in the database, after the ORM's own writes."""
        if not queries:
            return
        self.flush_recordset(["move_ids"])
        field = self._fields["move_ids"]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(report)s, %(move)s) SELECT %(id)s, move_id FROM (%(moves)s) moves"
                " ON CONFLICT DO NOTHING",
                table=SQL.identifier(field.relation),
                report=SQL.identifier(field.column1),
                move=SQL.identifier(field.column2),
                id=self.id,
                moves=SQL(" UNION ").join(SQL("(%s)", query) for query in queries),
            )
        )
        self.invalidate_recordset(["move_ids"])

    def _finding(self, rule_id, message, severity="fatal"):
        return {"rule_id": rule_id, "severity": severity, "location": False, "message": message}

    def _document(self, findings, issued_at):
        """TB-1: the sender is the company's platform (its number), the declarant the company (SIREN)."""
        company = self.company_id
        platform = self.env["einvoice.platform"].sudo()._for_company(company)
        siren = company.partner_id.l10n_fr_siren
        if not platform:
            findings.append(
                self._finding(
                    "PLATFORM",
                    self.env._(
                        "%(company)s has no approved platform: set it up in Accounting > Configuration > "
                        "E-invoicing platforms.",
                        company=company.name,
                    ),
                )
            )
            return None
        if not platform.ereporting_matricule:
            findings.append(
                self._finding(
                    "G6.22",
                    self.env._(
                        "The platform %(platform)s has no platform number (TT-8): enter it on the platform's form, "
                        "Sending section.",
                        platform=platform.name,
                    ),
                )
            )
            return None
        if not siren:
            findings.append(
                self._finding(
                    "G6.26",
                    self.env._(
                        "%(company)s has no SIREN (TT-13): enter its SIRET or VAT number.", company=company.name
                    ),
                )
            )
            return None
        return ReportDocument(
            id=self.name,
            issued_at=issued_at.replace(microsecond=0),
            sender=Sender(platform_id=platform.ereporting_matricule, name=platform.name),
            declarant=Declarant(siren=siren, name=company.name, role=self.role),
            type_code=self.type_code,
            name=self.name,
        )

    def _flow_type_of(self, body):
        """flowType of the Flow API (FRR 10.x) for the blocks the report holds."""
        if self.kind == "transactions":
            if self.role == "BY":
                return "UnitarySupplierTransactionReport"
            unitary, aggregated = "UnitaryCustomerTransactionReport", "AggregatedCustomerTransactionReport"
        else:
            unitary, aggregated = "UnitaryCustomerPaymentReport", "AggregatedCustomerPaymentReport"
        if body.invoices and body.aggregates:
            return "MultiFlowReport"
        return unitary if body.invoices else aggregated

    def _collect(self, findings, lines):
        period = self.period_id
        report_period = ReportPeriod(period.date_start, period.date_end)
        if self.kind == "payments":
            return self._collect_payments(report_period, findings, lines)
        if self.role == "BY":
            return self._collect_purchases(report_period, findings, lines)
        return self._collect_sales(report_period, findings, lines)

    def _collect_sales(self, report_period, findings, lines):
        period = self.period_id
        on_debits = self.company_id.l10n_fr_vat_on_debits
        sales = [
            SaleLine(
                day,
                currency,
                category,
                _rate(rate),
                taxable,
                tax,
                count,
                "5" if on_debits and category == "TPS1" else None,  # TT-80: the option for VAT on debits
                tax_company,
            )
            for day, currency, category, rate, taxable, tax, count, tax_company, _taxable_company in period._b2c_sales()
        ]
        aggregates = aggregate_transactions(sales, period=report_period)
        for aggregate in aggregates:
            for index, subtotal in enumerate(aggregate.subtotals):
                lines.append(
                    {
                        "block": "10.3",
                        "day": aggregate.date,
                        "currency_code": aggregate.currency,
                        "category": aggregate.category.value,
                        "rate": float(subtotal.rate),
                        "taxable_amount": float(subtotal.taxable_amount),
                        "tax_amount": float(subtotal.tax_amount),
                        "count": aggregate.count if index == 0 else 0,
                    }
                )
        moves = self.env["account.move"]  # the B2C moves are linked in SQL (_move_queries)
        invoices = []
        for move in period._moves_of_kind("international"):
            invoice, problems = move._l10n_fr_einvoice_model()
            for problem in problems:
                findings.append(
                    self._finding(
                        problem.get("rule_id") or "MAPPING",
                        f"{move.name}: {problem.get('message')}",
                        severity="warning" if problem.get("severity") != "fatal" else "fatal",
                    )
                )
            try:
                entry = invoice_entry(invoice)
            except EInvoiceError as exc:
                findings.append(self._finding("G2.19", f"{move.name}: {exc}"))
                continue
            invoices.append(entry)
            moves |= move
            lines.append(self._entry_line(entry, move))
        return TransactionsReport(period=report_period, invoices=invoices, aggregates=aggregates), moves

    def _entry_line(self, entry, move):
        return {
            "block": "10.1",
            "day": entry.issue_date,
            "currency_code": entry.currency,
            "move_id": move.id,
            "partner_id": move.commercial_partner_id.id,
            "invoice_number": entry.id,
            "taxable_amount": float(entry.tax_exclusive_amount or 0),
            "tax_amount": float(entry.tax_amount),
            "rate": float(max((s.rate for s in entry.tax_subtotals), default=0)),
        }

    def _collect_purchases(self, report_period, findings, lines):
        """10.1 purchases from suppliers established abroad (Bi2B): the supplier's invoice as received."""
        company = self.company_id
        buyer = Party(
            name=company.name,
            legal_id=Identifier(company.partner_id.l10n_fr_siren, "0002") if company.partner_id.l10n_fr_siren else None,
            vat_id=company.vat or None,
            address=Address(country_code="FR"),
        )
        invoices, moves = [], self.env["account.move"]
        for move in self.period_id._moves_of_kind("international", PURCHASE_TYPES):
            try:
                entry = self._purchase_entry(move, buyer)
            except EInvoiceError as exc:
                findings.append(self._finding("G2.19", f"{move.name}: {exc}"))
                continue
            if entry is None:
                continue
            invoices.append(entry)
            moves |= move
            lines.append(self._entry_line(entry, move))
        return TransactionsReport(period=report_period, invoices=invoices), moves

    def _purchase_entry(self, move, buyer):
        supplier = move.commercial_partner_id
        country = supplier.country_id.code
        in_eu = supplier.country_id in self.env.ref("base.europe").country_ids
        goods = move.l10n_fr_operation_category == "B"
        if goods and not in_eu:
            return None  # imports of goods are declared through customs, not e-reported
        category = "K" if goods else "AE"
        net = Decimal(str(move.amount_untaxed)).quantize(CENT)  # in the invoice's currency (TT-22), positive
        seller = report_party(
            Party(name=supplier.name, vat_id=supplier.vat or None, address=Address(country_code=country)), "seller"
        )
        return InvoiceEntry(
            id=move.ref or move.name,
            issue_date=move.invoice_date,
            type_code="381" if move.move_type == "in_refund" else "380",
            currency=move.currency_id.name,
            billing_frame=move.l10n_fr_billing_frame or f"{move.l10n_fr_operation_category or 'S'}1",
            seller=seller,
            buyer=report_party(buyer, "buyer"),
            tax_exclusive_amount=net,
            tax_amount=Decimal("0.00"),  # reverse charge: the supplier's invoice carries no VAT
            tax_subtotals=(
                InvoiceTaxSubtotal(taxable_amount=net, tax_amount=Decimal("0.00"), rate=Decimal(0), category=category),
            ),
        )

    def _collect_payments(self, report_period, findings, lines):
        """10.2 for the encashments of international invoices, 10.4 per day for the consumers'."""
        invoice_lines, day_lines, moves = [], [], self.env["account.move"]
        payment_lines = {}
        for invoice_id, number, issued, paid_on, kind, rate, amount, line_ids in self.period_id._encashments():
            if kind == "international":
                invoice_lines.append(InvoicePaymentLine(number, issued, paid_on, _rate(rate), amount, "EUR"))
            elif kind == "b2c":
                day_lines.append(PaymentLine(paid_on, _rate(rate), amount, "EUR"))
            else:
                continue
            moves |= self.env["account.move"].browse(invoice_id)
            key = (number if kind == "international" else None, paid_on)
            payment_lines.setdefault(key, set()).update(line_ids)
        blocks = aggregate_invoice_payments(invoice_lines, period=report_period)
        days = aggregate_payments(day_lines, period=report_period)
        for block in blocks:
            for subtotal in block.subtotals:
                lines.append(
                    {
                        "block": "10.2",
                        "day": block.payment_date,
                        "invoice_number": block.invoice_id,
                        "move_id": moves.filtered(lambda m, n=block.invoice_id: m.name == n)[:1].id,
                        "rate": float(subtotal.rate),
                        "amount": float(subtotal.amount),
                        "currency_code": "EUR",
                        "move_line_ids": [
                            fields.Command.set(list(payment_lines[(block.invoice_id, block.payment_date)]))
                        ],
                    }
                )
        for day in days:
            for subtotal in day.subtotals:
                lines.append(
                    {
                        "block": "10.4",
                        "day": day.date,
                        "rate": float(subtotal.rate),
                        "amount": float(subtotal.amount),
                        "currency_code": "EUR",
                        "move_line_ids": [fields.Command.set(list(payment_lines[(None, day.date)]))],
                    }
                )
        return PaymentsReport(period=report_period, invoices=blocks, aggregates=days), moves

    # --- actions ---------------------------------------------------------------------------------

    def action_prepare(self):
        self.check_access("write")
        self.period_id._check_over()
        for report in self:
            report._prepare()
        self.period_id._refresh_state()
        return True

    def action_send(self):
        """Queue the report as an FRR flow of the company's platform; the sending cron sends it."""
        self.check_access("write")
        for report in self:
            if report.state != "ready":
                raise UserError(
                    self.env._(
                        "%(report)s cannot be sent: it is %(state)s. Prepare it and fix its blocking findings first.",
                        report=report.name,
                        state=dict(report._fields["state"]._description_selection(self.env))[report.state],
                    )
                )
            platform = self.env["einvoice.platform"].sudo()._for_company(report.company_id)
            if not platform:
                raise UserError(self.env._("%(company)s has no approved platform.", company=report.company_id.name))
            flow = self.env["einvoice.flow"]._queue(
                platform,
                report.flow_type,
                self.env["account.move"],
                syntax="FRR",
                attachment=report.attachment_id,
                name=report.attachment_id.name,
            )
            flow.sudo().ereporting_report_id = report.id
            report.write({"flow_id": flow.id, "state": "sent", "sent_on": fields.Datetime.now()})
            report.period_id.message_post(
                body=self.env._("%(report)s sent to %(platform)s.", report=report.name, platform=platform.name)
            )
        self.period_id._refresh_state()
        return True

    def action_correct(self):
        """A corrective report (RE) for the same period and role: it replaces all the data sent before."""
        self.ensure_one()
        self.check_access("write")
        if self.state not in ("accepted", "rejected"):
            raise UserError(
                self.env._("Only an accepted or rejected report is corrected; %(report)s is not.", report=self.name)
            )
        later = self.period_id.report_ids.filtered(lambda r: r.role == self.role and r.id > self.id)
        if later:
            raise UserError(
                self.env._("%(report)s is already corrected by %(other)s.", report=self.name, other=later[0].name)
            )
        correction = self.create(
            {"period_id": self.period_id.id, "role": self.role, "type_code": "RE", "corrected_report_id": self.id}
        )
        correction._prepare()
        self.period_id._refresh_state()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": correction.id,
            "view_mode": "form",
        }

    # --- the platform's answers ---------------------------------------------------------------

    def _sync_with_flow(self):
        """A flow in error (not delivered) shows on its report, and back to sent when retried."""
        for report in self:
            state = report.flow_id.state
            if state == "error" and report.state == "sent":
                report.write({"state": "error", "rejection_message": report.flow_id.error})
            elif state in ("queued", "sending", "sent") and report.state == "error":
                report.write({"state": "sent", "rejection_message": False})
            else:
                continue
            report.period_id._refresh_state()

    def _apply_answer(self, acknowledgement):
        """The acknowledgement of the report's flow: Ok is the administration's 300 (Déposée), Error its
        301 (Rejetée) with the REJ_* reason, or the platform's own refusal with its reason."""
        self.ensure_one()
        status = acknowledgement.get("status")
        if status == "Ok" and self.state != "accepted":
            self.write({"state": "accepted", "answer_code": "300", "answered_on": fields.Datetime.now()})
            self.period_id.message_post(body=self.env._("%(report)s accepted: 300 Deposited.", report=self.name))
            self._move_lock_dates()
        elif status == "Error" and self.state != "rejected":
            details = acknowledgement.get("details") or [{}]
            reasons = dict(REJECTION_REASONS)
            detail = next((d for d in details if d.get("reasonCode") in reasons), details[0])
            code = detail.get("reasonCode") or False
            message = "\n".join(
                f"{d.get('reasonCode') or ''}: {d.get('reasonMessage') or ''}".strip(": ") for d in details
            )[:2000]
            self.write(
                {
                    "state": "rejected",
                    "answer_code": "301" if code in reasons else False,
                    "rejection_code": code,
                    "rejection_reason": code if code in reasons else False,
                    "rejection_message": message,
                    "answered_on": fields.Datetime.now(),
                }
            )
            self.period_id.message_post(
                body=self.env._(
                    "%(report)s rejected: %(code)s %(reason)s. Correct it with a corrective report.",
                    report=self.name,
                    code=code or "",
                    reason=dict(self._fields["rejection_reason"]._description_selection(self.env)).get(code) or message,
                )
            )
        self.period_id._refresh_state()

    def _move_lock_dates(self):
        """After accepted transactions, the period's sales (or purchases) are locked: no reported
        figure changes silently. Lock dates only move forward."""
        if self.kind != "transactions":
            return
        company = self.company_id.sudo()
        field = "purchase_lock_date" if self.role == "BY" else "sale_lock_date"
        end = self.period_id.date_end
        if not company[field] or company[field] < end:
            company.write({field: end})
            self.period_id.message_post(
                body=self.env._(
                    "%(field)s moved to %(date)s.",
                    field=company._fields[field].get_description(self.env)["string"],
                    date=end,
                )
            )

    def action_open_attachment(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": f"/web/content/{self.attachment_id.id}?download=true"}


class EreportingReportLine(models.Model):
    _name = "ereporting.report.line"
    _description = "E-reporting figure"
    _order = "block, day, currency_code, category, rate desc, id"

    report_id = fields.Many2one("ereporting.report", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="report_id.company_id", store=True)
    block = fields.Selection(BLOCKS, required=True)
    day = fields.Date()
    currency_code = fields.Char("Currency")
    category = fields.Selection(
        [
            ("TLB1", "TLB1 Goods"),
            ("TPS1", "TPS1 Services"),
            ("TNT1", "TNT1 Not taxable in France"),
            ("TMA1", "TMA1 Margin"),
        ]
    )
    rate = fields.Float("VAT rate (%)", digits=(5, 2))
    taxable_amount = fields.Float("Taxable amount", digits=(16, 2))
    tax_amount = fields.Float("VAT", digits=(16, 2))
    amount = fields.Float("Encashed", digits=(16, 2))
    count = fields.Integer("Transactions")
    move_id = fields.Many2one("account.move", string="Invoice", ondelete="set null")
    partner_id = fields.Many2one("res.partner", ondelete="set null")
    invoice_number = fields.Char()
    move_line_ids = fields.Many2many("account.move.line", string="Payment lines")

    def action_open_move_lines(self):
        """The journal items behind this figure."""
        self.ensure_one()
        if self.block == "10.3":
            ids = self.report_id.period_id._b2c_lines(self.day, self.currency_code, self.category, self.rate)
        elif self.block == "10.1":
            ids = self.move_id.line_ids.ids
        else:
            ids = self.move_line_ids.ids
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Journal items of %(block)s", block=self.block),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }


class EreportingFinding(models.Model):
    _name = "ereporting.finding"
    _description = "E-reporting finding"
    _order = "severity, id"

    report_id = fields.Many2one("ereporting.report", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="report_id.company_id", store=True)
    rule_id = fields.Char("Rule", required=True)
    severity = fields.Selection(SEVERITIES, required=True)
    location = fields.Char()
    message = fields.Text(required=True)
