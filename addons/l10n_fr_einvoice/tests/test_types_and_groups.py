from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from einvoice import api as einvoice_api
from einvoice.codes import NoteSubject

from .common import ISSUE_DATE, EinvoiceCommon

GROUP_SIREN, GROUP_VAT = "844123455", "FR10844123455"
SUPPLIER_IBAN = "FR1420041010050500013M02606"
#: Every billing frame 1 to 7 of BR-FR-08, and those the list leaves out.
FRAMES = ("B1", "S1", "M1", "B2", "S2", "M2", "S3", "B4", "S4", "M4", "S5", "S6", "B7", "S7")
NO_FRAMES = ("B3", "M3", "B5", "M5", "B6", "M6", "M7")


class RoundTrip(EinvoiceCommon):
    def round_trip(self, move, target=None):
        """Export valid, read back, then import as the buyer does: the bill owes what the file says."""
        xml, _report = self.assert_valid(move, target)
        document = einvoice_api.load(xml).invoice
        self.assertEqual(document.number, move.name)
        self.assertEqual(str(document.totals.tax_inclusive), f"{move.amount_total:.2f}")
        return xml, document

    def import_back(self, xml, move, company_data=None):
        bill = self.import_bill(xml, f"{move.name.replace('/', '_')}.xml", company_data)
        self.assertEqual(len(bill), 1)
        self.assertAlmostEqual(bill.amount_total, move.amount_total, places=2)
        self.assertAlmostEqual(bill.amount_tax, move.amount_tax, places=2)
        self.assertFalse(bill.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.severity == "fatal"))
        self.assertIn("Totals match the file", " ".join(bill.message_ids.mapped("body")))
        return bill


