import datetime
from decimal import Decimal

from odoo import Command
from odoo.tests import freeze_time, tagged

from odoo.addons.pa_connector.tests.common import PlatformCommon

from einvoice.ereporting import parse_report
from einvoice.validation import validate

SALE_DAY = datetime.date(2026, 9, 4)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestPosEreporting(PlatformCommon):
    """A shop's day at the point of sale, reported with the consumers' invoices in block 10.3."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "ereporting_enabled": True,
                "ereporting_vat_regime": "normal_quarterly",
                "ereporting_start_date": "2026-09-01",
            }
        )
        cls.platform.ereporting_matricule = "0042"
        # The chart's 10 % and 5.5 % taxes come archived; the shop sells at those rates.
        (cls.tax_10 | cls.tax_5_5).active = True
        cls.cash = cls.env["pos.payment.method"].create(
            {"name": "Espèces", "journal_id": cls.company_data["default_journal_cash"].id, "company_id": cls.company.id}
        )
        cls.shop = cls.env["pos.config"].create(
            {"name": "Boutique", "company_id": cls.company.id, "payment_method_ids": [Command.set(cls.cash.ids)]}
        )

    def order(self, session, lines):
        """lines: (product, quantity, price without VAT, tax)."""
        values = []
        total = 0.0
        for product, quantity, price, tax in lines:
            net = quantity * price
            gross = round(net * (1 + tax.amount / 100), 2)
            total += gross
            values.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "qty": quantity,
                        "price_unit": price,
                        "tax_ids": [Command.set(tax.ids)],
                        "price_subtotal": net,
                        "price_subtotal_incl": gross,
                    }
                )
            )
        order = self.env["pos.order"].create(
            {
                "company_id": self.company.id,
                "session_id": session.id,
                "lines": values,
                "amount_total": total,
                "amount_tax": round(total - sum(q * p for _product, q, p, _tax in lines), 2),
                "amount_paid": 0.0,
                "amount_return": 0.0,
                "last_order_preparation_change": "{}",
            }
        )
        context = {"active_ids": order.ids, "active_id": order.id}
        payment = (
            self.env["pos.make.payment"]
            .with_context(**context)
            .create({"amount": order.amount_total, "payment_method_id": self.cash.id})
        )
        payment.with_context(**context).check()
        return order

    def test_a_closed_session_is_reported_by_day_with_the_invoices(self):
        with freeze_time("2026-09-04 10:00:00"):
            self.shop.open_ui()
            session = self.shop.current_session_id
            self.order(session, [(self.goods, 1, 100.0, self.tax_20), (self.service, 1, 50.0, self.tax_10)])
            self.order(session, [(self.lamp, 2, 20.0, self.tax_5_5)])
            session.post_closing_cash_details(sum(session.order_ids.mapped("amount_total")))
            session.close_session_from_ui()
        self.assertEqual(session.state, "closed")
        # A consumer's invoice the same day: its figures add up with the shop's.
        invoice = self.make_invoice(self.consumer, [(self.goods, 1, 30.0, self.tax_20)], invoice_date=SALE_DAY)
        period = (
            self.env["ereporting.period"]
            ._generate(self.company, until=datetime.date(2026, 9, 30))
            .filtered(lambda p: p.kind == "transactions")
        )
        period.action_prepare()
        report = period.report_ids
        self.assertEqual(report.state, "ready", report.finding_ids.mapped("message"))
        self.assertEqual(
            [
                (line.day, line.category, line.rate, line.taxable_amount, line.tax_amount, line.count)
                for line in report.line_ids
            ],
            [
                (SALE_DAY, "TLB1", 20.0, 130.0, 26.0, 3),  # the day's count, on its first rate
                (SALE_DAY, "TLB1", 5.5, 40.0, 2.2, 0),
                (SALE_DAY, "TPS1", 10.0, 50.0, 5.0, 1),
            ],
        )
        [goods_day, _services_day] = parse_report(report.attachment_id.raw).transactions.aggregates
        self.assertEqual(
            (goods_day.count, goods_day.tax_exclusive_amount, goods_day.tax_total),
            (3, Decimal("170.00"), Decimal("28.20")),
        )
        self.assertEqual(validate(report.attachment_id.raw).fatal, [])
        self.assertIn(session.move_id, report.move_ids)
        self.assertIn(invoice, report.move_ids)
        # The session's entry and the invoice are both covered: nothing differs from the books.
        period.action_reconcile()
        self.assertEqual(period.books_turnover, 220.0)
        self.assertEqual(period.ereported_turnover, 220.0)
        self.assertEqual(period.difference_turnover, 0.0)
        self.assertFalse(period.reconciliation_line_ids)
