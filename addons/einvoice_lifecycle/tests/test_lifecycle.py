import datetime

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice import api as einvoice_api
from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar, parse_cdar
from einvoice.testing import cases
from einvoice.validation import validate


@tagged("post_install_l10n", "post_install", "-at_install")
class TestLifecycle(EinvoiceCommon):
    def received_bill(self, invoice=None):
        xml = einvoice_api.build(invoice or cases.b2b_services(), "cii")
        return self.import_bill(xml, "facture.xml")

    def assert_cdar(self, event, status):
        self.assertTrue(event.attachment_id, "the CDAR to send is attached")
        message = parse_cdar(event.attachment_id.raw)
        self.assertEqual(message.status, status)
        report = validate(event.attachment_id.raw)
        self.assertEqual(report.fatal, [], [(f.rule_id, f.message_en) for f in report.fatal])
        return message

    def test_posting_a_received_bill_takes_it_in_charge(self):
        bill = self.received_bill()
        self.assertFalse(bill.einvoice_status)
        bill.action_post()
        self.assertEqual(bill.einvoice_status, "204")
        event = bill.einvoice_event_ids
        self.assertEqual((event.emitter, event.source), ("buyer", "manual"))
        message = self.assert_cdar(event, "204")
        self.assertEqual(message.invoice_number, "F2026-0002")
        self.assertEqual(message.seller.id, cases.SELLER_SIREN)

    def test_refusal_needs_a_reason_and_ends_the_lifecycle(self):
        bill = self.received_bill()
        wizard = self.env["einvoice_lifecycle.status.wizard"].create({"move_id": bill.id, "status": "210"})
        with self.assertRaisesRegex(UserError, "needs a reason code"):
            wizard.action_apply()
        wizard.write({"reason_code": "DOUBLON", "reason": "Déjà reçue", "action_code": "CNF"})
        wizard.action_apply()
        self.assertEqual(bill.einvoice_status, "210")
        message = self.assert_cdar(bill.einvoice_event_ids, "210")
        self.assertEqual(message.details[0].reason_code, "DOUBLON")
        with self.assertRaisesRegex(UserError, "ended the invoice's lifecycle"):
            bill.action_einvoice_approve()

    def test_status_is_tracked_and_filterable(self):
        self.assertTrue(self.env["account.move"]._fields["einvoice_status"].tracking)
        bill = self.received_bill()
        bill.action_post()
        found = self.env["account.move"].search([("einvoice_status", "=", "204"), ("id", "=", bill.id)])
        self.assertEqual(found, bill)

    def test_same_event_twice_is_recorded_once(self):
        bill = self.received_bill()
        moment = fields.Datetime.now()
        first = bill._einvoice_apply_event(
            "202", "receiver_platform", source="platform", timestamp=moment, external_id="M1"
        )
        again = bill._einvoice_apply_event(
            "202", "receiver_platform", source="platform", timestamp=moment, external_id="M1"
        )
        same = bill._einvoice_apply_event("202", "receiver_platform", source="platform", timestamp=moment)
        self.assertEqual(first, again)
        self.assertEqual(first, same)
        self.assertEqual(len(bill.einvoice_event_ids), 1)

    def test_statuses_in_any_processing_order(self):
        bill = self.received_bill()
        bill.action_post()
        bill.action_einvoice_payment_sent()  # paid before the dispute: allowed
        self.env["einvoice_lifecycle.status.wizard"].create(
            {"move_id": bill.id, "status": "207", "reason_code": "TX_TVA_ERR", "action_code": "NIN"}
        ).action_apply()
        self.assertEqual(bill.einvoice_event_ids.mapped("status"), ["204", "211", "207"])
        for event in bill.einvoice_event_ids:
            self.assert_cdar(event, event.status)
        with self.assertRaisesRegex(UserError, "answers a suspension"):
            bill._einvoice_apply_event("209", "seller")

    def test_events_are_append_only(self):
        bill = self.received_bill()
        event = bill._einvoice_apply_event("202", "receiver_platform")
        with self.assertRaises(UserError):
            event.write({"status": "203"})
        with self.assertRaises(UserError):
            event.unlink()
        # The connectors record when they reported it (as superuser: users may not write events).
        event.sudo().write({"reported_at": fields.Datetime.now()})
        with self.assertRaises(UserError):
            event.sudo().write({"reason": "changed"})

    def test_refused_invoice_calls_for_a_credit_note(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        invoice._einvoice_apply_event("210", "buyer", source="platform", reason_code="DOUBLON", reason="Doublon")
        self.assertEqual(invoice.einvoice_status, "210")
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("credit note", activity.summary)
        action = invoice.action_einvoice_credit_note()
        credit_note = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.reversed_entry_id, invoice)
        self.assertEqual(credit_note.amount_total, invoice.amount_total)

    def test_cashed_when_paid_for_services(self):
        # Services whose VAT is due on payment (the chart's "encaissements" taxes): a mandatory 212.
        taxes = [self._tax("tva_normale_encaissement"), self._tax("tva_intermediaire_encaissement")]
        invoice = self.make_invoice(lines=[(self.service, 2, 450.0, taxes[0]), ("Frais", 1, 100.0, taxes[1])])
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.einvoice_status, "212")
        event = invoice.einvoice_event_ids
        self.assertEqual(event.amounts, {"20.00": "1080.00", "10.00": "110.00"})
        self.assertTrue(event.mandatory)
        message = self.assert_cdar(event, "212")
        characteristics = {str(c.percent): str(c.amount) for c in message.details[0].characteristics}
        self.assertEqual(characteristics, {"10.00": "110", "20.00": "1080"})

    def test_cashed_status_with_vat_on_debits_is_not_mandatory(self):
        # VAT on debits: the 212 is given to the buyer, not reported to the administration.
        self.company.l10n_fr_vat_on_debits = True
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()
        self.assertEqual(invoice.einvoice_status, "212")
        self.assertFalse(invoice.einvoice_event_ids.mandatory)

    def test_deadline_activity(self):
        bill = self.received_bill()
        bill._einvoice_apply_event(
            "210", "buyer", timestamp=fields.Datetime.subtract(fields.Datetime.now(), hours=21), reason_code="DOUBLON"
        )
        self.env["account.move"]._cron_einvoice_mandatory_deadlines()
        self.assertIn("24 h", " ".join(bill.activity_ids.mapped("summary")))

    def test_received_cdar_applied_once(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        message = StatusMessage(
            id="REFUS-0001",
            issued_at=datetime.datetime(2026, 10, 1, 9, 0),
            status="210",
            invoice_number=invoice.name,
            invoice_date=invoice.invoice_date,
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(id=cases.BUYER_SIREN, scheme="0002", name="Client Industriel SA", role="BY"),
            recipients=[
                CdarParty(id=cases.SELLER_SIREN, scheme="0002", role="SE", uri=cases.SELLER_SIREN, uri_scheme="0225")
            ],
            details=[StatusDetail(reason_code="TX_TVA_ERR", reason="Taux de TVA erroné", action_code="CNF")],
        )
        xml = build_cdar(message)
        self.assertEqual(validate(xml).fatal, [])
        event = self.env["account.move"]._einvoice_apply_cdar(xml)
        self.assertEqual(event.move_id, invoice)
        self.assertEqual(
            (event.status, event.emitter, event.reason_code, event.source), ("210", "buyer", "TX_TVA_ERR", "platform")
        )
        self.assertEqual(event.attachment_id.raw, xml)
        self.assertEqual(invoice.einvoice_status, "210")
        self.assertEqual(self.env["account.move"]._einvoice_apply_cdar(xml), event, "a second delivery changes nothing")
        self.assertEqual(len(invoice.einvoice_event_ids), 1)
        self.assertEqual(len(invoice.activity_ids), 1)

    def test_cdar_for_an_unknown_invoice_is_refused(self):
        message = StatusMessage(
            id="X-1",
            issued_at=datetime.datetime(2026, 10, 1, 9, 0),
            status="205",
            invoice_number="INCONNUE-1",
            invoice_date=datetime.date(2026, 9, 1),
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(role="BY"),
        )
        with self.assertRaisesRegex(UserError, "No single invoice INCONNUE-1"):
            self.env["account.move"]._einvoice_apply_cdar(build_cdar(message))

    def test_every_buyer_and_seller_action(self):
        bill = self.received_bill()
        bill.action_einvoice_take_charge()
        wizard = self.env["einvoice_lifecycle.status.wizard"]
        wizard.create(
            {"move_id": bill.id, "status": "206", "reason_code": "QTE_ERR", "action_code": "CNP"}
        ).action_apply()
        wizard.create(
            {"move_id": bill.id, "status": "208", "reason_code": "JUSTIF_ABS", "reason": "Bon de livraison"}
        ).action_apply()
        bill.action_einvoice_approve()
        bill.action_post()  # 204 already given: not given twice
        bill.action_einvoice_payment_sent()
        self.assertEqual(bill.einvoice_event_ids.mapped("status"), ["204", "206", "208", "205", "211"])
        for event in bill.einvoice_event_ids:
            self.assertEqual(event.emitter, "buyer")
            self.assert_cdar(event, event.status)
        # The seller answers a suspension of its invoice with 209.
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        invoice._einvoice_apply_event("208", "buyer", source="platform", reason_code="REF_ERR")
        invoice.action_einvoice_complete()
        self.assertEqual(invoice.einvoice_status, "209")
        self.assert_cdar(invoice.einvoice_event_ids[-1], "209")
        with self.assertRaisesRegex(UserError, "not given by the seller"):
            invoice._einvoice_give_status("205")
