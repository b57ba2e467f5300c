"""The figures of a period, collected by SQL from the posted moves and their reconciliations.

Every query reads ``account_move_line`` joined to its move, partner, country, product and
taxes, and sums in the database: Python only sees one row per day, currency, category and
rate (10.3), per invoice (10.1) or per encashment and rate (10.2 / 10.4).

Who the buyer is decides the block, as the platform connector decides what it sends:

- ``domestic``: a partner with a SIREN, or a company in France (or without a country): its
  invoices are e-invoiced through the platform, nothing is e-reported;
- ``international``: a company (or a partner with a VAT number) of another country: block
  10.1 (and 10.2 for the payments of its services);
- ``b2c``: everyone else, consumers and non-taxable persons: blocks 10.3 and 10.4.
"""

from decimal import Decimal

from odoo import models
from odoo.tools import SQL

from .ereporting_period import SALE_TYPES

#: The buyer's (or supplier's) kind; ``p`` is the move's commercial partner, ``c`` its country.
PARTNER_KIND = """
    CASE
        WHEN coalesce(p.l10n_fr_siren, '') <> ''
          OR (coalesce(p.is_company, false) AND coalesce(c.code, 'FR') = 'FR') THEN 'domestic'
        WHEN (coalesce(p.is_company, false) OR coalesce(p.vat, '') <> '') AND c.code IS NOT NULL THEN 'international'
        ELSE 'b2c'
    END
"""

#: One row per product line of the company's posted moves of the period whose buyer is of one kind,
#: with its category (TLB1 goods, TPS1 services, from the product as the operation category does).
#: Named parameters: company, move_types, start, end, kind.
PERIOD_LINES = f"""
    SELECT aml.id AS line_id, am.id AS move_id, coalesce(am.invoice_date, am.date) AS day,
           cur.name AS currency, {PARTNER_KIND} AS kind,
           CASE WHEN pt.type = 'service' THEN 'TPS1'
                WHEN pt.type IS NOT NULL THEN 'TLB1'
                WHEN am.l10n_fr_operation_category = 'B' THEN 'TLB1'
                ELSE 'TPS1' END AS category,
           -aml.amount_currency AS taxable, -aml.balance AS taxable_company
      FROM account_move_line aml
      JOIN account_move am ON am.id = aml.move_id
      JOIN res_currency cur ON cur.id = aml.currency_id
      LEFT JOIN res_partner p ON p.id = am.commercial_partner_id
      LEFT JOIN res_country c ON c.id = p.country_id
      LEFT JOIN product_product pp ON pp.id = aml.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
     WHERE am.state = 'posted' AND am.company_id = %(company)s AND am.move_type IN %(move_types)s
       AND aml.display_type = 'product'
       AND coalesce(am.invoice_date, am.date) BETWEEN %(start)s AND %(end)s
       AND {PARTNER_KIND} = %(kind)s
"""

#: PERIOD_LINES with each line's VAT: its first percentage tax (by sequence, then id). The taxes of all
#: the lines are read at once, one range of the line-tax relation (the period's line ids) joined with
#: the percentage taxes and sorted by line, then joined to the lines by a hash: a subquery or a probe
#: per line costs a million index scans.
MOVE_LINES = f"""
    WITH period_lines AS ({PERIOD_LINES}), vat AS (
        SELECT DISTINCT ON (rel.account_move_line_id)
               rel.account_move_line_id AS line_id, t.id AS tax_id, t.amount AS rate
          FROM account_move_line_account_tax_rel rel
          JOIN account_tax t ON t.id = rel.account_tax_id AND t.amount_type = 'percent'
         WHERE rel.account_move_line_id BETWEEN (SELECT min(line_id) FROM period_lines)
                                            AND (SELECT max(line_id) FROM period_lines)
         ORDER BY rel.account_move_line_id, t.sequence, t.id
    )
    SELECT pl.*, vat.tax_id, coalesce(vat.rate, 0) AS rate
      FROM period_lines pl
      LEFT JOIN vat ON vat.line_id = pl.line_id
"""

