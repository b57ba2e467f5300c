import base64

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ChorusCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestStatuses(ChorusCommon):
    def sent_invoice(self, **values):
        invoice = self.public_invoice(**values)
        self.send_all()
        self.poll()
        self.assertEqual(invoice.chorus_state, "integrated")
        return invoice

    def advance(self, invoice, status, comment=None):
        self.sim.advance(int(invoice.chorus_invoice_id), status, comment)
        self.poll()

    def test_architect_case_from_deposit_to_payment(self):
        invoice = self.sent_invoice(l10n_fr_contract_ref="MAPA-2026-TX-017")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("DEPOSEE", "200"))
        self.advance(invoice, "MISE_A_DISPOSITION")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("MISE_A_DISPOSITION", "203"))
        self.advance(invoice, "SERVICE_FAIT", "Service fait certifié")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("SERVICE_FAIT", "204"))
        self.assertEqual(invoice.chorus_status_comment, "Service fait certifié")
        self.advance(invoice, "MANDATEE")
        self.assertEqual(invoice.chorus_status, "MANDATEE", "kept as Chorus Pro's own status")
        self.assertEqual(invoice.einvoice_status, "204", "no second 'in hand' in the lifecycle")
        self.advance(invoice, "MISE_EN_PAIEMENT")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("MISE_EN_PAIEMENT", "211"))
        events = invoice.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id))
        # What Chorus Pro says and nothing more: no 202 is made up before its "Mise à disposition" (203).
        self.assertEqual(events.mapped("status"), ["200", "203", "204", "211"])
        self.assertEqual(events.mapped("emitter"), ["issuer_platform", "receiver_platform", "buyer", "buyer"])
        self.assertEqual(set(events.mapped("source")), {"chorus_pro"})
        self.assertEqual(dict(invoice._fields["chorus_status"].selection)["MISE_EN_PAIEMENT"], "Payment sent")
        bodies = invoice.message_ids.mapped("body")
        self.assertTrue(
            any("Payment order issued" in body for body in bodies), "Chorus-only statuses are shown in the chatter"
        )
        self.assertFalse(invoice.activity_ids, "nothing to do for the architect")
        # Paid: no more reading.
        calls = len(self.sim.requests)
        self.poll()
        self.assertEqual(len(self.sim.requests), calls)

    def test_polling_twice_applies_each_status_once(self):
        invoice = self.sent_invoice()
        self.advance(invoice, "MISE_A_DISPOSITION")
        messages, events = len(invoice.message_ids), len(invoice.einvoice_event_ids)
        self.poll()
        self.poll()
        self.assertEqual(len(invoice.message_ids), messages)
        self.assertEqual(len(invoice.einvoice_event_ids), events)
        self.advance(invoice, "EN_COURS_ACHEMINEMENT")
        self.assertEqual(invoice.chorus_status, "EN_COURS_ACHEMINEMENT")
        self.assertEqual(len(invoice.einvoice_event_ids), events, "no reform status for it")

    def test_rejection_by_the_public_buyer(self):
        invoice = self.sent_invoice()
        self.advance(invoice, "MISE_A_DISPOSITION")
        self.advance(invoice, "REJETEE", "Facture en doublon avec la facture F-2026-0012")
        self.assertEqual(invoice.chorus_status, "REJETEE")
        self.assertEqual(invoice.einvoice_status, "210")
        event = invoice.einvoice_event_ids.filtered(lambda e: e.status == "210")
        self.assertEqual((event.reason_code, event.emitter), ("DOUBLON", "buyer"))
        self.assertIn("Facture en doublon", event.reason)
        self.assertIn("Cancel it with a credit note", event.reason)
        self.assertEqual(len(invoice.activity_ids), 1, "one activity, not one per module")
        note = invoice.activity_ids.note
        self.assertIn("Facture en doublon", note)
        self.assertIn("Cancel it with a credit note", note)

    def test_suspension_then_completion(self):
        invoice = self.sent_invoice()
        self.advance(invoice, "MISE_A_DISPOSITION")
        self.advance(invoice, "SUSPENDUE", "Pièce justificative manquante : procès-verbal de réception")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("SUSPENDUE", "208"))
        event = invoice.einvoice_event_ids.filtered(lambda e: e.status == "208")
        self.assertEqual(event.reason_code, "JUSTIF_ABS")
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("suspended", activity.summary)
        self.assertIn("procès-verbal de réception", activity.note)
        self.assertIn("Complete the invoice in Chorus Pro", activity.note)
        self.assertIn("suspended", invoice.activity_ids.summary)
        self.advance(invoice, "COMPLETEE", "PV joint")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("COMPLETEE", "209"))

    def test_to_be_recycled(self):
        # The city does not know this commitment number: Chorus Pro integrates the invoice "À recycler".
        invoice = self.sent_invoice(l10n_fr_purchase_order_ref="EJ-4242")
        self.assertEqual(invoice.chorus_status, "A_RECYCLER")
        self.assertEqual(invoice.einvoice_status, "200", "no reform status for it")
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("recycled", activity.summary)
        self.assertIn("commitment number", activity.note)
        self.assertIn("Numéro d'engagement inconnu", activity.note)

    def test_refresh_button(self):
        invoice = self.public_invoice()
        self.send_all()
        invoice.action_chorus_refresh()
        self.assertEqual(invoice.chorus_state, "integrated")
        self.sim.advance(int(invoice.chorus_invoice_id), "MISE_A_DISPOSITION")
        invoice.action_chorus_refresh()
        self.assertEqual(invoice.chorus_status, "MISE_A_DISPOSITION")

    def followup(self, invoice, action, **values):
        context = invoice.__getattribute__(action)()["context"]
        return self.env["chorus.pro.followup.wizard"].with_context(**context).create(values)

    def test_complete_a_suspended_invoice_from_odoo(self):
        invoice = self.sent_invoice()
        self.advance(invoice, "MISE_A_DISPOSITION")
        self.advance(invoice, "SUSPENDUE", "Pièce justificative manquante : procès-verbal de réception")
        wizard = self.followup(
            invoice,
            "action_chorus_complete",
            comment="PV de réception joint",
            attachment=base64.b64encode(b"%PDF-1.7 PV de reception"),
            attachment_name="pv-reception.pdf",
        )
        wizard.action_confirm()
        remote = self.sim.invoices[int(invoice.chorus_invoice_id)]
        self.assertEqual(remote["statut"], "COMPLETEE")
        [piece] = remote["attachments"]
        self.assertEqual(self.sim.attachments[piece]["content"], b"%PDF-1.7 PV de reception")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("COMPLETEE", "209"))
        with self.assertRaisesRegex(UserError, "is not Suspended in Chorus Pro"):
            self.followup(invoice, "action_chorus_complete", comment="encore").action_confirm()

    def test_recycle_with_the_right_commitment_from_odoo(self):
        invoice = self.sent_invoice(l10n_fr_purchase_order_ref="EJ-4242")
        self.assertEqual(invoice.chorus_status, "A_RECYCLER")
        wizard = self.followup(invoice, "action_chorus_recycle")
        self.assertEqual((wizard.service_code, wizard.commitment), ("SERV-ACHATS", "EJ-4242"))
        with self.assertRaisesRegex(UserError, "Change the service code or the commitment number"):
            wizard.action_confirm()
        wizard.commitment = "EJ-9999999"  # still unknown to the city: Chorus Pro refuses, nothing changes
        with self.assertRaisesRegex(UserError, "Chorus Pro refused"):
            wizard.action_confirm()
        self.assertEqual(invoice.l10n_fr_purchase_order_ref, "EJ-4242")
        wizard.commitment = "EJ-2000000001"
        wizard.action_confirm()
        remote = self.sim.invoices[int(invoice.chorus_invoice_id)]
        self.assertEqual((remote["numeroBonCommande"], remote["statut"]), ("EJ-2000000001", "DEPOSEE"))
        self.assertEqual(invoice.l10n_fr_purchase_order_ref, "EJ-2000000001")
        self.assertEqual(invoice.chorus_status, "DEPOSEE")
