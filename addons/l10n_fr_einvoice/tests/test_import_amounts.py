from decimal import Decimal

from odoo.tests import tagged

from einvoice import api as einvoice_api
from einvoice import calc
from einvoice.testing import cases

from .common import EinvoiceCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestImportAmounts(EinvoiceCommon):
    """Received bills owe what the file says: amount already paid (BT-113), amount due (BT-115), self-assessed VAT."""

    def _chart(self, xml_id):
        return self.env["account.chart.template"].with_company(self.buyer_company).ref(xml_id)

    def _body(self, bill):
        return " ".join(bill.message_ids.mapped("body"))

    def _import_deposit(self):
        """The deposit invoice A2026-0016 the final invoice deducts: 3,000 + 20 % VAT, received and posted."""
        deposit = cases.base("A2026-0016", "S1", [cases.line(1, "Acompte 30 % mission", 1, "3000")], type_code="386")
        bill = self.import_bill(einvoice_api.build(calc.compute(deposit), "cii"), "A2026-0016.xml")
        bill.action_post()
        self.assertEqual(bill.amount_total, 3600.0)
        return bill

    def test_final_invoice_after_deposit_settled_against_the_deposit_bill(self):
        deposit = self._import_deposit()
        bill = self.import_bill(einvoice_api.build(cases.final_after_deposit(), "cii"), "F2026-0017.xml")
        self.assertEqual(bill.l10n_fr_preceding_move_ids, deposit)
        self.assertEqual(bill.l10n_fr_prepaid_amount, 3600.0)
        self.assertEqual(bill.amount_total, 12000.0)
        body = self._body(bill)
        for expected in (
            "Total without VAT (BT-109): 10000.00 in the file and on the bill",
            "VAT total (BT-110): 2000.00 in the file and on the bill",
            "Total with VAT (BT-112): 12000.00 in the file and on the bill",
            "Amount already paid (BT-113): 3600.00 in the file and on the bill",
            "Amount due (BT-115): 8400.00 in the file and on the bill",
            "Totals match the file",
            f"settled against {deposit.display_name}",
        ):
            self.assertIn(expected, body)

        bill.action_post()
        self.assertEqual(bill.amount_residual, 8400.0)
        self.assertEqual(bill.payment_state, "partial")
        entry = bill.l10n_fr_prepaid_move_id
        self.assertEqual(entry.state, "posted")
        # The deposit's expense and VAT are taken back: the final bill books the whole 10,000 and 2,000.
        expense = deposit.invoice_line_ids.account_id
        vat_account = deposit.line_ids.filtered(lambda line: line.display_type == "tax").account_id
        credits = {line.account_id: line.credit for line in entry.line_ids if line.credit}
        self.assertEqual(credits, {expense: 3000.0, vat_account: 600.0})
        payable = entry.line_ids.filtered(lambda line: line.account_id == bill.partner_id.property_account_payable_id)
        self.assertEqual(payable.debit, 3600.0)
        self.assertTrue(payable.reconciled)
        vat_tags = deposit.line_ids.filtered(lambda line: line.display_type == "tax").tax_tag_ids
        self.assertTrue(vat_tags)
        self.assertEqual(entry.line_ids.filtered(lambda line: line.account_id == vat_account).tax_tag_ids, vat_tags)

        # Reset and posted again: the same settlement is reconciled again, none is added.
        bill.button_draft()
        self.assertEqual(bill.amount_residual, 12000.0)
        bill.action_post()
        self.assertEqual(bill.amount_residual, 8400.0)
        self.assertEqual(bill.l10n_fr_prepaid_move_id, entry)

    def test_deposit_not_found_goes_against_the_advances_paid(self):
        bill = self.import_bill(einvoice_api.build(cases.final_after_deposit(), "ubl"), "F2026-0017.xml")
        self.assertFalse(bill.l10n_fr_preceding_move_ids)
        self.assertIn("settled against the advances paid to the supplier", self._body(bill))
        bill.action_post()
        self.assertEqual(bill.amount_residual, 8400.0)
        entry = bill.l10n_fr_prepaid_move_id
        advances = self._chart("pcg_4091")
        self.assertEqual(entry.line_ids.filtered(lambda line: line.account_id == advances).credit, 3600.0)
        self.assertEqual(entry.line_ids.filtered(lambda line: line.credit).account_id, advances)

        # Cancelled, the bill owes nothing and the advance is back where it was.
        bill.button_cancel()
        self.assertEqual(bill.state, "cancel")
        reversal = entry.reversal_move_ids
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(reversal.line_ids.filtered(lambda line: line.account_id == advances).debit, 3600.0)
        self.assertTrue(all(entry.line_ids.filtered(lambda line: line.account_id.reconcile).mapped("reconciled")))
        self.assertFalse(bill.l10n_fr_prepaid_move_id)

    def test_already_paid_invoice_leaves_nothing_due(self):
        invoice = cases.already_paid()
        self.assertEqual((invoice.totals.prepaid, invoice.totals.due), (Decimal("288.00"), Decimal("0.00")))
        bill = self.import_bill(einvoice_api.build(invoice, "cii"), "F2026-0018.xml")
        self.assertIn("Amount due (BT-115): 0.00 in the file and on the bill", self._body(bill))
        bill.action_post()
        self.assertEqual(bill.amount_total, 288.0)
        self.assertEqual(bill.amount_residual, 0.0)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))

    def test_amount_paid_differing_from_the_file_is_said(self):
        invoice = cases.final_after_deposit()
        invoice.totals.due = Decimal("8000.00")  # the file's BT-115 does not follow from BT-112 - BT-113
        bill = self.import_bill(einvoice_api.build(invoice, "cii"), "F2026-0017.xml")
        self.assertIn(
            "Amount due (BT-115): the file says 8000.00, the bill computes 8400.0 (difference -400.0)",
            self._body(bill),
        )

    def _assert_self_assessed(self, bill, tax, base, vat, due_account):
        self.assertEqual(bill.invoice_line_ids.tax_ids, tax)
        bill.action_post()
        self.assertEqual(bill.amount_untaxed, base)
        self.assertEqual(bill.amount_tax, 0.0)
        self.assertEqual(bill.amount_residual, base)
        tax_lines = bill.line_ids.filtered(lambda line: line.display_type == "tax")
        deductible = self._chart("pcg_445662")
        self.assertEqual(
            {(line.account_id, line.debit, line.credit) for line in tax_lines},
            {(deductible, vat, 0.0), (due_account, 0.0, vat)},
        )
        self.assertIn("the VAT is self-assessed with the tax", self._body(bill))
        self.assertNotIn("lines with it have no tax", self._body(bill))

    def test_reverse_charge_self_assessed(self):
        bill = self.import_bill(einvoice_api.build(cases.reverse_charge_construction(), "cii"), "F2026-0011.xml")
        # Subcontracted works (frame S1): services.
        self._assert_self_assessed(
            bill, self._chart("tva_intra_normale_services"), 8000.0, 1600.0, self._chart("pcg_44521")
        )

    def test_intra_community_acquisition_self_assessed(self):
        bill = self.import_bill(einvoice_api.build(cases.intra_eu_supply(), "ubl"), "F2026-0012.xml")
        # Goods (frame B1).
        self._assert_self_assessed(
            bill, self._chart("tva_intra_normale_biens"), 15000.0, 3000.0, self._chart("pcg_4452")
        )

    def test_company_reverse_charge_tax_preferred(self):
        domestic = self._chart("tva_intra_normale_services").copy(
            {"name": "20% autoliquidation BTP", "l10n_fr_vat_category": "AE"}
        )
        bill = self.import_bill(einvoice_api.build(cases.reverse_charge_construction(), "cii"), "F2026-0011.xml")
        self.assertEqual(bill.invoice_line_ids.tax_ids, domestic)

    def test_foreign_currency_vat_in_euros_as_the_file_states(self):
        self.env.ref("base.USD").active = True
        invoice = cases.foreign_currency()
        self.assertEqual(
            (invoice.totals.tax_total, invoice.totals.tax_total_accounting), (Decimal("900.00"), Decimal("828.00"))
        )
        bill = self.import_bill(einvoice_api.build(invoice, "cii"), "F2026-0023.xml")
        self.assertEqual(bill.currency_id.name, "USD")
        self.assertAlmostEqual(bill.invoice_currency_rate, 900 / 828)
        body = self._body(bill)
        self.assertIn("VAT total in the VAT accounting currency (BT-111): 828.00 in the file and on the bill", body)
        self.assertIn("Totals match the file", body)
        bill.action_post()
        tax_line = bill.line_ids.filtered(lambda line: line.display_type == "tax")
        self.assertEqual((tax_line.amount_currency, tax_line.debit), (900.0, 828.0))
        self.assertEqual(bill.amount_untaxed_signed, -4140.0)

    def test_vat_rounded_per_rate_as_the_file_states(self):
        """The seller rounds VAT once per rate (BR-CO-17), Odoo per line here: the bill books the file's VAT."""
        self.buyer_company.tax_calculation_rounding_method = "round_per_line"
        # Three lines of 0.10 at 5.5 %: 0.01 of VAT per line in Odoo, 0.02 on the whole in the file.
        lines = [cases.line(n, f"Vis {n}", 1, "0.10", rate="5.5") for n in (1, 2, 3)]
        document = calc.compute(cases.base("F2026-0301", "B1", lines))
        self.assertEqual(document.totals.tax_total, Decimal("0.02"))
        bill = self.import_bill(einvoice_api.build(document, "cii"), "F2026-0301.xml")
        self.assertEqual(bill.amount_tax, 0.02)
        self.assertEqual(bill.amount_total, 0.32)
        body = self._body(bill)
        self.assertIn("VAT at 5.5 %: booked as the file states it, 0.02", body)
        self.assertIn("Totals match the file", body)
        bill.action_post()
        self.assertEqual(bill.amount_residual, 0.32)

    def test_vat_difference_beyond_rounding_is_left_and_said(self):
        """A VAT amount that rounding cannot explain is the seller's error: the bill keeps its own and says so."""
        document = calc.compute(cases.base("F2026-0302", "B1", [cases.line(1, "Chaise", 1, "100")]))
        document.vat_breakdown[0].tax_amount = Decimal("25.00")  # 20 % of 100 is 20
        document.totals.tax_total = Decimal("25.00")
        document.totals.tax_inclusive = document.totals.due = Decimal("125.00")
        bill = self.import_bill(einvoice_api.build(document, "cii"), "F2026-0302.xml")
        self.assertEqual(bill.amount_tax, 20.0)
        body = self._body(bill)
        self.assertNotIn("booked as the file states it", body)
        self.assertIn("VAT total (BT-110): the file says 25.00, the bill computes 20.0", body)
