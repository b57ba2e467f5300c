"""The Chorus Pro sandbox that Odoo serves itself: PISTE and Chorus Pro played by the simulator
of the engine (``einvoice.testing.chorus``), what it knows kept in the database, one row per
sandbox connection.

Every exchange locks the row (``SELECT ... FOR UPDATE``), restores the simulator from it,
lets it answer, and saves what changed, so that concurrent requests and several workers
lose nothing. The structures (the public buyers) are the company's public-buyer partners.
"""

from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models

from einvoice.chorus.client import PAGE_SIZE
from einvoice.testing.chorus import ChorusProSimulator

BEHAVIOURS = [
    ("normal", "Processes and pays the invoices"),
    ("suspend", "Suspends them, asking for a document"),
    ("reject", "Rejects them"),
    ("recycle", "Cannot route them (to recycle)"),
]
#: What a reset forgets; the structures are read again from the partners.
RESET_ATTRIBUTES = ("flows", "invoices", "attachments", "_numbers", "_tokens")


class InProcessSandbox:
    """The sandbox as a service of :class:`einvoice.testing.server.InProcessAdapter`: the same
    exchange as the sandbox's HTTP route, run in the current transaction (no HTTP)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def handle(self, method, target, headers=(), body=b""):
        return self.sandbox._exchange(method, target, headers, body)


class ChorusProSandbox(models.Model):
    _name = "chorus.pro.sandbox"
    _description = "Chorus Pro sandbox served by this Odoo"

    account_id = fields.Many2one(
        "chorus.pro.account", "Chorus Pro connection", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    state = fields.Text(help="What the sandbox's Chorus Pro knows (structures, deposits, statuses), as JSON.")
    behaviour = fields.Selection(
        BEHAVIOURS,
        "Public buyer's behaviour",
        required=True,
        default="normal",
        help="What the public buyers of the sandbox do with the invoices deposited from now on.",
    )
    reason = fields.Char(
        "Buyer's reason",
        help="The comment the buyer gives when it suspends or rejects an invoice, or when Chorus Pro asks to "
        "recycle it. Empty: a usual one.",
    )

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("account_unique", "unique(account_id)", "A Chorus Pro connection has one sandbox."),
    ]

    # --- the simulator ----------------------------------------------------------------------

    def _simulator(self):
        """The simulator, restored from the database, with this sandbox's credentials and settings."""
        self.ensure_one()
        account = self.account_id.sudo()
        simulator = ChorusProSimulator(
            client_id=account.piste_client_id,
            client_secret=account.piste_client_secret,
            login=account.technical_login,
            password=account.technical_password,
            listen=False,
            max_page_size=PAGE_SIZE,
            progress_on_read=True,
            buyer_behaviour=self.behaviour or "normal",
            buyer_reason=self.reason or None,
            keep_flow_files=False,
        )
        simulator.load_state(self.state)
        return simulator

    def _lock(self):
        """Take the sandbox's row until the transaction ends, and read what it holds now.

        Two requests at once: the second waits for the first to commit, then fails to
        serialize (Odoo's transactions are REPEATABLE READ) and Odoo runs it again, from the
        state the first one saved. Nothing is lost; that expected failure is not logged.
        """
        self.ensure_one()
        self.env.cr.execute(
            "SELECT id FROM chorus_pro_sandbox WHERE id = %s FOR UPDATE", (self.id,), log_exceptions=False
        )
        self.invalidate_recordset(["state", "behaviour", "reason"])

    def _save(self, simulator, before):
        text = simulator.dump_state()
        if text != before:  # a read that changed nothing writes nothing
            self.state = text

    def _exchange(self, method, target, headers=(), body=b""):
        """Answer one request as Chorus Pro would: ``(status, headers, body)``."""
        self._lock()
        before = self.state
        simulator = self._simulator()
        answer = simulator.handle(method, target, headers, body)
        self._save(simulator, before)
        return answer

    # --- structures ---------------------------------------------------------------------------

    def _public_buyers(self):
        """{SIRET: partners} of the company's public buyers: the partners marked public entity
        (Chorus Pro tab), and those whose SIREN is one of a public body (INSEE gives the public
        legal persons SIREN numbers starting with 1 or 2). Several partners may share a SIRET."""
        self.ensure_one()
        company = self.account_id.company_id
        Partner = self.env["res.partner"].sudo()
        own = Partner._chorus_own_sirets()
        buyers = {}
        public = Partner
        partners = Partner.search(
            [("is_company", "=", True), ("siret", "!=", False), ("company_id", "in", [False, company.id])],
            order="id",
        )
        # The company's own partners first: the structure takes the name of the first one.
        for partner in partners.sorted(lambda p: (not p.company_id, p.id)):
            siret = stdnum_siret.compact(partner.siret)
            if siret in own or not stdnum_siret.is_valid(siret):
                continue
            if partner.chorus_public_entity or siret[0] in "12":
                buyers[siret] = buyers.get(siret, public) | partner
        return buyers

    def _refresh_structures(self):
        """Make the structures of the sandbox those of the company and its public buyers; returns the buyers.

        A structure given again keeps its id; the buyer's requirements and services are
        those its partners record (any of them, when several share its SIRET): with no
        service listed, their routing codes are its services.
        """
        self._lock()
        before = self.state
        simulator = self._simulator()
        previous = {structure["siret"]: structure_id for structure_id, structure in simulator.structures.items()}
        next_id = max([26_000_000, *previous.values()]) + 1
        simulator.structures = {}

        def add(siret, name, **values):
            nonlocal next_id
            structure_id = previous.get(siret)
            if structure_id is None:
                structure_id, next_id = next_id, next_id + 1
            simulator.add_structure(siret, name, structure_id=structure_id, **values)

        company = self.account_id.company_id
        own_siret = stdnum_siret.compact(company.siret or "")
        if own_siret:
            add(own_siret, company.name, public=False)
        buyers = self._public_buyers()
        for siret, partners in buyers.items():
            services = {}
            for service in partners.with_context(active_test=False).chorus_service_ids:
                services.setdefault(service.code, (service.code, service.name or service.code, service.active))
            if not services:
                codes = dict.fromkeys(code for code in partners.mapped("l10n_fr_routing_code") if code)
                services = {code: (code, code) for code in codes}
            add(
                siret,
                partners[0].chorus_structure_name or partners[0].name,
                service_required=any(partners.mapped("chorus_service_code_required")),
                commitment_required=any(partners.mapped("chorus_commitment_required")),
                service_or_commitment=any(partners.mapped("chorus_service_or_commitment")),
                services=list(services.values()),
            )
        self._save(simulator, before)
        return buyers

    def _reset(self):
        """Forget every deposit, status, attachment and token; the structures are read again."""
        self._lock()
        before = self.state
        simulator = self._simulator()
        empty = ChorusProSimulator(listen=False)
        for name in RESET_ATTRIBUTES:
            setattr(simulator, name, getattr(empty, name))
        self._save(simulator, before)
        return self._refresh_structures()

    # --- what the form shows ------------------------------------------------------------------

    @api.model
    def _counts(self, sandboxes):
        """{sandbox: (structures, invoices)} as the sandboxes hold them."""
        counts = {}
        for sandbox in sandboxes:
            simulator = sandbox._simulator()
            buyers = [s for s in simulator.structures.values() if s["public"]]
            counts[sandbox] = (len(buyers), len(simulator.invoices))
        return counts