#: 10.3: B2C sales per day, currency, category and rate. The VAT comes from the moves' tax lines,
#: shared between the categories of a move in proportion to their base; TT-85 counts each move
#: once per category (on its highest rate). The lines are read once, the tax lines of the same moves
#: on their own (in parallel), not looked up move by move.
B2C_SALES = f"""
    WITH grouped AS (
        SELECT move_id, day, currency, category, tax_id, rate,
               sum(taxable) AS taxable, sum(taxable_company) AS taxable_company
          FROM ({MOVE_LINES}) lines GROUP BY move_id, day, currency, category, tax_id, rate
    ), taxes AS (
        SELECT aml.move_id, aml.tax_line_id AS tax_id,
               sum(-aml.amount_currency) AS tax, sum(-aml.balance) AS tax_company
          FROM account_move_line aml
          JOIN account_move am ON am.id = aml.move_id
          LEFT JOIN res_partner p ON p.id = am.commercial_partner_id
          LEFT JOIN res_country c ON c.id = p.country_id
         WHERE am.state = 'posted' AND am.company_id = %(company)s AND am.move_type IN %(move_types)s
           AND aml.display_type = 'tax'
           AND coalesce(am.invoice_date, am.date) BETWEEN %(start)s AND %(end)s
           AND {PARTNER_KIND} = %(kind)s
         GROUP BY aml.move_id, aml.tax_line_id
    ), shares AS (
        SELECT g.*,
               coalesce(tx.tax, 0) * CASE WHEN sum(g.taxable) OVER w = 0 THEN 1.0 / count(*) OVER w
                                          ELSE g.taxable / sum(g.taxable) OVER w END AS tax,
               coalesce(tx.tax_company, 0) * CASE WHEN sum(g.taxable) OVER w = 0 THEN 1.0 / count(*) OVER w
                                                  ELSE g.taxable / sum(g.taxable) OVER w END AS tax_company,
               row_number() OVER (PARTITION BY g.move_id, g.category ORDER BY g.rate DESC) AS rank
          FROM grouped g
          LEFT JOIN taxes tx ON tx.move_id = g.move_id AND tx.tax_id = g.tax_id
        WINDOW w AS (PARTITION BY g.move_id, g.tax_id)
    )
    SELECT day, currency, category, rate::text, sum(taxable)::text, sum(tax)::text,
           sum(CASE WHEN rank = 1 THEN 1 ELSE 0 END)::int, sum(tax_company)::text, sum(taxable_company)::text
      FROM shares
     GROUP BY day, currency, category, rate
     ORDER BY day, currency, category, rate DESC
"""

#: The product lines behind one 10.3 figure (the drill-down).
B2C_LINES = f"""
    SELECT line_id FROM ({MOVE_LINES}) lines
     WHERE day = %(day)s AND currency = %(currency)s AND category = %(category)s AND rate = %(rate)s
"""

#: The moves of one kind of partner in the period that have a product line (those PERIOD_LINES reads),
#: read move by move: the kind and the day are the move's, no line needs reading whole.
PERIOD_MOVES = f"""
    SELECT am.id AS move_id, coalesce(am.invoice_date, am.date) AS day
      FROM account_move am
      LEFT JOIN res_partner p ON p.id = am.commercial_partner_id
      LEFT JOIN res_country c ON c.id = p.country_id
     WHERE am.state = 'posted' AND am.company_id = %(company)s AND am.move_type IN %(move_types)s
       AND coalesce(am.invoice_date, am.date) BETWEEN %(start)s AND %(end)s
       AND {PARTNER_KIND} = %(kind)s
       AND EXISTS (SELECT 1 FROM account_move_line aml WHERE aml.move_id = am.id AND aml.display_type = 'product')
"""

#: The moves of one kind of partner in the period, oldest first.
MOVES_OF_KIND = f"""
    SELECT move_id, day FROM ({PERIOD_MOVES}) moves ORDER BY day, move_id
"""

