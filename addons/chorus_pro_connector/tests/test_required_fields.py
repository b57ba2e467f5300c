from odoo.exceptions import UserError
from odoo.tests import tagged

from einvoice.testing import cases

from .common import COMMITMENT_SIRET, ChorusCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestRequiredFields(ChorusCommon):
    def test_sync_flags_the_public_buyer_and_its_services(self):
        partner = self.public_customer
        self.assertTrue(partner.chorus_public_entity)
        self.assertEqual(partner.chorus_structure_id, str(self.structure_id))
        self.assertTrue(partner.chorus_service_code_required)
        self.assertTrue(partner.chorus_commitment_required)
        self.assertEqual(sorted(partner.chorus_service_ids.mapped("code")), ["SERV-ACHATS", "SERV-TRAVAUX"])
        closed = partner.with_context(active_test=False).chorus_service_ids.filtered(lambda s: not s.active)
        self.assertEqual(closed.code, "SERV-FERME")
        # A service closed in Chorus Pro since is deactivated at the next sync.
        self.sim.structures[self.structure_id]["services"][1]["estActif"] = False
        partner.action_chorus_sync()
        self.assertEqual(partner.chorus_service_ids.mapped("code"), ["SERV-ACHATS"])
        # A private company is not a structure of Chorus Pro; our own company is never flagged.
        self.customer.action_chorus_sync()
        self.assertFalse(self.customer.chorus_public_entity)
        self.company.partner_id.action_chorus_sync()
        self.assertFalse(self.company.partner_id.chorus_public_entity)

    def test_sync_job_flags_new_partners_automatically(self):
        partner = self._french_company(
            "Mairie de Paris - travaux", COMMITMENT_SIRET, False, "4 rue de Lobau", "75004", "Paris"
        )
        self.assertFalse(partner.chorus_synced_on)
        self.env["res.partner"]._cron_chorus_sync_partners()
        self.assertTrue(partner.chorus_public_entity)
        self.assertTrue(partner.chorus_commitment_required)
        self.assertFalse(partner.chorus_service_code_required)
        self.assertTrue(self.customer.chorus_synced_on)
        self.assertFalse(self.customer.chorus_public_entity)

    def test_posting_is_blocked_without_the_service_code(self):
        invoice = self.public_invoice(post=False, l10n_fr_buyer_reference=False)
        invoice.l10n_fr_buyer_reference = False
        with self.assertRaises(UserError) as error:
            invoice.action_post()
        message = str(error.exception)
        self.assertIn("requires a service code", message)
        self.assertIn('"Buyer reference"', message, "the field to fill in is named")
        self.assertIn("SERV-ACHATS", message, "the valid codes are listed")
        self.assertEqual(invoice.state, "draft")

    def test_posting_is_blocked_with_an_inactive_or_unknown_service_code(self):
        for code in ("SERV-FERME", "SERV-INCONNU"):
            invoice = self.public_invoice(post=False, l10n_fr_buyer_reference=code)
            with self.assertRaises(UserError) as error:
                invoice.action_post()
            self.assertIn(f"The service code {code}", str(error.exception))
            self.assertIn("not an active service", str(error.exception))

    def test_posting_is_blocked_without_the_commitment_number(self):
        invoice = self.public_invoice(post=False, l10n_fr_purchase_order_ref=False)
        with self.assertRaises(UserError) as error:
            invoice.action_post()
        message = str(error.exception)
        self.assertIn("requires its commitment number", message)
        self.assertIn('"Purchase order"', message)
        self.assertNotIn("service code", message, "the service code given is fine")

    def test_posting_is_allowed_when_nothing_is_required(self):
        partner = self._french_company(
            "Mairie de Paris - écoles", COMMITMENT_SIRET, False, "4 rue de Lobau", "75004", "Paris"
        )
        self.sim.structures[self.commitment_structure_id]["commitment_required"] = False
        partner.action_chorus_sync()
        self.assertTrue(partner.chorus_public_entity)
        invoice = self.public_invoice(partner=partner, l10n_fr_buyer_reference=False, l10n_fr_purchase_order_ref=False)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.chorus_state, "to_send")
        # A private customer is not concerned at all.
        private = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.assertEqual(private.state, "posted")
        self.assertFalse(private.chorus_state)

    def test_service_or_commitment(self):
        self.sim.structures[self.structure_id].update(
            service_required=False, commitment_required=False, service_or_commitment=True
        )
        self.public_customer.action_chorus_sync()
        invoice = self.public_invoice(post=False, l10n_fr_buyer_reference=False, l10n_fr_purchase_order_ref=False)
        invoice.l10n_fr_buyer_reference = False
        with self.assertRaises(UserError) as error:
            invoice.action_post()
        self.assertIn("requires a service code or a commitment number", str(error.exception))
        invoice.l10n_fr_purchase_order_ref = "EJ-1000234567"
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_commitment_number_checked_with_chorus_pro(self):
        self.account.check_commitment = True
        invoice = self.public_invoice(post=False, l10n_fr_purchase_order_ref="EJ-9999")
        with self.assertRaises(UserError) as error:
            invoice.action_post()
        self.assertIn("EJ-9999", str(error.exception))
        self.assertIn("not known to", str(error.exception))
        invoice.l10n_fr_purchase_order_ref = "EJ-2000000001"
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertIn("/cpro/engagementsJuridiques/v1/rechercher", [path for _method, path in self.sim.requests])

    def test_sending_method_is_chorus_pro_for_public_buyers(self):
        invoice = self.public_invoice()
        Send = self.env["account.move.send"]
        self.assertEqual(Send._get_default_sending_method(invoice), "chorus_pro")
        private = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.assertNotEqual(Send._get_default_sending_method(private), "chorus_pro")
        self.assertEqual(cases.PUBLIC_SIRET, self.public_customer.siret)
