import datetime

from odoo import fields
from odoo.tests import tagged

from odoo.addons.pa_connector.tests.common import PlatformCommon

from einvoice.ereporting import parse_report
from einvoice.validation import validate

SEPTEMBER = (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))


def day(text):
    return fields.Date.to_date(f"2026-09-{text}")


@tagged("post_install_l10n", "post_install", "-at_install")
class TestEreporting(PlatformCommon):
    """A month of mixed activity of a company on the normal quarterly regime (periods by month)."""

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
        cls.service_20 = cls._tax("tva_normale_encaissement")  # services: VAT due on payment
        cls.service_10 = cls._tax("tva_intermediaire_encaissement")
        cls.service_intra = cls._tax("tva_sale_service_intra_0")
        cls.purchase_intra = cls._tax("tva_intra_normale_biens")

    def setUp(self):
        super().setUp()
        self.fast(self.platform)
        Period = self.env["ereporting.period"]
        Period._generate(self.company, until=datetime.date(2026, 10, 31))
        self.period = Period.search(
            [("company_id", "=", self.company.id), ("kind", "=", "transactions"), ("date_start", "=", SEPTEMBER[0])]
        )
        self.payments_period = Period.search(
            [("company_id", "=", self.company.id), ("kind", "=", "payments"), ("date_start", "=", SEPTEMBER[0])]
        )

    # --- the month ------------------------------------------------------------------------------

    def pay(self, invoice, amount, when):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": when})
        )
        return wizard._create_payments()

    def month(self):
        """B2C goods and services at several rates, a B2C credit note, an export, intra-EU sales of
        goods and services, an intra-EU purchase, a domestic B2B invoice and service payments."""
        consumer = self.consumer
        self.b2c_mixed = self.make_invoice(
            consumer,
            [
                (self.goods, 1, 100.0, self.tax_20),
                (self.lamp, 1, 40.0, self.tax_5_5),
                (self.service, 1, 80.0, self.service_10),
            ],
            invoice_date=day("04"),
        )
        self.b2c_service = self.make_invoice(
            consumer, [(self.service, 1, 200.0, self.service_20)], invoice_date=day("04")
        )
        self.b2c_refund = self.make_invoice(
            consumer, [(self.goods, 1, 10.0, self.tax_20)], move_type="out_refund", invoice_date=day("04")
        )
        self.export = self.make_invoice(
            self.american_customer, [(self.goods, 5, 100.0, self.tax_export)], invoice_date=day("10")
        )
        self.intra_goods = self.make_invoice(
            self.german_customer, [(self.goods, 10, 100.0, self.tax_intra)], invoice_date=day("12")
        )
        self.intra_service = self.make_invoice(
            self.german_customer, [(self.service, 1, 300.0, self.service_intra)], invoice_date=day("12")
        )
        self.purchase = self.make_invoice(
            self.german_customer,
            [(self.goods, 20, 100.0, self.purchase_intra)],
            move_type="in_invoice",
            invoice_date=day("14"),
            ref="RE-2026-0912",
        )
        self.domestic = self.make_invoice(
            self.customer, [(self.service, 1, 450.0, self.tax_20)], invoice_date=day("15")
        )
        # The B2C service invoice paid in two parts, the mixed one at once, the intra-EU service at the end.
        self.pay(self.b2c_service, 100.0, day("20"))
        self.pay(self.b2c_service, 140.0, day("25"))
        self.pay(self.b2c_mixed, self.b2c_mixed.amount_total, day("21"))
        self.pay(self.intra_service, 300.0, day("28"))

    def figures(self, report, block):
        return [
            (line.day, line.category, line.rate, line.taxable_amount, line.tax_amount, line.count)
            if block == "10.3"
            else (line.day, line.invoice_number, line.rate, line.amount)
            for line in report.line_ids.filtered(lambda line: line.block == block)
        ]

    def prepared(self, period, role="SE"):
        period.action_prepare()
        return period.report_ids.filtered(lambda report: report.role == role).sorted("id")[-1:]

    def answer(self):
        self.send_all()
        self.env["einvoice.flow"]._cron_receive_flows()

    # --- the tests -------------------------------------------------------------------------------

    def test_periods_follow_the_vat_regime(self):
        periods = self.env["ereporting.period"].search([("company_id", "=", self.company.id)], order="kind, date_start")
        self.assertEqual(
            [(p.kind, p.date_start, p.date_end, p.deadline) for p in periods],
            [
                ("payments", SEPTEMBER[0], SEPTEMBER[1], datetime.date(2026, 10, 10)),
                ("payments", datetime.date(2026, 10, 1), datetime.date(2026, 10, 31), datetime.date(2026, 11, 10)),
                ("transactions", SEPTEMBER[0], SEPTEMBER[1], datetime.date(2026, 10, 10)),
                ("transactions", datetime.date(2026, 10, 1), datetime.date(2026, 10, 31), datetime.date(2026, 11, 10)),
            ],
        )
        self.assertEqual(self.period.state, "grace", "September is over and not reported yet")
        # Generating again creates nothing new.
        self.assertFalse(self.env["ereporting.period"]._generate(self.company, until=datetime.date(2026, 10, 31)))

    def test_a_month_gives_the_expected_figures_per_block(self):
        self.month()
        sales = self.prepared(self.period)
        self.assertEqual(sales.state, "ready", sales.finding_ids.mapped("message"))
        self.assertEqual(sales.flow_type, "MultiFlowReport")
        # 10.3: the 4th, goods at 20 % (less the credit note) and 5.5 %, services at 20 % and 10 %.
        self.assertEqual(
            self.figures(sales, "10.3"),
            [
                (day("04"), "TLB1", 20.0, 90.0, 18.0, 2),
                (day("04"), "TLB1", 5.5, 40.0, 2.2, 0),
                (day("04"), "TPS1", 20.0, 200.0, 40.0, 2),
                (day("04"), "TPS1", 10.0, 80.0, 8.0, 0),
            ],
        )
        # 10.1: the export, the intra-EU goods and services, by invoice.
        entries = sales.line_ids.filtered(lambda line: line.block == "10.1")
        self.assertEqual(
            sorted((line.invoice_number, line.taxable_amount, line.tax_amount) for line in entries),
            sorted(
                [
                    (self.export.name, 500.0, 0.0),
                    (self.intra_goods.name, 1000.0, 0.0),
                    (self.intra_service.name, 300.0, 0.0),
                ]
            ),
        )
        self.assertEqual(
            set(sales.move_ids.ids),
            {
                self.b2c_mixed.id,
                self.b2c_service.id,
                self.b2c_refund.id,
                self.export.id,
                self.intra_goods.id,
                self.intra_service.id,
            },
        )
        xml = sales.attachment_id.raw
        self.assertEqual(validate(xml).fatal, [])
        parsed = parse_report(xml)
        self.assertEqual((parsed.period.start, parsed.period.end), SEPTEMBER)
        self.assertEqual(parsed.document.declarant.role, "SE")
        by_id = {entry.id: entry for entry in parsed.transactions.invoices}
        self.assertEqual(by_id[self.intra_goods.name].buyer.scheme, "0223")
        self.assertEqual(by_id[self.export.name].buyer.scheme, "0227")
        self.assertEqual([s.category for s in by_id[self.intra_goods.name].tax_subtotals], ["K"])
        # The international purchase goes in a report of its own, as the buyer (TT-15 BY).
        purchases = self.period.report_ids.filtered(lambda report: report.role == "BY")
        self.assertEqual(purchases.state, "ready", purchases.finding_ids.mapped("message"))
        self.assertEqual(purchases.flow_type, "UnitarySupplierTransactionReport")
        [entry] = parse_report(purchases.attachment_id.raw).transactions.invoices
        self.assertEqual(
            (entry.id, entry.seller.scheme, entry.seller.company_id), ("RE-2026-0912", "0223", "DE136695976")
        )
        self.assertEqual((entry.tax_exclusive_amount, entry.tax_subtotals[0].category), (2000, "K"))
        # 10.4: the consumers' service payments per day (the goods' VAT was due at invoicing); 10.2: the
        # intra-EU service paid.
        payments = self.prepared(self.payments_period)
        self.assertEqual(payments.state, "ready", payments.finding_ids.mapped("message"))
        self.assertEqual(
            self.figures(payments, "10.4"),
            [(day("20"), False, 20.0, 100.0), (day("21"), False, 10.0, 88.0), (day("25"), False, 20.0, 140.0)],
        )
        self.assertEqual(self.figures(payments, "10.2"), [(day("28"), self.intra_service.name, 0.0, 300.0)])
        self.assertEqual(validate(payments.attachment_id.raw).fatal, [])
        self.assertEqual(self.payments_period.state, "ready")

    def test_purchases_from_outside_the_eu(self):
        """A service bought from the United States is e-reported (reverse charge, AE); imported goods
        are not (customs declares them); an intra-EU purchase beside them keeps its K."""
        self.month()
        us_service = self.make_invoice(
            self.american_customer,
            [(self.service, 1, 1200.0, self._tax("tva_purchase_service_20_import"))],
            move_type="in_invoice",
            invoice_date=day("16"),
            ref="US-INV-77",
        )
        us_goods = self.make_invoice(
            self.american_customer,
            [(self.goods, 3, 100.0, self._tax("tva_import_outside_eu_20"))],
            move_type="in_invoice",
            invoice_date=day("17"),
            ref="US-INV-78",
        )
        self.assertEqual((us_service.l10n_fr_operation_category, us_goods.l10n_fr_operation_category), ("S", "B"))
        self.period.action_prepare()
        purchases = self.period.report_ids.filtered(lambda report: report.role == "BY").sorted("id")[-1:]
        self.assertEqual(purchases.state, "ready", purchases.finding_ids.mapped("message"))
        xml = purchases.attachment_id.raw
        self.assertEqual(validate(xml).fatal, [])
        entries = {entry.id: entry for entry in parse_report(xml).transactions.invoices}
        self.assertEqual(set(entries), {"RE-2026-0912", "US-INV-77"}, "the imported goods are left to customs")
        us = entries["US-INV-77"]
        self.assertEqual(
            (us.seller.scheme, us.seller.country, us.seller.company_id), ("0227", "US", "USAcme Trading Inc")
        )
        self.assertEqual(
            (us.tax_exclusive_amount, us.tax_amount, us.tax_subtotals[0].category, us.billing_frame),
            (1200, 0, "AE", "S1"),
        )
        self.assertEqual(entries["RE-2026-0912"].tax_subtotals[0].category, "K")
        self.assertIn(us_service, purchases.move_ids)
        self.assertNotIn(us_goods, purchases.move_ids)

    def test_every_figure_opens_its_journal_items(self):
        self.month()
        sales = self.prepared(self.period)
        goods = sales.line_ids.filtered(
            lambda line: line.block == "10.3" and line.category == "TLB1" and line.rate == 20
        )
        items = self.env["account.move.line"].search(goods.action_open_move_lines()["domain"])
        self.assertEqual(items.move_id, self.b2c_mixed | self.b2c_refund)
        self.assertEqual(sorted(items.mapped("balance")), [-100.0, 10.0])
        payments = self.prepared(self.payments_period)
        split = payments.line_ids.filtered(lambda line: line.block == "10.4" and line.day == day("25"))
        items = self.env["account.move.line"].search(split.action_open_move_lines()["domain"])
        self.assertEqual(items.move_id.origin_payment_id.amount, 140.0)

    def test_sent_accepted_and_the_lock_dates_move(self):
        self.month()
        sales = self.prepared(self.period)
        sales.action_send()
        self.assertEqual((sales.state, self.period.state, sales.flow_id.syntax), ("sent", "sent", "FRR"))
        self.answer()
        stored = self.pa.flows[sales.flow_id.platform_flow_id]
        self.assertEqual(stored["content"], sales.attachment_id.raw)
        self.assertEqual(stored["flow"]["flowType"], "MultiFlowReport")
        self.assertEqual(stored["flow"]["processingRule"], "B2BInt")
        self.assertEqual((sales.state, sales.answer_code), ("accepted", "300"))
        self.assertEqual(self.company.sale_lock_date, SEPTEMBER[1])
        purchases = self.period.report_ids.filtered(lambda report: report.role == "BY")
        self.assertEqual(purchases.state, "ready")
        purchases.action_send()
        self.answer()
        self.assertEqual((purchases.state, self.period.state), ("accepted", "accepted"))
        self.assertEqual(self.company.purchase_lock_date, SEPTEMBER[1])

    def test_a_rejection_shows_its_reason_and_is_corrected(self):
        self.month()
        sales = self.prepared(self.period)
        self.pa.report_answers.append(("301", "REJ_COH", "Les totaux du bloc 10.3 sont incohérents"))
        sales.action_send()
        self.answer()
        self.assertEqual(
            (sales.state, sales.answer_code, sales.rejection_code, sales.rejection_reason),
            ("rejected", "301", "REJ_COH", "REJ_COH"),
        )
        self.assertIn("Les totaux du bloc 10.3 sont incohérents", sales.rejection_message)
        self.assertEqual(self.period.state, "rejected")
        self.assertFalse(self.company.sale_lock_date, "nothing was accepted: the books stay open")
        action = sales.action_correct()
        correction = self.env["ereporting.report"].browse(action["res_id"])
        self.assertEqual(
            (correction.type_code, correction.corrected_report_id, correction.state), ("RE", sales, "ready")
        )
        self.assertNotEqual(correction.name, sales.name, "a correction has its own transmission id (G8.05)")
        document = parse_report(correction.attachment_id.raw).document
        self.assertEqual((document.type_code, document.id), ("RE", correction.name))
        correction.action_send()
        self.answer()
        self.assertEqual((correction.state, correction.answer_code), ("accepted", "300"))
        self.assertEqual(sales.state, "rejected", "the rejected report keeps its answer")
        self.assertEqual(self.company.sale_lock_date, SEPTEMBER[1])

    def test_the_same_transmission_twice_is_refused_as_already_received(self):
        self.month()
        sales = self.prepared(self.period)
        sales.action_send()
        self.answer()
        self.assertEqual(sales.state, "accepted")
        # A second flow of the same transmission (the same id) is refused by the uniqueness check.
        flow = self.env["einvoice.flow"]._queue(
            self.platform, sales.flow_type, self.env["account.move"], syntax="FRR", attachment=sales.attachment_id
        )
        self.send_all()
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(flow.state, "rejected")
        self.assertIn("REJ_UNI", flow.error)

    def test_the_reconciliation_is_zero_and_names_a_move_left_out(self):
        self.month()
        self.env["einvoice.flow"]._cron_send_flows()
        sales = self.prepared(self.period)
        self.period.action_reconcile()
        self.assertEqual(self.period.books_turnover, 2660.0)
        self.assertEqual(self.period.books_vat, 158.2)
        self.assertEqual(self.period.einvoiced_turnover, 450.0)
        self.assertEqual(self.period.ereported_turnover, 2210.0)
        self.assertEqual(self.period.difference_turnover, 0.0)
        self.assertFalse(self.period.reconciliation_line_ids)
        # An invoice to a company without a country cannot leave: it is in neither flow.
        nowhere = self.env["res.partner"].create({"name": "Sans Adresse SARL", "is_company": True})
        left_out = self.make_invoice(nowhere, [(self.service, 1, 120.0, self.tax_20)], invoice_date=day("29"))
        sales.action_prepare()
        self.period.action_reconcile()
        [line] = self.period.reconciliation_line_ids
        self.assertEqual((line.move_id, line.difference, line.books_vat), (left_out, 120.0, 24.0))
        self.assertIn("Not e-invoiced", line.explanation)
        self.assertEqual(self.period.difference_turnover, 120.0)

    def test_the_cron_sends_at_the_deadline_and_warns_when_blocked(self):
        self.month()
        nowhere = self.env["res.partner"].create({"name": "Sans Pays SARL", "is_company": True})
        self.make_invoice(nowhere, [(self.service, 1, 120.0, self.tax_20)], invoice_date=day("29"))
        self.env["ereporting.period"]._cron_ereporting()
        # The deadline (10 October) is past: the payments are prepared and sent; the transactions wait,
        # since a partner has no country, and the accountant has an activity saying so.
        self.assertEqual(self.payments_period.state, "sent")
        self.assertEqual(self.period.state, "ready")
        activity = self.period.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("Sans Pays SARL has no country", activity.note)
        self.env["ereporting.period"]._cron_ereporting()
        self.assertEqual(len(self.period.activity_ids), 1, "warned once")
        self.answer()
        self.assertEqual(self.payments_period.state, "accepted")

    def test_a_report_with_findings_cannot_be_sent(self):
        self.month()
        self.platform.ereporting_matricule = False
        sales = self.prepared(self.period)
        self.assertEqual(sales.state, "blocked")
        self.assertIn("G6.22", sales.finding_ids.mapped("rule_id"))
        with self.assertRaisesRegex(Exception, "cannot be sent"):
            sales.action_send()
