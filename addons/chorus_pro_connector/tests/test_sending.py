import base64
import datetime
import io
import tarfile

from odoo.tests import tagged

from einvoice.chorus import codes

from ..models.chorus_pro_submission import LOOKUP_DELAY
from .common import ChorusCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSending(ChorusCommon):
    def test_cron_deposits_a_batch_then_reads_the_report(self):
        invoices = self.public_invoice() | self.public_invoice() | self.public_invoice()
        self.assertEqual(set(invoices.mapped("chorus_state")), {"to_send"})
        self.send_all()
        self.assertEqual(len(self.deposits()), 1, "one flow for the batch")
        submission = invoices.chorus_submission_id
        self.assertEqual(len(submission), 1)
        self.assertEqual(submission.state, "deposited")
        self.assertEqual(set(invoices.mapped("chorus_state")), {"deposited"})
        flow = self.sim.flows[submission.numero_flux]
        self.assertEqual(flow["syntaxeFlux"], codes.SYNTAX_CII)
        with tarfile.open(fileobj=io.BytesIO(flow["content"]), mode="r:gz") as tar:
            self.assertEqual(len(tar.getmembers()), 3)
        self.poll()
        self.assertEqual(submission.state, "integrated")
        self.assertEqual(set(invoices.mapped("chorus_state")), {"integrated"})
        for invoice in invoices:
            remote = self.sim.invoices[int(invoice.chorus_invoice_id)]
            self.assertEqual(remote["numeroFacture"], invoice.name)
            self.assertEqual(remote["codeServiceExecutant"], "SERV-ACHATS")
            self.assertEqual(remote["numeroBonCommande"], "EJ-1000234567")
            self.assertEqual(invoice.chorus_status, "DEPOSEE")
            self.assertEqual(invoice.einvoice_status, "200")
            self.assertEqual(invoice.einvoice_event_ids.source, "chorus_pro")

    def test_nothing_is_deposited_twice(self):
        invoice = self.public_invoice()
        self.send_all()
        self.send_all()
        self.env["chorus.pro.submission"]._cron_send()
        self.assertEqual(len(self.deposits()), 1)
        # A worker died after the deposit, before its answer was committed: the deposit is still
        # "sending" (it left: its departure was committed first) and no live worker holds it.
        submission = invoice.chorus_submission_id
        submission.write({"state": "sending", "numero_flux": False})
        invoice.write({"chorus_state": "sending"})
        self.assertTrue(submission.sent_on)
        self.send_all()
        self.assertEqual(len(self.deposits()), 1, "found by its number, not deposited again")
        self.assertEqual(len(self.deposit_calls()), 1)
        self.assertEqual(invoice.chorus_state, "integrated")
        remote = self.sim.invoice_by_number(invoice.name)
        self.assertEqual(int(invoice.chorus_invoice_id), remote["identifiantFactureCPP"])
        self.assertEqual((submission.state, submission.numero_flux), ("integrated", remote["numeroFluxDepot"]))

    def test_interrupted_before_leaving_is_sent_again(self):
        invoice = self.public_invoice()
        # A worker died while it built the files: nothing says the deposit left.
        submission = self.env["chorus.pro.submission"].sudo().create({"account_id": self.account.id, "name": "/"})
        self.assertFalse(submission._link(invoice))
        invoice.write({"chorus_state": "sending", "chorus_submission_id": submission.id})
        self.send_all()
        self.assertEqual(submission.state, "error")
        self.assertFalse(submission.line_ids.live)
        self.assertEqual(len(self.deposits()), 1)
        self.assertFalse([r for r in self.sim.requests if "rechercher/fournisseur" in r[1]], "no lookup: it never left")
        self.assertEqual(invoice.chorus_state, "deposited")
        self.assertNotEqual(invoice.chorus_submission_id, submission)

    def test_a_lost_answer_not_found_yet_waits_then_is_queued_again(self):
        invoice = self.public_invoice()
        self.sim.fail(502)  # the gateway failed before Chorus Pro saw the flow: the client cannot tell
        self.env["chorus.pro.submission"]._cron_send()
        submission = invoice.chorus_submission_id
        self.assertEqual((invoice.chorus_state, submission.state), ("sending", "sending"))
        self.assertIn("may have been taken", invoice.chorus_error)
        self.assertEqual(len(self.deposit_calls()), 1, "never sent again blindly")
        # Next runs: Chorus Pro does not show it, and the deposit is recent: it waits.
        self.env["chorus.pro.submission"]._cron_send()
        self.assertEqual((invoice.chorus_state, len(self.deposit_calls())), ("sending", 1))
        # Ten minutes later it surely is not coming: queued again and deposited.
        submission.sent_on = submission.sent_on - LOOKUP_DELAY - datetime.timedelta(minutes=1)
        self.send_all()
        self.assertEqual(submission.state, "error")
        self.assertIn("queued again", submission.error)
        self.assertEqual(invoice.chorus_state, "deposited")
        self.assertEqual(len(self.deposits()), 1)

    def test_a_duplicate_refusal_finds_the_first_deposit(self):
        invoice = self.public_invoice()
        # Someone deposited it by hand on the Chorus Pro portal before the job ran.
        self.account._client().deposit_invoices([invoice._chorus_file("cii")])
        first_id = self.sim.invoice_by_number(invoice.name)["identifiantFactureCPP"]
        self.send_all()
        self.poll()
        self.assertEqual(len(self.deposits()), 2, "Chorus Pro refused the second one as a duplicate")
        self.assertEqual(invoice.chorus_state, "integrated")
        self.assertEqual(int(invoice.chorus_invoice_id), first_id)
        self.assertNotIn("213", invoice.einvoice_event_ids.mapped("status"))
        self.assertEqual(invoice.chorus_submission_id.state, "integrated")

    def test_send_and_print_sends_one_invoice(self):
        self.account.auto_send = False
        invoice = self.public_invoice()
        self.assertFalse(invoice.chorus_state, "not queued: sent from Send & Print")
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        self.assertEqual(wizard.sending_methods, ["chorus_pro"])
        wizard.action_send_and_print()
        self.assertEqual(invoice.chorus_state, "deposited")
        self.assertEqual(len(self.deposits()), 1)
        flow = self.sim.flows[invoice.chorus_submission_id.numero_flux]
        self.assertIn(invoice.name.encode(), flow["content"], "the invoice alone, not in an archive")
        self.assertTrue(invoice.invoice_pdf_report_id, "printed as usual")
        # Send & Print again: printed and mailed, not deposited again.
        self.assertFalse(self.env["account.move.send"]._is_applicable_to_move("chorus_pro", invoice))
        self.env["account.move.send"]._generate_and_send_invoices(invoice, sending_methods={"chorus_pro"})
        self.assertEqual(len(self.deposits()), 1)
        self.env["chorus.pro.submission"]._cron_send()
        self.assertEqual(len(self.deposits()), 1)

    def test_send_button(self):
        self.account.auto_send = False
        invoice = self.public_invoice()
        answer = invoice.action_chorus_send()
        self.assertEqual(answer["params"]["type"], "success")
        self.assertEqual(invoice.chorus_state, "deposited")
        answer = invoice.action_chorus_send()
        self.assertEqual(answer["params"]["type"], "danger")
        self.assertIn("already deposited", answer["params"]["message"])
        self.assertEqual(len(self.deposits()), 1)

    def test_rejected_at_deposit_reaches_the_lifecycle(self):
        invoice = self.public_invoice()
        # The service was closed in Chorus Pro after the last sync.
        self.sim.structures[self.structure_id]["services"][0]["estActif"] = False
        self.send_all()
        self.poll()
        self.assertEqual(invoice.chorus_state, "rejected")
        self.assertIn("SERV-ACHATS", invoice.chorus_error)
        self.assertIn("pick a code from its current service list", invoice.chorus_error)
        self.assertEqual(invoice.einvoice_status, "213")
        event = invoice.einvoice_event_ids
        self.assertEqual(
            (event.reason_code, event.emitter, event.source), ("REJ_CONT_B2G", "issuer_platform", "chorus_pro")
        )
        self.assertEqual(invoice.chorus_submission_id.state, "rejected")
        self.assertTrue(invoice.activity_ids)
        self.assertIn("current service list", invoice.activity_ids[0].note)

    def test_chorus_pro_down_keeps_the_queue(self):
        invoice = self.public_invoice()
        self.sim.fail(503, 503)
        with self.assertLogs("odoo.addons.chorus_pro_connector.models.chorus_pro_submission", "WARNING") as logs:
            self.env["chorus.pro.submission"]._cron_send()
        self.assertIn("sending stopped", logs.output[0])
        self.assertEqual(invoice.chorus_state, "to_send")
        self.assertIn("503", invoice.chorus_error)
        self.send_all()
        self.assertEqual(invoice.chorus_state, "deposited")
        self.assertEqual(len(self.sim.flows), 1)

    def test_invalid_invoice_is_not_sent(self):
        invoice = self.make_invoice(
            partner=self.public_customer,
            lines=[(self.service, 1, 450.0, self.env["account.tax"])],  # no VAT category
            l10n_fr_buyer_reference="SERV-ACHATS",
            l10n_fr_purchase_order_ref="EJ-1000234567",
        )
        self.send_all()
        self.assertEqual(invoice.chorus_state, "error")
        self.assertIn("does not pass validation", invoice.chorus_error)
        self.assertEqual(invoice.l10n_fr_einvoice_state, "invalid")
        self.assertFalse(self.sim.flows)

    def test_token_is_renewed_when_it_expires(self):
        client = self.account._client()
        now = [1000.0]
        client.auth.clock = lambda: now[0]
        client.auth.invalidate()
        issued = self.sim.tokens_issued
        self.public_customer.action_chorus_sync()
        self.public_customer.action_chorus_sync()
        self.assertEqual(self.sim.tokens_issued, issued + 1, "one token for both")
        self.assertIs(self.account._client(), client, "the client and its token are kept between calls")
        now[0] += 3600
        self.public_customer.action_chorus_sync()
        self.assertEqual(self.sim.tokens_issued, issued + 2, "renewed once expired")
        # Expired early on PISTE's side: refused once, renewed, and the call goes through.
        self.sim.revoke_tokens()
        self.public_invoice()
        self.send_all()
        self.assertEqual(self.sim.tokens_issued, issued + 3)
        self.assertEqual(len(self.deposits()), 1)

    def test_flow_content_is_what_was_kept(self):
        invoice = self.public_invoice()
        self.send_all()
        flow = self.sim.flows[invoice.chorus_submission_id.numero_flux]
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id), ("name", "like", "_chorus_cii.xml")]
        )
        self.assertEqual(flow["content"], attachment.raw)
        self.assertEqual(base64.b64decode(base64.b64encode(attachment.raw)), flow["content"])

    def test_chorus_pro_gives_cashed_itself(self):
        """Paying a public buyer's services invoice gives no 212 from Odoo: Chorus Pro reports it."""
        invoice = self.make_invoice(
            partner=self.public_customer,
            # VAT due on payment ("TVA collectée encaissements"): the 212 would be mandatory.
            lines=[(self.service, 1, 450.0, self._tax("tva_normale_encaissement"))],
            l10n_fr_buyer_reference="SERV-ACHATS",
            l10n_fr_purchase_order_ref="EJ-1000234567",
        )
        self.assertEqual(invoice._einvoice_channel(), "chorus_pro")
        self.assertTrue(invoice._einvoice_vat_due_on_receipt())
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertNotIn("212", invoice.einvoice_event_ids.mapped("status"))
        private = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.assertEqual(private._einvoice_channel(), "platform")
