import datetime

from odoo.exceptions import UserError
from odoo.tests import tagged

from einvoice.api import load
from einvoice.cdar import CdarParty, StatusDetail, StatusMessage, build_cdar, parse_cdar
from einvoice.testing import cases
from einvoice.validation import validate

from .common import PlatformCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSelfBilling(PlatformCommon):
    """Self-billed bills leave as SupplierInvoice flows and take their seller's statuses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.customer  # in the directory (PlatformCommon.setUp), receives as CII
        cls.supplier.with_company(cls.company).l10n_fr_self_billing = True
        cls.supplier_bank = cls.env["res.partner.bank"].create(
            {"acc_number": "FR1420041010050500013M02606", "partner_id": cls.supplier.id, "allow_out_payment": True}
        )
        cls.purchase_tax_20 = cls._tax("tva_acq_normale")

    def bill(self):
        return self.make_invoice(
            self.supplier,
            [("Transport Paris-Lyon", 2, 675.0, self.purchase_tax_20)],
            move_type="in_invoice",
            partner_bank_id=self.supplier_bank.id,
        )

    def seller_status(self, bill, status, reason_code=None, reason=None, message_id="REFUS-AF-0001"):
        """A status message of the supplier (the seller) on the self-billed invoice, as its platform sends it."""
        message = StatusMessage(
            id=message_id,
            issued_at=datetime.datetime.now().replace(microsecond=0),
            status=status,
            invoice_number=bill.name,
            invoice_date=bill.invoice_date,
            seller=CdarParty(id=cases.BUYER_SIREN, scheme="0002"),
            issuer=CdarParty(id=cases.BUYER_SIREN, scheme="0002", name="Client Industriel SA", role="SE"),
            recipients=[
                CdarParty(id=cases.SELLER_SIREN, scheme="0002", role="BY", uri=cases.SELLER_SIREN, uri_scheme="0225")
            ],
            details=[StatusDetail(reason_code=reason_code, reason=reason)] if reason_code else [],
        )
        return self.pa.deliver(build_cdar(message), f"{message_id}.xml", syntax="CDAR", flow_type="SupplierInvoiceLC")

    def test_posting_queues_one_supplier_invoice_flow_and_sends_it(self):
        self.fast(self.platform)
        bill = self.bill()
        self.assertEqual(bill.l10n_fr_document_type, "389")
        flow = bill.einvoice_flow_ids
        self.assertEqual((flow.state, flow.flow_type, flow.direction), ("queued", "SupplierInvoice", "out"))
        with self.assertRaisesRegex(UserError, "already sent or queued"):
            bill.action_einvoice_send_to_platform()
        self.assertEqual(len(bill.einvoice_flow_ids), 1, "queued once")
        self.send_all()
        self.assertEqual(flow.state, "sent")
        received = self.pa.submissions()
        self.assertEqual(len(received), 1)
        self.assertEqual(received[0]["flowType"], "SupplierInvoice", "a self-billed outgoing invoice")
        self.assertEqual(received[0]["flowSyntax"], "CII")
        self.assertEqual(received[0]["processingRule"], "B2B")
        content = self.pa.flows[flow.platform_flow_id]["content"]
        self.assertEqual(validate(content).fatal, [])
        invoice = load(content).invoice
        self.assertEqual((invoice.type_code, invoice.number), ("389", bill.name))
        self.assertEqual((invoice.seller.siren, invoice.buyer.name), (cases.BUYER_SIREN, self.company.name))
        self.assertEqual(str(invoice.totals.due), "1620.00")
        # The platform's 200 on it finds the bill by its own number and the seller's SIREN.
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(flow.state, "accepted")
        self.assertEqual(bill.einvoice_status, "200")
        self.assertEqual(bill.einvoice_event_ids.emitter, "issuer_platform")
        # A customer invoice still leaves as a CustomerInvoice.
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.assertEqual(invoice.einvoice_flow_ids.flow_type, "CustomerInvoice")

    def test_self_billed_credit_note_is_sent_as_a_261(self):
        self.fast(self.platform)
        bill = self.bill()
        refund = bill._reverse_moves([{"invoice_date": bill.invoice_date}])
        refund.partner_bank_id = self.supplier_bank
        refund.action_post()
        self.assertEqual(refund.l10n_fr_document_type, "261")
        self.assertEqual(refund.l10n_fr_preceding_move_ids, bill, "BG-3: the self-billed invoice it credits")
        self.assertEqual(refund.einvoice_flow_ids.flow_type, "SupplierInvoice")
        self.send_all()
        flow = refund.einvoice_flow_ids
        self.assertEqual(flow.state, "sent", flow.error)
        stored = self.pa.flows[flow.platform_flow_id]
        self.assertEqual(stored["flow"]["flowType"], "SupplierInvoice")
        credit_note = load(stored["content"]).invoice
        self.assertEqual((credit_note.type_code, credit_note.number), ("261", refund.name))
        self.assertEqual([p.number for p in credit_note.preceding_invoices], [bill.name])
        self.assertEqual(len(self.pa.submissions()), 2, "the invoice, then its credit note")

    def test_seller_refusal_is_recorded_on_the_bill_with_its_reason(self):
        self.fast(self.platform)
        bill = self.bill()
        self.send_all()
        self.env["einvoice.flow"]._cron_receive_flows()
        remote = self.seller_status(bill, "210", "TX_TVA_ERR", "Taux de TVA erroné : 10 % et non 20 %")
        self.env["einvoice.flow"]._cron_receive_flows()
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual((flow.state, flow.move_id), ("done", bill))
        self.assertEqual(bill.einvoice_status, "210")
        event = bill.einvoice_event_ids.filtered(lambda e: e.status == "210")
        self.assertEqual(
            (event.emitter, event.reason_code, event.reason),
            ("seller", "TX_TVA_ERR", "Taux de TVA erroné : 10 % et non 20 %"),
        )
        # The company issued it: it gives no recipient's status on it (the seller does).
        with self.assertRaisesRegex(UserError, "its seller, not the company"):
            bill._einvoice_give_status("205")

    def test_company_gives_payment_sent_on_the_self_billed_invoice(self):
        self.fast(self.platform)
        bill = self.bill()
        self.send_all()
        self.env["einvoice.flow"]._cron_receive_flows()
        bill.action_einvoice_payment_sent()
        event = bill.einvoice_event_ids.filtered(lambda e: e.status == "211")
        self.assertEqual(event.emitter, "buyer")
        flow = self.env["einvoice.flow"].search([("event_id", "=", event.id)])
        self.assertEqual((flow.flow_type, flow.syntax, flow.state), ("SupplierInvoiceLC", "CDAR", "queued"))
        self.send_all()
        message = parse_cdar(self.pa.flows[flow.platform_flow_id]["content"])
        self.assertEqual((message.status, message.invoice_number), ("211", bill.name))
        self.assertEqual((message.issuer.role, message.seller.id), ("BY", cases.BUYER_SIREN))

    def test_company_completes_the_self_billed_invoice_its_seller_suspended(self):
        self.fast(self.platform)
        bill = self.bill()
        self.send_all()
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertTrue(bill.einvoice_self_billed)
        self.seller_status(bill, "208", "JUSTIF_ABS", "Bon de livraison manquant", message_id="SUSP-AF-0001")
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(bill.einvoice_status, "208")
        # The company issued it: it completes it (209), as a seller completes its own invoice.
        bill.action_einvoice_complete()
        self.assertEqual(bill.einvoice_status, "209")
        event = bill.einvoice_event_ids.filtered(lambda e: e.status == "209")
        flow = self.env["einvoice.flow"].search([("event_id", "=", event.id)])
        self.assertEqual((flow.flow_type, flow.syntax, flow.state), ("SupplierInvoiceLC", "CDAR", "queued"))
        self.send_all()
        self.assertEqual(flow.state, "sent", flow.error)
        content = self.pa.flows[flow.platform_flow_id]["content"]
        self.assertEqual(validate(content).fatal, [], "BR-FR-CDV accepts the company's 209 on its self-billed invoice")
        message = parse_cdar(content)
        self.assertEqual((message.status, message.invoice_number), ("209", bill.name))
        # A bill the company did not issue is completed by its seller, not by the company.
        other = self.make_invoice(self.supplier, [("Palettes", 1, 80.0, self.purchase_tax_20)], move_type="in_invoice")
        other.l10n_fr_imported_syntax = "cii"
        self.assertFalse(other.einvoice_self_billed)
        with self.assertRaisesRegex(UserError, "not given by the buyer"):
            other._einvoice_give_status("209")
