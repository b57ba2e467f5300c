from odoo.exceptions import UserError
from odoo.tests import tagged

from einvoice.testing import cases

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestDirectory(PlatformCommon):
    def test_check_fills_the_address_and_routing_code(self):
        self.fast(self.platform)
        self.pa.register(
            cases.PUBLIC_SIREN, "Mairie", siret=cases.PUBLIC_SIRET, routing_code="SERV-ACHATS", entity_type="Public"
        )
        answer = self.public_customer.action_einvoice_directory_check()
        self.assertEqual(answer["params"]["type"], "success")
        self.assertEqual(self.public_customer.einvoice_directory_state, "enabled")
        self.assertEqual(
            self.public_customer.l10n_fr_electronic_address, f"{cases.PUBLIC_SIREN}_{cases.PUBLIC_SIRET}_SERV-ACHATS"
        )
        self.assertTrue(self.public_customer.einvoice_public_entity)
        self.customer.action_einvoice_directory_check()
        self.assertEqual(self.customer.l10n_fr_electronic_address, f"{cases.BUYER_SIREN}_{cases.BUYER_SIRET}")
        self.assertFalse(self.customer.einvoice_public_entity)

    def test_partner_that_cannot_receive_yet_is_warned(self):
        self.fast(self.platform)
        partner = self._french_company(
            "Petite Boutique SARL", "80012345700007", "FR41800123457", "2 rue Neuve", "33000", "Bordeaux"
        )
        self.pa.register(partner.l10n_fr_siren, "Petite Boutique SARL", status="Disabled")
        answer = partner.action_einvoice_directory_check()
        self.assertEqual(answer["params"]["type"], "warning")
        self.assertIn("cannot receive", answer["params"]["message"])
        self.assertEqual(partner.einvoice_directory_state, "disabled")
        self.assertFalse(partner._einvoice_may_receive())
        unknown = self._french_company("Inconnue SAS", "39012345300008", False, "1 rue", "13001", "Marseille")
        unknown.action_einvoice_directory_check()
        self.assertEqual(unknown.einvoice_directory_state, "absent")

    def test_new_partners_are_looked_up_by_the_cron(self):
        self.fast(self.platform)
        triggers = self.env["ir.cron.trigger"].search_count([])
        partner = self._french_company("Nouvelle SA", cases.BUYER_SIRET, cases.BUYER_VAT, "1 rue", "69001", "Lyon")
        self.assertGreater(self.env["ir.cron.trigger"].search_count([]), triggers, "the directory cron is triggered")
        self.env["res.partner"]._cron_einvoice_directory_refresh()
        self.assertEqual(partner.einvoice_directory_state, "enabled")
        self.assertTrue(partner.einvoice_directory_checked_on)

    def test_directory_down_gives_a_clear_error(self):
        self.fast(self.platform)[1].max_attempts = 1
        self.pa.fail(503)
        with self.assertRaisesRegex(UserError, "directory could not be reached"):
            self.customer.action_einvoice_directory_check()
        self.assertEqual(self.customer.einvoice_directory_state, "unknown")

    def test_a_directory_answer_off_contract_stops_only_its_partner(self):
        self.fast(self.platform)
        partner = self._french_company("Nouvelle SA", cases.BUYER_SIRET, cases.BUYER_VAT, "1 rue", "69001", "Lyon")
        # The first look-up of the run gets a line without its addressing identifier.
        self.pa.script("POST", "/v1/directory-line/search", 200, {"results": [{"siren": cases.BUYER_SIREN}]})
        with self.assertLogs("odoo.addons.pa_connector.models.res_partner", "WARNING") as logs:
            self.env["res.partner"]._cron_einvoice_directory_refresh()
        self.assertEqual(len(logs.output), 1)
        self.assertIn("addressingIdentifier", logs.output[0])
        unchecked = self.env["res.partner"].search_count(
            [("is_company", "=", True), ("l10n_fr_siren", "!=", False), ("einvoice_directory_checked_on", "=", False)]
        )
        self.assertEqual(unchecked, 0, "the others were looked up all the same")
        self.assertTrue(partner.einvoice_directory_checked_on)
