from decimal import Decimal as D

from lxml import etree

from odoo import Command
from odoo.tests import tagged

from einvoice.cii import NSMAP, parse_cii
from einvoice.testing import cases
from einvoice.ubl import parse_ubl

from .common import ISSUE_DATE, EinvoiceCommon

GROUP_XPATH = (
    "//ram:IncludedSupplyChainTradeLineItem[ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode='GROUP']"
)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestMultiVendor(EinvoiceCommon):
    """Frame 8: the company invoices its own sales and another seller's on one invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_seller = cls._french_company(
            "Menuiserie Martin SAS",
            cases.OTHER_SELLER_SIRET,
            cases.OTHER_SELLER_VAT,
            "3 chemin des Scieries",
            "74000",
            "Annecy",
        )

    def multi_vendor_invoice(self, other_ref="MM-2026-0042", post=True, **line_values):
        lines = [
            # (product or name, quantity, price, tax, sold by)
            (self.goods, 4, 89.90, self.tax_20, None),
            ("Livre d'architecture", 2, 40.0, self.tax_10, None),
            ("Bibliothèque sur mesure", 1, 1200.0, self.tax_20, self.other_seller),
            ("Pose de la bibliothèque", 4, 55.0, self.tax_10, self.other_seller),
        ]
        commands = []
        for product, quantity, price, tax, seller in lines:
            values = {"quantity": quantity, "price_unit": price, "tax_ids": [Command.set(tax.ids)]}
            values.update({"name": product} if isinstance(product, str) else {"product_id": product.id})
            if seller:
                values.update(l10n_fr_seller_partner_id=seller.id, l10n_fr_seller_invoice_ref=other_ref, **line_values)
            commands.append(Command.create(values))
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": ISSUE_DATE,
                "invoice_payment_term_id": self.env.ref("account.account_payment_term_30days").id,
                "l10n_fr_frame_kind": "8",
                "invoice_line_ids": commands,
            }
        )
        if post:
            move.action_post()
        return move

    def test_export_and_import_back(self):
        move = self.multi_vendor_invoice()
        self.assertEqual(move.l10n_fr_billing_frame, "B8")
        self.assertTrue(move.l10n_fr_multi_seller)
        xml, report = self.assert_valid(move)
        self.assertIn("BR-FR CII", report.rule_sets)
        root = etree.fromstring(xml)
        # EXTENDED-CTC-FR content, whatever the customer's usual profile (Factur-X EXTENDED in a PDF).
        guideline = root.findtext(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NSMAP)
        self.assertIn("extended", guideline)
        groups = root.xpath(GROUP_XPATH, namespaces=NSMAP)
        afl = "ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument[ram:ReferenceTypeCode='%s']"
        self.assertEqual(
            [g.findtext(afl % "AFL" + "/ram:IssuerAssignedID", namespaces=NSMAP) for g in groups],
            [move.name, "MM-2026-0042"],
        )
        self.assertEqual(
            [g.findtext(afl % "AVV" + "/ram:IssuerAssignedID", namespaces=NSMAP) for g in groups], ["B1", "B1"]
        )
        seller_ids = [
            g.findtext(
                "ram:SpecifiedLineTradeAgreement/ram:ItemSellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID",
                namespaces=NSMAP,
            )
            for g in groups
        ]
        self.assertEqual(seller_ids, [cases.SELLER_SIREN, cases.OTHER_SELLER_SIREN])
        document = parse_cii(xml)
        self.assertEqual(
            [line.vat_exemption_reason for line in document.lines],
            [f"#{move.name}#"] * 2 + ["#MM-2026-0042#"] * 2,
        )
        self.assertEqual(
            [(v.exemption_reason, v.rate, v.taxable_amount, v.tax_amount) for v in document.vat_breakdown],
            [
                (f"#{move.name}#", 20, D("359.60"), D("71.92")),
                (f"#{move.name}#", 10, D("80.00"), D("8.00")),
                ("#MM-2026-0042#", 20, D("1200.00"), D("240.00")),
                ("#MM-2026-0042#", 10, D("220.00"), D("22.00")),
            ],
        )
        own, other = document.sub_invoices
        self.assertEqual((own.net_amount, own.tax_amount, own.gross_amount), (D("439.60"), D("79.92"), D("519.52")))
        self.assertEqual((other.net_amount, other.tax_amount, other.gross_amount), (D(1420), D(262), D(1682)))
        self.assertEqual(document.totals.tax_inclusive, D("2201.52"))
        self.assertAlmostEqual(move.amount_total, 2201.52)

        bill = self.import_bill(xml, "multi-vendeur.xml")
        self.assertEqual(bill.partner_id.l10n_fr_siren, cases.SELLER_SIREN)
        self.assertEqual(bill.ref, move.name)
        self.assertEqual(bill.l10n_fr_frame_kind, "8")
        # The detail lines are booked, once; the summary lines are not.
        lines = bill.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        self.assertEqual(len(lines), 4)
        self.assertEqual(lines.mapped("price_subtotal"), [359.60, 80.0, 1200.0, 220.0])
        self.assertEqual([line.tax_ids.amount for line in lines], [20.0, 10.0, 20.0, 10.0])
        self.assertFalse(lines[:2].l10n_fr_seller_partner_id)
        self.assertEqual(lines[2:].l10n_fr_seller_partner_id.l10n_fr_siren, cases.OTHER_SELLER_SIREN)
        self.assertEqual(set(lines[2:].mapped("l10n_fr_seller_invoice_ref")), {"MM-2026-0042"})
        self.assertAlmostEqual(bill.amount_untaxed, 1859.60)
        self.assertAlmostEqual(bill.amount_tax, 341.92)
        self.assertAlmostEqual(bill.amount_total, 2201.52)
        body = " ".join(bill.message_ids.mapped("body"))
        self.assertIn("Totals match the file", body)
        self.assertIn("2 sub-invoice(s)", body)

    def test_missing_seller_invoice_number_is_a_clear_problem(self):
        move = self.multi_vendor_invoice(other_ref=False)
        _xml, _report, problems = move._l10n_fr_einvoice_xml()
        messages = [p["message"] for p in problems]
        self.assertTrue(any("Menuiserie Martin SAS" in m and "invoice number" in m for m in messages), messages)

    def test_seller_without_siren_or_country_is_a_clear_problem(self):
        self.other_seller.write({"siret": False, "vat": False, "country_id": False})
        self.other_seller.l10n_fr_siren = False
        move = self.multi_vendor_invoice()
        _xml, _report, problems = move._l10n_fr_einvoice_xml()
        found = [p for p in problems if p["rule_id"] == "BR-FR-MV-03"]
        self.assertEqual(len(found), 1, problems)
        self.assertIn("its SIREN and its country", found[0]["message"])
        self.assertEqual((found[0]["fix_model"], found[0]["fix_res_id"]), ("res.partner", self.other_seller.id))

    def test_ubl_customer_gets_ubl_extended_ctc_fr(self):
        self.customer.invoice_edi_format = "fr_ubl"
        move = self.multi_vendor_invoice()
        xml, report = self.assert_valid(move)
        self.assertEqual(report.rule_sets, ["XSD UBL 2.1 Invoice", "EXTENDED-CTC-FR UBL", "BR-FR UBL"])
        document = parse_ubl(xml)
        self.assertEqual([sub.number for sub in document.sub_invoices], [move.name, "MM-2026-0042"])
        self.assertEqual(len(document.lines), 4)

    def test_credit_note_names_each_credited_sub_invoice(self):
        move = self.multi_vendor_invoice()
        refund = move._reverse_moves([{"invoice_date": move.invoice_date}])
        self.assertEqual(refund.l10n_fr_frame_kind, "8")
        other_lines = refund.invoice_line_ids.filtered("l10n_fr_seller_partner_id")
        self.assertEqual(len(other_lines), 2, "the reversal keeps who sold each line")
        other_lines.l10n_fr_seller_invoice_ref = "MM-AV-2026-0007"  # the other seller's credit note
        refund.action_post()
        xml, _report = self.assert_valid(refund)
        document = parse_cii(xml)
        self.assertEqual(document.type_code, "381")
        self.assertEqual(
            [(sub.number, sub.preceding_invoice.number) for sub in document.sub_invoices],
            [(refund.name, move.name), ("MM-AV-2026-0007", "MM-2026-0042")],
        )
        self.assertEqual({sub.preceding_invoice.issue_date for sub in document.sub_invoices}, {ISSUE_DATE})

    def test_bidirectional_self_billed_bill(self):
        """Frame 9: the company self-bills its supplier's sale and states its own sale back to it."""
        supplier = self.customer
        supplier.with_company(self.company).write(
            {"l10n_fr_self_billing": True, "l10n_fr_self_billing_ref": "MANDAT-2026-09"}
        )
        bank = self.env["res.partner.bank"].create(
            {"acc_number": "FR1420041010050500013M02606", "partner_id": supplier.id, "allow_out_payment": True}
        )
        purchase_tax = self._tax("tva_acq_normale")
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": supplier.id,
                "partner_bank_id": bank.id,
                "invoice_date": ISSUE_DATE,
                "l10n_fr_frame_kind": "9",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Collecte de palettes",
                            "quantity": 10,
                            "price_unit": 25.0,
                            "tax_ids": [Command.set(purchase_tax.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "name": "Rachat de palettes usagées",
                            "quantity": 40,
                            "price_unit": 3.5,
                            "tax_ids": [Command.set(purchase_tax.ids)],
                            "l10n_fr_seller_partner_id": self.company.partner_id.id,
                            "l10n_fr_seller_invoice_ref": "AD-2026-0310",
                        }
                    ),
                ],
            }
        )
        bill.action_post()
        self.assertEqual((bill.l10n_fr_document_type, bill.l10n_fr_billing_frame), ("389", "S9"))
        xml, _report = self.assert_valid(bill)
        document = parse_cii(xml)
        self.assertEqual(
            [(sub.number, sub.seller.legal_id.value) for sub in document.sub_invoices],
            [(bill.name, cases.BUYER_SIREN), ("AD-2026-0310", cases.SELLER_SIREN)],
        )
        self.assertEqual([line.sub_invoice for line in document.lines], [bill.name, "AD-2026-0310"])

    def test_exempt_line_of_another_seller_keeps_its_legal_basis(self):
        move = self.multi_vendor_invoice(post=False)
        move.invoice_line_ids[3].tax_ids = self.tax_exempt
        move.action_post()
        xml, _report = self.assert_valid(move)
        document = parse_cii(xml)
        self.assertEqual(move.l10n_fr_billing_frame, "B8", "editing the lines keeps the frame chosen")
        exempt = document.lines[3]
        self.assertEqual(exempt.vat_category, "E")
        self.assertEqual(
            exempt.vat_exemption_reason,
            "#MM-2026-0042#Exonération de TVA, article 261-4-4° du CGI (formation professionnelle)",
        )
        self.assertEqual(exempt.vat_exemption_reason_code, "VATEX-FR-CGI261-4")
        entries = [v for v in document.vat_breakdown if v.category == "E"]
        self.assertEqual(
            [(v.exemption_reason, v.taxable_amount) for v in entries], [(exempt.vat_exemption_reason, D(220))]
        )
        self.assertEqual(document.totals.tax_total, D("319.92"))
