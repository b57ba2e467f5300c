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

#: Default exemption reasons (VATEX code list) where the category alone gives the legal basis.
DEFAULT_REASONS = {
    "K": ("VATEX-EU-IC", "Livraison intracommunautaire exonérée, article 262 ter I du CGI"),
    "G": ("VATEX-EU-G", "Exonération de TVA, article 262 I du CGI (exportation)"),
    "AE": ("VATEX-EU-AE", "Autoliquidation"),
    "O": ("VATEX-EU-O", "Non soumis à la TVA"),
}

#: The French chart's zero-rate sale taxes, by xml id suffix: (category, legal basis or None).
#: The exempt taxes (E) get no default basis: which paragraph of CGI art. 261 applies is the user's to say.
FRENCH_CHART_CATEGORIES = {
    # Goods shipped outside the EU: exempt export (CGI art. 262 I, directive art. 146).
    "tva_sale_good_export_0": ("G", DEFAULT_REASONS["G"]),
    # Services to a customer established outside the EU are supplied where the customer is
    # (CGI art. 259-1): outside the scope of French VAT, not an export of goods.
    "tva_sale_service_export_0": (
        "O",
        ("VATEX-EU-O", "TVA non applicable, article 259-1 du CGI (preneur établi hors de l'Union européenne)"),
    ),
    # Goods to a business in another member state: exempt intra-EU supply (CGI art. 262 ter I).
    "tva_sale_good_intra_0": ("K", DEFAULT_REASONS["K"]),
    # Services to a business in another member state: the customer accounts for the VAT
    # (CGI art. 259-1 and 283-2, directive art. 196); the invoice says "Autoliquidation"
    # (CGI ann. II art. 242 nonies A).
    "tva_sale_service_intra_0": (
        "AE",
        ("VATEX-EU-AE", "Autoliquidation, article 283-2 du CGI et article 196 de la directive 2006/112/CE"),
    ),
    "tva_sale_good_0": ("E", None),
    "tva_sale_service_0": ("E", None),
}

#: Every reason this module ever filled in by default: such a reason is not the user's and may be corrected.
_GENERATED_REASONS = set(DEFAULT_REASONS.values()) | {
    reason for _category, reason in FRENCH_CHART_CATEGORIES.values() if reason
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
            category = FRENCH_CHART_CATEGORIES.get(xml_ids.get(tax.id, ""), (None, None))[0]
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
            category, reason = FRENCH_CHART_CATEGORIES.get(xml_ids.get(tax.id, ""), (None, None))
            if not category:
                continue
            values = {"l10n_fr_vat_category": category}
            current = (tax.l10n_fr_exemption_reason_code or False, tax.l10n_fr_exemption_reason or False)
            # A reason the user wrote stays; one filled in by default follows the category.
            if current == (False, False) or current in _GENERATED_REASONS:
                code, text = reason or (False, False)
                values.update(l10n_fr_exemption_reason_code=code, l10n_fr_exemption_reason=text)
            tax.write(values)


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        result = super()._post_load_data(template_code, company, template_data)
        taxes = self.env["account.tax"].with_context(active_test=False).search([("company_id", "=", company.id)])
        taxes._l10n_fr_set_chart_categories()
        return result
