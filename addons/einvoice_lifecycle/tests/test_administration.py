import datetime

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice import api as einvoice_api
from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar
from einvoice.testing import cases
from einvoice.validation import validate


@tagged("post_install_l10n", "post_install", "-at_install")
class TestAdministrationStatuses(EinvoiceCommon):
    """The tax administration's answers (250/251, 500/501, 601) reach the invoice they are about."""

    def administration_message(self, status, number, invoice_date, seller_siren, reason_code=None, reason=None):
        """A CDAR of the administration, as the platform hands it over (a 305 issued by a platform, WK)."""
        details = [StatusDetail(reason_code=reason_code, reason=reason)] if reason_code or reason else []
        message = StatusMessage(
            id=f"PPF-{status}-{number}",
            issued_at=datetime.datetime(2026, 9, 16, 8, 30),
            status=status,
            invoice_number=number,
            invoice_date=invoice_date,
            seller=CdarParty(id=seller_siren, scheme="0002") if seller_siren else CdarParty(),
            issuer=CdarParty(role="WK"),
            recipients=[CdarParty(role="WK")],
            details=details,
        )
        return build_cdar(message)

    def test_regulatory_data_rejected_shows_on_the_invoice(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        invoice._einvoice_apply_event("200", "issuer_platform", source="platform", reported_at=invoice.create_date)
        xml = self.administration_message(
            "251", invoice.name, invoice.invoice_date, cases.SELLER_SIREN, "REJ_SEMAN", "BR-FR-10 : SIREN du vendeur"
        )
        self.assertEqual(validate(xml).fatal, [])
        event = self.env["account.move"]._einvoice_apply_cdar(xml, company=self.company)
        self.assertEqual(event.move_id, invoice)
        self.assertEqual(
            (event.status, event.emitter, event.reason_code, event.reason, event.mandatory),
            ("251", "administration", "REJ_SEMAN", "BR-FR-10 : SIREN du vendeur", False),
        )
        # The invoice's own status stays; the administration's answer shows beside it.
        self.assertEqual((invoice.einvoice_status, invoice.einvoice_administration_status), ("200", "251"))
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Rejected by the tax administration: 251 - Regulatory data rejected")
        self.assertIn("REJ_SEMAN (Semantic format check) BR-FR-10 : SIREN du vendeur", activity.note)
        self.assertIn("send them again", activity.note)
        note = invoice.message_ids.filtered(lambda m: "The tax administration answered" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("251 - Regulatory data rejected", note.body)
        self.assertIn("REJ_SEMAN (Semantic format check)", note.body)
        # Deposited again, accepted: shown, no further activity.
        accepted = self.administration_message("250", invoice.name, invoice.invoice_date, cases.SELLER_SIREN)
        self.env["account.move"]._einvoice_apply_cdar(accepted, company=self.company)
        self.assertEqual(invoice.einvoice_administration_status, "250")
        self.assertEqual(len(invoice.activity_ids), 1)
        self.assertEqual(invoice.einvoice_event_ids.mapped("status"), ["200", "251", "250"])

    def test_flow_not_receivable_without_seller(self):
        """A 501 may name no seller (BR-FR-CDV-13): the company whose platform received it finds the invoice."""
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        xml = self.administration_message("501", invoice.name, invoice.invoice_date, None, "IRR_SYNTAX", "Ligne 12")
        self.assertEqual(validate(xml).fatal, [])
        with self.assertRaisesRegex(UserError, "names no seller"):
            self.env["account.move"]._einvoice_apply_cdar(xml)
        event = self.env["account.move"]._einvoice_apply_cdar(xml, company=self.company)
        self.assertEqual((event.move_id, event.status, event.reason_code), (invoice, "501", "IRR_SYNTAX"))
        self.assertEqual(invoice.activity_ids.summary, "Rejected by the tax administration: 501 - Flow not receivable")
        self.assertIn("IRR_SYNTAX (File syntax) Ligne 12", invoice.activity_ids.note)

    def test_mandatory_status_rejected_after_the_refusal(self):
        """The buyer's refusal ended the bill's lifecycle; the administration's 601 about it still applies."""
        bill = self.import_bill(einvoice_api.build(cases.b2b_services(), "cii"), "facture.xml")
        self.env["einvoice_lifecycle.status.wizard"].create(
            {"move_id": bill.id, "status": "210", "reason_code": "DOUBLON", "reason": "Déjà reçue"}
        ).action_apply()
        xml = self.administration_message(
            "601", bill.ref, bill.invoice_date, cases.SELLER_SIREN, "REJ_INC", "Statut incohérent"
        )
        event = self.env["account.move"]._einvoice_apply_cdar(xml, company=self.buyer_company)
        self.assertEqual((event.move_id, event.status, event.emitter), (bill, "601", "administration"))
        self.assertEqual((bill.einvoice_status, bill.einvoice_administration_status), ("210", "601"))
        activity = bill.activity_ids.filtered(lambda a: "tax administration" in a.summary)
        self.assertEqual(activity.summary, "Rejected by the tax administration: 601 - Mandatory status rejected")
        self.assertIn("REJ_INC (Status consistency check) Statut incohérent", activity.note)
        lifecycle = bill.einvoice_event_ids
        self.assertEqual(lifecycle.mapped("status"), ["210", "601"])
        self.assertEqual(lifecycle[-1].reason, "Statut incohérent")

    def test_administration_reason_outside_its_list_is_refused(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        xml = self.administration_message("251", invoice.name, invoice.invoice_date, cases.SELLER_SIREN, "DOUBLON")
        with self.assertRaisesRegex(UserError, "reason DOUBLON is not allowed with status 251"):
            self.env["account.move"]._einvoice_apply_cdar(xml, company=self.company)
        self.assertFalse(invoice.einvoice_event_ids)
