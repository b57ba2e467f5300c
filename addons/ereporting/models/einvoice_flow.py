from odoo import fields, models

#: The Flow API's e-reporting flow types (FlowType, FRR 10.x) a company sends.
REPORT_FLOW_TYPES = [
    ("AggregatedCustomerTransactionReport", "B2C sales (10.3)"),
    ("UnitaryCustomerTransactionReport", "International sales (10.1)"),
    ("UnitarySupplierTransactionReport", "International purchases (10.1)"),
    ("AggregatedCustomerPaymentReport", "B2C payments (10.4)"),
    ("UnitaryCustomerPaymentReport", "Payments of international invoices (10.2)"),
    ("MultiFlowReport", "E-reporting of several blocks"),
]


class EinvoiceFlow(models.Model):
    _inherit = "einvoice.flow"

    flow_type = fields.Selection(
        selection_add=REPORT_FLOW_TYPES, ondelete={code: "cascade" for code, _label in REPORT_FLOW_TYPES}
    )
    syntax = fields.Selection(selection_add=[("FRR", "E-reporting (FRR)")], ondelete={"FRR": "set null"})
    ereporting_report_id = fields.Many2one(
        "ereporting.report", string="E-reporting", readonly=True, index=True, ondelete="set null"
    )

    def write(self, vals):
        # EXTENDS pa_connector: a report's flow in error (or sent again) shows on the report.
        result = super().write(vals)
        if "state" in vals:
            self.filtered("ereporting_report_id").ereporting_report_id._sync_with_flow()
        return result

    def _apply_acknowledgement(self, remote):
        # EXTENDS pa_connector: the acknowledgement of an e-reporting flow carries the
        # administration's answer (300, or 301 with its REJ_* reason).
        result = super()._apply_acknowledgement(remote)
        if self.ereporting_report_id:
            self.ereporting_report_id._apply_answer(remote["acknowledgement"])
        return result

    def _processing_rule(self):
        # EXTENDS pa_connector: e-reporting of international B2B (10.1 / 10.2) or of B2C (10.3 / 10.4).
        report = self.ereporting_report_id
        if report:
            return "B2C" if report.flow_type.startswith("Aggregated") else "B2BInt"
        return super()._processing_rule()