#: The ids of the moves whose figures are in block 10.3, for a set-wise link to the report.
B2C_MOVE_IDS = f"""
    SELECT move_id FROM ({PERIOD_MOVES}) moves
"""

#: The encashments of the period (the payment's date, DGFiP specifications v3.2 §3.7.7 note 125) of
#: customer invoices, split by VAT rate of their taxes due on payment (services without the
#: option for VAT on debits) in proportion to the amount including VAT of each rate. A refund
#: paid back counts negative; a credit note set against an invoice is no encashment.
ENCASHMENTS = f"""
    WITH pairs AS (
        SELECT apr.id AS partial_id, apr.amount, dl.move_id AS invoice_id, cl.move_id AS payment_id,
               cl.id AS payment_line_id, 1 AS sign
          FROM account_partial_reconcile apr
          JOIN account_move_line dl ON dl.id = apr.debit_move_id
          JOIN account_move_line cl ON cl.id = apr.credit_move_id
          JOIN account_move dm ON dm.id = dl.move_id
         WHERE dm.move_type IN ('out_invoice', 'out_receipt') AND dm.company_id = %(company)s
        UNION ALL
        SELECT apr.id, apr.amount, cl.move_id, dl.move_id, dl.id, -1
          FROM account_partial_reconcile apr
          JOIN account_move_line dl ON dl.id = apr.debit_move_id
          JOIN account_move_line cl ON cl.id = apr.credit_move_id
          JOIN account_move cm ON cm.id = cl.move_id
         WHERE cm.move_type = 'out_refund' AND cm.company_id = %(company)s
    ), paid AS (
        SELECT pairs.*, pay.date AS paid_on
          FROM pairs
          JOIN account_move pay ON pay.id = pairs.payment_id
         WHERE (pay.origin_payment_id IS NOT NULL OR pay.statement_line_id IS NOT NULL)
           AND pay.state = 'posted' AND pay.date BETWEEN %(start)s AND %(end)s
    ), rates AS (
        SELECT b.move_id, t.id AS tax_id, t.amount AS rate, sum(-b.balance) AS base
          FROM account_move_line b
          JOIN account_move_line_account_tax_rel rel ON rel.account_move_line_id = b.id
          JOIN account_tax t ON t.id = rel.account_tax_id
         WHERE b.display_type = 'product' AND t.amount_type = 'percent' AND t.tax_exigibility = 'on_payment'
           AND b.move_id IN (SELECT invoice_id FROM paid)
         GROUP BY b.move_id, t.id, t.amount
    ), taxes AS (
        SELECT aml.move_id, aml.tax_line_id AS tax_id, sum(-aml.balance) AS tax
          FROM account_move_line aml
         WHERE aml.display_type = 'tax' AND aml.move_id IN (SELECT invoice_id FROM paid)
         GROUP BY aml.move_id, aml.tax_line_id
    )
    SELECT inv.id, inv.name, inv.invoice_date, paid.paid_on, {PARTNER_KIND} AS kind, r.rate::text,
           sum(paid.sign * paid.amount * (r.base + coalesce(tx.tax, 0)) / inv.amount_total_signed)::text,
           array_agg(DISTINCT paid.payment_line_id)
      FROM paid
      JOIN account_move inv ON inv.id = paid.invoice_id AND inv.state = 'posted'
      JOIN rates r ON r.move_id = inv.id
      LEFT JOIN taxes tx ON tx.move_id = inv.id AND tx.tax_id = r.tax_id
      LEFT JOIN res_partner p ON p.id = inv.commercial_partner_id
      LEFT JOIN res_country c ON c.id = p.country_id
     WHERE inv.amount_total_signed <> 0
     GROUP BY inv.id, inv.name, inv.invoice_date, paid.paid_on, kind, r.rate
     ORDER BY paid.paid_on, inv.name, r.rate DESC
"""

