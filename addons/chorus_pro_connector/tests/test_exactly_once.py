"""Every invoice deposited once on Chorus Pro, whatever the answer: lost, unreadable, or a whole company down."""

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from einvoice.testing import cases

from .common import ChorusCommon

SUBMISSION_LOGGER = "odoo.addons.chorus_pro_connector.models.chorus_pro_submission"


@tagged("post_install_l10n", "post_install", "-at_install")
class TestExactlyOnce(ChorusCommon):
    def assert_found_by_the_lookup(self, invoice):
        """Deposited once, and recorded from Chorus Pro's search: its flow and identifier are Chorus Pro's."""
        self.assertEqual(len(self.deposit_calls()), 1, "the deposit was not sent again")
        self.assertEqual(len(self.deposits()), 1)
        remote = self.sim.invoice_by_number(invoice.name)
        submission = invoice.chorus_submission_id
        self.assertEqual(submission.numero_flux, remote["numeroFluxDepot"])
        self.assertEqual(invoice.chorus_invoice_id, str(remote["identifiantFactureCPP"]))
        self.assertEqual((invoice.chorus_state, submission.state), ("integrated", "integrated"))
        self.assertTrue(submission.line_ids.live, "Chorus Pro has it: it stays out of any other deposit")
        searches = [r for r in self.sim.requests if r[1] == "/cpro/factures/v1/rechercher/fournisseur"]
        self.assertTrue(searches, "found through the supplier's search service")

    def test_a_502_after_chorus_pro_stored_the_flow_ends_with_one_deposit(self):
        invoice = self.public_invoice()
        self.sim.fail_after(502)
        self.env["chorus.pro.submission"]._cron_send()
        self.assert_found_by_the_lookup(invoice)
        self.send_all()
        self.poll()
        self.assertEqual(len(self.deposits()), 1)
        self.assertEqual(invoice.einvoice_event_ids.mapped("status"), ["200"])

    def test_a_reset_after_the_deposit_of_the_button_ends_with_one_deposit(self):
        self.account.auto_send = False
        invoice = self.public_invoice()
        self.sim.fail_after("drop")
        answer = invoice.action_chorus_send()
        self.assertEqual(answer["params"]["type"], "success", answer["params"]["message"])
        self.assert_found_by_the_lookup(invoice)
        answer = invoice.action_chorus_send()
        self.assertIn("already deposited", answer["params"]["message"])
        self.assertEqual(len(self.deposit_calls()), 1)

    def test_an_answer_without_flow_number_puts_that_deposit_in_error_and_the_next_go_on(self):
        self.account.batch_size = 1
        first, second, third = self.public_invoice(), self.public_invoice(), self.public_invoice()
        self.sim.fail_after({"numeroFluxDepot": None})
        with self.assertLogs(SUBMISSION_LOGGER, "WARNING") as logs:
            self.send_all()
        self.assertIn("numeroFluxDepot", logs.output[0])
        submission = first.chorus_submission_id
        self.assertEqual((submission.state, first.chorus_state), ("error", "error"))
        self.assertIn("without a usable numeroFluxDepot", submission.error)
        self.assertIn("may have been taken", first.chorus_error)
        self.assertLess(len(submission.error), 1001)
        self.assertEqual((second.chorus_state, third.chorus_state), ("deposited", "deposited"))
        self.assertEqual(len(self.deposits()), 3)
        # Chorus Pro may have it: another deposit is refused by the database until it is looked up.
        self.assertTrue(submission.line_ids.live)
        other = self.env["chorus.pro.submission"].sudo().create({"account_id": self.account.id, "name": "/"})
        self.assertEqual(other._link(first), first)
        # "Retry" looks it up first: Chorus Pro has it, it is recorded and not deposited again.
        answer = submission.action_retry()
        self.assertIn("Found in Chorus Pro", answer["params"]["message"])
        self.assertEqual((submission.state, first.chorus_state), ("integrated", "integrated"))
        self.assertEqual(first.chorus_invoice_id, str(self.sim.invoice_by_number(first.name)["identifiantFactureCPP"]))
        self.send_all()
        self.assertEqual(len(self.deposits()), 3)

    def test_retry_of_a_deposit_chorus_pro_does_not_have_queues_it_again(self):
        invoice = self.public_invoice()
        self.sim.fail("garbage")  # an unreadable answer, before Chorus Pro took anything
        with self.assertLogs(SUBMISSION_LOGGER, "WARNING"):
            self.env["chorus.pro.submission"]._cron_send()
        submission = invoice.chorus_submission_id
        self.assertEqual(submission.state, "error")
        submission.action_retry()
        self.assertFalse(submission.line_ids.live)
        self.assertEqual(invoice.chorus_state, "to_send")
        self.send_all()
        self.assertEqual(invoice.chorus_state, "deposited")
        self.assertEqual(len(self.deposits()), 1)

    def test_one_company_down_does_not_stop_another(self):
        company = self.buyer_company
        company.write(
            {
                "country_id": self.env.ref("base.fr").id,
                "email": "facturation@client-industriel.example.fr",
                "phone": "+33 4 72 00 00 00",
                "company_registry": "RCS Lyon 552 081 317",
            }
        )
        self.env["res.partner.bank"].create(
            {
                "acc_number": "FR1420041010050500013M02606",
                "partner_id": company.partner_id.id,
                "allow_out_payment": True,
            }
        )
        self.sim.add_structure(cases.BUYER_SIRET, company.name, public=False)
        other_account = self.env["chorus.pro.account"].create(
            {
                "name": "Chorus Pro (Lyon)",
                "company_id": company.id,
                "api_url": self.sim.api_url,
                "token_url": self.sim.token_url,
                "piste_client_id": self.sim.client_id,
                "piste_client_secret": self.sim.client_secret,
                "technical_login": self.sim.login,
                "technical_password": self.sim.password,
                "syntax": "cii",
                "timeout": 1,
            }
        )
        client = other_account._client()
        client.backoff, client.max_attempts = 0.001, 2
        ours = self.public_invoice()
        env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        tax = env["account.chart.template"].with_company(company).ref("tva_normale")
        theirs = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": self.public_customer.id,
                "invoice_date": ours.invoice_date,
                "l10n_fr_buyer_reference": "SERV-ACHATS",
                "l10n_fr_purchase_order_ref": "EJ-1000234567",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Étude de faisabilité",
                            "quantity": 1,
                            "price_unit": 3000.0,
                            "tax_ids": [(6, 0, tax.ids)],
                        },
                    )
                ],
            }
        )
        theirs.action_post()
        self.assertEqual((ours.chorus_state, theirs.chorus_state), ("to_send", "to_send"))
        # The first company's deposit gets an answer that cannot be used; the second company's goes through.
        self.sim.fail_after({"numeroFluxDepot": None})
        with self.assertLogs(SUBMISSION_LOGGER, "WARNING"):
            self.env["chorus.pro.submission"]._cron_send()
        self.assertEqual(ours.chorus_state, "error")
        self.assertEqual(theirs.chorus_state, "deposited", theirs.chorus_error)
        # Chorus Pro out of reach for the first company only: the second still deposits in the same run.
        ours2 = self.public_invoice()
        theirs2 = theirs.copy({"invoice_date": ours.invoice_date})
        theirs2.action_post()
        self.sim.fail(503, 503)
        with self.assertLogs(SUBMISSION_LOGGER, "WARNING") as logs:
            self.env["chorus.pro.submission"]._cron_send()
        self.assertIn("unavailable for Atelier Dupont", logs.output[0])
        self.assertEqual(ours2.chorus_state, "to_send")
        self.assertEqual(theirs2.chorus_state, "deposited")

    def test_the_database_allows_one_live_deposit_per_invoice(self):
        invoice = self.public_invoice()
        self.send_all()
        Line = self.env["chorus.pro.submission.line"].sudo()
        other = self.env["chorus.pro.submission"].sudo().create({"account_id": self.account.id, "name": "/"})
        with mute_logger("odoo.sql_db"), self.assertRaises(Exception) as caught, self.env.cr.savepoint():
            Line.create({"submission_id": other.id, "move_id": invoice.id})
            Line.flush_model()
        self.assertIn("chorus_pro_submission_line_one_live", str(caught.exception))
        # A deposit that surely did not take the invoice frees it.
        Line.create({"submission_id": other.id, "move_id": invoice.id, "live": False})
        invoice.chorus_submission_id.sudo()._release()
        self.assertFalse(other._link(invoice))

    def test_an_internal_credit_note_never_goes_to_chorus_pro(self):
        invoice = self.public_invoice()
        self.send_all()
        credit_note = invoice._reverse_moves()
        credit_note.einvoice_internal = True
        credit_note.action_post()
        self.assertFalse(credit_note.chorus_state, "not queued")
        answer = credit_note.action_chorus_send()
        self.assertIn("internal credit note", answer["params"]["message"])
        credit_note.chorus_state = "to_send"  # even queued by hand
        self.send_all()
        self.assertFalse(credit_note.chorus_state)
        self.assertEqual(len(self.deposits()), 1)
        self.assertFalse(self.env["account.move.send"]._is_applicable_to_move("chorus_pro", credit_note))

    def test_mandatory_statuses_from_chorus_pro_are_reported(self):
        invoice = self.public_invoice()
        self.send_all()
        self.poll()
        self.sim.advance(int(invoice.chorus_invoice_id), "MISE_A_DISPOSITION")
        self.sim.advance(int(invoice.chorus_invoice_id), "REJETEE", "Montant erroné")
        self.poll()
        events = {event.status: event for event in invoice.einvoice_event_ids}
        self.assertEqual(sorted(events), ["200", "203", "210"])
        self.assertTrue(events["200"].reported_at and events["210"].reported_at, "Chorus Pro reports them itself")
        self.assertFalse(events["203"].reported_at, "not a mandatory status")
        self.env["account.move"]._cron_einvoice_mandatory_deadlines()
        self.assertFalse(invoice.activity_ids.filtered(lambda a: "24 h" in (a.summary or "")))


