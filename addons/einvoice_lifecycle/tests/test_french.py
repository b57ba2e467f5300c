import datetime

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.test_french import FrenchCommon

from einvoice import api as einvoice_api
from einvoice.lifecycle import REQUESTED_ACTIONS, STATUSES
from einvoice.testing import cases


@tagged("post_install_l10n", "post_install", "-at_install")
class TestFrenchLifecycle(FrenchCommon):
    """French users see the reform's official status names, and French messages, errors and activities."""

    french_addons = ("l10n_fr_einvoice", "einvoice_lifecycle")

    def flush_tracking(self):
        """Write the tracking messages of what was done so far (Odoo writes them before a commit)."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_statuses_have_their_official_french_names(self):
        # The event shows every status; the invoice its own apart from the administration's answers.
        selection = self.fr["einvoice_lifecycle.event"].fields_get(["status"])["status"]["selection"]
        self.assertEqual(selection, [(code, f"{code} - {status.title_fr}") for code, status in STATUSES.items()])
        fields = self.fr["account.move"].fields_get(["einvoice_status", "einvoice_administration_status"])
        self.assertEqual(dict(fields["einvoice_status"]["selection"])["212"], "212 - Encaissée")
        self.assertNotIn("251", dict(fields["einvoice_status"]["selection"]))
        self.assertEqual(
            dict(fields["einvoice_administration_status"]["selection"]),
            {
                "250": "250 - Déposée (données réglementaires)",
                "251": "251 - Rejetée (données réglementaires)",
                "500": "500 - Recevable (flux)",
                "501": "501 - Irrecevable (flux)",
                "601": "601 - Rejeté (statut obligatoire)",
            },
        )
        english = self.env["account.move"].fields_get(["einvoice_status"])["einvoice_status"]["selection"]
        self.assertEqual(dict(english)["212"], "212 - Cashed")
        wizard = self.fr["einvoice_lifecycle.status.wizard"].fields_get(["status", "action_code"])
        self.assertEqual(
            wizard["status"]["selection"],
            [
                (code, f"{code} - {STATUSES[code].label_fr}")
                for code in ("206", "207", "208", "210", "214", "224", "225", "226", "227", "228")
            ],
        )
        self.assertEqual(
            wizard["action_code"]["selection"],
            [(code, f"{code} - {fr}") for code, (fr, _en) in REQUESTED_ACTIONS.items()],
        )

    def test_status_change_in_the_chatter_is_french(self):
        bill = self.import_bill(einvoice_api.build(cases.b2b_services(), "cii"), "facture.xml")
        self.flush_tracking()
        # The test environment turns tracking off (AccountTestInvoicingCommon); a user has it on.
        user = self.fr(context=dict(self.fr.context, tracking_disable=False, mail_notrack=False))
        bill.with_env(user).action_post()
        self.flush_tracking()
        bill.invalidate_recordset(["message_ids"])
        tracking = bill.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "einvoice_status")
        self.assertEqual(tracking.new_value_char, "204 - Prise en charge")
        self.assertEqual(bill.with_env(self.fr).einvoice_event_ids.display_name, "204 - Prise en charge")

    def test_refused_status_error_is_french(self):
        bill = self.import_bill(einvoice_api.build(cases.b2b_services(), "cii"), "facture.xml")
        wizard = self.fr["einvoice_lifecycle.status.wizard"].create({"move_id": bill.id, "status": "210"})
        with self.assertRaises(UserError) as caught:
            wizard.action_apply()
        self.assertEqual(
            str(caught.exception),
            f"{bill.display_name} : le statut 210 ne peut pas être appliqué à ce stade : le statut 210 (Refusée) "
            "exige un code motif (MDT-113, BR-FR-CDV-15)",
        )

    def test_rejection_activity_is_french(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        invoice.with_env(self.fr)._einvoice_apply_event(
            "213", "issuer_platform", source="platform", reason_code="REJ_SEMAN", reason="BR-FR-10"
        )
        self.assertEqual(invoice.activity_ids.summary, "Facture électronique 213 - Rejetée : émettre un avoir")
        self.assertIn("Motif : REJ_SEMAN BR-FR-10", invoice.activity_ids.note)

    def test_job_writes_in_the_company_language(self):
        """The deadline job has no user: its activity is in the language of the company's contact."""
        bill = self.import_bill(einvoice_api.build(cases.b2b_services(), "cii"), "facture.xml")
        # A status the company gives itself (the buyer's refusal): a platform's 200 is the platform's to report.
        bill._einvoice_apply_event(
            "210", "buyer", timestamp=fields.Datetime.now() - datetime.timedelta(hours=21), reason_code="DOUBLON"
        )
        self.buyer_company.partner_id.lang = "fr_FR"
        self.assertFalse(self.env.lang)
        self.env["account.move"]._cron_einvoice_mandatory_deadlines()
        self.assertEqual(
            bill.activity_ids.summary,
            "Statut obligatoire de la facture électronique non transmis à l'administration (délai de 24 h)",
        )
        self.assertIn("210 - Refusée", bill.activity_ids.note)
        # Run again: the status was warned about once, no second activity.
        self.env["account.move"]._cron_einvoice_mandatory_deadlines()
        self.assertEqual(len(bill.activity_ids), 1)

    def test_administration_rejection_is_french(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        invoice.with_env(self.fr)._einvoice_apply_event(
            "251", "administration", source="platform", reason_code="REJ_COH", reason="BT-1 déjà déclaré"
        )
        activity = invoice.activity_ids
        self.assertEqual(
            activity.summary, "Rejetée par l'administration fiscale : 251 - Rejetée (données réglementaires)"
        )
        self.assertIn("REJ_COH (Contrôle de cohérence des données) BT-1 déjà déclaré", activity.note)

    def test_outgoing_message_error_is_french(self):
        supplier = self.env["res.partner"].create({"name": "Menuiserie Sans Siren", "is_company": True})
        bill = self.make_invoice(
            partner=supplier,
            move_type="in_invoice",
            lines=[("Étagères", 1, 300.0, self.buyer_data["default_tax_purchase"])],
            company_id=self.buyer_company.id,
            post=False,
        )
        with self.assertRaises(UserError) as caught:
            bill.with_env(self.fr).action_einvoice_take_charge()
        error = str(caught.exception)
        self.assertIn("enfreint les règles officielles ; rien n'a été enregistré ni envoyé", error)
        self.assertIn("[BR-FR-CDV-13] [BR-FR-CDV-13/MDT-129] : L'identifiant du vendeur", error)
        self.assertIn("Renseignez le SIREN du vendeur Menuiserie Sans Siren", error)
