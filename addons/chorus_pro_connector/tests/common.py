from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice.testing import cases
from einvoice.testing.chorus import ChorusProSimulator

#: Another establishment of the public buyer's SIREN, that requires a commitment number only.
COMMITMENT_SIRET = "21750001600027"
SERVICES = [("SERV-ACHATS", "Service achats"), ("SERV-TRAVAUX", "Travaux"), ("SERV-FERME", "Service fermé", False)]


class ChorusCommon(EinvoiceCommon):
    """The seller with a Chorus Pro connection to the simulator, and a public buyer synced from it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # What the jobs write is in the company's language (French when French is loaded): English here.
        cls.company.partner_id.lang = "en_US"
        cls.sim = cls.enterClassContext(ChorusProSimulator(slow_seconds=2))
        cls.account = cls.env["chorus.pro.account"].create(
            {
                "name": "Chorus Pro test",
                "company_id": cls.company.id,
                "api_url": cls.sim.api_url,
                "token_url": cls.sim.token_url,
                "piste_client_id": cls.sim.client_id,
                "piste_client_secret": cls.sim.client_secret,
                "technical_login": cls.sim.login,
                "technical_password": cls.sim.password,
                # CII: a Factur-X needs the PDF engine (tested on its own).
                "syntax": "cii",
                "timeout": 1,
                "batch_size": 50,
            }
        )
        cls.public_customer.invoice_edi_format = "fr_cii"

    def setUp(self):
        super().setUp()
        sim = self.sim
        with sim._lock:
            sim.structures.clear()
            sim.flows.clear()
            sim.invoices.clear()
            sim.requests.clear()
            sim.exchanges.clear()
            sim._numbers.clear()
            sim._failures.clear()
            sim._after_failures.clear()
            sim._fail_every = None
            sim.pending_reports = 0
            sim.deposit_delay = 0
            sim.token_lifetime = 3600
        sim.add_structure(cases.SELLER_SIRET, "Atelier Dupont Essais SARL", public=False)
        self.structure_id = sim.add_structure(
            cases.PUBLIC_SIRET,
            "Mairie de Paris",
            service_required=True,
            commitment_required=True,
            services=SERVICES,
            commitments={"EJ-1000234567", "EJ-2000000001"},
        )
        self.commitment_structure_id = sim.add_structure(
            COMMITMENT_SIRET, "Mairie de Paris - travaux", commitment_required=True
        )
        self.fast()
        self.public_customer.action_chorus_sync()

    def fast(self):
        """The connection's client, retrying without waiting (the waits are the engine tests' business)."""
        client = self.account._client()
        client.backoff = 0.001
        client.max_attempts = 2
        return client

    def public_invoice(self, post=True, partner=None, **values):
        values.setdefault("l10n_fr_buyer_reference", "SERV-ACHATS")
        values.setdefault("l10n_fr_purchase_order_ref", "EJ-1000234567")
        return self.make_invoice(
            partner=partner or self.public_customer,
            lines=[("Mission de maîtrise d'œuvre - phase DET", 1, 12500.0, self.tax_20)],
            post=post,
            **values,
        )

    def send_all(self, max_runs=20):
        Submission = self.env["chorus.pro.submission"]
        for _run in range(max_runs):
            Submission._cron_send()
            if not self.env["account.move"].search_count([("chorus_state", "in", ("to_send", "sending"))]):
                return
        self.fail(f"invoices are still queued after {max_runs} runs")

    def poll(self):
        """Read reports and statuses now, whenever they were read last."""
        self.env["account.move"].search([("chorus_polled_on", "!=", False)]).write({"chorus_polled_on": False})
        self.env["chorus.pro.submission"]._cron_poll()

    def deposits(self):
        """The flows Chorus Pro took (a call refused for an expired token is no deposit)."""
        return list(self.sim.flows)

    def deposit_calls(self):
        """The deposit requests that reached Chorus Pro, whatever their answer."""
        return [r for r in self.sim.requests if r[1] == "/cpro/factures/v1/deposer/flux"]

    def make_user(self, login, *groups, company=None):
        company = company or self.company
        return self.env["res.users"].create(
            {
                "name": login,
                "login": login,
                "email": f"{login}@atelier-dupont.example.fr",
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, [self.env.ref(group).id for group in groups])],
            }
        )
