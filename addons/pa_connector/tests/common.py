from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice.testing import cases
from einvoice.testing.platform import PlatformSimulator


class PlatformCommon(EinvoiceCommon):
    """The seller and the buyer companies, each connected to its own simulated platform."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pa = cls.enterClassContext(PlatformSimulator(client_id="seller", client_secret="seller-secret"))
        cls.pa_buyer = cls.enterClassContext(PlatformSimulator(client_id="buyer", client_secret="buyer-secret"))
        cls.platform = cls.make_platform(cls.company, cls.pa, "seller", "seller-secret")
        cls.buyer_platform = cls.make_platform(cls.buyer_company, cls.pa_buyer, "buyer", "buyer-secret")
        # The platform takes CII here: a Factur-X needs wkhtmltopdf (tested on its own).
        cls.customer.invoice_edi_format = "fr_cii"

    def setUp(self):
        super().setUp()
        self.pa.reset()
        self.pa_buyer.reset()
        # The customer receives e-invoices; the directory says so.
        self.pa.register(cases.BUYER_SIREN, "Client Industriel SA", siret=cases.BUYER_SIRET)
        self.pa.register(cases.BUYER_SIREN, "Client Industriel SA")

    @classmethod
    def make_platform(cls, company, simulator, client_id, secret):
        return cls.env["einvoice.platform"].create(
            {
                "name": f"PA {client_id}",
                "company_id": company.id,
                "flow_url": simulator.url,
                "directory_url": simulator.url,
                "token_url": simulator.token_url,
                "client_id": client_id,
                "client_secret": secret,
                "timeout": 5,
                "batch_size": 50,
            }
        )

    @staticmethod
    def fast(platform):
        """The platform's clients, retrying without waiting (the waits are the HTTP tests' business)."""
        flows, directory = platform._clients()
        flows.backoff = directory.backoff = 0.001
        return flows, directory

    def send_all(self, max_runs=100):
        Flow = self.env["einvoice.flow"]
        for _run in range(max_runs):
            Flow._cron_send_flows()
            if not Flow.search_count([("direction", "=", "out"), ("state", "in", ("queued", "sending"))]):
                return
        self.fail(f"the queue is not empty after {max_runs} runs")


class SandboxCommon(EinvoiceCommon):
    """The seller company trying e-invoicing in the sandbox that Odoo serves itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.invoice_edi_format = "fr_cii"  # a Factur-X needs wkhtmltopdf (tested on its own)
        cls.sandbox = cls.env["einvoice.platform"].create(
            {"name": "Bac à sable", "environment": "sandbox", "company_id": cls.company.id}
        )

    def send_all(self, max_runs=20):
        Flow = self.env["einvoice.flow"]
        for _run in range(max_runs):
            Flow._cron_send_flows()
            if not Flow.search_count(
                [
                    ("platform_id", "=", self.sandbox.id),
                    ("direction", "=", "out"),
                    ("state", "in", ("queued", "sending")),
                ]
            ):
                return
        self.fail(f"the queue is not empty after {max_runs} runs")

    def receive(self):
        self.env["einvoice.flow"]._cron_receive_flows()

    def sandbox_flows(self, direction=None, flow_type=None, platform=None):
        """The flows the sandbox holds now, oldest first: [(Flow object, content)]."""
        state = (platform or self.sandbox)._sandbox_state()
        entries = sorted(state.flows.values(), key=lambda entry: entry["flow"]["updatedAt"])
        return [
            (entry["flow"], entry["content"])
            for entry in entries
            if (direction is None or entry["flow"]["flowDirection"] == direction)
            and (flow_type is None or entry["flow"]["flowType"] == flow_type)
        ]

    def invoice(self, **values):
        return self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)], **values)
