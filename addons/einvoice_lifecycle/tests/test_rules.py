import datetime

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice import api as einvoice_api
from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar, parse_cdar
from einvoice.testing import cases
from einvoice.validation import validate


@tagged("post_install_l10n", "post_install", "-at_install")
class TestLifecycleRules(EinvoiceCommon):
    """What the lifecycle refuses, and what it must not do: flows after a refusal, false alarms."""

    bill_count = 0

    def received_bill(self, invoice=None):
        if invoice is None:
            # Each bill its own number: the same one twice is refused as a duplicate.
            TestLifecycleRules.bill_count += 1
            invoice = cases.b2b_services()
            invoice.number = f"F2026-9{self.bill_count:03d}"
        return self.import_bill(einvoice_api.build(invoice, "cii"), f"{invoice.number}.xml")

    def assert_cdar(self, event, status):
        message = parse_cdar(event.attachment_id.raw)
        self.assertEqual(message.status, status)
        report = validate(event.attachment_id.raw)
        self.assertEqual(report.fatal, [], [(f.rule_id, f.message_en) for f in report.fatal])
        return message

    # --- the internal credit note (DSE §3.6.4) -------------------------------------------

    def test_refused_invoice_gets_an_internal_credit_note(self):
        self.customer.invoice_edi_format = "fr_ubl"
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.assertTrue(invoice.l10n_fr_is_einvoice)
        invoice._einvoice_apply_event("210", "buyer", source="platform", reason_code="DOUBLON", reason="Doublon")
        action = invoice.action_einvoice_credit_note()
        credit_note = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((credit_note.move_type, credit_note.reversed_entry_id), ("out_refund", invoice))
        self.assertTrue(credit_note.einvoice_internal)
        explained = credit_note.message_ids.filtered(lambda m: "Internal credit note" in (m.body or ""))
        self.assertEqual(len(explained), 1)
        self.assertIn(invoice.display_name, explained.body)
        self.assertIn("210 - Refused", explained.body)
        self.assertIn("section 3.6.4", explained.body)
        credit_note.action_post()
        self.assertFalse(credit_note.l10n_fr_is_einvoice, "no regulated flow is made of it")
        # Send & Print prints it, but builds no e-invoice.
        self.env["account.move.send"]._generate_and_send_invoices(credit_note, sending_methods=["manual"])
        self.assertTrue(credit_note.invoice_pdf_report_id)
        self.assertFalse(credit_note.ubl_cii_xml_id)
        self.assertFalse(credit_note.l10n_fr_einvoice_state)
        self.assertFalse(credit_note.einvoice_event_ids)
        # An ordinary credit note of the same customer is an e-invoice, as before.
        other = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20)])
        ordinary = other._reverse_moves([{"invoice_date": other.invoice_date}])
        ordinary.action_post()
        self.assertFalse(ordinary.einvoice_internal)
        self.env["account.move.send"]._generate_and_send_invoices(ordinary, sending_methods=["manual"])
        self.assertTrue(ordinary.ubl_cii_xml_id)

    def test_internal_credit_note_only_after_a_refusal_or_a_rejection(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        with self.assertRaisesRegex(UserError, "neither refused"):
            invoice.action_einvoice_credit_note()
        invoice._einvoice_apply_event("213", "issuer_platform", source="platform", reason_code="REJ_SEMAN")
        credit_note = self.env["account.move"].browse(invoice.action_einvoice_credit_note()["res_id"])
        self.assertTrue(credit_note.einvoice_internal)
        self.assertFalse(credit_note.copy().einvoice_internal, "a copy is an ordinary credit note")

    # --- the 24-hour rule -------------------------------------------------------------

    def refused_bill(self, hours_ago, post=False, **values):
        bill = self.received_bill()
        if post:
            bill.action_post()  # the figures count posted moves
        event = bill._einvoice_apply_event(
            "210",
            "buyer",
            timestamp=fields.Datetime.now() - datetime.timedelta(hours=hours_ago),
            reason_code="DOUBLON",
            **values,
        )
        return bill, event

    def deadline_activities(self, move):
        return move.activity_ids.filtered(lambda a: "24 h" in (a.summary or ""))

    def test_deadline_activity_once_per_status(self):
        bill, event = self.refused_bill(21)
        self.assertTrue(event.company_reports)
        self.env["account.move"]._cron_einvoice_mandatory_deadlines()
        activity = self.deadline_activities(bill)
        self.assertEqual(len(activity), 1)
        self.assertIn("210 - Refused", activity.note)
        self.assertTrue(event.deadline_warned)
        activity.action_feedback(feedback="Vérifié avec la plateforme")
        self.env["account.move"]._cron_einvoice_mandatory_deadlines()
        self.assertFalse(self.deadline_activities(bill), "marked done, it does not come back")

    def test_deadline_activity_only_when_due(self):
        recent, _ = self.refused_bill(2)
        old, _ = self.refused_bill(24 * 8)  # past the horizon: long overdue, no use warning now
        reported, _ = self.refused_bill(21, reported_at=fields.Datetime.now())
        sandbox, _ = self.refused_bill(21)
        sandbox.einvoice_sandbox = True
        # The platform reports its own 200 and 213, and the buyer's platform the refusal of our invoice.
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        moment = fields.Datetime.now() - datetime.timedelta(hours=21)
        platform_event = invoice._einvoice_apply_event("200", "issuer_platform", source="platform", timestamp=moment)
        buyer_event = invoice._einvoice_apply_event(
            "210", "buyer", source="platform", timestamp=moment, reason_code="DOUBLON"
        )
        self.assertTrue(platform_event.mandatory and buyer_event.mandatory)
        self.assertFalse(platform_event.company_reports or buyer_event.company_reports)
        # Chorus Pro reports the statuses of public invoices itself.
        public = self.make_invoice(partner=self.public_customer, lines=[(self.service, 1, 450.0, self.tax_20)])
        chorus_event = public._einvoice_apply_event("212", "seller", source="chorus_pro", timestamp=moment)
        self.assertFalse(chorus_event.company_reports)
        self.env["account.move"]._cron_einvoice_mandatory_deadlines()
        for move in (recent, old, reported, sandbox, invoice, public):
            self.assertFalse(self.deadline_activities(move), move.display_name)

    def test_overdue_figure_counts_real_overdue_statuses(self):
        overdue, _ = self.refused_bill(30, post=True)
        self.refused_bill(10, post=True)  # not late yet
        self.refused_bill(24 * 8, post=True)  # outside the horizon
        self.refused_bill(30, post=True, reported_at=fields.Datetime.now())
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        invoice._einvoice_apply_event(
            "200", "issuer_platform", source="platform", timestamp=fields.Datetime.now() - datetime.timedelta(hours=30)
        )
        self.assertEqual(overdue.einvoice_event_ids.mapped("status"), ["204", "210"])
        self.env.flush_all()
        rows = self.env["einvoice_lifecycle.stats"].search(
            [("company_id", "in", (self.company | self.buyer_company).ids)]
        )
        self.assertEqual(sum(rows.mapped("overdue_mandatory_count")), 1)
        bills = rows.filtered(lambda r: r.direction == "in")
        self.assertEqual((bills.company_id, bills.overdue_mandatory_count), (overdue.company_id, 1))

    # --- outgoing messages are valid, or not sent ---------------------------------------

    def test_status_of_a_seller_without_siren_is_refused(self):
        supplier = self.env["res.partner"].create(
            {"name": "Menuiserie Sans Siren", "is_company": True, "country_id": self.env.ref("base.fr").id}
        )
        bill = self.make_invoice(
            partner=supplier,
            move_type="in_invoice",
            lines=[("Étagères", 1, 300.0, self.buyer_data["default_tax_purchase"])],
            company_id=self.buyer_company.id,
            post=False,
        )
        bill.ref = "MS-2026-14"
        attachments = self.env["ir.attachment"].search_count(
            [("res_model", "=", "account.move"), ("res_id", "=", bill.id)]
        )
        with self.assertRaises(UserError) as caught:
            bill.action_einvoice_take_charge()
        error = str(caught.exception)
        self.assertIn("[BR-FR-CDV-13]", error)
        self.assertIn("MDT-129", error)
        self.assertIn("Fill in the SIREN of the seller Menuiserie Sans Siren", error)
        self.assertIn("nothing was recorded nor sent", error)
        self.assertFalse(bill.einvoice_event_ids)
        self.assertEqual(
            self.env["ir.attachment"].search_count([("res_model", "=", "account.move"), ("res_id", "=", bill.id)]),
            attachments,
        )
        # Posting a received bill still works: the accountant is told why no 204 left.
        bill.l10n_fr_imported_syntax = "CII"
        bill.action_post()
        self.assertEqual(bill.state, "posted")
        self.assertFalse(bill.einvoice_event_ids)
        self.assertIn("Status 204 (taken in charge) was not given", bill.message_ids[0].body)
        self.assertIn("BR-FR-CDV-13", bill.message_ids[0].body)

    # --- events are created through the lifecycle only ------------------------------------

    def test_events_are_created_only_through_the_lifecycle(self):
        accountant = new_test_user(
            self.env,
            login="comptable_h3",
            groups="account.group_account_invoice",
            company_id=self.buyer_company.id,
            company_ids=[(6, 0, self.buyer_company.ids)],
        )
        bill = self.received_bill()
        with self.assertRaises(AccessError):
            self.env["einvoice_lifecycle.event"].with_user(accountant).create(
                {"move_id": bill.id, "status": "205", "emitter": "buyer"}
            )
        self.assertFalse(bill.einvoice_event_ids)
        # Through the lifecycle, with its rules, the same user records the status.
        bill.with_user(accountant).action_einvoice_take_charge()
        self.assertEqual(bill.einvoice_event_ids.mapped("status"), ["204"])
        self.assertEqual(bill.einvoice_event_ids.create_uid, accountant)
        with self.assertRaisesRegex(UserError, "already given"):
            bill.with_user(accountant).action_einvoice_take_charge()
        # Whether a status reached the administration is the connectors' to say, not an RPC's.
        with self.assertRaises(AccessError):
            bill.einvoice_event_ids.with_user(accountant).write({"reported_at": fields.Datetime.now()})
        self.assertFalse(bill.einvoice_event_ids.reported_at)
        auditor = new_test_user(
            self.env,
            login="auditeur_h3",
            groups="account.group_account_readonly",
            company_id=self.buyer_company.id,
            company_ids=[(6, 0, self.buyer_company.ids)],
        )
        with self.assertRaises(AccessError):
            bill.with_user(auditor).action_einvoice_approve()
        self.assertEqual(bill.einvoice_event_ids.mapped("status"), ["204"])

    # --- the other statuses a company gives --------------------------------------------------

    def test_buyer_and_seller_give_the_other_statuses(self):
        bill = self.received_bill()
        bill.action_einvoice_take_charge()
        self.env["einvoice_lifecycle.status.wizard"].create({"move_id": bill.id, "status": "214"}).action_apply()
        self.assertEqual(bill.einvoice_status, "214")
        self.assert_cdar(bill.einvoice_event_ids[-1], "214")
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        wizard = self.env["einvoice_lifecycle.status.wizard"]
        for status in ("224", "225", "227", "228"):
            wizard.create({"move_id": invoice.id, "status": status, "reason": "Cession à Factor SA"}).action_apply()
            self.assertEqual(invoice.einvoice_status, status)
            message = self.assert_cdar(invoice.einvoice_event_ids.sorted("id")[-1], status)
            self.assertEqual(message.issuer.role, "SE")
        self.assertEqual([e.emitter for e in invoice.einvoice_event_ids], ["seller"] * 4)
        with self.assertRaisesRegex(UserError, "already given"):
            invoice._einvoice_give_status("224")
        with self.assertRaisesRegex(UserError, "not given by the buyer"):
            wizard.create({"move_id": bill.id, "status": "225"}).action_apply()
        with self.assertRaisesRegex(UserError, "not given by the seller"):
            wizard.create({"move_id": invoice.id, "status": "214"}).action_apply()

    def test_seller_says_it_paid_back_a_credit_note(self):
        refund = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20)], move_type="out_refund")
        refund.action_einvoice_payment_sent()
        event = refund.einvoice_event_ids
        self.assertEqual((event.status, event.emitter), ("211", "seller"))
        message = self.assert_cdar(event, "211")
        self.assertEqual((message.invoice_type, message.issuer.role), ("381", "SE"))
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        with self.assertRaisesRegex(UserError, "credit note it paid back"):
            invoice.action_einvoice_payment_sent()

    def test_routing_error_from_the_receiving_platform(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        message = StatusMessage(
            id="ROUTAGE-1",
            issued_at=datetime.datetime(2026, 9, 16, 10, 0),
            status="221",
            invoice_number=invoice.name,
            invoice_date=invoice.invoice_date,
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(role="WK"),
            recipients=[CdarParty(role="WK")],
            details=[StatusDetail(reason_code="ROUTAGE_ERR", reason="Code routage inconnu")],
        )
        xml = build_cdar(message)
        self.assertEqual(validate(xml).fatal, [])
        event = self.env["account.move"]._einvoice_apply_cdar(xml, company=self.company)
        self.assertEqual((event.status, event.emitter, event.reason_code), ("221", "receiver_platform", "ROUTAGE_ERR"))

    def test_rejection_after_our_platform_accepted_is_the_receiving_platform(self):
        """Our platform gives 200 or 213: a 213 after its 200 comes from the buyer's platform."""
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        invoice._einvoice_apply_event("200", "issuer_platform", source="platform")
        message = StatusMessage(
            id="REJET-1",
            issued_at=datetime.datetime(2026, 9, 16, 10, 0),
            status="213",
            invoice_number=invoice.name,
            invoice_date=invoice.invoice_date,
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(role="WK"),
            recipients=[CdarParty(role="WK")],
            details=[StatusDetail(reason_code="DEST_INC", reason="Destinataire inconnu")],
        )
        event = self.env["account.move"]._einvoice_apply_cdar(build_cdar(message), company=self.company)
        self.assertEqual((event.status, event.emitter), ("213", "receiver_platform"))
        # The same 213 said to come from our own platform, after its 200, is refused.
        other = self.make_invoice(lines=[(self.service, 1, 10.0, self.tax_20)])
        other._einvoice_apply_event("200", "issuer_platform", source="platform")
        with self.assertRaisesRegex(UserError, "cannot reject the invoice"):
            other._einvoice_apply_event("213", "issuer_platform", source="platform", reason_code="REJ_SEMAN")
