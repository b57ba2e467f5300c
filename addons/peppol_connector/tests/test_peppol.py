import base64
import datetime

from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from einvoice.peppol.identifiers import ParticipantId
from einvoice.peppol.response import (
    ACTION_LIST,
    REASON_LIST,
    Clarification,
    InvoiceResponse,
    ResponseParty,
    build_response,
)
from einvoice.peppol.smp import BIS3_INVOICE
from einvoice.peppol.validation import validate_bis3
from einvoice.profiles import SPECIFICATION_IDS, Profile
from einvoice.testing import cases
from einvoice.ubl import build_ubl

from .common import ACCESS_POINT, BELGIAN_KBO, PeppolCommon

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


@tagged("post_install_l10n", "post_install", "-at_install")
class TestPeppolLookup(PeppolCommon):
    def test_participant_computed_from_the_partner(self):
        # Core's Belgian default: the enterprise number (KBO/BCE) under scheme 0208.
        self.assertEqual((self.belgian.peppol_eas, self.belgian.peppol_endpoint), ("0208", BELGIAN_KBO))
        self.assertEqual(self.belgian._einvoice_peppol_participant().value, f"0208:{BELGIAN_KBO}")
        self.assertEqual(self.belgian.einvoice_peppol_state, "unknown")
        # A French company: its SIRET under 0009; a German one: its VAT number under 9930.
        self.assertEqual((self.customer.peppol_eas, self.customer.peppol_endpoint), ("0009", cases.BUYER_SIRET))
        self.assertEqual(self.german_customer.peppol_eas, "9930")

    def test_found_with_its_capabilities_and_access_point(self):
        self.register_belgian()
        self.belgian.action_einvoice_peppol_lookup()
        partner = self.belgian
        self.assertEqual(partner.einvoice_peppol_state, "found")
        self.assertTrue(partner.einvoice_peppol_invoice and partner.einvoice_peppol_credit_note)
        self.assertTrue(partner.einvoice_peppol_response)
        self.assertEqual(partner.einvoice_peppol_access_point, ACCESS_POINT)
        self.assertEqual(partner.einvoice_peppol_checked_id, f"0208:{BELGIAN_KBO}")
        self.assertIn("BIS 3 invoices yes, credit notes yes, Invoice Responses yes", partner.einvoice_peppol_message)
        self.assertTrue(self.sml.queries, "the SML was asked")
        self.assertFalse(partner._einvoice_peppol_obstacle(self.company))

    def test_invoices_only_means_no_credit_note(self):
        self.register_belgian(documents=(BIS3_INVOICE,))
        self.belgian.action_einvoice_peppol_lookup()
        self.assertEqual(self.belgian.einvoice_peppol_state, "found")
        self.assertFalse(self.belgian.einvoice_peppol_credit_note)
        self.assertIn("no credit notes", self.belgian._einvoice_peppol_obstacle(self.company, credit_note=True))

    def test_not_found(self):
        self.belgian.action_einvoice_peppol_lookup()
        self.assertEqual(self.belgian.einvoice_peppol_state, "absent")
        self.assertIn("not registered in the PEPPOL network", self.belgian.einvoice_peppol_message)
        reason = self.belgian._einvoice_peppol_obstacle(self.company)
        self.assertIn("does not receive PEPPOL BIS 3 invoices", reason)

    def test_wrong_signature_is_not_trusted(self):
        self.register_belgian()
        self.smp.tamper = True
        self.belgian.action_einvoice_peppol_lookup()
        self.assertEqual(self.belgian.einvoice_peppol_state, "untrusted")
        self.assertIn("cannot be trusted", self.belgian.einvoice_peppol_message)
        self.assertFalse(self.belgian.einvoice_peppol_access_point, "the tampered address is not kept")
        self.assertIn("could not be looked up", self.belgian._einvoice_peppol_obstacle(self.company))

    def test_stale_answer_is_checked_again_before_sending(self):
        self.register_belgian()
        self.belgian.action_einvoice_peppol_lookup()
        self.assertTrue(self.belgian._einvoice_peppol_fresh(self.company))
        # Ten days later the customer has left PEPPOL: the old answer is not relied upon.
        self.belgian.einvoice_peppol_checked_on = fields.Datetime.now() - datetime.timedelta(days=10)
        self.smp.participants.clear()
        self.assertFalse(self.belgian._einvoice_peppol_fresh(self.company))
        self.assertIn("does not receive", self.belgian._einvoice_peppol_obstacle(self.company))
        self.assertEqual(self.belgian.einvoice_peppol_state, "absent")
        # A changed identifier is looked up again too.
        self.belgian.peppol_eas, self.belgian.peppol_endpoint = "9925", "BE0403019261"
        self.assertFalse(self.belgian._einvoice_peppol_fresh(self.company))

    def test_no_smp_ca_no_lookup(self):
        self.company.einvoice_peppol_smp_ca = False
        with self.assertRaisesRegex(UserError, "no SMP CA certificates"):
            self.belgian.action_einvoice_peppol_lookup()

    def test_bad_identifier_named(self):
        self.belgian.peppol_endpoint = "0403019262"  # wrong check digits
        with self.assertRaisesRegex(UserError, "not a valid BE:EN identifier"):
            self.belgian.action_einvoice_peppol_lookup()