@tagged("post_install_l10n", "post_install", "-at_install")
class TestDocumentTypes(RoundTrip):
    """Document types 262, 471, 472 and 473 (G1.01, BR-FR-04) with what they ask of the references."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.customer
        cls.supplier.with_company(cls.company).write(
            {"l10n_fr_self_billing": True, "l10n_fr_self_billing_ref": "MANDAT-2026-07"}
        )
        cls.supplier_bank = cls.env["res.partner.bank"].create(
            {"acc_number": SUPPLIER_IBAN, "partner_id": cls.supplier.id, "allow_out_payment": True}
        )
        cls.purchase_tax_20 = cls._tax("tva_acq_normale")

    def corrected(self, original, code, move_type="out_invoice", **values):
        move = self.make_invoice(
            partner=original.partner_id,
            lines=[(self.service, 1, 520.0, original.invoice_line_ids.tax_ids)],
            move_type=move_type,
            post=False,
            **values,
        )
        move.write({"l10n_fr_document_type": code, "l10n_fr_preceding_move_ids": [Command.set(original.ids)]})
        move.action_post()
        return move

    def test_factored_corrected_invoice(self):
        original = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        corrected = self.corrected(original, "472")
        self.assertEqual(corrected.l10n_fr_document_type, "472")
        for target in ("facturx", "ubl"):
            with self.subTest(target=target):
                xml, document = self.round_trip(corrected, target)
                self.assertEqual(document.type_code, "472")
                self.assertEqual(
                    [(p.number, p.issue_date) for p in document.preceding_invoices], [(original.name, ISSUE_DATE)]
                )
        original_xml, _document = self.round_trip(original)
        original_bill = self.import_back(original_xml, original)
        bill = self.import_back(xml, corrected)
        self.assertEqual((bill.move_type, bill.l10n_fr_document_type), ("in_invoice", "472"))
        self.assertEqual(bill.l10n_fr_preceding_move_ids, original_bill)
        if "einvoice_superseded" in bill._fields:  # the lifecycle addon: the corrected bill must not be paid
            self.assertTrue(original_bill.einvoice_superseded)
            self.assertIn("(type 472)", original_bill.einvoice_superseded_reason)

    def test_self_billed_corrected_invoices(self):
        original = self.make_invoice(
            partner=self.supplier,
            lines=[("Transport Paris-Lyon", 2, 675.0, self.purchase_tax_20)],
            move_type="in_invoice",
            partner_bank_id=self.supplier_bank.id,
        )
        self.assertEqual(original.l10n_fr_document_type, "389")
        for code in ("471", "473"):
            with self.subTest(type=code):
                corrected = self.corrected(
                    original, code, move_type="in_invoice", partner_bank_id=self.supplier_bank.id
                )
                self.assertTrue(corrected._l10n_fr_is_self_billed())
                xml, document = self.round_trip(corrected)
                self.assertEqual(document.type_code, code)
                self.assertEqual(document.seller.siren, "552081317")  # the supplier sells
                self.assertEqual([p.number for p in document.preceding_invoices], [original.name])
                self.assertTrue(any(note.text.startswith("Autofacturation") for note in document.notes))
        # The supplier receives it among its sales, with the type the customer gave it.
        supplier_data = self.buyer_data
        journal = supplier_data["default_journal_sale"]
        attachment = self.env["ir.attachment"].create({"name": "autofacture.xml", "raw": xml})
        sale = (
            journal.with_company(supplier_data["company"])
            .with_context(default_move_type="out_invoice", allowed_company_ids=supplier_data["company"].ids)
            ._create_document_from_attachment(attachment.ids)
        )
        self.assertEqual((sale.move_type, sale.l10n_fr_document_type), ("out_invoice", "473"))
        self.assertAlmostEqual(sale.amount_total, corrected.amount_total, places=2)

    def test_self_billed_corrected_type_only_on_vendor_bills(self):
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], post=False)
        with self.assertRaisesRegex(ValidationError, "471 is a self-billed type"):
            invoice.l10n_fr_document_type = "471"
        refund = self.make_invoice(
            partner=self.supplier, lines=[("Remise", 1, 10.0, self.purchase_tax_20)], move_type="in_refund", post=False
        )
        with self.assertRaisesRegex(ValidationError, "use 261 or 502 on a vendor refund and 389, 471, 473, 500"):
            refund.l10n_fr_document_type = "473"

    def test_corrected_invoice_names_exactly_one_invoice(self):
        first = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        second = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        move = self.make_invoice(lines=[(self.service, 1, 500.0, self.tax_20)], post=False)
        move.l10n_fr_document_type = "384"
        _xml, _report, problems = move._l10n_fr_einvoice_xml()
        self.assertEqual([p["rule_id"] for p in problems], ["BR-FR-CO-04"])
        self.assertIn("names exactly one invoice", problems[0]["message"])
        # assertRaises (not ...Regex) rolls the failed posting back.
        with self.assertRaises(ValidationError) as caught:
            move.action_post()
        self.assertRegex(str(caught.exception), r"type 384\) names exactly one invoice.*names 0")
        move.l10n_fr_preceding_move_ids = first | second
        with self.assertRaises(ValidationError) as caught:
            move.action_post()
        self.assertIn("names 2", str(caught.exception))
        self.assertEqual(move.state, "draft")
        move.l10n_fr_preceding_move_ids = first
        move.action_post()
        _xml, document = self.round_trip(move)
        self.assertEqual(document.type_code, "384")

    def test_consolidated_credit_note(self):
        move = self.make_invoice(
            lines=[("Remise de fin d'année 2026 (2 %)", 1, 1240.0, self.tax_20)], move_type="out_refund", post=False
        )
        move.l10n_fr_document_type = "262"
        _xml, _report, problems = move._l10n_fr_einvoice_xml()
        self.assertEqual([p["rule_id"] for p in problems], ["BR-FR-CO-03"])
        move.write(
            {
                "l10n_fr_contract_ref": "CADRE-2026-04",
                "l10n_fr_period_start": fields.Date.to_date("2026-01-01"),
                "l10n_fr_period_end": fields.Date.to_date("2026-08-31"),
            }
        )
        move.action_post()
        self.assertEqual(move.l10n_fr_document_type, "262")
        for target in ("facturx", "ubl"):
            with self.subTest(target=target):
                xml, document = self.round_trip(move, target)
                self.assertEqual((document.type_code, document.is_credit_note), ("262", True))
                self.assertEqual(document.contract_reference, "CADRE-2026-04")
                self.assertEqual((str(document.period.start), str(document.period.end)), ("2026-01-01", "2026-08-31"))
                self.assertEqual(document.preceding_invoices, [])  # BR-FR-CO-05 does not ask it of a 262
        self.assertTrue(xml.startswith(b"<?xml") and b"CreditNote" in xml[:300])
        bill = self.import_back(xml, move)
        self.assertEqual((bill.move_type, bill.l10n_fr_document_type), ("in_refund", "262"))
        self.assertEqual((bill.l10n_fr_contract_ref, str(bill.l10n_fr_period_end)), ("CADRE-2026-04", "2026-08-31"))

    def test_credit_note_keeps_the_type_chosen(self):
        move = self.make_invoice(lines=[(self.goods, 1, 100.0, self.tax_20)], move_type="out_refund", post=False)
        self.assertEqual(move.l10n_fr_document_type, "381")
        move.l10n_fr_document_type = "396"
        move.invoice_line_ids.quantity = 2
        self.assertEqual(move.l10n_fr_document_type, "396")
        with self.assertRaisesRegex(ValidationError, "472 is an invoice type"):
            move.l10n_fr_document_type = "472"
        invoice = self.make_invoice(lines=[(self.goods, 1, 100.0, self.tax_20)], post=False)
        with self.assertRaisesRegex(ValidationError, "262 is a credit note type"):
            invoice.l10n_fr_document_type = "262"
        # Odoo's switch to a credit note takes an invoice type along to a credit note one.
        negative = self.make_invoice(lines=[(self.goods, 1, -100.0, self.tax_20)], post=False)
        negative.l10n_fr_document_type = "393"
        negative.action_switch_move_type()
        self.assertEqual((negative.move_type, negative.l10n_fr_document_type), ("out_refund", "381"))

    def test_invoicing_period_ends_after_it_starts(self):
        move = self.make_invoice(lines=[(self.goods, 1, 100.0, self.tax_20)], post=False)
        with self.assertRaisesRegex(ValidationError, "BR-29"):
            move.write(
                {
                    "l10n_fr_period_start": fields.Date.to_date("2026-09-01"),
                    "l10n_fr_period_end": fields.Date.to_date("2026-08-01"),
                }
            )


@tagged("post_install_l10n", "post_install", "-at_install")
class TestVatGroup(RoundTrip):
    """A member of a single VAT taxpayer (assujetti unique): BT-29 scheme 0231, note TXD, BG-11."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group = cls.env["res.partner"].create(
            {
                "name": "Groupe TVA Dupont",
                "is_company": True,
                "vat": GROUP_VAT,
                "street": "40 boulevard Haussmann",
                "zip": "75009",
                "city": "Paris",
                "country_id": cls.env.ref("base.fr").id,
            }
        )

    def join_group(self):
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        settings.write({"l10n_fr_vat_group_member": True, "l10n_fr_vat_group_partner_id": self.group.id})
        settings.execute()
        self.assertEqual(self.company.l10n_fr_vat_group_siren, GROUP_SIREN)

    def test_member_names_its_group(self):
        self.join_group()
        move = self.make_invoice(lines=[(self.goods, 3, 89.90, self.tax_20)])
        for target in ("facturx", "ubl"):
            with self.subTest(target=target):
                xml, document = self.round_trip(move, target)
                self.assertIn((GROUP_SIREN, "0231"), [(i.value, i.scheme) for i in document.seller.identifiers])
                self.assertEqual(document.seller.siren, "732829320")  # the member sells
                notes = [note.text for note in document.notes if note.subject_code == NoteSubject.TAX_DECLARATION]
                self.assertEqual(notes, ["MEMBRE_ASSUJETTI_UNIQUE"])
                representative = document.tax_representative
                self.assertEqual((representative.name, representative.vat_id), ("Groupe TVA Dupont", GROUP_VAT))
                self.assertEqual((representative.address.city, representative.address.country_code), ("Paris", "FR"))
        bill = self.import_back(xml, move)
        self.assertEqual(bill.partner_id.l10n_fr_siren, "732829320")

    def test_member_without_its_group_is_told(self):
        self.company.l10n_fr_vat_group_member = True
        move = self.make_invoice(lines=[(self.goods, 1, 89.90, self.tax_20)])
        _xml, _report, problems = move._l10n_fr_einvoice_xml()
        self.assertEqual([(p["rule_id"], p["fix_model"]) for p in problems], [("BR-FR-CO-15", "res.company")])
        with self.assertRaisesRegex(ValidationError, "VAT group SIREN: 123 is not a valid SIREN"):
            self.company.l10n_fr_vat_group_siren = "123"

    def test_not_a_member(self):
        move = self.make_invoice(lines=[(self.goods, 1, 89.90, self.tax_20)])
        _xml, document = self.round_trip(move)
        self.assertIsNone(document.tax_representative)
        self.assertNotIn("0231", [i.scheme for i in document.seller.identifiers])


