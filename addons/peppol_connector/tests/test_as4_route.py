import base64
import datetime
import http.client

from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from einvoice.errors import AS4SignalError
from einvoice.peppol import as4
from einvoice.peppol.smp import BIS3_CREDIT_NOTE, BIS3_INVOICE, INVOICE_RESPONSE
from einvoice.peppol.validation import validate_bis3
from einvoice.profiles import Profile
from einvoice.testing import cases
from einvoice.testing.as4 import AccessPointSimulator
from einvoice.testing.smp import make_certificate, pem
from einvoice.ubl import build_ubl
from einvoice.xmlsafe import parse_xml

from ..controllers.as4 import MAX_AS4_BODY
from .common import BELGIAN_KBO, PeppolCommon

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
BELGIAN = f"0208:{BELGIAN_KBO}"
BUYER = f"0009:{cases.BUYER_SIRET}"
SELLER = f"0009:{cases.SELLER_SIRET}"
PASSWORD = "p12-secret"


def pkcs12_file(access_point):
    data = pkcs12.serialize_key_and_certificates(
        b"ap", access_point.key, access_point.certificate, None, BestAvailableEncryption(PASSWORD.encode())
    )
    return base64.b64encode(data)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestAs4Route(PeppolCommon, HttpCase):
    """The company's own access point: invoices sent over AS4 to the access point the customer's
    SMP publishes, suppliers' invoices received at /peppol/as4. One test CA (the SMP simulator's)
    issues every access point certificate, as OpenPeppol's does on the network."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ca, ca_key = cls.pki.ca, cls.pki.ca_key
        cls.ours = as4.AccessPoint(*make_certificate("POP000001", ca, ca_key))
        cls.buyer_ap = as4.AccessPoint(*make_certificate("POP000003", ca, ca_key))
        # The Belgian customer's access point: the SMP simulator publishes its certificate.
        cls.theirs = as4.AccessPoint(cls.pki.ap, cls.pki.ap_key)
        cls.remote = cls.enterClassContext(AccessPointSimulator(cls.theirs, cls.pki.trust_anchors))
        AccessPoint = cls.env["einvoice.peppol.access.point"]
        cls.access_point = AccessPoint.create(
            {
                "name": "Our access point",
                "company_id": cls.company.id,
                "certificate_file": pkcs12_file(cls.ours),
                "certificate_password": PASSWORD,
                "ca_certificates": pem(ca).decode(),
            }
        )
        cls.buyer_access_point = AccessPoint.create(
            {
                "name": "Buyer's access point",
                "company_id": cls.buyer_company.id,
                "certificate_file": pkcs12_file(cls.buyer_ap),
                "certificate_password": PASSWORD,
                "ca_certificates": pem(ca).decode(),
                "participant_ids": BUYER,
            }
        )

    def setUp(self):
        super().setUp()
        self.remote.received.clear()
        self.remote.refused.clear()
        self.remote._clear_failures()

    def register_belgian_as4(self, endpoint=None):
        self.sml.register(BELGIAN, self.smp.url)
        for document in (BIS3_INVOICE, BIS3_CREDIT_NOTE, INVOICE_RESPONSE):
            self.smp.register(BELGIAN, document, endpoint or self.remote.endpoint)

    def invoice(self, **values):
        values.setdefault("ref", "PO-BE-778")
        return self.make_invoice(partner=self.belgian, lines=[(self.service, 2, 450.0, self.tax_intra)], **values)

    def transmission(self, move):
        return self.env["einvoice.peppol.transmission"].search([("move_id", "=", move.id), ("direction", "=", "out")])

    # --- the access point ------------------------------------------------------------------------

    def test_access_point_reads_its_certificate(self):
        ap = self.access_point
        self.assertEqual(ap.party_id, "POP000001")
        self.assertEqual(ap.certificate_not_after, self.ours.certificate.not_valid_after_utc.replace(tzinfo=None))
        self.assertTrue(ap.endpoint_url.endswith("/peppol/as4"))
        self.assertEqual(ap.action_test()["params"]["type"], "success")
        self.assertIn("POP000001 is valid until", ap.action_test()["params"]["message"])
        # Served: the company's own Peppol e-address unless listed.
        own = self.company.partner_id._einvoice_peppol_participant().value
        self.assertEqual([p.value for p in ap._served_participants()], [own])
        with self.assertRaisesRegex(Exception, "already has an active PEPPOL access point"):
            ap.copy({"certificate_file": pkcs12_file(self.ours), "certificate_password": PASSWORD})

    def test_expired_certificate_and_wrong_password_are_named(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        expired = as4.AccessPoint(
            *make_certificate(
                "POP000009",
                self.pki.ca,
                self.pki.ca_key,
                not_before=now - datetime.timedelta(days=400),
                not_after=now - datetime.timedelta(days=1),
            )
        )
        self.access_point.certificate_file = pkcs12_file(expired)
        self.assertEqual(self.access_point.party_id, "POP000009")
        with self.assertRaisesRegex(UserError, "POP000009 expired on"):
            self.access_point.action_test()
        with self.assertRaisesRegex(UserError, "cannot be opened with this password"):
            self.access_point.certificate_password = "wrong"

    def test_only_system_administrators_read_the_key(self):
        accountant = new_test_user(
            self.env, "as4_accountant", groups="account.group_account_manager", company_id=self.company.id
        )
        admin = new_test_user(
            self.env, "as4_admin", groups="base.group_system,account.group_account_manager", company_id=self.company.id
        )
        mine = self.access_point.with_user(accountant)
        self.assertEqual(mine.party_id, "POP000001")
        for field in ("certificate_file", "certificate_password"):
            with self.assertRaises(AccessError):
                mine.read([field])
        with self.assertRaises(AccessError):
            mine.write({"participant_ids": BELGIAN})
        self.assertEqual(self.access_point.with_user(admin).certificate_password, PASSWORD)
        self.assertTrue(self.access_point.with_user(admin).certificate_file)

    # --- sending -----------------------------------------------------------------------------------

    def test_invoice_sent_over_as4_with_its_receipt_verified(self):
        self.register_belgian_as4()
        move = self.invoice()
        self.assertEqual(move._einvoice_channel(), "peppol_as4")
        self.assertFalse(self.env["einvoice.flow"].search([("move_id", "=", move.id)]), "not sent to the platform")
        transmission = self.transmission(move)
        self.assertEqual(transmission.state, "queued")
        message_id = transmission.message_id
        self.env["einvoice.peppol.transmission"]._cron_send()
        self.assertEqual(transmission.state, "sent", transmission.error)
        self.assertEqual(transmission.message_id, message_id)
        self.assertEqual((transmission.sender_participant, transmission.receiver_participant), (
            self.company.partner_id._einvoice_peppol_participant().value,
            BELGIAN,
        ))  # fmt: skip
        self.assertEqual((transmission.remote_party, transmission.address), ("Test access point", self.remote.endpoint))
        self.assertEqual(move.einvoice_as4_state, "sent")
        [stored] = self.remote.received
        self.assertEqual(stored["message_id"], message_id)
        self.assertEqual((stored["final_recipient"], stored["document_type"]), (BELGIAN, BIS3_INVOICE.value))
        root = etree.fromstring(stored["document"])
        self.assertEqual(root.findtext(f"{CBC}ID"), move.name)
        self.assertEqual(root.findtext(f"{CAC}LegalMonetaryTotal/{CBC}PayableAmount"), "900.00")
        report = validate_bis3(stored["document"])
        self.assertTrue(report.is_valid, [(f.rule_id, f.message_en) for f in report.fatal])
        # The receipt kept is the customer's access point's, signed, and acknowledges our message.
        receipt = parse_xml(transmission.receipt_id.raw)
        now = datetime.datetime.now(datetime.timezone.utc)
        signer, _refs = as4.verify_signature(receipt, self.pki.trust_anchors, now, expected_certificate=self.pki.ap)
        self.assertEqual(signer, self.pki.ap)
        self.assertEqual(receipt.findtext(".//eb:RefToMessageId", namespaces=as4.NSMAP), message_id)
        self.assertIn("its signed receipt was verified", move.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "already sent over PEPPOL"):
            move.action_einvoice_send_as4()

    def test_failure_retried_with_the_same_message_id_delivers_once(self):
        self.register_belgian_as4()
        self.remote.fail(503)
        move = self.invoice()
        transmission = self.transmission(move)
        self.env["einvoice.peppol.transmission"]._cron_send()
        self.assertEqual((transmission.state, transmission.attempts), ("error", 1))
        self.assertIn("503", transmission.error)
        self.assertTrue(transmission.next_attempt)
        self.assertIn("Not sent over PEPPOL (attempt 1)", move.message_ids[0].body)
        self.assertFalse(self.remote.received)
        # The cron retries once due; meanwhile the message reached the customer's access point
        # (an answer lost on the way back): acknowledged again, stored once.
        xml = move._l10n_fr_einvoice_xml()[0]
        sender = self.company._einvoice_peppol_own_participant()
        early = as4.build_message(
            xml, self.ours, self.pki.ap, sender, BELGIAN, BIS3_INVOICE, message_id=transmission.message_id
        )
        self.remote.receive(early.body, early.content_type)
        self.assertEqual(len(self.remote.received), 1)
        self.env["einvoice.peppol.transmission"]._cron_send()
        self.assertEqual(transmission.state, "error", "not due yet")
        transmission.sudo().next_attempt = fields.Datetime.now() - datetime.timedelta(minutes=1)
        self.env["einvoice.peppol.transmission"]._cron_send()
        self.assertEqual((transmission.state, transmission.attempts), ("sent", 2), transmission.error)
        self.assertEqual([r["message_id"] for r in self.remote.received], [transmission.message_id])
        self.assertEqual(len(self.transmission(move)), 1)

    def test_message_left_sending_by_a_crash_is_sent_again_under_its_id(self):
        self.register_belgian_as4()
        move = self.invoice()
        transmission = self.transmission(move)
        # A worker died after marking it "sending" (committed) and before the answer came.
        transmission.sudo().write({"state": "sending", "attempts": 1})
        self.env["einvoice.peppol.transmission"]._cron_send()
        self.assertEqual(transmission.state, "sending", "another worker may still be sending it")
        transmission.flush_recordset()
        self.env.cr.execute(
            "UPDATE einvoice_peppol_transmission SET write_date = now() at time zone 'UTC' - interval '11 minutes'"
            " WHERE id = %s",
            [transmission.id],
        )
        transmission.invalidate_recordset()
        self.env["einvoice.peppol.transmission"]._cron_send()
        self.assertEqual((transmission.state, transmission.attempts), ("sent", 2), transmission.error)
        self.assertEqual([r["message_id"] for r in self.remote.received], [transmission.message_id])

    def test_refusal_recorded_with_its_ebms_code(self):
        with AccessPointSimulator(self.theirs, self.pki.trust_anchors, served={"0208:0999999999"}) as elsewhere:
            self.register_belgian_as4(elsewhere.endpoint)
            move = self.invoice()
            transmission = self.transmission(move)
            move.action_einvoice_send_as4()
        self.assertEqual((transmission.state, transmission.ebms_code), ("error", "EBMS:0004"))
        self.assertIn("PEPPOL:NOT_SERVICED", transmission.error)
        self.assertIn("EBMS:0004", move.message_ids[0].body)

    def test_customer_not_on_peppol_stays_here(self):
        move = self.invoice()
        self.assertFalse(self.transmission(move))
        self.assertIn("does not receive PEPPOL BIS 3 invoices", move.einvoice_not_sent_reason)
        with self.assertRaisesRegex(UserError, "does not receive PEPPOL BIS 3 invoices"):
            move.action_einvoice_send_as4()
        # Without an active access point, the platform route applies again.
        self.access_point.active = False
        self.assertEqual(move._einvoice_channel(), "platform")

    # --- receiving -------------------------------------------------------------------------------

    def bis3(self):
        return build_ubl(cases.CASES["b2b_goods_standard"](), Profile.PEPPOL)

    def message(self, document=None, to=None, document_type=BIS3_INVOICE, receiver=BUYER):
        return as4.build_message(
            document or self.bis3(),
            self.theirs,
            (to or self.buyer_ap).certificate,
            SELLER,
            receiver,
            document_type,
            country="FR",
        )

    def post(self, body, content_type):
        self.env.flush_all()  # the endpoint runs in the server's thread, on this test's cursor
        response = self.url_open("/peppol/as4", data=body, headers={"Content-Type": content_type})
        self.env.invalidate_all()
        return response

    def received(self, message_id):
        return self.env["einvoice.peppol.transmission"].search(
            [("direction", "=", "in"), ("message_id", "=", message_id)]
        )

    def test_bill_received_through_the_endpoint_with_a_signed_receipt(self):
        message = self.message()
        response = self.post(message.body, message.content_type)
        self.assertEqual(response.status_code, 200, response.text)
        receipt = as4.read_answer(
            response.content, response.headers["Content-Type"], message, trust_anchors=self.pki.trust_anchors
        )
        self.assertEqual(receipt.signer, self.buyer_ap.certificate)
        self.assertEqual(receipt.ref_to_message_id, message.message_id)
        transmission = self.received(message.message_id)
        self.assertEqual((transmission.state, transmission.company_id), ("received", self.buyer_company))
        self.assertEqual((transmission.sender_participant, transmission.remote_party), (SELLER, "Test access point"))
        bill = transmission.move_id
        self.assertEqual((bill.move_type, bill.company_id, bill.state), ("in_invoice", self.buyer_company, "draft"))
        self.assertEqual(bill.partner_id.l10n_fr_siren, cases.SELLER_SIREN)
        invoice = cases.CASES["b2b_goods_standard"]()
        self.assertEqual(bill.ref, invoice.number)
        self.assertEqual(len(bill.invoice_line_ids), len(invoice.lines))
        self.assertEqual(
            sorted(bill.invoice_line_ids.mapped("price_subtotal")),
            sorted(float(line.net_amount) for line in invoice.lines),
        )
        self.assertAlmostEqual(bill.amount_total, float(invoice.totals.tax_inclusive))
        self.assertAlmostEqual(bill.amount_untaxed, float(invoice.totals.tax_exclusive))
        self.assertIn("signature verified, receipt sent", bill.message_ids[0].body)
        self.assertEqual(transmission.receipt_id.raw, response.content)

    def test_received_twice_makes_one_bill(self):
        message = self.message()
        first = self.post(message.body, message.content_type)
        second = self.post(message.body, message.content_type)
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        for response in (first, second):
            as4.read_answer(response.content, response.headers["Content-Type"], message, self.pki.trust_anchors)
        self.assertEqual(len(self.received(message.message_id)), 1)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("company_id", "=", self.buyer_company.id), ("ref", "=", cases.CASES["b2b_goods_standard"]().number)]
            ),
            1,
        )

    def assert_refused(self, body, content_type, code, message, detail=None):
        bills = self.env["account.move"].search_count([("company_id", "=", self.buyer_company.id)])
        response = self.post(body, content_type)
        self.assertEqual(response.status_code, 500, response.text)
        with self.assertRaises(AS4SignalError) as caught:
            as4.read_answer(response.content, response.headers["Content-Type"], message, self.pki.trust_anchors)
        self.assertEqual(caught.exception.remote_code, code)
        if detail:
            self.assertIn(detail, str(caught.exception))
        self.assertFalse(self.received(message.message_id))
        self.assertEqual(self.env["account.move"].search_count([("company_id", "=", self.buyer_company.id)]), bills)
        return response

    def test_tampered_message_refused_without_a_bill(self):
        message = self.message()
        # A changed byte in the signed ebMS header (its conversation id): the signature breaks.
        tampered = message.body.replace(b"<eb:ConversationId>", b"<eb:ConversationId>x", 1)
        self.assertNotEqual(tampered, message.body)
        response = self.assert_refused(tampered, message.content_type, "EBMS:0101", message)
        # The error signal is signed by the receiving access point.
        envelope = parse_xml(response.content)
        self.assertIsNotNone(envelope.find(".//wsse:Security/ds:Signature", as4.NSMAP))

    def test_unknown_receiver_participant_and_document_are_refused(self):
        stranger = as4.AccessPoint(*make_certificate("POP000077", self.pki.ca, self.pki.ca_key))
        message = self.message(to=stranger)
        self.assert_refused(message.body, message.content_type, "EBMS:0010", message, "POP000077")
        message = self.message(receiver="0009:11111111111111")
        self.assert_refused(message.body, message.content_type, "EBMS:0004", message, "PEPPOL:NOT_SERVICED")
        message = self.message(document_type=INVOICE_RESPONSE)
        self.assert_refused(message.body, message.content_type, "EBMS:0004", message, "PEPPOL:NOT_SERVICED")
        # Verified, but no invoice inside: refused, nothing kept.
        message = self.message(document=b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>")
        self.assert_refused(message.body, message.content_type, "EBMS:0004", message, "cannot be taken")

    def test_oversized_request_refused_before_reading(self):
        # Announced over the limit, a few bytes sent: the answer comes without the rest being read.
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port(), timeout=10)
        try:
            connection.putrequest("POST", "/peppol/as4")
            connection.putheader("Content-Type", "multipart/related; boundary=x")
            connection.putheader("Content-Length", str(MAX_AS4_BODY + 1))
            connection.endheaders(b"--x\r\n")
            response = connection.getresponse()
            self.assertEqual(response.status, 413)
        finally:
            connection.close()
