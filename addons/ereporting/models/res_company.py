from odoo import fields, models

from einvoice.ereporting import VatRegime

#: The VAT regimes that set the e-reporting periods (DGFiP specifications v3.2 §3.7.7, Tableau 13).
VAT_REGIMES = [
    (VatRegime.NORMAL_MONTHLY.value, "Normal regime, monthly returns"),
    (VatRegime.NORMAL_QUARTERLY.value, "Normal regime, quarterly returns"),
    (VatRegime.SIMPLIFIED.value, "Simplified regime"),
    (VatRegime.FRANCHISE.value, "VAT exemption threshold (franchise en base)"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    ereporting_enabled = fields.Boolean(
        "E-reporting",
        help="The company reports its B2C sales, international B2B sales and purchases and the payments of its "
        "services to the tax administration through its approved platform.",
    )
    ereporting_vat_regime = fields.Selection(
        VAT_REGIMES,
        string="VAT regime",
        default=VatRegime.NORMAL_MONTHLY.value,
        help="Sets the e-reporting periods and their deadlines: ten-day periods for the transactions of the "
        "normal monthly regime, months otherwise, two months for the franchise.",
    )
    ereporting_start_date = fields.Date(
        "E-reporting from",
        default="2026-09-01",
        help="The first day whose operations are reported; no period starts before it.",
    )
    ereporting_warning_days = fields.Integer(
        "Warn days before the deadline",
        default=3,
        help="So many days before a period's deadline, what would keep its report from leaving is put in an "
        "activity for the accountant.",
    )
    ereporting_responsible_id = fields.Many2one(
        "res.users",
        string="E-reporting responsible",
        help="Who gets the activities when a report is blocked; without one, the company's first accounting manager.",
    )
