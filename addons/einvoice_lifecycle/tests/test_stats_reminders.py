import datetime

from odoo import fields
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestFiguresAndReminders(EinvoiceCommon):
    def test_monthly_figures(self):
        moves = [self.make_invoice(lines=[(self.service, 1, 100.0 * n, self.tax_20)]) for n in range(1, 5)]
        for move in moves:
            move._einvoice_apply_event("202", "receiver_platform", source="platform")
        moves[0]._einvoice_apply_event("210", "buyer", source="platform", reason_code="DOUBLON")
        moves[1]._einvoice_apply_event("207", "buyer", source="platform", reason_code="TX_TVA_ERR")
        old = fields.Datetime.now() - datetime.timedelta(hours=30)
        # The buyer's refusal of 30 hours ago is mandatory, but its platform's to report, not ours.
        moves[3]._einvoice_apply_event("210", "buyer", source="platform", timestamp=old, reason_code="DOUBLON")
        self.env.flush_all()
        row = self.env["einvoice_lifecycle.stats"].search(
            [("company_id", "=", self.company.id), ("direction", "=", "out")]
        )
        self.assertEqual(len(row), 1)
        self.assertEqual(row.month, fields.Date.to_date("2026-09-01"))
        self.assertEqual((row.invoice_count, row.refused_count, row.disputed_count), (4, 2, 1))
        self.assertAlmostEqual(row.rejection_rate, 50.0)
        # Overdue counts only the statuses the company reports itself (see test_rules).
        self.assertEqual(row.overdue_mandatory_count, 0)

    def test_payment_reminders_before_and_after(self):
        today = fields.Date.context_today(self.env.user)
        self.company.write({"einvoice_reminder_days_before": 3, "einvoice_reminder_days_after": 7})
        soon = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20)], post=False)
        soon.write({"invoice_payment_term_id": False, "invoice_date_due": today + datetime.timedelta(days=3)})
        soon.action_post()
        late = self.make_invoice(lines=[(self.service, 1, 200.0, self.tax_20)], post=False)
        late.write({"invoice_payment_term_id": False, "invoice_date_due": today - datetime.timedelta(days=10)})
        late.action_post()
        refused = self.make_invoice(lines=[(self.service, 1, 300.0, self.tax_20)], post=False)
        refused.write({"invoice_payment_term_id": False, "invoice_date_due": today - datetime.timedelta(days=10)})
        refused.action_post()
        refused._einvoice_apply_event("210", "buyer", reason_code="DOUBLON")
        self.env["account.move"]._cron_einvoice_payment_reminders()
        self.assertEqual(soon.einvoice_reminder_before_sent, today)
        self.assertEqual(late.einvoice_reminder_after_sent, today)
        self.assertFalse(refused.einvoice_reminder_after_sent, "no reminder for a refused invoice")
        self.assertIn(f"payment reminder, invoice {soon.name}", soon.message_ids[0].subject)
        self.assertIn("is due on", soon.message_ids[0].body)
        self.assertIn("remain unpaid", late.message_ids[0].body)
        count = len(late.message_ids)
        self.env["account.move"]._cron_einvoice_payment_reminders()
        self.assertEqual(len(late.message_ids), count, "a reminder is sent once")
