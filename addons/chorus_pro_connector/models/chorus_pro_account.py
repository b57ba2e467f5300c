import datetime
import hashlib
import logging
import threading

from odoo import api, fields, models, modules
from odoo.exceptions import UserError, ValidationError

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
URLS = {
    "sandbox": (SANDBOX_API_URL, SANDBOX_TOKEN_URL),
    "production": (PRODUCTION_API_URL, PRODUCTION_TOKEN_URL),
}
SECRET_FIELDS = ("piste_client_id", "piste_client_secret", "technical_login", "technical_password")


def _commit(env):
    """Commit the work done so far. What Chorus Pro accepted must be on disk before the next
    batch starts, so that a crash never makes us deposit it again; tests run in one
    transaction and must not commit."""
    if not modules.module.current_test:
        env.cr.commit()  # pylint: disable=invalid-commit


def error_text(env, exc):
    """What the accountant reads for a Chorus Pro error: the advice when known, in the user's language."""
    lang = (env.lang or "en_US")[:2]
    if isinstance(exc, ChorusProError):
        return exc.text(lang)
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
        [("sandbox", "Qualification (PISTE sandbox)"), ("production", "Production")],
        required=True,
        default="sandbox",
        tracking=True,
        help="The qualification space of Chorus Pro is reached through PISTE's sandbox: use it to try the "
        "connection with test credentials before production.",
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

    def _urls(self):
        """(API URL, token URL): those entered, else PISTE's for the environment."""
        self.ensure_one()
        api_url, token_url = URLS[self.environment or "sandbox"]
        return self.api_url or api_url, self.token_url or token_url

    def _compute_credentials_set(self):
        for account, secrets in zip(self, self.sudo(), strict=True):
            account.credentials_set = all(secrets[name] for name in SECRET_FIELDS)

    def _compute_submission_count(self):
        counts = dict(
            self.env["chorus.pro.submission"]._read_group([("account_id", "in", self.ids)], ["account_id"], ["__count"])
        )
        for account in self:
            account.submission_count = counts.get(account, 0)

    @api.constrains("active", "company_id")
    def _check_one_per_company(self):
        for account in self.filtered("active"):
            if self.search_count(
                [("company_id", "=", account.company_id.id), ("active", "=", True), ("id", "!=", account.id)]
            ):
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

    # --- the client -----------------------------------------------------------------------

    def _client(self):
        """The Chorus Pro client of this connection, kept per process so that its token is reused."""
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

    # --- buttons --------------------------------------------------------------------------

    def action_test_connection(self):
        """Get a PISTE token and look the company's own structure up: both secrets are tried."""
        self.ensure_one()
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

    # --- expiry reminder ------------------------------------------------------------------

    @api.model
    def _cron_expiry_reminder(self):
        """Plan an activity on the connection when its technical account password expires soon."""
        today = fields.Date.context_today(self)
        todo = self.env.ref("mail.mail_activity_data_todo")
        for account in self.sudo().search([("password_expiry_date", "!=", False)]):
            if account.password_expiry_date - datetime.timedelta(days=account.reminder_days) > today:
                continue
            if account.activity_ids.filtered(lambda a, t=todo: a.activity_type_id == t):
                continue
            account.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=max(today, account.password_expiry_date - datetime.timedelta(days=7)),
                summary=self.env._("Chorus Pro: renew the technical account password"),
                note=self.env._(
                    "The password of the Chorus Pro technical account of %(company)s expires on %(date)s. "
                    "Change it on the Chorus Pro portal (Mon compte > Comptes techniques), then enter the new "
                    "password and expiry date in Accounting > Configuration > Chorus Pro.",
                    company=account.company_id.name,
                    date=account.password_expiry_date,
                ),
                user_id=(account.reminder_user_id or self.env.ref("base.user_admin")).id,
            )
