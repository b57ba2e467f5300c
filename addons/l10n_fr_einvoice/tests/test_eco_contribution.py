from odoo import Command
from odoo.tests import tagged

from einvoice import api as einvoice_api

from .common import EinvoiceCommon

ECO_NOTE = "Eco-participation (L. 541-10 du code de l'environnement)"


@tagged("post_install_l10n", "post_install", "-at_install")
class TestEcoContribution(EinvoiceCommon):
    """A fixed eco-contribution, subject to VAT, goes out as a line charge (BG-28, AEO) inside the VAT base."""

    @classmethod
    def eco_tax(cls, company, tax_use, amount=2.5, **values):
        france = cls.env.ref("base.fr")
        group = cls.env["account.tax.group"].create(
            {"name": "Éco-participation", "company_id": company.id, "country_id": france.id}
        )
        return cls.env["account.tax"].create(
            {
                "name": "Éco-participation DEEE",
                "company_id": company.id,
                "country_id": france.id,
                "tax_group_id": group.id,
                "type_tax_use": tax_use,
                "amount_type": "fixed",
                "amount": amount,
                "include_base_amount": True,  # the VAT applies to it (CGI art. 267)
                "sequence": 1,  # before the VAT of the French chart (sequence 10)
                **values,
            }
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eco = cls.eco_tax(cls.company, "sale")
        cls.fridge = cls._create_product(
            name="Réfrigérateur",
            type="consu",
            default_code="FRIGO-1",
            lst_price=400.0,
            taxes_id=[Command.set((cls.eco | cls.tax_20).ids)],
        )

    def exported(self, move, target=None):
        xml, _report = self.assert_valid(move, target)
        return xml, einvoice_api.load(xml).invoice

    def assert_fridge_line(self, document, net="805.00", charge="5.00", reason="Éco-participation DEEE"):
        line = document.lines[0]
        [adjustment] = line.allowances_charges
        self.assertEqual(
            (adjustment.is_charge, str(adjustment.amount), adjustment.reason_code, adjustment.reason),
            (True, charge, "AEO", reason),
        )
        self.assertEqual(str(line.net_amount), net)  # BT-131 includes the charge
        self.assertEqual((line.vat_category, str(line.vat_rate)), ("S", "20"))

    def test_tax_defaults(self):
        self.assertEqual((self.eco.l10n_fr_charge_reason_code, self.eco.l10n_fr_charge_note), ("AEO", ECO_NOTE))
        self.assertFalse(self.tax_20.l10n_fr_charge_reason_code)

    def test_eco_contribution_goes_out_as_a_line_charge_with_its_vat(self):
        move = self.make_invoice(
            lines=[(self.fridge, 2, 400.0, self.eco | self.tax_20), (self.service, 1, 100.0, self.tax_20)]
        )
        # Odoo: 800 + 2 x 2.50 eco-contribution, VAT 20 % on 805 and on 100.
        self.assertEqual((move.amount_untaxed, move.amount_tax, move.amount_total), (900.0, 186.0, 1086.0))
        for target in ("facturx", "ubl"):
            with self.subTest(target=target):
                xml, document = self.exported(move, target)
                self.assert_fridge_line(document)
                self.assertEqual(document.lines[1].allowances_charges, [])
                [breakdown] = document.vat_breakdown
                self.assertEqual((str(breakdown.taxable_amount), str(breakdown.tax_amount)), ("905.00", "181.00"))
                totals = document.totals
                self.assertEqual(
                    (str(totals.line_total), str(totals.tax_total), str(totals.tax_inclusive)),
                    ("905.00", "181.00", "1086.00"),
                )
                self.assertIn(("BLU", ECO_NOTE), [(note.subject_code, note.text) for note in document.notes])
        # Received by a buyer with a matching fixed tax: the bill books it as a tax, as the seller did.
        purchase_eco = self.eco_tax(self.buyer_company, "purchase")
        bill = self.import_bill(xml, "eco.xml")
        self.assertAlmostEqual(bill.amount_total, 1086.0, places=2)
        self.assertAlmostEqual(bill.amount_tax, 186.0, places=2)
        fridge_line = bill.invoice_line_ids[0]
        self.assertIn(purchase_eco, fridge_line.tax_ids)
        self.assertEqual((fridge_line.quantity, fridge_line.price_unit), (2.0, 400.0))
        self.assertIn("Totals match the file", " ".join(bill.message_ids.mapped("body")))
        self.assertFalse(bill.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.severity == "fatal"))

    def test_received_without_a_matching_tax_the_charge_stays_in_the_price(self):
        move = self.make_invoice(lines=[(self.fridge, 2, 400.0, self.eco | self.tax_20)])
        xml, _document = self.exported(move)
        bill = self.import_bill(xml, "eco.xml")
        line = bill.invoice_line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual((line.quantity, line.price_unit, len(line.tax_ids)), (2.0, 402.5, 1))
        self.assertAlmostEqual(bill.amount_total, move.amount_total, places=2)
        self.assertAlmostEqual(bill.amount_tax, 161.0, places=2)
        self.assertIn("Totals match the file", " ".join(bill.message_ids.mapped("body")))

    def test_price_included_eco_contribution(self):
        eco_included = self.eco_tax(
            self.company, "sale", name="Éco-participation DEEE TTC", price_include_override="tax_included"
        )
        # A price of 102.50 that includes the 2.50 eco-contribution, VAT on top: 2 x (100 + 2.50) x 1.20.
        move = self.make_invoice(lines=[(self.fridge, 2, 102.5, eco_included | self.tax_20)])
        self.assertEqual((move.amount_untaxed, move.amount_tax, move.amount_total), (200.0, 46.0, 246.0))
        for target in ("facturx", "ubl"):
            with self.subTest(target=target):
                _xml, document = self.exported(move, target)
                self.assert_fridge_line(document, net="205.00", reason="Éco-participation DEEE TTC")
                self.assertEqual(str(document.lines[0].price.net), "100")
                self.assertEqual(str(document.totals.tax_inclusive), "246.00")
        # Everything included, as shops show it to consumers: the file says what Odoo computed.
        move = self.make_invoice(lines=[(self.fridge, 2, 123.0, eco_included | self.tax_20_included)])
        eco = move._l10n_fr_charge_tax_amount()
        self.assertEqual(eco, 5.0)
        xml, document = self.exported(move)
        self.assert_fridge_line(document, net=f"{move.amount_untaxed + eco:.2f}", reason="Éco-participation DEEE TTC")
        self.assertEqual(str(document.totals.tax_inclusive), f"{move.amount_total:.2f}")
        self.assertEqual(str(document.totals.tax_total), f"{move.amount_tax - eco:.2f}")
        bill = self.import_bill(xml, "eco-ttc.xml")
        self.assertAlmostEqual(bill.amount_total, move.amount_total, places=2)

    def test_credit_note_with_eco_contribution(self):
        invoice = self.make_invoice(lines=[(self.fridge, 2, 400.0, self.eco | self.tax_20)])
        refund = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        refund.action_post()
        _xml, document = self.exported(refund, "ubl")
        self.assertEqual(document.type_code, "381")
        self.assert_fridge_line(document)
        self.assertEqual(str(document.totals.tax_inclusive), "966.00")

    def test_eco_contribution_outside_the_vat_base_is_refused(self):
        self.eco.include_base_amount = False
        move = self.make_invoice(lines=[(self.fridge, 1, 400.0, self.eco | self.tax_20)])
        _xml, _report, problems = move._l10n_fr_einvoice_xml()
        rules = [(p["rule_id"], p.get("fix_model")) for p in problems]
        self.assertIn(("BR-CO-17", "account.tax"), rules)
        self.assertIn(
            "Affect Base of Subsequent Taxes", next(p["message"] for p in problems if p["rule_id"] == "BR-CO-17")
        )
