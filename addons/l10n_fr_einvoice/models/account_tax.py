from odoo import api, fields, models

VAT_CATEGORIES = [
    ("S", "S - Standard rate"),
    ("Z", "Z - Zero rated"),
    ("E", "E - Exempt from VAT"),
    ("AE", "AE - VAT reverse charge"),
    ("K", "K - Intra-community supply"),
    ("G", "G - Export outside the EU"),
    ("O", "O - Outside the scope of VAT"),
]

#: Categories whose VAT breakdown must state an exemption reason (BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10).
CATEGORIES_WITH_REASON = {"E", "AE", "K", "G", "O"}

#: The French chart's zero-rate sale taxes, by xml id suffix.
FRENCH_CHART_CATEGORIES = {
    "tva_sale_good_export_0": "G",
    "tva_sale_service_export_0": "G",
    "tva_sale_good_intra_0": "K",
    "tva_sale_service_intra_0": "K",
    "tva_sale_good_0": "E",
    "tva_sale_service_0": "E",
}

#: Default exemption reasons (VATEX code list) where the category alone gives the legal basis.
DEFAULT_REASONS = {
    "K": ("VATEX-EU-IC", "Livraison intracommunautaire exonérée, article 262 ter I du CGI"),
    "G": ("VATEX-EU-G", "Exonération de TVA, article 262 I du CGI (exportation)"),
    "AE": ("VATEX-EU-AE", "Autoliquidation"),
    "O": ("VATEX-EU-O", "Non soumis à la TVA"),
}


class AccountTax(models.Model):
    _inherit = "account.tax"

    l10n_fr_vat_category = fields.Selection(
        VAT_CATEGORIES,
        string="VAT category (e-invoice)",
        compute="_compute_l10n_fr_vat_category",
        store=True,
        readonly=False,
        help="UNTDID 5305 category written on e-invoices (BT-151, BT-118).",
    )
    l10n_fr_exemption_reason_code = fields.Char(
        string="Exemption reason code",
        compute="_compute_l10n_fr_exemption_reason",
        store=True,
        readonly=False,
        help="VATEX code of the legal basis of the exemption (BT-121), e.g. VATEX-FR-CGI261-4.",
    )
    l10n_fr_exemption_reason = fields.Char(
        string="Exemption reason",
        compute="_compute_l10n_fr_exemption_reason",
        store=True,
        readonly=False,
        translate=True,
        help="Legal basis of the exemption written on the e-invoice (BT-120), e.g. 'Article 261-4-4° du CGI'.",
    )

    @api.depends("amount", "amount_type")
    def _compute_l10n_fr_vat_category(self):
        xml_ids = self._l10n_fr_chart_xml_ids()
        for tax in self:
            if tax.l10n_fr_vat_category:
                continue
            category = FRENCH_CHART_CATEGORIES.get(xml_ids.get(tax.id, ""))
            if not category:
                category = "S" if tax.amount_type != "percent" or tax.amount else "E"
            tax.l10n_fr_vat_category = category

    def _l10n_fr_chart_xml_ids(self):
        """Tax id -> xml id suffix of the chart template it comes from (``<company id>_tva_...``)."""
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search_read([("model", "=", "account.tax"), ("res_id", "in", self.ids)], ["name", "res_id"])
        )
        return {row["res_id"]: row["name"].split("_", 1)[-1] for row in data}

    @api.depends("l10n_fr_vat_category")
    def _compute_l10n_fr_exemption_reason(self):
        for tax in self:
            if tax.l10n_fr_exemption_reason_code or tax.l10n_fr_exemption_reason:
                continue
            code, text = DEFAULT_REASONS.get(tax.l10n_fr_vat_category, (False, False))
            tax.l10n_fr_exemption_reason_code = code
            tax.l10n_fr_exemption_reason = text

    def _l10n_fr_set_chart_categories(self):
        """Give the chart's zero-rate taxes their category once their xml ids exist."""
        xml_ids = self._l10n_fr_chart_xml_ids()
        for tax in self:
            category = FRENCH_CHART_CATEGORIES.get(xml_ids.get(tax.id, ""))
            if not category:
                continue
            values = {"l10n_fr_vat_category": category}
            code, text = DEFAULT_REASONS.get(category, (False, False))
            if not (tax.l10n_fr_exemption_reason_code or tax.l10n_fr_exemption_reason):
                values.update(l10n_fr_exemption_reason_code=code, l10n_fr_exemption_reason=text)
            tax.write(values)


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        result = super()._post_load_data(template_code, company, template_data)
        taxes = self.env["account.tax"].with_context(active_test=False).search([("company_id", "=", company.id)])
        taxes._l10n_fr_set_chart_categories()
        return result
