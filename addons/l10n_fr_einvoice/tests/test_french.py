from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.language import company_lang, engine_lang, in_company_lang

from .common import EinvoiceCommon


class FrenchCommon(EinvoiceCommon):
    """French installed and loaded, and an environment of a French user (``cls.fr``)."""

    #: The addons whose terms (fields, selections, views) the tests read in French.
    french_addons = ("l10n_fr_einvoice",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        # tools/run_tests.sh loads French while the addons install; a run without it loads them here.
        cls.env["ir.module.module"]._load_module_terms(list(cls.french_addons), ["fr_FR"])
        cls.fr = cls.env(context=dict(cls.env.context, lang="fr_FR"))

    def no_siren_customer(self):
        return self.env["res.partner"].create(
            {
                "name": "Sans SIREN SARL",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
                "street": "1 rue Haute",
                "zip": "33000",
                "city": "Bordeaux",
            }
        )


@tagged("post_install_l10n", "post_install", "-at_install")
class TestFrench(FrenchCommon):
    """A French user reads the addon's messages, errors and findings in French."""

    def test_send_and_print_refusal_is_in_french(self):
        move = self.make_invoice(partner=self.no_siren_customer(), lines=[(self.goods, 1, 89.90, self.tax_20)])
        wizard = (
            self.fr["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({})
        )
        result = wizard.action_send_and_print()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertEqual(result["params"]["title"], "Facture électronique non envoyée")
        self.assertEqual(
            result["params"]["message"],
            f"{move.display_name} ne respecte pas les règles officielles de la facturation électronique : les "
            "anomalies sont listées dans son onglet Facture électronique, avec pour chacune l'enregistrement à "
            "corriger.",
        )
        self.assertFalse(move.is_move_sent)
        # The findings kept on the invoice carry the engine's French messages.
        _xml, report, _problems = move._l10n_fr_einvoice_xml()
        french = {f.rule_id: f.message_fr for f in report.findings if f.message_fr != f.message_en}
        stored = move.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.rule_id in french)
        self.assertTrue(stored, "a blocking rule with a French message")
        for finding in stored:
            self.assertEqual(finding.message, french[finding.rule_id])
        self.assertEqual(
            dict(move.with_env(self.fr)._fields["l10n_fr_einvoice_state"]._description_selection(self.fr))["invalid"],
            "Anomalies bloquantes",
        )

    def test_identifier_finding_is_in_french(self):
        customer = self.env["res.partner"].create(
            {
                "name": "SIRET faux SAS",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
                "siret": "55208131700019",
                "l10n_fr_siren": "552081317",
                "vat": "FR03552081317",
                "street": "1 rue Basse",
                "zip": "33000",
                "city": "Bordeaux",
            }
        )
        move = self.make_invoice(partner=customer, lines=[(self.goods, 1, 89.90, self.tax_20)])
        move.with_env(self.fr).action_l10n_fr_check_einvoice()
        finding = move.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.rule_id == "IDENTIFIER")
        self.assertEqual(
            finding.message, "BT-46 : '55208131700019' n'est pas un SIRET valide (clé de contrôle incorrecte)"
        )

    def test_check_button_answers_in_french(self):
        move = self.make_invoice(partner=self.no_siren_customer(), lines=[(self.goods, 1, 89.90, self.tax_20)])
        result = move.with_env(self.fr).action_l10n_fr_check_einvoice()
        self.assertEqual(
            result["params"]["message"],
            "La facture électronique présente des anomalies bloquantes : voir l'onglet Facture électronique.",
        )

    def test_billing_frame_error_is_in_french(self):
        move = self.make_invoice(lines=[(self.goods, 1, 89.90, self.tax_20)], post=False)
        with self.assertRaises(ValidationError) as caught:
            move.with_env(self.fr).write({"l10n_fr_operation_category": "B", "l10n_fr_frame_kind": "3"})
        self.assertEqual(
            str(caught.exception),
            "Cadre de facturation : B3 n'existe pas ; le cadre 3 ne s'applique qu'aux prestations de services.",
        )

    def test_background_sending_writes_in_the_company_language(self):
        """Odoo's sending job has no user: its chatter is in the language of the company's contact."""
        move = self.make_invoice(partner=self.no_siren_customer(), lines=[(self.goods, 1, 89.90, self.tax_20)])
        self.assertFalse(self.env.lang, "a job's environment has no language")
        self.company.partner_id.lang = "fr_FR"
        self.assertEqual(company_lang(self.company), "fr_FR")
        self.assertEqual(in_company_lang(move, self.company).env.lang, "fr_FR")
        move.sending_data = {"author_user_id": self.env.user.id, "author_partner_id": self.env.user.partner_id.id}
        self.env["account.move.send"]._generate_and_send_invoices(move, from_cron=True)
        self.assertFalse(move.ubl_cii_xml_id)
        self.assertIn(
            f"La facture électronique de {move.display_name} ne respecte pas les règles officielles",
            move.message_ids[0].body,
        )
        # A user who acts keeps their own language, whatever the company's.
        english = self.env(context=dict(self.env.context, lang="en_US"))
        self.assertEqual(in_company_lang(move.with_env(english), self.company).env.lang, "en_US")
        self.assertEqual((engine_lang(english), engine_lang(self.fr)), ("en", "fr"))
