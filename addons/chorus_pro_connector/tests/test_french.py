from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.test_french import FrenchCommon

from einvoice.chorus import codes

from .common import ChorusCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestFrenchChorus(ChorusCommon, FrenchCommon):
    """Chorus Pro's statuses reach French users under the names of the portal, in French messages."""

    french_addons = ("l10n_fr_einvoice", "einvoice_lifecycle", "chorus_pro_connector")

    def integrated_invoice(self):
        invoice = self.public_invoice()
        self.send_all()
        self.poll()
        self.assertEqual(invoice.chorus_state, "integrated")
        return invoice

    def test_statuses_have_the_portal_names_in_french(self):
        selection = self.fr["account.move"].fields_get(["chorus_status"])["chorus_status"]["selection"]
        self.assertEqual(selection, [(code, status.label_fr) for code, status in codes.STATUSES.items()])
        self.assertEqual(dict(selection)["MISE_EN_PAIEMENT"], "Mise en paiement")

    def test_status_read_by_the_job_is_in_the_company_language(self):
        """The polling job has no user: the chatter is in the language of the company's contact."""
        self.company.partner_id.lang = "fr_FR"
        invoice = self.integrated_invoice()
        self.sim.advance(int(invoice.chorus_invoice_id), "MISE_A_DISPOSITION")
        self.sim.advance(int(invoice.chorus_invoice_id), "SERVICE_FAIT")
        self.sim.advance(int(invoice.chorus_invoice_id), "MISE_EN_PAIEMENT")
        self.poll()
        bodies = "\n".join(invoice.message_ids.mapped("body"))
        self.assertIn("Statut Chorus Pro : <b>Mise en paiement</b>", bodies)
        self.assertIn("Statut Chorus Pro : <b>Service fait</b>", bodies)
        self.assertIn("Intégrée dans Chorus Pro sous le numéro", bodies)
        self.assertNotIn("Chorus Pro status:", bodies)

    def test_refresh_by_a_french_user_and_suspension_activity(self):
        invoice = self.integrated_invoice()
        self.sim.advance(int(invoice.chorus_invoice_id), "MISE_A_DISPOSITION")
        self.sim.advance(int(invoice.chorus_invoice_id), "SUSPENDUE", "Pièce justificative manquante : PV")
        invoice.with_env(self.fr).action_chorus_refresh()
        self.assertEqual(invoice.chorus_status, "SUSPENDUE")
        bodies = "\n".join(invoice.message_ids.mapped("body"))
        self.assertIn("Statut Chorus Pro : <b>Suspendue</b><br>Pièce justificative manquante : PV", bodies)
        activity = invoice.activity_ids
        self.assertEqual(activity.summary, "Chorus Pro : facture suspendue par le client public")
        self.assertIn("Le client public a suspendu la facture", activity.note)
        self.assertIn("Motif indiqué : Pièce justificative manquante : PV", activity.note)
        # An English user reads the same status in English.
        english = invoice.with_context(lang="en_US")
        labels = dict(english._fields["chorus_status"]._description_selection(english.env))
        self.assertEqual(labels["SUSPENDUE"], "Suspended")
