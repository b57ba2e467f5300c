from odoo import fields, models, tools
from odoo.tools import SQL

from .account_move import DEADLINE_HORIZON_DAYS


class LifecycleStats(models.Model):
    """Monthly figures of the lifecycle, per company and direction: the indicators companies follow."""

    _name = "einvoice_lifecycle.stats"
    _description = "E-invoice lifecycle figures"
    _auto = False
    _order = "month desc, company_id, direction, sandbox"

    company_id = fields.Many2one("res.company", readonly=True)
    month = fields.Date(readonly=True)
    direction = fields.Selection([("out", "Customer invoices"), ("in", "Vendor bills")], readonly=True)
    sandbox = fields.Boolean(readonly=True, help="Figures of the flows exchanged with a sandbox, kept apart.")
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    refused_count = fields.Integer(string="Refused (210)", readonly=True)
    rejected_count = fields.Integer(string="Rejected (213)", readonly=True)
    disputed_count = fields.Integer(string="Disputed or suspended", readonly=True)
    rejection_rate = fields.Float(string="Refused or rejected (%)", readonly=True, aggregator="avg")
    overdue_mandatory_count = fields.Integer(
        string="Mandatory statuses overdue",
        readonly=True,
        help="Mandatory statuses the company gives, not reported 24 hours after their timestamp, over the last "
        "days (a sandbox reports nothing: never overdue; the platforms and Chorus Pro report their own)",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
                WITH moves AS (
                    SELECT m.id, m.company_id, COALESCE(m.einvoice_sandbox, false) AS sandbox,
                           date_trunc('month', COALESCE(m.invoice_date, m.date))::date AS month,
                           CASE WHEN m.move_type IN ('out_invoice', 'out_refund') THEN 'out' ELSE 'in' END
                               AS direction
                      FROM account_move m
                     WHERE m.move_type IN ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')
                       AND m.state = 'posted'
                       AND EXISTS (SELECT 1 FROM einvoice_lifecycle_event e WHERE e.move_id = m.id)
                ),
                flags AS (
                    SELECT moves.*,
                           EXISTS (SELECT 1 FROM einvoice_lifecycle_event e
                                    WHERE e.move_id = moves.id AND e.status = '210') AS refused,
                           EXISTS (SELECT 1 FROM einvoice_lifecycle_event e
                                    WHERE e.move_id = moves.id AND e.status = '213') AS rejected,
                           EXISTS (SELECT 1 FROM einvoice_lifecycle_event e
                                    WHERE e.move_id = moves.id AND e.status IN ('207', '208')) AS disputed,
                           (SELECT count(*) FROM einvoice_lifecycle_event e
                             WHERE e.move_id = moves.id AND e.company_reports AND e.reported_at IS NULL
                               AND NOT moves.sandbox
                               AND e.timestamp < (now() at time zone 'UTC') - interval '24 hours'
                               AND e.timestamp >= (now() at time zone 'UTC') - make_interval(days => %s))
                               AS overdue
                      FROM moves
                )
                SELECT row_number() OVER (ORDER BY month, company_id, direction, sandbox) AS id,
                       company_id, month, direction, sandbox,
                       count(*) AS invoice_count,
                       count(*) FILTER (WHERE refused) AS refused_count,
                       count(*) FILTER (WHERE rejected) AS rejected_count,
                       count(*) FILTER (WHERE disputed) AS disputed_count,
                       round(100.0 * count(*) FILTER (WHERE refused OR rejected) / count(*), 2) AS rejection_rate,
                       sum(overdue) AS overdue_mandatory_count
                  FROM flags
              GROUP BY company_id, month, direction, sandbox
            )
            """,
                SQL.identifier(self._table),
                DEADLINE_HORIZON_DAYS,
            )
        )
