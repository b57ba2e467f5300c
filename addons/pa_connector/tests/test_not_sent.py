from odoo.exceptions import UserError
from odoo.tests import tagged

from einvoice.testing import cases

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestNotSent(PlatformCommon):
    """An invoice that stays here says why, once, in its chatter and in the "Not sent" filter."""

    def invoice(self, partner=None, **values):
        return self.make_invoice(partner=partner, lines=[(self.service, 1, 450.0, self.tax_20)], **values)

    def not_sent(self):
        return self.env["account.move"].search(
            [("einvoice_not_sent_reason", "!=", False), ("state", "=", "posted"), ("company_id", "=", self.company.id)]
        )

    def notes(self, move):
        return [body for body in move.message_ids.mapped("body") if "Not sent to the approved platform" in body]

    def french_company(self, name, siret=False, **values):
        return self._french_company(
            name, siret, False, "3 rue Neuve", "33000", "Bordeaux", invoice_edi_format="fr_cii", **values
        )

    def test_a_customer_without_siren(self):
        partner = self.french_company("Sans Siren SARL")
        invoice = self.invoice(partner)
        self.assertFalse(invoice.einvoice_flow_ids)
        self.assertIn("has no SIREN", invoice.einvoice_not_sent_reason)
        self.assertIn("Send to platform", invoice.einvoice_not_sent_reason, "it says what to do")
        self.assertEqual(len(self.notes(invoice)), 1)
        self.assertIn(invoice, self.not_sent())
        # Asked again (a second posting run, the button): one note, not one per attempt.
        invoice._einvoice_queue_for_platform()
        self.assertEqual(len(self.notes(invoice)), 1)
        with self.assertRaisesRegex(UserError, "has no SIREN"):
            invoice.action_einvoice_send_to_platform()
        # Its SIRET entered, the invoice leaves and the reason goes.
        partner.siret = cases.BUYER_SIRET
        invoice.action_einvoice_send_to_platform()
        self.assertEqual(invoice.einvoice_flow_ids.state, "queued")
        self.assertFalse(invoice.einvoice_not_sent_reason)
        self.assertNotIn(invoice, self.not_sent())

    def test_a_customer_absent_from_the_directory_or_disabled(self):
        self.fast(self.platform)
        absent = self.french_company("Inconnue SAS", "39012345300008")
        disabled = self.french_company("Petite Boutique SARL", "80012345700007")
        self.pa.register(disabled.l10n_fr_siren, "Petite Boutique SARL", status="Disabled")
        absent.action_einvoice_directory_check()
        disabled.action_einvoice_directory_check()
        first, second = self.invoice(absent), self.invoice(disabled)
        self.assertIn("not in the e-invoicing directory", first.einvoice_not_sent_reason)
        self.assertIn("ask it to register", first.einvoice_not_sent_reason)
        self.assertIn("cannot receive e-invoices yet", second.einvoice_not_sent_reason)
        self.assertIn("another channel", second.einvoice_not_sent_reason)
        self.assertEqual(self.not_sent() & (first | second), first | second)
        self.assertEqual([len(self.notes(move)) for move in (first, second)], [1, 1])
        self.assertFalse((first | second).einvoice_flow_ids)

    def test_a_company_without_platform_says_so(self):
        self.platform.active = False
        invoice = self.invoice()
        self.assertIn("has no approved platform", invoice.einvoice_not_sent_reason)
        self.assertEqual(len(self.notes(invoice)), 1)

    def test_foreign_customers_and_consumers_are_not_reasons(self):
        self.german_customer.invoice_edi_format = "fr_cii"
        for partner in (self.german_customer, self.consumer):
            invoice = self.invoice(partner)
            self.assertFalse(invoice.einvoice_flow_ids)
            self.assertFalse(invoice.einvoice_not_sent_reason, "reported (e-reporting), not a missed sending")

    def test_a_company_addressed_only_by_a_suffix_receives(self):
        self.fast(self.platform)
        partner = self.french_company("Groupe Travaux SA", "44306184100047")
        self.pa.register(partner.l10n_fr_siren, "Groupe Travaux SA", suffix="FACTURES")
        self.assertEqual(partner.action_einvoice_directory_check()["params"]["type"], "success")
        self.assertEqual(partner.einvoice_directory_state, "enabled")
        self.assertEqual(partner.l10n_fr_electronic_address, f"{partner.l10n_fr_siren}_FACTURES")
        self.assertEqual(partner.l10n_fr_routing_suffix, "FACTURES")
        invoice = self.invoice(partner)
        self.assertEqual(invoice.einvoice_flow_ids.state, "queued")
        self.assertFalse(invoice.einvoice_not_sent_reason)

    def test_several_suffixes_ask_which_one(self):
        self.fast(self.platform)
        partner = self.french_company("Bâtiment Associés SA", "51234567900017")
        self.pa.register(partner.l10n_fr_siren, "Bâtiment Associés SA", suffix="ACHATS")
        self.pa.register(partner.l10n_fr_siren, "Bâtiment Associés SA", suffix="TRAVAUX")
        partner.action_einvoice_directory_check()
        self.assertEqual(partner.einvoice_directory_state, "ambiguous")
        siren = partner.l10n_fr_siren
        self.assertEqual(partner.einvoice_directory_addresses, f"{siren}_ACHATS, {siren}_TRAVAUX")
        invoice = self.invoice(partner)
        self.assertIn(f"{siren}_ACHATS, {siren}_TRAVAUX", invoice.einvoice_not_sent_reason)
        # The accountant says which: the directory then knows where it goes.
        partner.l10n_fr_routing_suffix = "TRAVAUX"
        partner.action_einvoice_directory_check()
        self.assertEqual(
            (partner.einvoice_directory_state, partner.l10n_fr_electronic_address), ("enabled", f"{siren}_TRAVAUX")
        )
        invoice.action_einvoice_send_to_platform()
        self.assertEqual(invoice.einvoice_flow_ids.state, "queued")

    def test_a_routing_code_line_resolves(self):
        self.fast(self.platform)
        partner = self.french_company("Hôpital Privé SA", "38347481400100")
        self.pa.register(partner.l10n_fr_siren, "Hôpital Privé SA", siret=partner.siret, routing_code="COMPTA")
        partner.action_einvoice_directory_check()
        self.assertEqual(partner.einvoice_directory_state, "enabled")
        self.assertEqual(partner.l10n_fr_routing_code, "COMPTA")
        self.assertEqual(partner.l10n_fr_electronic_address, f"{partner.l10n_fr_siren}_{partner.siret}_COMPTA")

    def test_a_public_buyer_is_declared_b2g(self):
        self.fast(self.platform)
        self.public_customer.invoice_edi_format = "fr_cii"
        self.pa.register(
            cases.PUBLIC_SIREN, "Mairie", siret=cases.PUBLIC_SIRET, routing_code="SERV-ACHATS", entity_type="Public"
        )
        invoice = self.invoice(self.public_customer)
        private = self.invoice()
        self.send_all()
        rules = {s["trackingId"]: s["processingRule"] for s in self.pa.submissions()}
        self.assertEqual(rules[invoice.einvoice_flow_ids.tracking_id], "B2G")
        self.assertEqual(rules[private.einvoice_flow_ids.tracking_id], "B2B")
        self.assertTrue(self.public_customer.einvoice_public_entity, "the directory says so")
