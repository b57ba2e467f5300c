"""The sandbox: an approved platform that this Odoo serves itself, to try every flow before going live.

A platform of environment "sandbox" is :class:`einvoice.testing.platform.SandboxPlatform`
(the AFNOR Flow and Directory APIs, the buyer's answers, supplier invoices), run without a
socket on the routes ``/einvoice/sandbox/platform/<platform id>/...`` of this server
(``controllers/main.py``). What it knows (flows, directory, answers to come) is one row of
``einvoice.sandbox.state`` per platform, locked (``SELECT ... FOR UPDATE``) for each
exchange, so that concurrent requests and several workers never lose an update.

How Odoo reaches its sandbox:

- over real HTTP, at ``http://127.0.0.1:<http_port>`` (the system parameter
  ``einvoice.sandbox_base_url`` overrides it, behind Docker or a proxy), whenever a server
  can answer: the scheduled actions, the shell, the thread of an HTTP test;
- in-process (:class:`einvoice.testing.server.InProcessAdapter`, the very same handler),
  when no server can answer in time:

  - while the registry loads (a module installed with its demo data: no HTTP server
    runs yet), and in a test that runs in one transaction no server shares: on the same
    cursor;
  - inside an HTTP request of this server (a button): a request that called its own
    server would wait for itself on a single-worker server; the exchange runs in a
    transaction of its own, committed at once, as on the remote platform.

The sandbox never calls Odoo back: it offers no webhook, the receiving cron polls it.
"""

import logging
import random
import secrets
import time

import requests

from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.http import request
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import config

from odoo.addons.l10n_fr_einvoice.notification import notification

from einvoice.codes import Scheme
from einvoice.model import Identifier, Party
from einvoice.platform import ClientCredentials, DirectoryClient, FlowClient
from einvoice.testing.platform import SandboxPlatform
from einvoice.testing.server import InProcessAdapter

_logger = logging.getLogger(__name__)

#: The routes of the sandboxes, below which each platform has its own.
SANDBOX_PREFIX = "/einvoice/sandbox/platform"
#: Biggest request a sandbox takes (a Factur-X with its attachments stays well below).
MAX_SANDBOX_BODY = 35 * 1024 * 1024


def _same_transaction(env):
    """Whether the sandbox is used on this very cursor: nothing else can see this transaction."""
    registry = env.registry
    return not registry.ready or bool(modules.module.current_test and registry.test_cr is None)


def _in_process(env):
    """Whether Odoo reaches its sandbox without HTTP (see the module's docstring)."""
    return _same_transaction(env) or bool(request)


class _SandboxService:
    """What :class:`InProcessAdapter` hands the requests to: one exchange with a platform's sandbox."""

    def __init__(self, platform):
        self.platform = platform

    def handle(self, method, target, headers=(), body=b""):
        return self.platform._sandbox_run(lambda simulator: simulator.handle(method, target, headers, body))


class EinvoiceSandboxState(models.Model):
    _name = "einvoice.sandbox.state"
    _description = "E-invoicing sandbox state"

    platform_id = fields.Many2one("einvoice.platform", required=True, index=True, ondelete="cascade")
    state = fields.Text(help="What the sandbox knows (flows, directory, answers to come), as JSON.")

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("platform_unique", "unique(platform_id)", "A sandbox has one state."),
    ]