#: The books per move: the sales journals' turnover (income accounts) and VAT (tax lines) of the period;
#: parameters: other journals of sales (see _books_journals), company, first day, last day.
BOOKS = """
    SELECT am.id, am.name,
           sum(CASE WHEN a.account_type IN ('income', 'income_other') THEN -aml.balance ELSE 0 END)::text,
           sum(CASE WHEN aml.tax_line_id IS NOT NULL THEN -aml.balance ELSE 0 END)::text
      FROM account_move am
      JOIN account_journal j ON j.id = am.journal_id AND (j.type = 'sale' OR j.id = ANY(%s))
      JOIN account_move_line aml ON aml.move_id = am.id
      JOIN account_account a ON a.id = aml.account_id
     WHERE am.state = 'posted' AND am.company_id = %s
       AND coalesce(am.invoice_date, am.date) BETWEEN %s AND %s
     GROUP BY am.id, am.name
     ORDER BY am.id
"""


class EreportingPeriod(models.Model):
    _inherit = "ereporting.period"

    def _query(self, query, params):
        """Rows of one of the queries above (module constants, every value a parameter)."""
        self.env.flush_all()
        sql = SQL(query, **params) if isinstance(params, dict) else SQL(query, *params)
        return self.env.execute_query(sql)

    def _lines_params(self, kind, move_types=SALE_TYPES, **extra):
        """The parameters of PERIOD_LINES (and the queries built on it) for this period."""
        return {
            "company": self.company_id.id,
            "move_types": tuple(move_types),
            "start": self.date_start,
            "end": self.date_end,
            "kind": kind,
            **extra,
        }

    def _b2c_sales(self):
        """10.3 rows: (day, currency, category, rate, taxable, tax, count, tax in EUR, taxable in EUR)."""
        self.ensure_one()
        rows = self._query(B2C_SALES, self._lines_params("b2c"))
        return [
            (d, cur, cat, *map(Decimal, (r, t, x)), n, Decimal(xe), Decimal(te))
            for d, cur, cat, r, t, x, n, xe, te in rows
        ]

    def _b2c_lines(self, day, currency, category, rate):
        """The move lines behind one 10.3 figure (the drill-down)."""
        self.ensure_one()
        params = self._lines_params("b2c", day=day, currency=currency, category=category, rate=rate)
        return [row[0] for row in self._query(B2C_LINES, params)]

    def _moves_of_kind(self, kind, move_types=SALE_TYPES):
        self.ensure_one()
        rows = self._query(MOVES_OF_KIND, self._lines_params(kind, move_types))
        return self.env["account.move"].browse([row[0] for row in rows])

    def _b2c_move_queries(self):
        """SQL queries of one ``move_id`` column whose moves' figures are in block 10.3 (an extension
        point: other sources of B2C sales add theirs). The report links them without loading them."""
        self.ensure_one()
        return [SQL(B2C_MOVE_IDS, **self._lines_params("b2c"))]

    def _b2c_moves(self):
        """The moves whose figures are in block 10.3."""
        self.ensure_one()
        self.env.flush_all()
        union = SQL(" UNION ").join(SQL("(%s)", query) for query in self._b2c_move_queries())
        return self.env["account.move"].browse(row[0] for row in self.env.execute_query(union))

    def _encashments(self):
        """10.2 / 10.4 rows: (invoice id, number, issue date, paid on, kind, rate, amount, payment line ids)."""
        self.ensure_one()
        rows = self._query(ENCASHMENTS, {"company": self.company_id.id, "start": self.date_start, "end": self.date_end})
        return [(*row[:5], Decimal(row[5]), Decimal(row[6]), row[7]) for row in rows]

    def _books_journals(self):
        """Journals of sales besides the sales journals (an extension point: the point of sale's)."""
        return self.env["account.journal"]

    def _books(self):
        """Per move of the sales journals: (id, name, turnover, VAT), as the VAT return reads them."""
        self.ensure_one()
        rows = self._query(BOOKS, (self._books_journals().ids, self.company_id.id, self.date_start, self.date_end))
        return [(move_id, name, Decimal(turnover), Decimal(vat)) for move_id, name, turnover, vat in rows]
