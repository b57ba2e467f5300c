import datetime
import re

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice import api as einvoice_api
from einvoice import calc
from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar, parse_cdar
from einvoice.model import PrecedingInvoice
from einvoice.testing import cases
from einvoice.validation import validate


@tagged("post_install_l10n", "post_install", "-at_install")
class TestReplacement(EinvoiceCommon):
    """220 "Annulée" from the seller; the buyer's bill cancelled (220) or corrected (384) is not paid."""

    def received_bill(self, invoice):
        bill = self.import_bill(einvoice_api.build(invoice, "cii"), f"{invoice.number}.xml")
        bill.action_post()
        return bill

    def pay(self, bills):
        return (
            self.env["account.payment.register"]
            .with_company(bills.company_id)
            .with_context(active_model="account.move", active_ids=bills.ids, allowed_company_ids=bills.company_id.ids)
            .create({})
        )

    def cancellation(self, bill, reason):
        """The seller's 220 about ``bill``, as its platform hands it over."""
        message = StatusMessage(
            id=f"ANNUL-{bill.ref}",
            issued_at=datetime.datetime(2026, 9, 20, 9, 0),
            status="220",
            invoice_number=bill.ref,
            invoice_date=bill.invoice_date,
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(id=cases.SELLER_SIREN, scheme="0002", name="Atelier Dupont SARL", role="SE"),
            recipients=[
                CdarParty(id=cases.BUYER_SIREN, scheme="0002", role="BY", uri=cases.BUYER_SIREN, uri_scheme="0225")
            ],
            details=[StatusDetail(reason=reason)],
        )
        xml = build_cdar(message)
        self.assertEqual(validate(xml).fatal, [])
        return xml

    # --- the seller ---------------------------------------------------------------------

    def test_seller_cancels_and_names_the_replacing_invoice(self):
        wrong = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        right = self.make_invoice(lines=[(self.service, 1, 405.0, self.tax_20)])
        action = wrong.action_einvoice_cancel_wizard()
        self.assertEqual(action["res_model"], "einvoice_lifecycle.cancel.wizard")
        wizard = (
            self.env["einvoice_lifecycle.cancel.wizard"]
            .with_context(action["context"])
            .create({"replacement_id": right.id, "reason": "Remise oubliée"})
        )
        wizard.action_apply()
        self.assertEqual(wrong.einvoice_status, "220")
        self.assertEqual((wrong.einvoice_replaced_by_id, right.einvoice_replaces_id), (right, wrong))
        event = wrong.einvoice_event_ids
        self.assertEqual((event.emitter, event.reason), ("seller", f"Replaced by invoice {right.name}. Remise oubliée"))
        message = parse_cdar(event.attachment_id.raw)
        self.assertEqual((message.status, message.invoice_number), ("220", wrong.name))
        self.assertEqual(message.details[0].reason, f"Replaced by invoice {right.name}. Remise oubliée")
        self.assertEqual(validate(event.attachment_id.raw).fatal, [])
        self.assertIn(f"replaces {wrong.display_name}", right.message_ids[0].body)
        # A cancellation ends the invoice's lifecycle.
        with self.assertRaisesRegex(UserError, "ended the invoice's lifecycle"):
            wrong._einvoice_give_status("225")

    def test_replacing_invoice_must_fit(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        other_customer = self.make_invoice(partner=self.public_customer, lines=[(self.service, 1, 450.0, self.tax_20)])
        draft = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], post=False)
        for replacement, why in (
            (invoice, "cannot replace itself"),
            (other_customer, "addressed to another customer"),
            (draft, "must be a posted customer invoice"),
        ):
            with self.assertRaisesRegex(UserError, why):
                invoice._einvoice_cancel(replacement)
        self.assertFalse(invoice.einvoice_event_ids, "nothing recorded")
        self.assertFalse(invoice.einvoice_replaced_by_id)

    # --- the buyer ----------------------------------------------------------------------

    def test_received_cancellation_supersedes_the_bill(self):
        bill = self.received_bill(cases.b2b_services())
        xml = self.cancellation(bill, "Remplacée par la facture F2026-0009")
        event = self.env["account.move"]._einvoice_apply_cdar(xml, company=self.buyer_company)
        self.assertEqual((event.move_id, event.status, event.emitter), (bill, "220", "seller"))
        self.assertTrue(bill.einvoice_superseded)
        self.assertEqual(
            bill.einvoice_superseded_reason,
            "Cancelled by the seller (status 220): Remplacée par la facture F2026-0009",
        )
        activity = bill.activity_ids.filtered(lambda a: a.summary == "Superseded bill: do not pay it")
        self.assertEqual(len(activity), 1)
        self.assertIn("Do not pay it", activity.note)
        with self.assertRaisesRegex(UserError, "must not be paid") as caught:
            self.pay(bill)
        self.assertIn(bill.display_name, str(caught.exception))
        self.assertIn("Remplacée par la facture F2026-0009", str(caught.exception))
        self.assertEqual(bill.payment_state, "not_paid")

    def replacement_of(self, bill, number):
        """The seller's new invoice naming (BT-25) the one it cancels."""
        invoice = cases.b2b_services()
        invoice.number = number
        invoice.preceding_invoices = [PrecedingInvoice(bill.ref, bill.invoice_date)]
        return calc.compute(invoice)

    def test_replacement_received_after_the_cancellation_is_linked(self):
        bill = self.received_bill(cases.b2b_services())
        self.env["account.move"]._einvoice_apply_cdar(
            self.cancellation(bill, "Remise oubliée"), company=self.buyer_company
        )
        self.assertFalse(bill.einvoice_replaced_by_id, "nothing replaces it yet")
        new = self.received_bill(self.replacement_of(bill, "F2026-0109"))
        self.assertEqual((bill.einvoice_replaced_by_id, new.einvoice_replaces_id), (new, bill))
        self.assertFalse(new.einvoice_superseded)
        self.assertIn("Replaced by the supplier's invoice F2026-0109", bill.message_ids[0].body)
        with self.assertRaisesRegex(UserError, re.escape(f"Pay {new.display_name} instead")):
            self.pay(bill)

    def test_a_credit_note_naming_a_cancelled_bill_does_not_replace_it(self):
        bill = self.received_bill(cases.b2b_goods_standard())
        self.assertEqual(bill.ref, "F2026-0001")
        self.env["account.move"]._einvoice_apply_cdar(
            self.cancellation(bill, "Facture émise par erreur"), company=self.buyer_company
        )
        refund = self.import_bill(einvoice_api.build(cases.credit_note(), "cii"), "AV2026-0020.xml")
        self.assertEqual((refund.move_type, refund.l10n_fr_preceding_move_ids), ("in_refund", bill))
        self.assertFalse(bill.einvoice_replaced_by_id, "a credit note is no replacement to pay")
        self.assertFalse(refund.einvoice_replaces_id)

    def test_replacement_received_before_the_cancellation_is_linked(self):
        bill = self.received_bill(cases.b2b_services())
        new = self.received_bill(self.replacement_of(bill, "F2026-0110"))
        self.assertFalse(bill.einvoice_superseded, "an invoice naming another does not cancel it by itself")
        self.env["account.move"]._einvoice_apply_cdar(
            self.cancellation(bill, "Remise oubliée"), company=self.buyer_company
        )
        self.assertTrue(bill.einvoice_superseded)
        self.assertEqual((bill.einvoice_replaced_by_id, new.einvoice_replaces_id), (new, bill))
        activity = bill.activity_ids.filtered(lambda a: a.summary == "Superseded bill: do not pay it")
        self.assertIn(f"Pay {new.display_name} instead", activity.note)

    def test_received_corrected_invoice_supersedes_the_bill_it_corrects(self):
        original = self.received_bill(cases.b2b_goods_standard())
        self.assertEqual(original.ref, "F2026-0001")
        corrected = self.import_bill(einvoice_api.build(cases.corrected_invoice(), "cii"), "F2026-0021.xml")
        self.assertEqual((corrected.l10n_fr_document_type, corrected.l10n_fr_preceding_move_ids), ("384", original))
        self.assertTrue(original.einvoice_superseded)
        self.assertEqual((original.einvoice_replaced_by_id, corrected.einvoice_replaces_id), (corrected, original))
        self.assertEqual(
            original.einvoice_superseded_reason, "Corrected by the supplier's invoice F2026-0021 (type 384)."
        )
        activity = original.activity_ids.filtered(lambda a: a.summary == "Superseded bill: do not pay it")
        self.assertIn(f"Pay {corrected.display_name} instead", activity.note)
        self.assertFalse(corrected.einvoice_superseded)
        with self.assertRaisesRegex(UserError, re.escape(f"Pay {corrected.display_name} instead")):
            self.pay(original)
        # The corrected invoice itself is paid as usual.
        corrected.action_post()
        self.pay(corrected)._create_payments()
        self.assertIn(corrected.payment_state, ("paid", "in_payment"))

    def test_superseded_bill_left_out_of_a_batch_payment(self):
        superseded = self.received_bill(cases.b2b_services())
        other = self.received_bill(cases.b2b_goods_standard())
        third = self.received_bill(cases.b2b_mixed())
        self.env["account.move"]._einvoice_apply_cdar(
            self.cancellation(superseded, "Facture émise par erreur"), company=self.buyer_company
        )
        wizard = self.pay(superseded | other)
        self.assertEqual(wizard.line_ids.move_id, other)
        self.assertEqual(wizard.einvoice_superseded_move_ids, superseded)
        self.assertIn(superseded.display_name, wizard.actionable_errors["einvoice_superseded"]["message"])
        wizard._create_payments()
        self.assertIn(other.payment_state, ("paid", "in_payment"))
        self.assertEqual(superseded.payment_state, "not_paid")
        # Forced into the wizard anyway, the payment is refused.
        wizard = self.pay(third)
        wizard.line_ids |= superseded.line_ids.filtered(lambda line: line.account_type == "liability_payable")
        with self.assertRaisesRegex(UserError, "must not be paid"):
            wizard._create_payments()

    def test_superseded_bill_cannot_be_matched_with_a_payment(self):
        bill = self.received_bill(cases.b2b_services())
        self.env["account.move"]._einvoice_apply_cdar(
            self.cancellation(bill, "Facture émise par erreur"), company=self.buyer_company
        )
        journal = self.buyer_data["default_journal_bank"]
        payment = (
            self.env["account.payment"]
            .with_company(self.buyer_company)
            .create(
                {
                    "payment_type": "outbound",
                    "partner_type": "supplier",
                    "partner_id": bill.partner_id.id,
                    "amount": bill.amount_total,
                    "journal_id": journal.id,
                }
            )
        )
        payment.action_post()
        if not payment.move_id:
            self.skipTest("payments of this journal make no journal entry to match")
        payable = payment.move_id.line_ids.filtered(lambda line: line.account_type == "liability_payable")
        bill_payable = bill.line_ids.filtered(lambda line: line.account_type == "liability_payable")
        with self.assertRaisesRegex(UserError, "must not be paid"):
            (payable | bill_payable).reconcile()
        self.assertEqual(bill.payment_state, "not_paid")
        # Its credit note still settles it.
        refund = bill._reverse_moves([{"invoice_date": bill.invoice_date, "ref": "AVOIR"}])
        refund.action_post()
        if not bill_payable.reconciled:
            refund_payable = refund.line_ids.filtered(lambda line: line.account_type == "liability_payable")
            (refund_payable | bill_payable).reconcile()
        self.assertEqual(bill.payment_state, "reversed")

    def test_superseded_bill_already_paid_calls_for_a_refund(self):
        bill = self.received_bill(cases.b2b_services())
        self.pay(bill)._create_payments()
        self.env["account.move"]._einvoice_apply_cdar(
            self.cancellation(bill, "Facture émise par erreur"), company=self.buyer_company
        )
        activity = bill.activity_ids.filtered(lambda a: a.summary == "Superseded bill: do not pay it")
        self.assertIn("already paid", activity.note)