class EinvoicePlatform(models.Model):
    _inherit = "einvoice.platform"

    # --- the sandbox's state --------------------------------------------------------------

    def _sandbox_simulator(self):
        """The sandbox as this platform's settings make it (credentials, the buyer's answer)."""
        self.ensure_one()
        secret = self.sudo()
        return SandboxPlatform(
            client_id=secret.client_id or "",
            client_secret=secret.client_secret or "",
            name=self.name,
            buyer_answer=self.sandbox_buyer_answer or "approve",
            reason_code=self.sandbox_reason_code or "CMD_ERR",
            reason=self.sandbox_reason or None,
        )

    def _sandbox_run(self, work, same_transaction=None):
        """``work(simulator)`` on this platform's sandbox, its state locked, then saved; returns
        what ``work`` returns. The transaction is this one or its own (see the module's docstring);
        in its own, a concurrent update makes the work start again on the new state."""
        self.ensure_one()
        if same_transaction is None:
            same_transaction = _same_transaction(self.env)
        if same_transaction:
            return self._sandbox_work(work)
        # An HTTP test shares its cursor with the new one: it must see what this transaction wrote.
        self.env.flush_all()
        for attempt in range(1, MAX_TRIES_ON_CONCURRENCY_FAILURE + 1):
            try:
                with self.env.registry.cursor() as cr:
                    return self.with_env(self.env(cr=cr))._sandbox_work(work)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if attempt == MAX_TRIES_ON_CONCURRENCY_FAILURE:
                    raise
                time.sleep(random.uniform(0.0, 0.2 * attempt))
        return None

    def _sandbox_work(self, work):
        cr = self.env.cr
        cr.execute("SELECT id, state FROM einvoice_sandbox_state WHERE platform_id = %s FOR UPDATE", [self.id])
        row = cr.fetchone()
        if row is None:
            self.env["einvoice.sandbox.state"].sudo().create({"platform_id": self.id})
            self.env.flush_all()
            cr.execute("SELECT id, state FROM einvoice_sandbox_state WHERE platform_id = %s FOR UPDATE", [self.id])
            row = cr.fetchone()
        simulator = self._sandbox_simulator()
        simulator.load_state(row[1])
        result = work(simulator)
        state = simulator.dump_state()
        if state != row[1]:
            cr.execute(
                "UPDATE einvoice_sandbox_state SET state = %s, write_date = now() at time zone 'UTC' WHERE id = %s",
                [state, row[0]],
            )
            self.env["einvoice.sandbox.state"].invalidate_model(["state"])
        return result

    def _sandbox_state(self):
        """A copy of what the sandbox knows, read now (tests and checks)."""
        return self._sandbox_run(lambda simulator: simulator)

    # --- how Odoo reaches it ----------------------------------------------------------------

    def _sandbox_base_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("einvoice.sandbox_base_url")
        if base and not base.startswith(("http://", "https://")):
            raise UserError(
                self.env._("The system parameter einvoice.sandbox_base_url must be an http(s) URL, not %s.", base)
            )
        return (base or f"http://127.0.0.1:{config['http_port']}").rstrip("/")

    def _sandbox_url(self):
        """The Flow and Directory services of this sandbox (both at one address, without /v1)."""
        self.ensure_one()
        return f"{self._sandbox_base_url()}{SANDBOX_PREFIX}/{self.id}"

    def _sandbox_clients(self):
        self.ensure_one()
        secret = self.sudo()
        url = self._sandbox_url()
        session = requests.Session()
        if _in_process(self.env):
            session.mount(f"{url}/", InProcessAdapter(_SandboxService(self), url))
        else:
            # The server answers from the database: what this transaction wrote must be there
            # (an HTTP test shares its cursor with the server).
            self.env.flush_all()
        auth = ClientCredentials(f"{url}/token", secret.client_id, secret.client_secret)
        flows = FlowClient(url, auth, timeout=self.timeout, session=session)
        directory = DirectoryClient(url, auth, timeout=self.timeout, session=session)
        return flows, directory

    # --- creating, refreshing, resetting -------------------------------------------------------

    def _sandbox_setup(self):
        """A new sandbox: its credentials, its state, its directory."""
        for platform in self:
            platform.sudo().write({"client_id": f"sandbox-{platform.id}", "client_secret": secrets.token_urlsafe(32)})
            self.env["einvoice.sandbox.state"].sudo().create({"platform_id": platform.id})
            # In this transaction: no other one sees the new platform until it is committed.
            platform._sandbox_refresh_directory(same_transaction=True)

    def _sandbox_check(self):
        self.ensure_one()
        if self.environment != "sandbox":
            raise UserError(self.env._("%s is not a sandbox.", self.name))
        if not self.active:
            raise UserError(self.env._("The sandbox %s is archived.", self.name))

    def _sandbox_directory_partners(self):
        company = self.company_id
        return (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("l10n_fr_siren", "!=", False),
                    ("parent_id", "=", False),
                    ("company_id", "in", (False, company.id)),
                    ("id", "!=", company.partner_id.id),
                ]
            )
        )

    def _sandbox_refresh_directory(self, same_transaction=None):
        """The sandbox's directory knows the company and its partners that have a SIREN, as the real
        directory would (a foreign company or a consumer has none: it stays out). SIREN numbers that
        begin with 1 or 2 are public bodies (INSEE numbering): they receive through the public portal."""
        self.ensure_one()
        partners = self._sandbox_directory_partners()
        entries = {partner.l10n_fr_siren: self._sandbox_directory_entry(partner) for partner in partners}
        own = self.company_id.partner_id
        if own.l10n_fr_siren:
            entries[own.l10n_fr_siren] = (own.l10n_fr_siren, self.company_id.name, False)
        companies = sorted(entries.values())
        self._sandbox_run(lambda simulator: simulator.set_directory(companies), same_transaction=same_transaction)
        # Their directory answers are asked again (before the next invoice to them leaves).
        partners.write({"einvoice_directory_state": "unknown", "einvoice_directory_checked_on": False})
        cron = self.env.ref("pa_connector.cron_directory_refresh", raise_if_not_found=False)
        if cron and cron.sudo().active and self.env.registry.ready:
            cron._trigger()
        return len(companies)

    @staticmethod
    def _sandbox_directory_entry(partner):
        public = partner.einvoice_public_entity or partner.l10n_fr_siren[:1] in ("1", "2")
        return partner.l10n_fr_siren, partner.name, public

    def _sandbox_know(self, partner):
        """Before a look-up: a partner with a SIREN that the sandbox's directory does not know yet
        (created since its last refresh) is added to it."""
        self.ensure_one()
        siren, name, public = self._sandbox_directory_entry(partner)

        def know(simulator):
            if siren not in simulator.legal_units:
                simulator.register(
                    siren, name, entity_type="Public" if public else None, platform="DFH" if public else "WK"
                )

        self._sandbox_run(know)

    def _sandbox_forget_directory(self):
        """A sandbox archived: what its directory said is asked again of the next platform."""
        for platform in self:
            platform._sandbox_directory_partners().write(
                {"einvoice_directory_state": "unknown", "einvoice_directory_checked_on": False}
            )

    def _sandbox_buyer_party(self):
        """The company, as the buyer of the sandbox's supplier invoices."""
        self.ensure_one()
        company = self.company_id
        partner = company.partner_id
        siren = partner.l10n_fr_siren
        if not siren:
            raise UserError(
                self.env._(
                    "%s has no SIREN: enter its SIRET (Settings > Companies) so that suppliers can address "
                    "e-invoices to it.",
                    company.name,
                )
            )
        siret = (partner.siret or company.siret or "").replace(" ", "")
        return Party(
            name=company.name,
            identifiers=[Identifier(siret, Scheme.SIRET)] if siret else [],
            legal_id=Identifier(siren, Scheme.SIREN),
            vat_id=company.vat or None,
            electronic_address=Identifier(partner.l10n_fr_electronic_address or siren, Scheme.FR_CTC_ADDRESS),
            address=self.env["account.move"]._l10n_fr_address(partner),
        )

    # --- buttons ---------------------------------------------------------------------------

    @api.model
    def action_try_sandbox(self):
        """ "Try the sandbox": the current company's sandbox, made if needed, opened."""
        self.check_access("create")
        company = self.env.company
        sandbox = self.search([("company_id", "=", company.id), ("environment", "=", "sandbox")], limit=1)
        if not sandbox:
            sandbox = self.create({"name": self.env._("Sandbox"), "environment": "sandbox", "company_id": company.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": sandbox.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_sandbox_refresh_directory(self):
        self._sandbox_check()
        self.check_access("write")
        count = self.sudo()._sandbox_refresh_directory()
        return notification(
            self.env._(
                "The sandbox's directory knows %(count)s companies: %(company)s and its partners that have a SIREN.",
                count=count,
                company=self.company_id.name,
            ),
            "success",
        )

    def action_sandbox_receive_supplier_invoice(self):
        """The sandbox delivers a Factur-X invoice of its sample supplier to the company."""
        self._sandbox_check()
        self.check_access("write")
        buyer = self._sandbox_buyer_party()
        today = fields.Date.context_today(self)
        _flow, invoice = self.sudo()._sandbox_run(lambda simulator: simulator.deliver_supplier_invoice(buyer, today))
        self.env.ref("pa_connector.cron_receive_flows")._trigger()
        return notification(
            self.env._(
                "Invoice %(number)s of %(supplier)s (%(amount)s EUR including VAT) waits in the sandbox: the "
                "scheduled action that receives flows makes it a draft vendor bill within a minute.",
                number=invoice.number,
                supplier=invoice.seller.name,
                amount=invoice.totals.tax_inclusive,
            ),
            "success",
        )

    def action_sandbox_reset(self):
        """Forget the sandbox's flows (its directory stays); Odoo's own records stay as they are."""
        self._sandbox_check()
        self.check_access("write")
        platform = self.sudo()
        platform._sandbox_run(lambda simulator: simulator.reset())
        platform.write({"in_cursor": False, "out_cursor": False})
        return notification(
            self.env._("The sandbox forgot its flows; invoices and bills in Odoo keep their history."),
            "success",
            reload=True,
        )
