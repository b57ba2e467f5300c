from decimal import Decimal

from odoo import models
from odoo.tools import SQL

#: The orders of closed sessions not invoiced (an invoiced order is e-reported, or e-invoiced, as its
#: invoice), per order line with its category and VAT rate, on the order's day in the company's time
#: zone. Parameters: time zone, company, first day, last day.
POS_LINES = """
    SELECT po.id AS order_id, ps.move_id AS session_move_id,
           (po.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day,
           cur.name AS currency,
           CASE WHEN pt.type = 'service' THEN 'TPS1' ELSE 'TLB1' END AS category,
           coalesce(vat.amount, 0) AS rate,
           pol.price_subtotal AS taxable, pol.price_subtotal_incl - pol.price_subtotal AS tax
      FROM pos_order_line pol
      JOIN pos_order po ON po.id = pol.order_id
      JOIN pos_session ps ON ps.id = po.session_id AND ps.state = 'closed'
      JOIN res_company co ON co.id = po.company_id
      JOIN res_currency cur ON cur.id = co.currency_id
      LEFT JOIN product_product pp ON pp.id = pol.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN LATERAL (
            SELECT t.amount
              FROM account_tax_pos_order_line_rel rel
              JOIN account_tax t ON t.id = rel.account_tax_id
             WHERE rel.pos_order_line_id = pol.id AND t.amount_type = 'percent'
             ORDER BY t.sequence, t.id
             LIMIT 1
      ) vat ON true
     WHERE po.company_id = %(company)s AND po.account_move IS NULL AND po.state IN ('paid', 'done')
       AND (po.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
"""

#: 10.3 rows of the point of sale, in the shape of the invoices' (B2C_SALES): an order counts once per
#: category.
POS_SALES = f"""
    WITH lines AS ({POS_LINES}), grouped AS (
        SELECT order_id, day, currency, category, rate, sum(taxable) AS taxable, sum(tax) AS tax,
               row_number() OVER (PARTITION BY order_id, category ORDER BY rate DESC) AS rank
          FROM lines GROUP BY order_id, day, currency, category, rate
    )
    SELECT day, currency, category, rate::text, sum(taxable)::text, sum(tax)::text,
           sum(CASE WHEN rank = 1 THEN 1 ELSE 0 END)::int, sum(tax)::text, sum(taxable)::text
      FROM grouped
     GROUP BY day, currency, category, rate
     ORDER BY day, currency, category, rate DESC
"""

POS_SESSION_MOVES = f"""
    SELECT DISTINCT session_move_id AS move_id FROM ({POS_LINES}) lines WHERE session_move_id IS NOT NULL
"""


class EreportingPeriod(models.Model):
    _inherit = "ereporting.period"

    def _pos_params(self):
        return {
            "tz": self.company_id.partner_id.tz or "Europe/Paris",
            "company": self.company_id.id,
            "start": self.date_start,
            "end": self.date_end,
        }

    def _b2c_sales(self):
        # EXTENDS ereporting: the consumers' point-of-sale sales join the invoices' in block 10.3.
        rows = super()._b2c_sales()
        pos_rows = self._query(POS_SALES, self._pos_params())
        rows += [
            (d, cur, cat, *map(Decimal, (r, t, x)), n, Decimal(xe), Decimal(te))
            for d, cur, cat, r, t, x, n, xe, te in pos_rows
        ]
        return rows

    def _b2c_move_queries(self):
        # EXTENDS ereporting: the closing entries of the sessions whose sales are reported.
        return [*super()._b2c_move_queries(), SQL(POS_SESSION_MOVES, **self._pos_params())]

    def _books_journals(self):
        # EXTENDS ereporting: the point of sale books its sessions in a journal of its own.
        configs = (
            self.env["pos.config"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", self.company_id.id)])
        )
        return super()._books_journals() | configs.journal_id
