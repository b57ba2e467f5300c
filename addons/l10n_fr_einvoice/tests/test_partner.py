from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import EinvoiceCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestPartnerData(EinvoiceCommon):
    def test_siren_from_siret_and_vat(self):
        self.assertEqual(self.customer.l10n_fr_siren, "552081317")
        by_vat = self.env["res.partner"].create({"name": "Par TVA", "is_company": True, "vat": "FR03552081317"})
        self.assertEqual(by_vat.l10n_fr_siren, "552081317")

    def test_electronic_address_built_and_editable(self):
        self.assertEqual(self.public_customer.l10n_fr_electronic_address, "217500016_21750001600019_SERV-ACHATS")
        self.customer.l10n_fr_routing_suffix = "FACT"
        self.assertEqual(self.customer.l10n_fr_electronic_address, "552081317_FACT")
        self.customer.l10n_fr_electronic_address = "552081317_COMPTA"
        self.assertEqual(self.customer.l10n_fr_electronic_address, "552081317_COMPTA")
        with self.assertRaisesRegex(ValidationError, "must start with the SIREN"):
            self.customer.l10n_fr_electronic_address = "999999999_COMPTA"

    def test_invalid_siren_refused(self):
        with self.assertRaisesRegex(ValidationError, "SIREN: 123456789 is not a valid SIREN"):
            self.customer.l10n_fr_siren = "123456789"

    def test_partners_to_fix(self):
        no_siren = self.env["res.partner"].create(
            {"name": "Sans SIREN SARL", "is_company": True, "country_id": self.env.ref("base.fr").id}
        )
        bad_siret = self.env["res.partner"].create(
            {
                "name": "SIRET faux SAS",
                "is_company": True,
                "siret": "73282932000018",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        self.assertIn("needs its SIREN", no_siren.l10n_fr_einvoice_issues)
        self.assertIn("The SIRET 73282932000018 is not valid", bad_siret.l10n_fr_einvoice_issues)
        self.assertFalse(self.customer.l10n_fr_einvoice_has_issue)
        self.assertFalse(self.consumer.l10n_fr_einvoice_has_issue)
        to_fix = self.env["res.partner"].search([("l10n_fr_einvoice_has_issue", "=", True)])
        self.assertIn(no_siren, to_fix)
        self.assertIn(bad_siret, to_fix)
        self.assertNotIn(self.customer, to_fix)
        no_siren.siret = "55208131700018"
        self.assertFalse(no_siren.l10n_fr_einvoice_has_issue)

    def test_french_companies_default_to_facturx(self):
        partner = self.env["res.partner"].create(
            {"name": "Nouveau client SAS", "is_company": True, "country_id": self.env.ref("base.fr").id}
        )
        self.assertEqual(partner.with_company(self.company).invoice_edi_format, "fr_facturx")

    def test_billing_frame_categories(self):
        self.customer.with_company(self.company).l10n_fr_frame_kind = "2"
        services = self.make_invoice(lines=[(self.service, 1, 10.0, self.tax_20)], post=False)
        self.assertEqual(services.l10n_fr_billing_frame, "S2")
        goods = self.make_invoice(lines=[(self.goods, 1, 10.0, self.tax_20)], post=False)
        self.assertEqual(goods.l10n_fr_billing_frame, "B2")
        with self.assertRaisesRegex(ValidationError, "B3 does not exist"):
            goods.write({"l10n_fr_frame_kind": "3"})
