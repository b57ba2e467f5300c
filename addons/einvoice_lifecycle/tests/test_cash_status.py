import datetime

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.test_french import FrenchCommon

from einvoice.cdar import PPF_ID, parse_cdar
from einvoice.validation import validate

NOON = datetime.time(12, 0)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestCashStatus(FrenchCommon):
    """212 "Encaissée": one per payment in money, dated by it, per VAT rate of the part due on receipt."""

    french_addons = ("l10n_fr_einvoice", "einvoice_lifecycle")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The French chart's "TVA collectée encaissements": VAT due on payment (services).
        cls.tax_20_receipt = cls._tax("tva_normale_encaissement")
        cls.tax_10_receipt = cls._tax("tva_intermediaire_encaissement")

    def pay(self, moves, amount=None, day=None, **values):
        wizard = moves.env["account.payment.register"].with_context(active_model="account.move", active_ids=moves.ids)
        if amount is not None:
            values["amount"] = amount
        if day:
            values["payment_date"] = day
        return wizard.create(values)._create_payments()

    def cashed(self, move):
        return move.einvoice_event_ids.filtered(lambda event: event.status == "212").sorted("id")

    def assert_cdar(self, event):
        """The 212's CDAR passes the XSD and the BR-FR-CDV rules; its amounts are the event's."""
        report = validate(event.attachment_id.raw)
        self.assertEqual(report.fatal, [], [(f.rule_id, f.message_en) for f in report.fatal])
        message = parse_cdar(event.attachment_id.raw)
        self.assertEqual(message.status, "212")
        amounts = {
            f"{item.percent:.2f}": f"{item.amount:.2f}"
            for detail in message.details
            for item in detail.characteristics
            if item.type_code == "MEN"
        }
        self.assertEqual(amounts, event.amounts)
        return message

    def test_two_partial_payments_of_a_mixed_invoice(self):
        """Each payment reports its share of the services part only (VAT due on payment), on its day."""
        invoice = self.make_invoice(
            lines=[
                (self.service, 1, 1000.0, self.tax_20_receipt),
                ("Déplacement", 1, 100.0, self.tax_10_receipt),
                (self.goods, 1, 500.0, self.tax_20),
            ]
        )
        self.assertEqual(invoice.amount_total, 1910.0)
        self.assertTrue(invoice._einvoice_vat_due_on_receipt())
        first_day, second_day = datetime.date(2026, 9, 20), datetime.date(2026, 10, 5)
        first_payment = self.pay(invoice, 1000.0, first_day)
        self.assertEqual(invoice.payment_state, "partial")
        second_payment = self.pay(invoice, 910.0, second_day)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

        first, second = self.cashed(invoice)
        self.assertEqual(first.timestamp, datetime.datetime.combine(first_day, NOON))
        self.assertEqual(second.timestamp, datetime.datetime.combine(second_day, NOON))
        # 1200 and 110 tax included are due on receipt; the goods' 600 is not reported.
        # 1200 x 1000 / 1910 = 628.27, 110 x 1000 / 1910 = 57.59; the second gives the rest.
        self.assertEqual(first.amounts, {"20.00": "628.27", "10.00": "57.59"})
        self.assertEqual(second.amounts, {"20.00": "571.73", "10.00": "52.41"})
        self.assertEqual(
            (first.payment_move_id, second.payment_move_id), (first_payment.move_id, second_payment.move_id)
        )
        self.assertEqual((first.payment_amount, second.payment_amount), (1000.0, 910.0))
        self.assertEqual((first.mandatory, second.mandatory), (True, True))
        self.assertTrue(first.vat_due_on_receipt)
        self.assertEqual((first.emitter, first.source), ("seller", "automatic"))
        messages = [self.assert_cdar(event) for event in (first, second)]
        self.assertEqual([m.status_at for m in messages], [first.timestamp, second.timestamp])
        self.assertNotEqual(messages[0].id, messages[1].id)
        for message in messages:
            # A mandatory status names the administration among its recipients, as the FNFE-MPE example does.
            self.assertEqual([r.role for r in message.recipients], ["BY", "DFH"])
            self.assertEqual(message.recipients[1].id, PPF_ID)
        self.assertEqual(invoice.einvoice_status, "212")

    def test_payment_of_today_is_never_dated_in_the_future(self):
        """Noon of the payment's day, unless that is still to come: a 212 is never dated after it is given."""
        invoice = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20_receipt)])
        before = fields.Datetime.now().replace(microsecond=0)
        self.pay(invoice, day=fields.Date.context_today(invoice))
        event = self.cashed(invoice)
        self.assertLessEqual(event.timestamp, fields.Datetime.now())
        self.assertGreaterEqual(event.timestamp, min(before, datetime.datetime.combine(before.date(), NOON)))

    def test_payment_booked_after_an_approval_of_its_day_comes_after_it(self):
        """The buyer approves at 15:00, the payment of that day is booked at 15:30: the invoice shows 212,
        not 205 (noon would put the payment before the approval)."""
        day = datetime.date(2026, 9, 22)
        with freeze_time("2026-09-22 15:00:00"):
            invoice = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20_receipt)])
            invoice._einvoice_apply_event("205", "buyer", source="platform")
        with freeze_time("2026-09-22 15:30:00"):
            self.pay(invoice, day=day)
        event = self.cashed(invoice)
        self.assertEqual(event.timestamp, datetime.datetime(2026, 9, 22, 15, 0, 1), "just after the approval")
        self.assertEqual(invoice.einvoice_status, "212")
        self.assertEqual(parse_cdar(event.attachment_id.raw).status_at.date(), day, "still the payment's day")
        # A payment of an earlier day keeps the noon of its day.
        with freeze_time("2026-09-22 16:00:00"):
            other = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20_receipt)])
            other._einvoice_apply_event("205", "buyer", source="platform")
            self.pay(other, day=datetime.date(2026, 9, 21))
        self.assertEqual(self.cashed(other).timestamp, datetime.datetime(2026, 9, 21, 12, 0))

    def test_two_equal_payments_of_one_day_are_two_statuses(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 1000.0, self.tax_20_receipt)])
        day = datetime.date(2026, 9, 21)
        self.pay(invoice, 600.0, day)
        self.pay(invoice, 600.0, day)
        first, second = self.cashed(invoice)
        self.assertEqual(first.timestamp, second.timestamp)
        self.assertEqual((first.amounts, second.amounts), ({"20.00": "600.00"}, {"20.00": "600.00"}))
        self.assertNotEqual(parse_cdar(first.attachment_id.raw).id, parse_cdar(second.attachment_id.raw).id)

    def test_credit_note_settles_half_then_the_cash_rest_is_reported(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 1000.0, self.tax_20_receipt)])
        credit_note = self.make_invoice(
            lines=[(self.service, 1, 500.0, self.tax_20_receipt)], move_type="out_refund", reversed_entry_id=invoice.id
        )
        if not credit_note.line_ids.matched_debit_ids:
            (invoice | credit_note).line_ids.filtered(lambda line: line.display_type == "payment_term").reconcile()
        self.assertEqual(invoice.amount_residual, 600.0)
        self.assertFalse(self.cashed(invoice), "a credit note is no cash")
        self.assertFalse(self.cashed(credit_note))
        self.pay(invoice, 600.0, datetime.date(2026, 9, 25))
        event = self.cashed(invoice)
        self.assertEqual(event.amounts, {"20.00": "600.00"})
        self.assertEqual(event.payment_amount, 600.0)
        self.assertTrue(event.mandatory)
        self.assert_cdar(event)
        self.assertFalse(self.cashed(credit_note))

    def test_credit_note_reconciled_with_its_invoice_gives_no_status(self):
        invoice = self.make_invoice(lines=[(self.service, 2, 450.0, self.tax_20_receipt)])
        credit_note = invoice._reverse_moves(cancel=True)
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(self.cashed(invoice))
        self.assertFalse(self.cashed(credit_note))

    def test_credit_note_paid_back_is_a_negative_status(self):
        """Money paid back is a disbursement: a 212 of negative amounts (annex 7, P1.15)."""
        credit_note = self.make_invoice(lines=[(self.service, 1, 500.0, self.tax_20_receipt)], move_type="out_refund")
        self.pay(credit_note, day=datetime.date(2026, 9, 26))
        event = self.cashed(credit_note)
        self.assertEqual(event.amounts, {"20.00": "-600.00"})
        self.assertEqual(event.payment_amount, -600.0)
        self.assertTrue(event.mandatory)
        self.assertEqual(self.assert_cdar(event).invoice_type, "381")

    def test_cancelled_payment_gives_the_opposite_amounts(self):
        """A payment cancelled after its 212: the negative amounts and the reason in MDT-126 (annex 7, P1.17)."""
        invoice = self.make_invoice(lines=[(self.service, 1, 1000.0, self.tax_20_receipt)])
        payment = self.pay(invoice, day=datetime.date(2026, 9, 22))
        given = self.cashed(invoice)
        self.assertEqual(given.amounts, {"20.00": "1200.00"})
        before = fields.Datetime.now()
        payment.action_draft()
        self.assertEqual(invoice.payment_state, "not_paid")
        given, reversal = self.cashed(invoice)
        self.assertEqual(reversal.amounts, {"20.00": "-1200.00"})
        self.assertEqual(reversal.payment_amount, -1200.0)
        self.assertEqual(reversal.payment_ref, f"{given.payment_ref}/reversal")
        self.assertEqual(reversal.payment_move_id, payment.move_id)
        self.assertTrue(reversal.mandatory)
        self.assertGreaterEqual(reversal.timestamp, before, "cancelled when it is cancelled")
        message = self.assert_cdar(reversal)
        self.assertIn("ANNUL_ENC", message.details[0].note)
        self.assertIn(payment.move_id.name, message.details[0].note)
        # Paid again: a new 212 of the whole amount; every matching is reported once.
        payment.action_post()
        (invoice | payment.move_id).line_ids.filtered(
            lambda line: line.account_id == self.company_data["default_account_receivable"]
        ).reconcile()
        third = self.cashed(invoice)[2:]
        self.assertEqual(third.amounts, {"20.00": "1200.00"})
        self.assertEqual(len(self.cashed(invoice)), 3)
        matching = invoice.line_ids.matched_credit_ids
        invoice._einvoice_report_payment(matching, payment.move_id, matching.debit_amount_currency)
        self.assertEqual(len(self.cashed(invoice)), 3)

    def test_goods_with_vat_on_invoice_give_a_status_to_the_buyer_only(self):
        """VAT on goods is due on delivery: the 212 goes to the buyer, not to the administration."""
        invoice = self.make_invoice(lines=[(self.goods, 2, 50.0, self.tax_20), (self.lamp, 1, 100.0, self.tax_5_5)])
        self.assertFalse(invoice._einvoice_vat_due_on_receipt())
        self.pay(invoice, day=datetime.date(2026, 9, 23))
        event = self.cashed(invoice)
        self.assertEqual(event.amounts, {"20.00": "120.00", "5.50": "105.50"})
        self.assertFalse(event.mandatory)
        self.assertFalse(event.vat_due_on_receipt)
        message = self.assert_cdar(event)
        self.assertEqual([r.role for r in message.recipients], ["BY"])

    def test_services_with_vat_on_debits_are_not_mandatory(self):
        self.company.l10n_fr_vat_on_debits = True
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.pay(invoice, day=datetime.date(2026, 9, 23))
        event = self.cashed(invoice)
        self.assertEqual(event.amounts, {"20.00": "540.00"})
        self.assertFalse(event.mandatory)

    def test_deposit_on_goods_is_mandatory(self):
        """A deposit on goods has its VAT due when cashed (CGI art. 269-2-a), whatever its tax says."""
        deposit = self.make_invoice(lines=[(self.goods, 1, 300.0, self.tax_20)], l10n_fr_document_type="386")
        self.assertEqual(deposit.l10n_fr_document_type, "386")
        self.assertTrue(deposit._einvoice_vat_due_on_receipt())
        self.pay(deposit, 200.0, datetime.date(2026, 9, 24))
        event = self.cashed(deposit)
        self.assertEqual(event.amounts, {"20.00": "200.00"})
        self.assertTrue(event.mandatory)
        message = self.assert_cdar(event)
        self.assertEqual(message.invoice_type, "386")
        self.assertEqual([r.role for r in message.recipients], ["BY", "DFH"])
        # A deposit on services of a company that opted for debits: VAT due when invoiced.
        self.company.l10n_fr_vat_on_debits = True
        services = self.make_invoice(lines=[(self.service, 1, 300.0, self.tax_20)], l10n_fr_document_type="386")
        self.assertFalse(services._einvoice_vat_due_on_receipt())

    def test_write_off_is_no_cash(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 1000.0, self.tax_20_receipt)])
        self.pay(
            invoice,
            1150.0,
            datetime.date(2026, 9, 27),
            payment_difference_handling="reconcile",
            writeoff_account_id=self.company_data["default_account_expense"].id,
            writeoff_label="Écart de règlement",
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        event = self.cashed(invoice)
        self.assertEqual(event.amounts, {"20.00": "1150.00"})
        self.assertEqual(event.payment_amount, 1150.0)

    def test_refused_invoice_paid_leaves_a_note_not_a_blocked_payment(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20_receipt)])
        invoice._einvoice_apply_event("210", "buyer", source="platform", reason_code="DOUBLON")
        self.pay(invoice, day=datetime.date(2026, 9, 28))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "the payment is recorded all the same")
        self.assertFalse(self.cashed(invoice))
        notes = " ".join(invoice.message_ids.mapped("body"))
        self.assertIn("Status 212 (cashed) was not given", notes)
        self.assertIn("Mandatory status 212", " ".join(invoice.activity_ids.mapped("summary")))

    def test_internal_credit_note_gives_nothing(self):
        """It cancels a refused invoice in the books only: no regulated flow (DSE §3.6.4)."""
        internal = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20_receipt)], move_type="out_refund")
        internal.einvoice_internal = True
        self.pay(internal, day=datetime.date(2026, 9, 28))
        self.assertFalse(self.cashed(internal))

    def test_amounts_of_the_whole_invoice(self):
        invoice = self.make_invoice(
            lines=[
                (self.service, 1, 1000.0, self.tax_20_receipt),
                (self.goods, 1, 500.0, self.tax_20),
                ("Frais", 1, 100.0, self.tax_10),
            ]
        )
        self.assertEqual(invoice._einvoice_amounts_by_rate(), {"20.00": "1800.00", "10.00": "110.00"})
        self.assertEqual(invoice._einvoice_amounts_by_rate(on_receipt_only=True), {"20.00": "1200.00"})

    def test_statuses_follow_the_journal_of_the_money(self):
        """A miscellaneous entry that settles the receivable (a compensation) is not a payment in money."""
        invoice = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20_receipt)])
        receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.company_data["default_journal_misc"].id,
                "date": datetime.date(2026, 9, 29),
                "line_ids": [
                    Command.create(
                        {
                            "account_id": receivable.account_id.id,
                            "partner_id": invoice.partner_id.id,
                            "credit": 120.0,
                        }
                    ),
                    Command.create({"account_id": self.company_data["default_account_expense"].id, "debit": 120.0}),
                ],
            }
        )
        entry.action_post()
        (receivable | entry.line_ids.filtered(lambda line: line.account_id == receivable.account_id)).reconcile()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(self.cashed(invoice))

    def test_note_in_french(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20_receipt)])
        invoice._einvoice_apply_event("210", "buyer", source="platform", reason_code="DOUBLON")
        self.pay(invoice.with_env(self.fr), day=datetime.date(2026, 9, 28))
        notes = " ".join(invoice.message_ids.mapped("body"))
        self.assertIn("Le statut 212 (Encaissée) n'a pas été émis pour", notes)
        self.assertIn("Statut obligatoire 212 (Encaissée) non émis", invoice.activity_ids.mapped("summary"))
        labels = self.fr["einvoice_lifecycle.event"].fields_get(["vat_due_on_receipt", "payment_amount"])
        self.assertEqual(labels["vat_due_on_receipt"]["string"], "TVA exigible à l'encaissement")
        self.assertEqual(labels["payment_amount"]["string"], "Montant encaissé")

    def test_bank_statement_line_matched_with_the_invoice(self):
        """Money seen on the bank statement and matched directly: the 212 is dated by the statement line."""
        invoice = self.make_invoice(lines=[(self.service, 1, 500.0, self.tax_20_receipt)])
        statement_line = self.env["account.bank.statement.line"].create(
            {
                "payment_ref": invoice.name,
                "journal_id": self.company_data["default_journal_bank"].id,
                "partner_id": invoice.partner_id.id,
                "amount": 250.0,
                "date": datetime.date(2026, 10, 2),
            }
        )
        _liquidity, suspense, _others = statement_line._seek_for_lines()
        receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        suspense.account_id = receivable.account_id
        (suspense | receivable).reconcile()
        event = self.cashed(invoice)
        self.assertEqual(event.timestamp, datetime.datetime(2026, 10, 2, 12, 0))
        self.assertEqual(event.payment_move_id, statement_line.move_id)
        self.assertEqual(event.amounts, {"20.00": "250.00"})
        self.assert_cdar(event)