@tagged("post_install_l10n", "post_install", "-at_install")
class TestRights(ChorusCommon):
    def test_a_read_only_user_can_neither_retry_nor_send(self):
        reader = self.make_user("lecteur-chorus", "account.group_account_readonly")
        invoice = self.public_invoice()
        self.sim.fail_after({"numeroFluxDepot": None})
        with self.assertLogs(SUBMISSION_LOGGER, "WARNING"):
            self.env["chorus.pro.submission"]._cron_send()
        submission = invoice.chorus_submission_id
        self.assertEqual(submission.with_user(reader).state, "error", "they see it")
        with self.assertRaises(AccessError):
            submission.with_user(reader).action_retry()
        with self.assertRaises(AccessError):
            invoice.with_user(reader).action_chorus_send()
        with self.assertRaises(AccessError):
            invoice.with_user(reader).action_chorus_refresh()
        with self.assertRaises(AccessError):
            invoice.with_user(reader).action_chorus_complete()
        with self.assertRaises(AccessError):
            self.public_customer.with_user(reader).action_chorus_sync()
        self.assertEqual(submission.state, "error")
        self.assertEqual(len(self.deposit_calls()), 1)
        # An invoicing user may.
        billing = self.make_user("facturation-chorus", "account.group_account_invoice")
        submission.with_user(billing).action_retry()
        self.assertEqual(invoice.chorus_state, "integrated")

    def test_a_manager_cannot_change_where_the_secrets_go(self):
        manager = self.make_user("gestionnaire-chorus", "account.group_account_manager")
        account = self.account.with_user(manager)
        for values in (
            {"api_url": "https://collecte.example.com/cpro/"},
            {"token_url": "https://collecte.example.com/token"},
            {"environment": "production"},
            {"technical_password": "autre"},
        ):
            with self.assertRaises(AccessError) as caught:
                account.write(values)
            self.assertIn("Only system administrators can change the Chorus Pro environment", str(caught.exception))
        self.assertEqual(self.account.api_url, self.sim.api_url)
        with self.assertRaises(AccessError):
            account.action_test_connection()

    def test_a_new_endpoint_wipes_the_secrets(self):
        client = self.account._client()
        self.account.api_url = self.sim.api_url.replace("127.0.0.1", "localhost")
        self.assertFalse(self.account.piste_client_secret)
        self.assertFalse(self.account.technical_password)
        self.assertEqual(
            self.account.piste_client_id, self.sim.client_id, "the identifiers say which accounts they were"
        )
        self.assertFalse(self.account.credentials_set)
        self.assertTrue(any("were wiped" in body for body in self.account.message_ids.mapped("body")))
        # Entered again with the endpoint: kept.
        self.account.write(
            {
                "api_url": self.sim.api_url,
                "piste_client_secret": self.sim.client_secret,
                "technical_password": self.sim.password,
            }
        )
        self.assertTrue(self.account.credentials_set)
        self.assertIsNot(self.account._client(), client, "a new client: the old token is forgotten")
        self.account.token_url = self.sim.token_url  # unchanged: nothing wiped
        self.assertTrue(self.account.credentials_set)
