import datetime
import hashlib
import logging
import secrets as token_generator
import threading

import requests

from odoo import api, fields, models, modules, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.sql_db import TestCursor

from odoo.addons.l10n_fr_einvoice.language import engine_lang, in_company_lang, selection_label
from odoo.addons.l10n_fr_einvoice.notification import notification

from einvoice.chorus import (
    PRODUCTION_API_URL,
    PRODUCTION_TOKEN_URL,
    SANDBOX_API_URL,
    SANDBOX_TOKEN_URL,
    ChorusProClient,
    ChorusProError,
    PisteCredentials,
    codes,
)
from einvoice.testing.server import InProcessAdapter

from .chorus_pro_sandbox import BEHAVIOURS, InProcessSandbox

_logger = logging.getLogger(__name__)

#: Chorus Pro clients by (database, account id): the PISTE token is cached in the client, so
#: it is reused across cron runs and requests of this process until it expires. A digest of
#: the settings goes with each client: a changed setting builds a new client.
_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()

SYNTAXES = [
    ("facturx", "Factur-X (PDF with its CII XML)"),
    ("cii", "CII XML (UN/CEFACT D16B)"),
    ("ubl", "UBL 2.1 XML"),
]
#: syntaxeFlux announced to Chorus Pro for each choice.
SYNTAX_CODES = {"facturx": codes.SYNTAX_FACTURX, "cii": codes.SYNTAX_CII, "ubl": codes.SYNTAX_UBL}
ENVIRONMENTS = [
    ("sandbox", "Sandbox (served by this Odoo)"),
    ("qualification", "PISTE qualification (sandbox of the AIFE)"),
    ("production", "Production"),
]
#: The official URLs of PISTE's environments (the sandbox's are this Odoo's own routes).
URLS = {
    "qualification": (SANDBOX_API_URL, SANDBOX_TOKEN_URL),
    "production": (PRODUCTION_API_URL, PRODUCTION_TOKEN_URL),
}
SECRET_FIELDS = ("piste_client_id", "piste_client_secret", "technical_login", "technical_password")
#: Where the secrets go and which secrets: set by system administrators only.
PROTECTED_FIELDS = ("environment", "api_url", "token_url", *SECRET_FIELDS)
#: Changing one of these sends the secrets elsewhere: the stored secrets are wiped with it.
ENDPOINT_FIELDS = ("environment", "api_url", "token_url")
#: The secrets wiped when an endpoint changes (the identifiers stay, to say which accounts they were).
WIPED_SECRETS = ("piste_client_secret", "technical_password")
#: Where the sandboxes of this Odoo are served, below its base URL (see sandbox_base_url).
SANDBOX_ROUTE = "/einvoice/sandbox/chorus"
#: The system parameter that says how Odoo reaches itself (default: 127.0.0.1 and its HTTP port).
SANDBOX_BASE_URL_PARAM = "einvoice.sandbox_base_url"


def sandbox_base_url(env):
    """How this Odoo reaches its own sandbox routes: the system parameter, else 127.0.0.1 on its HTTP port."""
    url = env["ir.config_parameter"].sudo().get_param(SANDBOX_BASE_URL_PARAM)
    return (url or f"http://127.0.0.1:{tools.config['http_port']}").rstrip("/")


def _commit(env):
    """Commit the work done so far. What Chorus Pro accepted must be on disk before the next
    batch starts, and a deposit before it leaves, so that a crash never makes us deposit it
    again. Never while the registry loads (a module installed with its demo data: its
    transaction is the installation's) nor in a test's own transaction (tests run in one
    and roll it back); a test's other cursors commit, as any worker's."""
    test = modules.module.current_test
    if not env.registry.ready or isinstance(env.cr, TestCursor) or (test and env.cr is getattr(test, "cr", None)):
        return
    env.cr.commit()  # pylint: disable=invalid-commit


def _forget_client(env, account_ids):
    """Drop the kept clients (and their PISTE tokens) of these connections."""
    with _CLIENTS_LOCK:
        for account_id in account_ids:
            _CLIENTS.pop((env.cr.dbname, account_id), None)


def error_text(env, exc):
    """What the accountant reads for a Chorus Pro error: the advice when known, in the user's language."""
    if isinstance(exc, ChorusProError):
        return exc.text(engine_lang(env))
    return str(exc)