@tagged("post_install_l10n", "post_install", "-at_install")
class TestBillingFrames(RoundTrip):
    """Every value of BR-FR-08 for frames 1 to 7 goes out valid and comes back with its frame."""

    def framed(self, frame, post=True):
        products = {"B": [self.goods], "S": [self.service], "M": [self.goods, self.service]}[frame[0]]
        move = self.make_invoice(lines=[(product, 2, 100.0, self.tax_20) for product in products], post=False)
        move.l10n_fr_frame_kind = frame[1]
        self.assertEqual(move.l10n_fr_billing_frame, frame)
        if post:
            move.action_post()
        return move

    def test_every_frame_exports_valid(self):
        for frame in FRAMES:
            with self.subTest(frame=frame):
                move = self.framed(frame)
                xml, document = self.round_trip(move)
                self.assertEqual(document.business_process, frame)
                if frame[1] == "2":
                    totals = document.totals
                    self.assertEqual((totals.prepaid, totals.due), (totals.tax_inclusive, 0))
                bill = self.import_back(xml, move)
                self.assertEqual(bill.l10n_fr_billing_frame, frame)

    def test_frames_ubl(self):
        for frame in ("M2", "S3", "S5", "S6", "B7"):
            with self.subTest(frame=frame):
                self.round_trip(self.framed(frame), "ubl")

    def test_frames_outside_the_list_are_refused(self):
        for frame in NO_FRAMES:
            with self.subTest(frame=frame), self.assertRaisesRegex(ValidationError, f"{frame} does not exist"):
                move = self.make_invoice(lines=[(self.goods, 1, 100.0, self.tax_20)], post=False)
                move.write({"l10n_fr_operation_category": frame[0], "l10n_fr_frame_kind": frame[1]})

    def test_final_invoice_frame_is_not_for_a_deposit(self):
        deposit = self.framed("S1", post=False)
        deposit.l10n_fr_document_type = "386"
        with self.assertRaisesRegex(ValidationError, r"S4 is a final invoice after deposits.*386.*BR-FR-CO-08"):
            deposit.l10n_fr_frame_kind = "4"

    def test_already_paid_is_due_on_the_payment_date(self):
        move = self.framed("S2")
        paid_on = fields.Date.to_date("2026-09-10")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"payment_date": paid_on}
        )._create_payments()
        _xml, document = self.round_trip(move)
        self.assertEqual(document.due_date, paid_on)
        self.assertEqual((document.totals.prepaid, document.totals.due), (document.totals.tax_inclusive, 0))
