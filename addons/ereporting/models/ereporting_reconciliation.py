from decimal import Decimal

from odoo import fields, models

from .ereporting_collect import PARTNER_KIND

#: The moves of the period e-invoiced through the platform: a customer invoice flow that stands.
EINVOICED = """
    SELECT DISTINCT f.move_id FROM einvoice_flow f
     WHERE f.direction = 'out' AND f.flow_type IN ('CustomerInvoice', 'SupplierInvoice')
       AND f.state NOT IN ('error', 'rejected') AND f.move_id = ANY(%s)
"""
KINDS = f"""
    SELECT am.id, {PARTNER_KIND} FROM account_move am
      LEFT JOIN res_partner p ON p.id = am.commercial_partner_id
      LEFT JOIN res_country c ON c.id = p.country_id
     WHERE am.id = ANY(%s)
"""


class EreportingReconciliationLine(models.Model):
    _name = "ereporting.reconciliation.line"
    _description = "E-reporting reconciliation difference"
    _order = "id"

    period_id = fields.Many2one("ereporting.period", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="period_id.company_id", store=True)
    currency_id = fields.Many2one(related="period_id.currency_id")
    move_id = fields.Many2one("account.move", string="Move", ondelete="set null")
    books_turnover = fields.Monetary("Turnover in the books")
    books_vat = fields.Monetary("VAT in the books")
    covered_turnover = fields.Monetary("E-invoiced or e-reported")
    difference = fields.Monetary()
    explanation = fields.Char()


class EreportingPeriod(models.Model):
    _inherit = "ereporting.period"

    def action_reconcile(self):
        """The books of the period against what was e-invoiced plus what was e-reported, move by move."""
        self.check_access("write")
        for period in self.filtered(lambda p: p.kind == "transactions"):
            period._reconcile()
        return True

    def _reconcile(self):
        self.ensure_one()
        self.reconciliation_line_ids.unlink()
        books = self._books()
        move_ids = [row[0] for row in books]
        einvoiced = {row[0] for row in self._query(EINVOICED, (move_ids,))}
        kinds = dict(self._query(KINDS, (move_ids,)))
        report = self._live_reports().filtered(lambda r: r.role == "SE" and r.state not in ("rejected", "error"))
        reported = set(report.move_ids.ids)
        zero = Decimal(0)
        totals = {"books": zero, "vat": zero, "einvoiced": zero, "ereported": zero}
        lines = []
        for move_id, _name, turnover, vat in books:
            totals["books"] += turnover
            totals["vat"] += vat
            if move_id in einvoiced:
                totals["einvoiced"] += turnover
                continue
            if move_id in reported:
                totals["ereported"] += turnover
                continue
            lines.append(
                {
                    "period_id": self.id,
                    "move_id": move_id,
                    "books_turnover": float(turnover),
                    "books_vat": float(vat),
                    "covered_turnover": 0.0,
                    "difference": float(turnover),
                    "explanation": self._why_uncovered(self.env["account.move"].browse(move_id), kinds.get(move_id)),
                }
            )
        # The B2C days are rounded once per day, currency, category and rate: that rounding shows on its own.
        if report:
            b2c_books = sum((row[2] for row in books if row[0] in reported and kinds.get(row[0]) == "b2c"), zero)
            b2c_reported = Decimal(
                str(round(sum(report.line_ids.filtered(lambda line: line.block == "10.3").mapped("taxable_amount")), 2))
            )
            aggregates = report.line_ids.filtered(lambda line: line.block == "10.3")
            rounding = (b2c_books - b2c_reported).quantize(Decimal("0.01"))
            if rounding:
                totals["ereported"] -= rounding
                # Each rounded figure moves at most half a cent; more is a sale whose entry has another date.
                if abs(rounding) <= Decimal("0.01") * len(aggregates):
                    explanation = self.env._("Rounding of the B2C daily aggregates (10.3)")
                else:
                    explanation = self.env._(
                        "B2C sales (10.3) whose entries are dated in another period (e.g. a point-of-sale session "
                        "closed after the period's end)"
                    )
                lines.append(
                    {
                        "period_id": self.id,
                        "covered_turnover": 0.0,
                        "difference": float(rounding),
                        "explanation": explanation,
                    }
                )
        self.env["ereporting.reconciliation.line"].create(lines)
        self.write(
            {
                "books_turnover": float(totals["books"]),
                "books_vat": float(totals["vat"]),
                "einvoiced_turnover": float(totals["einvoiced"]),
                "ereported_turnover": float(totals["ereported"]),
                "difference_turnover": float(totals["books"] - totals["einvoiced"] - totals["ereported"]),
                "difference_vat": float(sum((Decimal(str(line.get("books_vat", 0))) for line in lines), zero)),
                "reconciled_on": fields.Datetime.now(),
            }
        )

    def _why_uncovered(self, move, kind):
        """Why a move of the books is in neither flow, and what to do."""
        if kind == "domestic":
            if move.einvoice_not_sent_reason:
                return self.env._("Not e-invoiced: %(reason)s", reason=move.einvoice_not_sent_reason)
            flows = move.einvoice_flow_ids.filtered(lambda f: f.direction == "out")
            if flows:
                return self.env._(
                    "Not e-invoiced: its flow %(flow)s is %(state)s.",
                    flow=flows[0].name,
                    state=dict(flows[0]._fields["state"]._description_selection(self.env))[flows[0].state],
                )
            return self.env._("Not e-invoiced: the invoice was never sent to the platform.")
        if move.move_type == "entry":
            return self.env._(
                "A journal entry in a sales journal (a point-of-sale session, a manual entry): its sales are not "
                "collected from journal entries; report them as the sales of their own documents."
            )
        partner = move.commercial_partner_id
        if partner.is_company and not partner.country_id:
            return self.env._(
                "%(partner)s has no country: set it, then prepare the report again.", partner=partner.name
            )
        return self.env._(
            "Not in the report: posted after the report was prepared, or the report failed for it; "
            "prepare the report again (or correct it)."
        )
