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

#: UNTDID 7161 "Collection and recycling": the charge reason of an eco-contribution (BT-145).
ECO_CONTRIBUTION_REASON_CODE = "AEO"
#: The mention the DGFiP expects beside an eco-contribution (annex 7, G1.52, note subject BLU).
ECO_CONTRIBUTION_NOTE = "Eco-participation (L. 541-10 du code de l'environnement)"

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

    l10n_fr_charge_reason_code = fields.Char(
        string="Charge reason code",
        compute="_compute_l10n_fr_charge",
        store=True,
        readonly=False,
        help="A fixed tax is not VAT: e-invoices state it as a charge on the line it applies to (BG-28), "
        "subject to the line's VAT. UNTDID 7161 reason code of that charge (BT-145): AEO, collection and "
        "recycling, for an eco-contribution.",
    )
    l10n_fr_charge_note = fields.Char(
        string="E-invoice mention",
        compute="_compute_l10n_fr_charge",
        store=True,
        readonly=False,
        help="Note written once on the e-invoices that carry this charge (subject BLU, annex 7 rule G1.52), "
        "e.g. 'Eco-participation (L. 541-10 du code de l'environnement)' or 'Eco-contribution DEEE'.",
    )

    @api.depends("amount_type")
    def _compute_l10n_fr_charge(self):
        for tax in self:
            if tax.amount_type != "fixed":
                tax.l10n_fr_charge_reason_code = tax.l10n_fr_charge_note = False
            elif not tax.l10n_fr_charge_reason_code:
                tax.l10n_fr_charge_reason_code = ECO_CONTRIBUTION_REASON_CODE
                tax.l10n_fr_charge_note = tax.l10n_fr_charge_note or ECO_CONTRIBUTION_NOTE

    def _l10n_fr_is_charge(self):
        """A tax the e-invoice writes as a line charge (BG-28) rather than as VAT: a fixed amount."""
        self.ensure_one()
        return self.amount_type == "fixed"

    @api.model
    def _l10n_fr_find_charge_tax(self, company, tax_use, vat_tax, quantity, net_price, charge):
        """The company's fixed tax that gives back a received line charge of ``charge`` (BT-141), or nothing.

        It must yield exactly that amount for ``quantity`` and be in the base of ``vat_tax``, so that
        the bill's line and VAT equal the file's (BT-131 net amount = price x quantity + charge).
        """
        if not vat_tax or not quantity:
            return self.browse()
        per_unit = float(charge) / float(quantity)
        candidates = self.search(
            [
                ("company_id", "child_of", company.root_id.id),
                ("type_tax_use", "=", tax_use),
                ("amount_type", "=", "fixed"),
                ("price_include", "=", False),
                ("include_base_amount", "=", True),
            ],
            order="sequence, id",
        )
        currency = company.currency_id
        for tax in candidates.filtered(lambda tax: currency.is_zero(tax.amount - per_unit)):
            taxes = (tax | vat_tax).sorted(lambda t: (t.sequence, t.id))
            result = taxes.compute_all(float(net_price), currency=currency, quantity=float(quantity))
            amounts = {data["id"]: data for data in result["taxes"]}
            vat_base = amounts.get(vat_tax.id, {}).get("base", 0.0)
            if currency.is_zero(amounts.get(tax.id, {}).get("amount", 0.0) - float(charge)) and currency.is_zero(
                vat_base - result["total_excluded"] - float(charge)
            ):
                return tax
        return self.browse()

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