@tagged("post_install_l10n", "post_install", "-at_install")
class TestPeppolSending(PeppolCommon):
    def invoice(self, **values):
        values.setdefault("ref", "PO-BE-778")
        return self.make_invoice(partner=self.belgian, lines=[(self.service, 2, 450.0, self.tax_intra)], **values)

    def test_bis3_invoice_built_and_checked_by_the_peppol_rules(self):
        move = self.invoice(post=False)
        self.assertEqual(move._l10n_fr_einvoice_format_of(), ("ubl", Profile.PEPPOL))
        xml, report, problems = move._l10n_fr_einvoice_xml()
        self.assertFalse(problems)
        self.assertEqual(report.rule_sets[-1], "PEPPOL BIS Billing 3.0 UBL")
        self.assertTrue(report.is_valid, [(f.rule_id, f.message_en) for f in report.fatal])
        root = etree.fromstring(xml)
        self.assertEqual(root.findtext(f"{CBC}ProfileID"), "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
        buyer = root.find(f"{CAC}AccountingCustomerParty/{CAC}Party/{CBC}EndpointID")
        self.assertEqual((buyer.get("schemeID"), buyer.text), ("0208", BELGIAN_KBO))
        seller = root.find(f"{CAC}AccountingSupplierParty/{CAC}Party/{CBC}EndpointID")
        self.assertIn(seller.get("schemeID"), ("0009", "9957", "0002"))
        self.assertEqual(len(root.findall(f"{CBC}Note")), 1)
        self.assertEqual(root.findtext(f"{CAC}LegalMonetaryTotal/{CBC}PayableAmount"), "900.00")

    def test_findings_on_the_invoice_like_the_other_formats(self):
        move = self.invoice(post=False, ref=False)
        move.action_l10n_fr_check_einvoice()
        self.assertEqual(move.l10n_fr_einvoice_state, "invalid")
        # No buyer reference nor order reference: PEPPOL-EN16931-R003.
        self.assertIn("PEPPOL-EN16931-R003", move.l10n_fr_einvoice_finding_ids.mapped("rule_id"))

    def test_sent_through_the_platform_to_the_participant(self):
        self.register_belgian()
        self.fast(self.platform)
        move = self.invoice()
        flow = self.env["einvoice.flow"].search([("move_id", "=", move.id)])
        self.assertEqual((flow.flow_type, flow.syntax, flow.state), ("CustomerInvoice", "UBL", "queued"))
        self.assertEqual(self.belgian.einvoice_peppol_state, "found", "looked up before the invoice was queued")
        self.send_all()
        self.assertEqual(flow.state, "sent")
        entry = self.pa.flows[flow.platform_flow_id]
        info = entry["flow"]
        self.assertEqual((info["flowSyntax"], info["flowProfile"], info["processingRule"]), ("UBL", "CIUS", "B2BInt"))
        # The participant travels in the invoice itself (BT-49): the Flow API has no recipient field.
        root = etree.fromstring(entry["content"])
        buyer = root.find(f"{CAC}AccountingCustomerParty/{CAC}Party/{CBC}EndpointID")
        self.assertEqual((buyer.get("schemeID"), buyer.text), ("0208", BELGIAN_KBO))
        self.assertTrue(validate_bis3(entry["content"]).is_valid)

    def test_send_and_print_attaches_the_bis3_file(self):
        self.register_belgian()
        move = self.invoice()
        self.env["account.move.send"]._generate_and_send_invoices(move, sending_methods=["manual"])
        self.assertTrue(move.ubl_cii_xml_id.name.endswith("_ubl.xml"))
        root = etree.fromstring(move.ubl_cii_xml_id.raw)
        self.assertEqual(root.findtext(f"{CBC}CustomizationID"), SPECIFICATION_IDS[Profile.PEPPOL])
        self.assertEqual(root.findtext(f"{CBC}ID"), move.name)
        self.assertEqual(move.l10n_fr_einvoice_state, "valid")

    def test_send_wizard_says_the_customer_cannot_receive(self):
        move = self.invoice()
        wizard = self.env["account.move.send.wizard"].with_context(active_model="account.move", active_ids=move.ids)
        wizard = wizard.create({})
        self.assertIn("does not receive PEPPOL BIS 3 invoices", wizard.alerts["peppol_connector_recipient"]["message"])

    def test_customer_not_on_peppol_stays_here_with_the_reason(self):
        move = self.invoice()
        self.assertFalse(self.env["einvoice.flow"].search([("move_id", "=", move.id)]))
        self.assertIn("does not receive PEPPOL BIS 3 invoices", move.einvoice_not_sent_reason)
        with self.assertRaisesRegex(UserError, "does not receive PEPPOL BIS 3 invoices"):
            move.action_einvoice_send_to_platform()
        # Once it registers, Send to platform looks it up again and sends.
        self.register_belgian()
        self.belgian.einvoice_peppol_checked_on = fields.Datetime.now() - datetime.timedelta(days=30)
        move.action_einvoice_send_to_platform()
        self.assertTrue(self.env["einvoice.flow"].search([("move_id", "=", move.id)]))
        self.assertFalse(move.einvoice_not_sent_reason)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestPeppolReceiving(PeppolCommon):
    def response(self, move, status="RE", clarifications=None, response_id="IR-BE-0001"):
        return build_response(
            InvoiceResponse(
                id=response_id,
                issue_date=fields.Date.today(),
                status=status,
                invoice_id=move.name,
                invoice_issue_date=move.invoice_date,
                sender=ResponseParty(ParticipantId.of("0208", BELGIAN_KBO), "Brasserie Bruxelloise SA"),
                receiver=ResponseParty(ParticipantId.of("0009", cases.SELLER_SIRET), self.company.name),
                clarifications=clarifications
                if clarifications is not None
                else [
                    Clarification(
                        "REF", "Notre bon de commande est le PO-BE-779", REASON_LIST, [("BT-13", "PO-BE-779")]
                    ),
                    Clarification("NIN", "Merci d'émettre une nouvelle facture", ACTION_LIST),
                ],
            )
        )

    def sent_invoice(self):
        self.register_belgian()
        self.fast(self.platform)
        move = self.make_invoice(partner=self.belgian, lines=[(self.service, 1, 450.0, self.tax_intra)], ref="PO-1")
        self.send_all()
        return move

    def test_rejection_through_the_platform_lands_on_the_lifecycle(self):
        move = self.sent_invoice()
        remote = self.pa.deliver(self.response(move), "reponse.xml", syntax="UBL", flow_type="CustomerInvoiceLC")
        self.env["einvoice.flow"]._cron_receive_flows()
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual((flow.state, flow.move_id), ("done", move), flow.error)
        self.assertEqual(move.einvoice_status, "210")
        event = flow.event_id
        self.assertEqual((event.status, event.emitter, event.reason_code), ("210", "buyer", "CMD_ERR"))
        self.assertIn("Notre bon de commande est le PO-BE-779", event.reason)
        self.assertIn("BT-13 = PO-BE-779", event.reason)
        self.assertEqual(event.action_code, "NIN")
        self.assertEqual(event.attachment_id.raw, self.response(move))
        # Delivered twice, recorded once.
        self.pa.deliver(self.response(move), "reponse-bis.xml", syntax="UBL", flow_type="CustomerInvoiceLC")
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(len(move.einvoice_event_ids.filtered(lambda e: e.status == "210")), 1)

    def test_response_imported_as_a_file(self):
        move = self.sent_invoice()
        wizard = self.env["einvoice.peppol.response.import"].create(
            {"file": base64.b64encode(self.response(move, "AP", [], "IR-BE-0002")), "filename": "ir.xml"}
        )
        action = wizard.action_import()
        self.assertEqual(action["res_id"], move.id)
        self.assertEqual(move.einvoice_status, "205")
        self.assertEqual(move.einvoice_event_ids.filtered(lambda e: e.status == "205").source, "peppol")
        not_a_response = self.env["einvoice.peppol.response.import"].create(
            {"file": base64.b64encode(b"<Invoice/>"), "filename": "x.xml"}
        )
        with self.assertRaisesRegex(UserError, "not a PEPPOL Invoice Response"):
            not_a_response.action_import()

    def test_bis3_bill_received_through_the_platform(self):
        self.fast(self.buyer_platform)
        xml = build_ubl(cases.CASES["b2b_goods_standard"](), Profile.PEPPOL)
        self.assertTrue(validate_bis3(xml).is_valid)
        remote = self.pa_buyer.deliver(xml, "bis3.xml", syntax="UBL")
        self.env["einvoice.flow"]._cron_receive_flows()
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        self.assertEqual(flow.state, "done", flow.error)
        bill = flow.move_id
        self.assertEqual((bill.move_type, bill.company_id), ("in_invoice", self.buyer_company))
        self.assertTrue(bill.l10n_fr_imported_syntax)
        self.assertEqual(bill.partner_id.l10n_fr_siren, cases.SELLER_SIREN)
        expected = cases.CASES["b2b_goods_standard"]().totals
        self.assertAlmostEqual(bill.amount_total, float(expected.tax_inclusive))
        self.assertAlmostEqual(bill.amount_untaxed, float(expected.tax_exclusive))
