"""The Chorus Pro sandbox Odoo serves itself, reached over real HTTP on the test server's routes."""

import base64
import json

import requests

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice.testing import cases
from einvoice.testing.chorus import BUYER_PATH, BUYER_REASONS, SERVICE_DONE_COMMENT

from ..controllers.sandbox import MAX_BODY_BYTES


@tagged("post_install_l10n", "post_install", "-at_install")
class SandboxCommon(EinvoiceCommon, HttpCase):
    """The seller's company with its sandbox, tried in one click; the city requires a service code and a
    commitment number, as its partner records it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.lang = "en_US"  # what the jobs write is in the company's language
        cls.public_customer.write(
            {
                "chorus_public_entity": True,
                "chorus_service_code_required": True,
                "chorus_commitment_required": True,
                "chorus_service_ids": [
                    (0, 0, {"code": "SERV-ACHATS", "name": "Service achats"}),
                    (0, 0, {"code": "SERV-TRAVAUX", "name": "Travaux"}),
                    (0, 0, {"code": "SERV-FERME", "name": "Service fermé", "active": False}),
                ],
            }
        )
        action = cls.env["chorus.pro.account"].with_company(cls.company).action_try_sandbox()
        cls.account = cls.env["chorus.pro.account"].browse(action["res_id"])
        cls.account.syntax = "cii"  # a Factur-X needs the PDF engine (test_facturx)

    def sandbox(self):
        """What the sandbox knows now (the server wrote it in its own requests)."""
        sandbox = self.account.sudo()._sandbox()
        sandbox.invalidate_recordset()
        return sandbox._simulator()

    def public_invoice(self, **values):
        values.setdefault("l10n_fr_buyer_reference", "SERV-ACHATS")
        values.setdefault("l10n_fr_purchase_order_ref", "EJ-1000234567")
        return self.make_invoice(
            partner=self.public_customer,
            lines=[("Mission de maîtrise d'œuvre - phase DET", 1, 12500.0, self.tax_20)],
            **values,
        )

    def poll(self):
        """One run of the polling job, whenever the invoices were read last."""
        self.env["account.move"].search([("chorus_polled_on", "!=", False)]).write({"chorus_polled_on": False})
        self.env["chorus.pro.submission"]._cron_poll()

    def behave(self, behaviour, reason=None):
        wizard = (
            self.env["chorus.pro.sandbox.wizard"]
            .with_context(**self.account.action_sandbox_behaviour()["context"])
            .create({"behaviour": behaviour, "reason": reason})
        )
        wizard.action_confirm()

    def followup(self, invoice, action, **values):
        context = getattr(invoice, action)()["context"]
        return self.env["chorus.pro.followup.wizard"].with_context(**context).create(values)

    def url(self, path=""):
        self.env.flush_all()  # the server reads the database in its own request
        return f"{self.account._sandbox_prefix()}{path}"

    def token(self):
        secrets = self.account.sudo()
        answer = requests.post(
            self.url("/api/oauth/token"),
            data={
                "grant_type": "client_credentials",
                "client_id": secrets.piste_client_id,
                "client_secret": secrets.piste_client_secret,
                "scope": "openid",
            },
            timeout=10,
        )
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()["access_token"]

    def api_headers(self, token, login=None, password=None):
        secrets = self.account.sudo()
        account = f"{login or secrets.technical_login}:{password or secrets.technical_password}"
        return {
            "Authorization": f"Bearer {token}",
            "cpro-account": base64.b64encode(account.encode()).decode(),
            "Content-Type": "application/json;charset=utf-8",
        }


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSandbox(SandboxCommon):
    def test_one_click_fills_the_sandbox(self):
        account = self.account
        self.assertEqual((account.environment, account.active, account.credentials_set), ("sandbox", True, True))
        self.assertTrue(account.sandbox_url.endswith(f"/einvoice/sandbox/chorus/{account.id}"))
        api_url, token_url = account._urls()
        self.assertEqual(token_url, f"{account.sandbox_url}/api/oauth/token")
        self.assertEqual(api_url, f"{account.sandbox_url}/cpro/")
        self.assertTrue(account.sudo().piste_client_secret)
        self.assertNotEqual(account.sudo().piste_client_secret, account.sudo().technical_password)
        # The city is a structure of the sandbox, and the structure search found it there.
        sandbox = self.sandbox()
        city = sandbox.structure_by_siret(cases.PUBLIC_SIRET)
        self.assertEqual(
            (city["name"], city["service_required"], city["commitment_required"]),
            (
                "Mairie de Paris - Direction des achats",
                True,
                True,
            ),
        )
        self.assertEqual(
            [(s["codeService"], s["estActif"]) for s in city["services"]],
            [("SERV-ACHATS", True), ("SERV-FERME", False), ("SERV-TRAVAUX", True)],
        )
        self.assertFalse(sandbox.structure_by_siret(cases.SELLER_SIRET)["public"], "the supplier's own structure")
        self.assertIsNone(sandbox.structure_by_siret(cases.BUYER_SIRET), "a private company is no public buyer")
        self.assertEqual(self.public_customer.chorus_structure_id, str(city["idStructureCPP"]))
        self.assertEqual(account.sandbox_structure_count, len([s for s in sandbox.structures.values() if s["public"]]))
        # Clicking again opens the same sandbox.
        again = self.env["chorus.pro.account"].with_company(self.company).action_try_sandbox()
        self.assertEqual(again["res_id"], account.id)
        # A new public buyer: the partner sync and "Refresh the sandbox structures", over HTTP.
        town = self._french_company(
            "Commune de Nantes", "21440109300015", "FR74214401093", "2 rue de l'Hôtel de Ville", "44000", "Nantes"
        )
        self.env["res.partner"]._cron_chorus_sync_partners()
        self.assertFalse(town.chorus_public_entity, "not in the sandbox yet")
        answer = account.action_sandbox_refresh()
        self.assertIn("Commune de Nantes", answer["params"]["message"])
        self.assertTrue(town.chorus_public_entity)
        town.chorus_synced_on = False
        town.action_chorus_sync()  # through HTTP this time
        self.assertTrue(town.chorus_public_entity)
        self.assertEqual(
            self.sandbox().structure_by_siret("21440109300015")["idStructureCPP"], int(town.chorus_structure_id)
        )
        self.assertEqual(
            self.sandbox().structure_by_siret(cases.PUBLIC_SIRET)["idStructureCPP"], city["idStructureCPP"]
        )
        self.assertEqual(account.action_test_connection()["params"]["type"], "success")

    def test_the_cron_deposits_once_and_the_statuses_come_back_up_to_payment(self):
        invoice = self.public_invoice(l10n_fr_contract_ref="MAPA-2026-TX-017")
        self.assertEqual(invoice.chorus_state, "to_send")
        client = self.account._client()
        self.assertIsInstance(client.session.get_adapter(client.base_url), requests.adapters.HTTPAdapter)
        self.env["chorus.pro.submission"]._cron_send()
        self.env["chorus.pro.submission"]._cron_send()
        self.assertEqual(invoice.chorus_state, "deposited")
        self.assertTrue(invoice.einvoice_sandbox)
        submission = invoice.chorus_submission_id
        self.assertTrue(submission.sandbox)
        self.assertEqual(submission.sandbox_label, "Sandbox")
        # In the sandbox, once: the number, the SIRETs, the service code and the file itself.
        sandbox = self.sandbox()
        self.assertEqual(list(sandbox.flows), [submission.numero_flux])
        [remote] = sandbox.invoices.values()
        self.assertEqual(remote["numeroFacture"], invoice.name)
        self.assertEqual(remote["codeDestinataire"], cases.PUBLIC_SIRET)
        self.assertEqual(remote["codeFournisseur"], cases.SELLER_SIRET)
        self.assertEqual(remote["codeServiceExecutant"], "SERV-ACHATS")
        self.assertEqual(remote["numeroBonCommande"], "EJ-1000234567")
        kept = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id), ("name", "like", "_chorus_cii.xml")]
        )
        self.assertEqual(remote["content"], kept.raw)
        self.assertIn(b"MAPA-2026-TX-017", remote["content"])
        # Each poll moves it one step, as a public buyer that pays would.
        seen = []
        for _run in range(10):
            self.poll()
            seen.append(invoice.chorus_status)
            if invoice.chorus_status == "MISE_EN_PAIEMENT":
                break
        self.assertEqual(list(dict.fromkeys(seen)), list(BUYER_PATH))
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("MISE_EN_PAIEMENT", "211"))
        events = invoice.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id))
        self.assertEqual(events.mapped("status"), ["200", "203", "204", "211"])
        self.assertEqual(set(events.mapped("source")), {"chorus_pro"})
        self.assertIn(SERVICE_DONE_COMMENT, " ".join(invoice.message_ids.mapped("body")))
        bodies = invoice.message_ids.mapped("body")
        self.assertTrue(any("Integrated in Chorus Pro (sandbox) under number" in body for body in bodies))
        self.assertTrue(any("Chorus Pro status (sandbox): <b>Payment sent</b>" in body for body in bodies))
        self.assertFalse(any("Chorus Pro status:" in body for body in bodies), "every status says sandbox")
        self.assertEqual(len(self.sandbox().invoices), 1, "deposited once")
        self.assertFalse(invoice.activity_ids)
        # Paid: no more reading.
        Move = self.env["account.move"]
        self.assertNotIn(invoice, Move.search(Move._chorus_to_poll_domain(self.company, sandbox=True)))

    def test_a_suspension_and_its_completion(self):
        self.behave("suspend", "Procès-verbal de réception manquant")
        self.assertEqual(self.account.sandbox_behaviour, "suspend")
        invoice = self.public_invoice()
        self.env["chorus.pro.submission"]._cron_send()
        self.behave("normal")  # for the next ones: this one keeps the behaviour it was deposited with
        for _run in range(4):
            self.poll()
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("SUSPENDUE", "208"))
        self.assertEqual(invoice.chorus_status_comment, "Procès-verbal de réception manquant")
        event = invoice.einvoice_event_ids.filtered(lambda e: e.status == "208")
        self.assertIn("Procès-verbal de réception manquant", event.reason)
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("suspended", activity.summary)
        self.assertIn("(sandbox)", activity.summary)
        wizard = self.followup(
            invoice,
            "action_chorus_complete",
            comment="PV de réception joint",
            attachment=base64.b64encode(b"%PDF-1.7 PV de reception"),
            attachment_name="pv-reception.pdf",
        )
        wizard.action_confirm()
        remote = self.sandbox().invoices[int(invoice.chorus_invoice_id)]
        self.assertEqual(remote["statut"], "COMPLETEE")
        [piece] = remote["attachments"]
        self.assertEqual(self.sandbox().attachments[piece]["content"], b"%PDF-1.7 PV de reception")
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("COMPLETEE", "209"))
        bodies = invoice.message_ids.mapped("body")
        self.assertTrue(any("Completed in Chorus Pro (sandbox): PV de réception joint" in body for body in bodies))
        self.poll()
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("SERVICE_FAIT", "204"), "it goes on")

    def test_a_rejection_and_an_invoice_to_recycle(self):
        # The behaviour is the sandbox's when the invoice is deposited.
        self.behave("reject")
        rejected = self.public_invoice()
        self.env["chorus.pro.submission"]._cron_send()
        self.behave("recycle")
        recycled = self.public_invoice()
        self.env["chorus.pro.submission"]._cron_send()
        for _run in range(4):
            self.poll()
        self.assertEqual((rejected.chorus_status, rejected.einvoice_status), ("REJETEE", "210"))
        self.assertEqual(rejected.chorus_status_comment, BUYER_REASONS["reject"])
        self.assertEqual(
            rejected.einvoice_event_ids.filtered(lambda e: e.status == "210").reason_code, "MONTANTTOTAL_ERR"
        )
        self.assertEqual(recycled.chorus_status, "A_RECYCLER")
        wizard = self.followup(recycled, "action_chorus_recycle")
        wizard.commitment = "EJ-2000000001"
        wizard.action_confirm()
        remote = self.sandbox().invoices[int(recycled.chorus_invoice_id)]
        self.assertEqual((remote["numeroBonCommande"], remote["statut"]), ("EJ-2000000001", "DEPOSEE"))
        self.assertEqual(recycled.l10n_fr_purchase_order_ref, "EJ-2000000001")
        for _run in range(2):
            self.poll()
        self.assertEqual(recycled.chorus_status, "SERVICE_FAIT", "recycled once, then on its way to payment")

    def test_the_sandbox_checks_what_chorus_pro_checks(self):
        # The city closed a service in Chorus Pro since its partner was last synced.
        sandbox = self.account.sudo()._sandbox()
        sandbox._lock()
        simulator = sandbox._simulator()
        [works] = [
            s
            for s in simulator.structure_by_siret(cases.PUBLIC_SIRET)["services"]
            if s["codeService"] == "SERV-TRAVAUX"
        ]
        works["estActif"] = False
        sandbox._save(simulator, sandbox.state)
        invoice = self.public_invoice(l10n_fr_buyer_reference="SERV-TRAVAUX")
        self.env["chorus.pro.submission"]._cron_send()
        self.poll()
        self.assertEqual((invoice.chorus_state, invoice.einvoice_status), ("rejected", "213"))
        self.assertIn("SERV-TRAVAUX", invoice.chorus_error)
        self.assertTrue(
            any("Rejected by Chorus Pro (sandbox) at deposit" in b for b in invoice.message_ids.mapped("body"))
        )
        # Unicity: a number deposited again is a duplicate, and the first deposit is the invoice.
        first = self.public_invoice()
        self.env["chorus.pro.submission"]._cron_send()
        self.poll()
        number = first.chorus_invoice_id
        # Odoo itself never deposits it twice, even made sendable again by hand.
        first.chorus_state = "error"
        self.assertIn("already deposited", first.action_chorus_send()["params"]["message"])
        self.assertEqual(len(self.sandbox().flows), 2)
        # Deposited elsewhere before (by hand on the portal, say): the sandbox refuses the second as a duplicate.
        first.chorus_submission_id.sudo()._release()
        first.action_chorus_send()
        self.poll()
        self.assertEqual((first.chorus_state, first.chorus_invoice_id), ("integrated", number))
        self.assertEqual(len(self.sandbox().invoices), 1)
        self.assertIn(
            "Doublon", " ".join(self.sandbox().flows[first.chorus_submission_id.numero_flux]["errors_dp"][0].values())
        )

    def test_reset(self):
        invoice = self.public_invoice()
        self.env["chorus.pro.submission"]._cron_send()
        self.poll()
        self.assertEqual(invoice.chorus_state, "integrated")
        self.account.action_sandbox_reset()
        sandbox = self.sandbox()
        self.assertEqual((sandbox.flows, sandbox.invoices), ({}, {}))
        self.assertTrue(sandbox.structure_by_siret(cases.PUBLIC_SIRET), "the structures stay")
        self.assertEqual(invoice.chorus_state, "error")
        self.assertIn("reset", invoice.chorus_error)
        invoice.action_chorus_send()
        self.assertEqual(invoice.chorus_state, "deposited", "deposited again, in the sandbox")
        self.assertEqual(len(self.sandbox().invoices), 1)

    def test_french_users_read_bac_a_sable(self):
        if not self.env["res.lang"].search([("code", "=", "fr_FR")]):
            self.skipTest("French is not loaded")
        self.company.partner_id.lang = "fr_FR"  # nobody acts in the jobs: the company's language
        invoice = self.public_invoice()
        self.env["chorus.pro.submission"]._cron_send()
        self.poll()
        self.poll()
        bodies = " ".join(invoice.message_ids.mapped("body"))
        self.assertIn("Intégrée dans Chorus Pro (bac à sable) sous le numéro", bodies)
        self.assertIn("Statut Chorus Pro (bac à sable) : <b>Mise à disposition du destinataire</b>", bodies)
        labels = dict(self.account._fields["environment"]._description_selection(self.env(context={"lang": "fr_FR"})))
        self.assertEqual(labels["sandbox"], "Bac à sable (servi par cet Odoo)")
        self.assertEqual(labels["qualification"], "Qualification PISTE (bac à sable de l'AIFE)")


@tagged("post_install_l10n", "post_install", "-at_install")
class TestSandboxRoutes(SandboxCommon):
    def test_an_exchange_as_chorus_pro_answers_it(self):
        token = self.token()
        answer = requests.post(
            self.url("/cpro/structures/v1/rechercher"),
            json={"structure": {"identifiantStructure": cases.PUBLIC_SIRET}},
            headers=self.api_headers(token),
            timeout=10,
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.headers["Content-Type"], "application/json;charset=utf-8")
        [found] = answer.json()["listeStructures"]
        self.assertEqual(found["designationStructure"], "Mairie de Paris - Direction des achats")

    def test_only_an_active_sandbox_is_served(self):
        qualification = self.env["chorus.pro.account"].create(
            {"name": "Qualification", "company_id": self.buyer_company.id, "environment": "qualification"}
        )
        for account_id in (qualification.id, 987654321):
            answer = requests.post(
                f"{self.account._sandbox_prefix().rsplit('/', 1)[0]}/{account_id}/api/oauth/token",
                data={"grant_type": "client_credentials"},
                timeout=10,
            )
            self.assertEqual(answer.status_code, 404)
            self.assertEqual(answer.json()["codeRetour"], 404)
        self.account.active = False
        self.assertEqual(requests.post(self.url("/api/oauth/token"), timeout=10).status_code, 404)

    def test_wrong_credentials_are_refused(self):
        secrets = self.account.sudo()
        answer = requests.post(
            self.url("/api/oauth/token"),
            data={"grant_type": "client_credentials", "client_id": secrets.piste_client_id, "client_secret": "nope"},
            timeout=10,
        )
        self.assertEqual((answer.status_code, answer.json()["error"]), (401, "invalid_client"))
        route = self.url("/cpro/structures/v1/rechercher")
        answer = requests.post(route, json={}, headers=self.api_headers("not-a-token"), timeout=10)
        self.assertEqual(answer.status_code, 401)
        self.assertEqual(answer.headers["WWW-Authenticate"], 'Bearer error="invalid_token"')
        token = self.token()
        answer = requests.post(route, json={}, headers=self.api_headers(token, password="wrong"), timeout=10)
        self.assertEqual(answer.status_code, 403)
        self.assertIn("cpro-account", answer.json()["libelle"])
        answer = requests.post(route, json={}, headers=self.api_headers(token), timeout=10)
        self.assertEqual(answer.status_code, 200)

    def test_an_oversized_request_is_refused(self):
        body = json.dumps({"fichierFlux": "A" * MAX_BODY_BYTES}).encode()
        answer = requests.post(
            self.url("/cpro/factures/v1/deposer/flux"),
            data=body,
            headers=self.api_headers(self.token()),
            timeout=60,
        )
        self.assertEqual(answer.status_code, 413)
        self.assertEqual(self.sandbox().flows, {}, "nothing read, nothing kept")


@tagged("post_install_l10n", "post_install", "-at_install")
class TestGoingLive(SandboxCommon):
    def test_never_a_sandbox_and_production_at_once(self):
        production = {
            "name": "Chorus Pro",
            "company_id": self.company.id,
            "environment": "production",
            "api_url": "https://127.0.0.1:9/cpro/",
            "token_url": "https://127.0.0.1:9/token",
        }
        # Odoo's assertRaises rolls the failed write back (a savepoint); assertRaisesRegex would not.
        with self.assertRaises(ValidationError) as caught:
            self.env["chorus.pro.account"].create(production)
        self.assertIn(
            "cannot have a Chorus Pro sandbox and a production connection active at once", str(caught.exception)
        )
        archived = self.env["chorus.pro.account"].create(dict(production, active=False))
        with self.assertRaises(ValidationError) as caught:
            archived.active = True
        self.assertIn("archive the sandbox (Chorus Pro sandbox) first", str(caught.exception))
        with self.assertRaises(UserError) as caught:
            self.account.environment = "production"
        self.assertIn("cannot become or stop being a sandbox", str(caught.exception))
        # Trying the sandbox while production is in use says what to do.
        self.account.active = False
        archived.write(
            {
                "active": True,
                "piste_client_id": "id",
                "piste_client_secret": "secret",
                "technical_login": "TECH_1_prod@cpro.fr",
                "technical_password": "password",
            }
        )
        with self.assertRaises(UserError) as caught:
            self.env["chorus.pro.account"].with_company(self.company).action_try_sandbox()
        self.assertIn("archive it first to try the sandbox", str(caught.exception))
        # A new connection, not used yet, becomes the sandbox in one click.
        archived.active = False
        blank = self.env["chorus.pro.account"].create({"name": "Chorus Pro", "company_id": self.company.id})
        action = blank.action_try_sandbox()
        self.assertEqual(action["res_id"], blank.id)
        self.assertEqual((blank.environment, blank.credentials_set, blank.api_url), ("sandbox", True, False))

    def test_what_went_through_the_sandbox_stays_there(self):
        deposited = self.public_invoice()
        self.env["chorus.pro.submission"]._cron_send()
        self.poll()
        self.assertTrue(deposited.einvoice_sandbox)
        queued = self.public_invoice()
        self.assertEqual(queued.chorus_state, "to_send")
        # Going live: archive the sandbox, then activate production.
        self.account.action_archive()
        self.assertFalse(queued.chorus_state, "taken out of the sandbox's queue")
        self.assertFalse(queued.einvoice_sandbox)
        self.assertTrue(any("Taken out of the Chorus Pro queue" in b for b in queued.message_ids.mapped("body")))
        production = self.env["chorus.pro.account"].create(
            {
                "name": "Chorus Pro",
                "company_id": self.company.id,
                "environment": "production",
                "api_url": "https://127.0.0.1:9/cpro/",
                "token_url": "https://127.0.0.1:9/token",
                "piste_client_id": "prod-id",
                "piste_client_secret": "prod-secret",
                "technical_login": "TECH_1_prod@cpro.fr",
                "technical_password": "prod-password",
                "timeout": 1,
            }
        )
        # Nothing of the sandbox reaches production: not queued, not read, not sent from the button.
        Move = self.env["account.move"]
        self.assertNotIn(deposited, Move.search(Move._chorus_to_poll_domain(self.company)))
        self.assertEqual(self.env["chorus.pro.submission"]._cron_send(), 0)
        self.assertEqual(self.env["chorus.pro.submission"]._cron_poll(), 0)
        self.assertFalse(self.env["chorus.pro.submission"].search([("account_id", "=", production.id)]))
        deposited.chorus_state = "error"  # even if someone made it sendable again
        answer = deposited.action_chorus_send()
        self.assertIn("it is not deposited in production", answer["params"]["message"])
        with self.assertRaisesRegex(UserError, "archived: it is not followed in production"):
            deposited.action_chorus_refresh()
        with self.assertRaisesRegex(UserError, "not an active sandbox"):
            self.account.action_sandbox_refresh()

    def test_only_accounting_managers_drive_the_sandbox(self):
        clerk = self.env["res.users"].create(
            {
                "name": "Facturière",
                "login": "facturiere-sandbox",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("account.group_account_invoice").id])],
            }
        )
        for action in ("action_sandbox_refresh", "action_sandbox_reset", "action_sandbox_behaviour"):
            with self.assertRaises(AccessError):
                getattr(self.account.with_user(clerk), action)()
        with self.assertRaises(AccessError):
            self.env["chorus.pro.account"].with_user(clerk).action_try_sandbox()
        manager = self.env["res.users"].create(
            {
                "name": "Gestionnaire",
                "login": "gestionnaire-sandbox",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref("account.group_account_manager").id])],
            }
        )
        self.account.with_user(manager).action_sandbox_refresh()
        for field in ("piste_client_secret", "technical_password"):
            with self.assertRaises(AccessError):
                self.account.with_user(manager).read([field])


@tagged("post_install", "-at_install")
class TestSandboxDemo(HttpCase):
    """The demo database tells the architect's case through its sandbox, and its sandbox still answers."""

    def setUp(self):
        super().setUp()
        self.demo_account = self.env.ref("chorus_pro_connector.demo_account", raise_if_not_found=False)
        if not self.demo_account:
            self.skipTest("installed without demo data")

    def test_the_demo_story(self):
        account = self.demo_account
        self.assertEqual((account.environment, account.active), ("sandbox", True))
        company = account.company_id
        moves = self.env["account.move"].search(
            [("company_id", "=", company.id), ("einvoice_sandbox", "=", True), ("chorus_state", "!=", False)],
            order="invoice_date",
        )
        self.assertEqual(moves.mapped("chorus_status"), ["MISE_EN_PAIEMENT", "SUSPENDUE"])
        paid, suspended = moves
        self.assertEqual(paid.einvoice_status, "211")
        self.assertEqual(
            [e.status for e in paid.einvoice_event_ids.sorted(lambda e: (e.timestamp, e.id))],
            ["200", "203", "204", "211"],
        )
        self.assertEqual(suspended.einvoice_status, "208")
        self.assertEqual(suspended.chorus_status_comment, BUYER_REASONS["suspend"])
        self.assertIn(BUYER_REASONS["suspend"], suspended.activity_ids.note)
        self.assertEqual(set(moves.chorus_submission_id.mapped("sandbox")), {True})
        city = self.env.ref("chorus_pro_connector.demo_public_architecture")
        self.assertTrue(city.chorus_structure_id and city.chorus_public_entity)
        self.assertEqual(account.sudo()._sandbox().behaviour, "normal")

    def test_the_demo_sandbox_answers_over_http(self):
        account = self.demo_account
        company = account.company_id
        env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        city = env.ref("chorus_pro_connector.demo_public_architecture")
        tax = env["account.chart.template"].with_company(company).ref("tva_normale_encaissement")
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": city.id,
                "l10n_fr_buyer_reference": "DIR-BATIMENTS",
                "l10n_fr_purchase_order_ref": "EJ-2026-0099001",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": env.ref("chorus_pro_connector.demo_product_design_mission").id,
                            "tax_ids": [(6, 0, tax.ids)],
                        },
                    )
                ],
            }
        )
        invoice.action_post()
        self.assertEqual(invoice.chorus_state, "to_send")
        Submission = env["chorus.pro.submission"]
        Submission._cron_send()
        self.assertEqual((invoice.chorus_state, invoice.einvoice_sandbox), ("deposited", True))
        Submission._cron_poll()
        self.assertEqual((invoice.chorus_state, invoice.chorus_status), ("integrated", "DEPOSEE"))
        invoice.action_chorus_refresh()
        self.assertEqual((invoice.chorus_status, invoice.einvoice_status), ("MISE_A_DISPOSITION", "203"))
