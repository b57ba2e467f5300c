from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_company import FRAME_KINDS

#: Our formats in the partner's e-invoice format list, with the engine's target and profile.
EINVOICE_FORMATS = {
    "fr_facturx": ("facturx", "EN16931"),
    "fr_facturx_ctc": ("facturx", "EXTENDED-CTC-FR"),
    "fr_ubl": ("ubl", "EXTENDED-CTC-FR"),
    "fr_cii": ("cii", "EN16931"),
}


def siren_of(siret=None, vat=None):
    """The SIREN a SIRET or a French VAT number contains, or False."""
    if siret and stdnum_siret.is_valid(siret):
        return stdnum_siret.compact(siret)[:9]
    if vat and vat.upper().startswith("FR") and stdnum_tva.is_valid(vat):
        return stdnum_tva.compact(vat)[-9:]
    return False


class ResPartner(models.Model):
    _inherit = "res.partner"

    invoice_edi_format = fields.Selection(
        selection_add=[
            ("fr_facturx", "Factur-X EN 16931 (France)"),
            ("fr_facturx_ctc", "Factur-X EXTENDED-CTC-FR (France)"),
            ("fr_ubl", "UBL French CIUS (EXTENDED-CTC-FR)"),
            ("fr_cii", "CII EN 16931 (France)"),
        ],
    )
    l10n_fr_siren = fields.Char(
        string="SIREN",
        size=9,
        compute="_compute_l10n_fr_siren",
        store=True,
        readonly=False,
        help="Legal identifier of a French company (9 digits), derived from the SIRET or the VAT number.",
    )
    l10n_fr_routing_code = fields.Char(
        string="Routing code",
        help="Code routage: the service of the buyer the invoice goes to (public entities: the service "
        "code of Chorus Pro). Part of the electronic address, after the SIRET.",
    )
    l10n_fr_routing_suffix = fields.Char(
        string="Address suffix",
        help="Suffix of the electronic address when the company has no SIRET-level address.",
    )
    l10n_fr_electronic_address = fields.Char(
        string="E-invoicing address",
        compute="_compute_l10n_fr_electronic_address",
        store=True,
        readonly=False,
        help="Electronic address (scheme 0225) of the French reform: SIREN, SIREN_SIRET, "
        "SIREN_SIRET_ROUTINGCODE or SIREN_SUFFIX, as listed in the directory.",
    )
    l10n_fr_frame_kind = fields.Selection(
        FRAME_KINDS,
        string="Default billing frame",
        company_dependent=True,
        help="Billing frame (BT-23 digit) of the invoices to this customer.",
    )
    # A mandate between the company and this supplier (CGI art. 289 I-2): the company issues the
    # supplier's invoices in its name, from its vendor bills (types 389, 261, 500, 501, 502).
    l10n_fr_self_billing = fields.Boolean(
        string="Self-billing agreement",
        company_dependent=True,
        help="This supplier has agreed that the company issues its invoices in its name (self-billing): "
        "its vendor bills are sent as self-billed e-invoices (389, 261...).",
    )
    l10n_fr_self_billing_ref = fields.Char(
        string="Self-billing agreement reference",
        company_dependent=True,
        help="Reference of the self-billing mandate, stated on the self-billed invoices.",
    )
    l10n_fr_einvoice_issues = fields.Text(
        string="E-invoicing data problems",
        compute="_compute_l10n_fr_einvoice_issues",
        store=True,
    )
    l10n_fr_einvoice_has_issue = fields.Boolean(
        string="E-invoicing data to fix",
        compute="_compute_l10n_fr_einvoice_issues",
        store=True,
    )

    @api.depends("siret", "vat")
    def _compute_l10n_fr_siren(self):
        for partner in self:
            partner.l10n_fr_siren = siren_of(partner.siret, partner.vat) or partner.l10n_fr_siren

    @api.depends("l10n_fr_siren", "siret", "l10n_fr_routing_code", "l10n_fr_routing_suffix")
    def _compute_l10n_fr_electronic_address(self):
        for partner in self:
            partner.l10n_fr_electronic_address = partner._l10n_fr_default_electronic_address()

    def _l10n_fr_default_electronic_address(self):
        self.ensure_one()
        if not self.l10n_fr_siren or not stdnum_siren.is_valid(self.l10n_fr_siren):
            return False
        parts = [self.l10n_fr_siren]
        siret = self.siret and stdnum_siret.compact(self.siret)
        if self.l10n_fr_routing_code and siret:
            parts += [siret, self.l10n_fr_routing_code.strip()]
        elif self.l10n_fr_routing_suffix:
            parts.append(self.l10n_fr_routing_suffix.strip())
        return "_".join(parts)

    def _l10n_fr_is_french_business(self):
        """A French company (not a consumer) that the reform's B2B rules apply to."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return partner.is_company and (partner.country_code == "FR" or bool(partner.l10n_fr_siren))

    @api.depends("is_company", "country_id", "l10n_fr_siren", "siret", "vat", "parent_id", "l10n_fr_electronic_address")
    def _compute_l10n_fr_einvoice_issues(self):
        for partner in self:
            problems = partner._l10n_fr_einvoice_problems()
            partner.l10n_fr_einvoice_issues = "\n".join(problems) or False
            partner.l10n_fr_einvoice_has_issue = bool(problems)

    def _l10n_fr_einvoice_problems(self):
        """What will get this partner's e-invoices rejected, as translated sentences."""
        self.ensure_one()
        problems = []
        if self.parent_id:  # contacts inherit their company's data
            return problems
        if self.siret and not stdnum_siret.is_valid(self.siret):
            problems.append(self.env._("The SIRET %s is not valid (14 digits with a Luhn check).", self.siret))
        if self.l10n_fr_siren and not stdnum_siren.is_valid(self.l10n_fr_siren):
            problems.append(self.env._("The SIREN %s is not valid (9 digits with a Luhn check).", self.l10n_fr_siren))
        if self.siret and self.l10n_fr_siren and not stdnum_siret.compact(self.siret).startswith(self.l10n_fr_siren):
            problems.append(self.env._("The SIRET %s does not belong to the SIREN %s.", self.siret, self.l10n_fr_siren))
        if self.vat and self.vat.upper().startswith("FR") and not stdnum_tva.is_valid(self.vat):
            problems.append(self.env._("The VAT number %s is not a valid French VAT number.", self.vat))
        french_company = self.is_company and (self.country_id.code == "FR" or not self.country_id)
        if french_company and not self.l10n_fr_siren:
            problems.append(
                self.env._("A French company needs its SIREN on e-invoices (BT-47): fill in the SIRET or the SIREN.")
            )
        return problems

    @api.constrains("l10n_fr_siren")
    def _check_l10n_fr_siren(self):
        for partner in self:
            if partner.l10n_fr_siren and not stdnum_siren.is_valid(partner.l10n_fr_siren):
                raise ValidationError(
                    self.env._("SIREN: %s is not a valid SIREN (9 digits with a Luhn check).", partner.l10n_fr_siren)
                )

    @api.constrains("l10n_fr_electronic_address", "l10n_fr_siren")
    def _check_l10n_fr_electronic_address(self):
        for partner in self:
            address = partner.l10n_fr_electronic_address
            if address and partner.l10n_fr_siren and not address.startswith(partner.l10n_fr_siren):
                raise ValidationError(
                    self.env._(
                        "E-invoicing address: %(address)s must start with the SIREN %(siren)s.",
                        address=address,
                        siren=partner.l10n_fr_siren,
                    )
                )

    # --- e-invoice formats -----------------------------------------------------------------

    def _get_suggested_invoice_edi_format(self):
        # French companies get a French e-invoice by default; consumers and foreign partners keep core's.
        suggested = super()._get_suggested_invoice_edi_format()
        if self.commercial_partner_id.country_code == "FR" and self.commercial_partner_id.is_company:
            return "fr_facturx"
        return suggested

    def _l10n_fr_einvoice_format(self):
        """(target, profile) of the partner's format when it is one of ours, else None."""
        return EINVOICE_FORMATS.get(self.commercial_partner_id.invoice_edi_format)