class ChorusProAccount(models.Model):
    _name = "chorus.pro.account"
    _description = "Chorus Pro connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]  # noqa: RUF012 (Odoo reads this class attribute)
    _order = "company_id, id"

    name = fields.Char(required=True, default="Chorus Pro", tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    environment = fields.Selection(
        ENVIRONMENTS,
        required=True,
        default="qualification",
        tracking=True,
        help="Sandbox: this Odoo plays Chorus Pro and the public buyers itself, to try every case without any "
        "account; nothing leaves the database. PISTE qualification: the AIFE's test space of Chorus Pro, reached "
        "through PISTE's sandbox with test credentials. Production: the real Chorus Pro.",
    )
    api_url = fields.Char(
        "API URL",
        help="Base URL of the Chorus Pro API on PISTE. Empty: the official URL of the environment.",
    )
    token_url = fields.Char(
        "Token URL",
        help="PISTE's OAuth2 token endpoint. Empty: the official URL of the environment.",
    )
    piste_client_id = fields.Char("PISTE client ID", groups="base.group_system", copy=False)
    piste_client_secret = fields.Char("PISTE client secret", groups="base.group_system", copy=False)
    technical_login = fields.Char(
        "Technical account login",
        groups="base.group_system",
        copy=False,
        help="Login of the Chorus Pro technical account attached to the company's structure (TECH_...@cpro.fr).",
    )
    technical_password = fields.Char("Technical account password", groups="base.group_system", copy=False)
    password_expiry_date = fields.Date(
        "Password expires on",
        tracking=True,
        help="Chorus Pro technical account passwords expire: a reminder activity is planned before this date.",
    )
    reminder_days = fields.Integer("Remind days before", default=30)
    reminder_user_id = fields.Many2one(
        "res.users",
        "Reminder to",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        help="Who is asked to renew the password (a system administrator).",
    )
    syntax = fields.Selection(
        SYNTAXES,
        required=True,
        default="facturx",
        help="Format of the invoices deposited. Factur-X is a PDF readable by the public buyer's agents with "
        "the structured data inside; CII and UBL are XML only.",
    )
    auto_send = fields.Boolean(
        "Send posted invoices automatically",
        default=True,
        help="Invoices of public buyers are queued when posted and deposited by the sending job. Otherwise "
        "they leave from Send & Print or the Send to Chorus Pro button only.",
    )
    check_commitment = fields.Boolean(
        "Check commitment numbers",
        help="Before posting, ask Chorus Pro whether the public buyer knows the commitment number.",
    )
    batch_size = fields.Integer(default=50, help="Invoices deposited per flow (one tar.gz) and statuses read per run.")
    timeout = fields.Integer("Timeout (s)", default=30)
    connection_state = fields.Selection(
        [("unknown", "Not tested"), ("ok", "Connected"), ("failed", "Failed")],
        default="unknown",
        readonly=True,
        copy=False,
    )
    connection_message = fields.Char(readonly=True, copy=False)
    credentials_set = fields.Boolean(compute="_compute_credentials_set")
    submission_count = fields.Integer(compute="_compute_submission_count")
    sandbox_ids = fields.One2many("chorus.pro.sandbox", "account_id", "Sandbox", groups="base.group_system")
    sandbox_behaviour = fields.Selection(
        BEHAVIOURS, "Public buyer's behaviour", compute="_compute_sandbox", compute_sudo=True
    )
    sandbox_reason = fields.Char("Buyer's reason", compute="_compute_sandbox", compute_sudo=True)
    sandbox_structure_count = fields.Integer("Public buyers", compute="_compute_sandbox", compute_sudo=True)
    sandbox_invoice_count = fields.Integer("Invoices in the sandbox", compute="_compute_sandbox", compute_sudo=True)
    sandbox_url = fields.Char("Served at", compute="_compute_sandbox", compute_sudo=True)

    def _urls(self):
        """(API URL, token URL): this Odoo's routes for a sandbox; else those entered, else PISTE's."""
        self.ensure_one()
        if self.environment == "sandbox":
            prefix = self._sandbox_prefix()
            return f"{prefix}/cpro/", f"{prefix}/api/oauth/token"
        api_url, token_url = URLS[self.environment or "qualification"]
        return self.api_url or api_url, self.token_url or token_url

    def _sandbox_prefix(self):
        return f"{sandbox_base_url(self.env)}{SANDBOX_ROUTE}/{self.id}"

    def _sandbox(self):
        """The sandbox of this sandbox connection (created when missing), as superuser."""
        self.ensure_one()
        Sandbox = self.env["chorus.pro.sandbox"].sudo()
        return Sandbox.search([("account_id", "=", self.id)], limit=1) or Sandbox.create({"account_id": self.id})

    @api.depends("environment", "sandbox_ids.behaviour", "sandbox_ids.reason", "sandbox_ids.state")
    def _compute_sandbox(self):
        sandboxes = self.env["chorus.pro.sandbox"].sudo().search([("account_id", "in", self.ids)])
        by_account = {sandbox.account_id: sandbox for sandbox in sandboxes}
        counts = sandboxes._counts(sandboxes)
        for account in self:
            sandbox = by_account.get(account)
            account.sandbox_behaviour = sandbox.behaviour if sandbox else False
            account.sandbox_reason = sandbox.reason if sandbox else False
            account.sandbox_structure_count, account.sandbox_invoice_count = counts.get(sandbox, (0, 0))
            account.sandbox_url = (
                account._sandbox_prefix() if account.environment == "sandbox" and account.id else False
            )

    @api.depends(*SECRET_FIELDS)
    def _compute_credentials_set(self):
        for account, secrets in zip(self, self.sudo(), strict=True):
            account.credentials_set = all(secrets[name] for name in SECRET_FIELDS)

    def _compute_submission_count(self):
        counts = dict(
            self.env["chorus.pro.submission"]._read_group([("account_id", "in", self.ids)], ["account_id"], ["__count"])
        )
        for account in self:
            account.submission_count = counts.get(account, 0)

    @api.constrains("active", "company_id", "environment")
    def _check_one_per_company(self):
        """One active connection per company: above all, never a sandbox and production at once."""
        for account in self.filtered("active"):
            other = self.search(
                [("company_id", "=", account.company_id.id), ("active", "=", True), ("id", "!=", account.id)], limit=1
            )
            if not other:
                continue
            if {account.environment, other.environment} == {"sandbox", "production"}:
                raise ValidationError(
                    self.env._(
                        "%(company)s cannot have a Chorus Pro sandbox and a production connection active at once: "
                        "archive the sandbox (%(sandbox)s) first, then activate production. Invoices deposited in "
                        "the sandbox stay there: they are not deposited again in production.",
                        company=account.company_id.name,
                        sandbox=(account if account.environment == "sandbox" else other).name,
                    )
                )
            raise ValidationError(
                self.env._(
                    "%(company)s already has a Chorus Pro connection: archive it first.",
                    company=account.company_id.name,
                )
            )

    @api.constrains("batch_size", "timeout", "reminder_days")
    def _check_sizes(self):
        for account in self:
            if account.batch_size < 1 or account.timeout < 1 or account.reminder_days < 0:
                raise ValidationError(self.env._("Batch size and timeout must be positive."))

    @api.constrains("api_url", "token_url", "environment")
    def _check_urls(self):
        for account in self:
            for url in account._urls():
                if not url.startswith(("https://", "http://")):
                    raise ValidationError(self.env._("Chorus Pro URLs must be http(s) URLs."))
                if account.environment == "production" and not url.startswith("https://"):
                    raise ValidationError(self.env._("Production Chorus Pro is reached over HTTPS only."))

    @api.model
    def _for_company(self, company):
        return self.sudo().search([("company_id", "=", company.id)], limit=1)

    # --- creation and changes ---------------------------------------------------------------

    @api.model
    def _sandbox_credentials(self, company_id):
        """PISTE and technical account credentials of a new sandbox: random, known to this database only."""
        return {
            "piste_client_id": f"sandbox-{token_generator.token_hex(8)}",
            "piste_client_secret": token_generator.token_urlsafe(32),
            "technical_login": f"TECH_1_sandbox_{company_id}_{token_generator.token_hex(4)}@cpro.fr",
            "technical_password": token_generator.token_urlsafe(24),
        }

    def _check_protected(self, vals):
        """Endpoints, environment and credentials decide where the secrets go: system administrators only."""
        protected = [name for name in PROTECTED_FIELDS if name in vals]
        if not protected or self.env.su or self.env.user.has_group("base.group_system"):
            return
        labels = ", ".join(self._fields[name].get_description(self.env)["string"] for name in protected)
        raise AccessError(
            self.env._(
                "Only system administrators can change the Chorus Pro environment, URLs and credentials "
                "(%(fields)s): they decide where the company's secrets are sent.",
                fields=labels,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_protected(vals)
        for vals in vals_list:
            if vals.get("environment") == "sandbox":
                company_id = vals.get("company_id") or self.env.company.id
                for name, value in self._sandbox_credentials(company_id).items():
                    vals.setdefault(name, value)
                vals.update(api_url=False, token_url=False, password_expiry_date=False)
        accounts = super().create(vals_list)
        for account in accounts.filtered(lambda a: a.environment == "sandbox"):
            account._sandbox_fill()
        return accounts

    def write(self, vals):
        self._check_protected(vals)
        if "environment" in vals:
            for account in self:
                if account.environment == vals["environment"] or "sandbox" not in (
                    account.environment,
                    vals["environment"],
                ):
                    continue
                if account.submission_count or account.credentials_set:
                    raise UserError(
                        self.env._(
                            "%(name)s cannot become or stop being a sandbox: it holds credentials or deposits. "
                            "Archive it and create another connection.",
                            name=account.display_name,
                        )
                    )
        if vals.get("environment") == "sandbox" and len(self) > 1:
            for account in self:  # each sandbox gets its own credentials
                account.write(vals)
            return True
        deactivated = (
            self.filtered(lambda a: a.active and a.environment == "sandbox") if vals.get("active") is False else None
        )
        becoming_sandbox = (
            self.filtered(lambda a: a.environment != "sandbox") if vals.get("environment") == "sandbox" else None
        )
        if becoming_sandbox:
            credentials = self._sandbox_credentials(vals.get("company_id") or becoming_sandbox.company_id.id)
            vals = dict(vals, api_url=False, token_url=False, password_expiry_date=False, **credentials)
        # Secrets stored for one endpoint are never sent to another: a new endpoint needs them entered again.
        moved = self.filtered(
            lambda a: (
                (vals.get("environment") or a.environment) != "sandbox"
                and any(name in vals and (vals[name] or False) != (a[name] or False) for name in ENDPOINT_FIELDS)
            )
        )
        if moved:
            _forget_client(self.env, moved.ids)
            wiped = {name: False for name in WIPED_SECRETS if name not in vals}
            if wiped:
                super(ChorusProAccount, moved.sudo()).write(dict(wiped, connection_state="unknown"))
                for account in moved:
                    account.message_post(
                        body=self.env._(
                            "The Chorus Pro endpoint changed: the PISTE client secret and the technical account "
                            "password were wiped. Enter them again for the new endpoint."
                        )
                    )
        result = super().write(vals)
        if becoming_sandbox:
            becoming_sandbox._sandbox_fill()
        if deactivated:
            deactivated._sandbox_unqueue()
        return result

    def _sandbox_fill(self):
        """Fill the sandbox: its structures from the company's public buyers, then those buyers from it."""
        self.ensure_one()
        buyers = self._sandbox()._refresh_structures()
        return self._sandbox_sync_partners(buyers)

    def _sandbox_sync_partners(self, buyers):
        """Look the company's public buyers up in the sandbox (and those that no longer are), as the sync job does.

        Run in this transaction (in-process): the sandbox just changed and another
        transaction would not see it yet.
        """
        client = self._client(in_process=True)
        company = self.company_id
        Partner = self.env["res.partner"].sudo()
        partners = Partner.union(*buyers.values()) | Partner.search(
            [("chorus_public_entity", "=", True), ("company_id", "in", [False, company.id])]
        )
        public = Partner
        for partner in partners:
            if partner._chorus_sync(client):
                public |= partner
        return public

    def _sandbox_unqueue(self):
        """An archived sandbox takes its queue with it: nothing queued for it goes to production."""
        moves = (
            self.env["account.move"]
            .sudo()
            .search([("company_id", "in", self.company_id.ids), ("chorus_state", "=", "to_send")])
        )
        for move in moves:
            move.chorus_state = False
            move.message_post(
                body=move.env._(
                    "Taken out of the Chorus Pro queue: the sandbox it was queued for was archived. If this invoice "
                    "is a real one, send it to Chorus Pro from the invoice once production is active."
                )
            )

    # --- the client -----------------------------------------------------------------------

    def _client(self, in_process=False):
        """The Chorus Pro client of this connection, kept per process so that its token is reused.

        A sandbox is reached over HTTP on this Odoo's own routes, except while the registry
        is loading (no HTTP server answers then: a module installed with its demo data) or
        when ``in_process`` is asked: then its exchanges run in this transaction.
        """
        self.ensure_one()
        secrets = self.sudo()
        if not self.credentials_set:
            raise UserError(
                self.env._(
                    "%(name)s: the PISTE client ID and secret and the Chorus Pro technical account are required "
                    "(Accounting > Configuration > Chorus Pro).",
                    name=self.display_name,
                )
            )
        if self.environment == "sandbox":
            if in_process or not self.env.registry.ready:
                return self._sandbox_in_process_client()
            # The sandbox reads this connection and its own row in the request it serves.
            self.env.flush_all()
        key = (self.env.cr.dbname, self.id)
        api_url, token_url = self._urls()
        values = [api_url, token_url, self.timeout, *(secrets[name] for name in SECRET_FIELDS)]
        stamp = hashlib.sha256(repr(values).encode()).hexdigest()
        with _CLIENTS_LOCK:
            cached = _CLIENTS.get(key)
            if cached and cached[0] == stamp:
                return cached[1]
        credentials = PisteCredentials(secrets.piste_client_id, secrets.piste_client_secret, token_url=token_url)
        client = ChorusProClient(
            api_url,
            credentials,
            secrets.technical_login,
            secrets.technical_password,
            timeout=self.timeout,
        )
        with _CLIENTS_LOCK:
            _CLIENTS[key] = (stamp, client)
        return client

    def _sandbox_in_process_client(self):
        """A client of the sandbox whose requests run in this transaction (not kept: it holds the environment)."""
        secrets = self.sudo()
        prefix = self._sandbox_prefix()
        api_url, token_url = self._urls()
        session = requests.Session()
        session.mount(prefix, InProcessAdapter(InProcessSandbox(self._sandbox()), prefix))
        credentials = PisteCredentials(secrets.piste_client_id, secrets.piste_client_secret, token_url=token_url)
        return ChorusProClient(
            api_url, credentials, secrets.technical_login, secrets.technical_password, session=session
        )

    # --- buttons --------------------------------------------------------------------------

    def action_test_connection(self):
        """Get a PISTE token and look the company's own structure up: both secrets are tried."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only system administrators can test the Chorus Pro connection."))
        self.check_access("write")
        siret = (self.company_id.siret or "").replace(" ", "")
        try:
            client = self._client()
            found = client.find_structures(siret) if siret else []
        except ChorusProError as exc:
            message = error_text(self.env, exc)
            self.write({"connection_state": "failed", "connection_message": message[:500]})
            return notification(self.env._("Connection failed: %s", message), "danger", sticky=True)
        if found:
            message = self.env._(
                "Connected: your structure %(name)s (SIRET %(siret)s) was found in Chorus Pro.",
                name=found[0].name or siret,
                siret=siret,
            )
            kind = "success"
        else:
            message = self.env._(
                "Connected, but the company's SIRET %s is not a structure of Chorus Pro: create it on the "
                "Chorus Pro portal before sending invoices.",
                siret or "-",
            )
            kind = "warning"
        self.write({"connection_state": "ok", "connection_message": message[:500]})
        return notification(message, kind, sticky=kind != "success")

    def action_view_submissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("chorus_pro_connector.action_chorus_pro_submission")
        action["domain"] = [("account_id", "=", self.id)]
        return action

    # --- the sandbox ------------------------------------------------------------------------

    def _check_sandbox_rights(self):
        """Accounting managers start and drive the sandbox (its credentials are generated, not secrets of theirs);
        the records they act on must be readable by them (their companies)."""
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._("Only accounting managers (Accounting > Administrator) can start or change the sandbox.")
            )
        self.check_access("read")

    def _open(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_try_sandbox(self):
        """ "Try the sandbox": the company's sandbox connection, made and filled when it has none.

        An active connection with no credentials and no deposit yet (a new one) becomes the
        sandbox; one in use must be archived first, as production and the sandbox are never
        active together.
        """
        self._check_sandbox_rights()
        company = self.company_id[:1] or self.env.company
        if not company.siret:
            raise UserError(
                self.env._(
                    "%s has no SIRET: Chorus Pro, and its sandbox, know suppliers by their SIRET. Enter it in "
                    "Settings > Companies, then try again.",
                    company.name,
                )
            )
        accounts = self.sudo().with_context(active_test=False).search([("company_id", "=", company.id)])
        active = accounts.filtered("active")
        sandbox = active.filtered(lambda a: a.environment == "sandbox")[:1]
        if not sandbox and active:
            current = active[:1]
            if current.credentials_set or current.submission_count:
                raise UserError(
                    self.env._(
                        "%(company)s already uses the Chorus Pro connection %(name)s (%(environment)s): archive it "
                        "first to try the sandbox. Production and the sandbox are never active together.",
                        company=company.name,
                        name=current.name,
                        environment=selection_label(current.with_env(self.env), "environment", current.environment),
                    )
                )
            current.write({"environment": "sandbox", "name": self.env._("Chorus Pro sandbox")})
            sandbox = current
        if not sandbox:
            sandbox = accounts.filtered(lambda a: a.environment == "sandbox")[:1]
            if sandbox:
                sandbox.active = True
                sandbox._sandbox_fill()
            else:
                sandbox = accounts.create(
                    {
                        "name": self.env._("Chorus Pro sandbox"),
                        "company_id": company.id,
                        "environment": "sandbox",
                        "syntax": "facturx",
                    }
                )
        return sandbox.with_env(self.env)._open()

    def _check_is_sandbox(self):
        self.ensure_one()
        self._check_sandbox_rights()
        if self.environment != "sandbox" or not self.active:
            raise UserError(self.env._("%s is not an active sandbox.", self.display_name))

    def action_sandbox_refresh(self):
        """ "Refresh the sandbox structures": the company's public buyers, as the partners are now."""
        self._check_is_sandbox()
        public = self.sudo()._sandbox_fill()
        message = self.env._(
            "The sandbox knows %(count)s public buyer(s): %(names)s.",
            count=len(public),
            names=", ".join(public.mapped("display_name")) or "-",
        )
        return notification(message, "success", reload=True)

    def action_sandbox_reset(self):
        """ "Reset the sandbox": it forgets every deposit and status and reads the public buyers again."""
        self._check_is_sandbox()
        account = self.sudo()
        message = self.env._(
            "The Chorus Pro sandbox was reset: this invoice is no longer in it. Deposit it again to try it once more."
        )
        moves = account.env["account.move"].search(
            [
                ("company_id", "=", account.company_id.id),
                ("einvoice_sandbox", "=", True),
                ("chorus_state", "in", ("sending", "deposited", "integrated")),
                ("chorus_status", "not in", list(codes.FINAL_STATUSES)),
            ]
        )
        moves.write({"chorus_state": "error", "chorus_error": message})
        for move in moves:
            move.message_post(body=message)
        submissions = account.env["chorus.pro.submission"].search([("account_id", "=", account.id)])
        submissions.filtered(lambda s: s.state in ("sending", "deposited")).write({"state": "error", "error": message})
        submissions._release(moves)  # the sandbox forgot them: they may be deposited again
        buyers = account._sandbox()._reset()
        account._sandbox_sync_partners(buyers)
        return notification(self.env._("The sandbox is empty again."), "success", reload=True)

    def action_sandbox_behaviour(self):
        """ "Buyer's behaviour": what the sandbox's public buyers do with the next invoices."""
        self._check_is_sandbox()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Buyer's behaviour"),
            "res_model": "chorus.pro.sandbox.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_account_id": self.id},
        }

    # --- expiry reminder ------------------------------------------------------------------

    @api.model
    def _cron_expiry_reminder(self):
        """Plan an activity on the connection when its technical account password expires soon."""
        today = fields.Date.context_today(self)
        todo = self.env.ref("mail.mail_activity_data_todo")
        for record in self.sudo().search([("password_expiry_date", "!=", False)]):
            account = in_company_lang(record, record.company_id)
            if account.password_expiry_date - datetime.timedelta(days=account.reminder_days) > today:
                continue
            if account.activity_ids.filtered(lambda a, t=todo: a.activity_type_id == t):
                continue
            account.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=max(today, account.password_expiry_date - datetime.timedelta(days=7)),
                summary=account.env._("Chorus Pro: renew the technical account password"),
                note=account.env._(
                    "The password of the Chorus Pro technical account of %(company)s expires on %(date)s. "
                    "Change it on the Chorus Pro portal (Mon compte > Comptes techniques), then enter the new "
                    "password and expiry date in Accounting > Configuration > Chorus Pro.",
                    company=account.company_id.name,
                    date=account.password_expiry_date,
                ),
                user_id=(account.reminder_user_id or self.env.ref("base.user_admin")).id,
            )
