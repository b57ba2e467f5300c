import hashlib
import logging
import threading

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.l10n_fr_einvoice.notification import notification

from einvoice.errors import TransportError
from einvoice.lifecycle import STATUSES
from einvoice.platform import BearerToken, ClientCredentials, DirectoryClient, FlowClient

_logger = logging.getLogger(__name__)

#: API clients by (database, platform id): their OAuth2 token is cached across cron runs and
#: requests. A digest of the settings goes with them, so a changed setting builds new clients.
_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()

ENVIRONMENTS = [
    ("sandbox", "Sandbox (served by this Odoo)"),
    ("test", "Test environment of the platform"),
    ("production", "Production"),
]
#: What the sandbox's buyer does with the invoices it receives (einvoice.testing.platform.BUYER_ANSWERS).
SANDBOX_BUYER_ANSWERS = [
    ("approve", "Approves them (205)"),
    ("refuse", "Refuses them (210)"),
    ("dispute", "Disputes them (207)"),
]
#: The reasons a buyer may refuse an invoice for (BR-FR-CDV-CL-09), also given with a dispute.
SANDBOX_REASON_CODES = [(code, code) for code in sorted(STATUSES["210"].reasons)]
#: Where Odoo reaches the platform: the credentials are sent there.
ENDPOINT_FIELDS = ("environment", "flow_url", "directory_url", "token_url")
#: Where and how Odoo signs in to the platform: system administrators only.
CONNECTION_FIELDS = (*ENDPOINT_FIELDS, "auth_method", "scope", "client_id", "client_secret", "access_token")
#: What the platform gave us, worthless (and never to be sent) elsewhere: wiped when an endpoint changes.
SECRET_FIELDS = ("client_secret", "access_token", "webhook_signing_key", "webhook_id")


class EinvoicePlatform(models.Model):
    _name = "einvoice.platform"
    _description = "Approved e-invoicing platform"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True, help="The platform's name, e.g. the approved platform's trade name.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    environment = fields.Selection(
        ENVIRONMENTS,
        required=True,
        default="test",
        help="Sandbox: Odoo serves a platform itself, to try every flow before going live (nothing real is sent "
        "nor declared). Test environment: the approved platform's own test service. Production: the real flows.",
    )
    flow_url = fields.Char(
        "Flow Service URL", help="Base URL of the Flow Service, without /v1 (e.g. https://api.pa.fr)."
    )
    directory_url = fields.Char(
        "Directory Service URL", help="Base URL of the Directory Service, without /v1. Empty: no directory look-ups."
    )
    auth_method = fields.Selection(
        [("oauth2", "OAuth2 client credentials"), ("token", "Access token given by the platform")],
        required=True,
        default="oauth2",
    )
    token_url = fields.Char("Token URL", help="OAuth2 token endpoint of the platform.")
    client_id = fields.Char("Client ID", groups="base.group_system")
    client_secret = fields.Char("Client secret", groups="base.group_system")
    access_token = fields.Char("Access token", groups="base.group_system")
    scope = fields.Char(help="OAuth2 scope, when the platform asks for one.")
    timeout = fields.Integer("Timeout (s)", default=30, help="Seconds to wait for an answer before retrying.")
    batch_size = fields.Integer(default=50, help="Flows sent per batch; each batch is committed on its own.")
    default_syntax = fields.Selection(
        [("cii", "CII (UN/CEFACT)"), ("ubl", "UBL"), ("facturx", "Factur-X (PDF/A-3)")],
        default="cii",
        required=True,
        help="Syntax of the invoices sent, unless the customer's e-invoicing format says otherwise.",
    )
    webhook_id = fields.Char("Webhook", readonly=True, copy=False)
    webhook_signing_key = fields.Char(readonly=True, copy=False, groups="base.group_system")
    webhook_url = fields.Char(compute="_compute_webhook_url", help="Where the platform announces new flows.")
    in_cursor = fields.Char(
        "Received up to",
        readonly=True,
        copy=False,
        help="updatedAt of the last incoming flow saved (platform's clock).",
    )
    out_cursor = fields.Char(
        "Acknowledged up to",
        readonly=True,
        copy=False,
        help="updatedAt of the last outgoing flow whose answer was read.",
    )
    connection_state = fields.Selection(
        [("unknown", "Not tested"), ("ok", "Connected"), ("failed", "Failed")],
        default="unknown",
        readonly=True,
        copy=False,
    )
    connection_message = fields.Char(readonly=True, copy=False)
    can_edit_connection = fields.Boolean(
        "May change the connection",
        compute="_compute_can_edit_connection",
        help="Whether the current user may change the endpoints and credentials.",
    )
    flow_count = fields.Integer(compute="_compute_flow_count")
    has_directory = fields.Boolean(
        compute="_compute_has_directory", store=True, help="The platform answers directory look-ups."
    )
    # --- the sandbox (environment "sandbox": see models/einvoice_sandbox.py) ---
    sandbox_url = fields.Char(
        "Served at", compute="_compute_sandbox_url", help="Where Odoo reaches the sandbox it serves."
    )
    sandbox_buyer_answer = fields.Selection(
        SANDBOX_BUYER_ANSWERS,
        string="The sandbox's buyer",
        default="approve",
        help="What the buyer does with each invoice sent through the sandbox, after taking it in charge (204).",
    )
    sandbox_reason_code = fields.Selection(
        SANDBOX_REASON_CODES,
        string="Reason code",
        default="CMD_ERR",
        help="The reason the sandbox's buyer gives when it refuses or disputes an invoice (MDT-113).",
    )
    sandbox_reason = fields.Char(
        "Reason", help="The reason in words (MDT-114), e.g. the purchase order number is missing."
    )

    def _compute_can_edit_connection(self):
        allowed = self.env.is_system()
        for platform in self:
            platform.can_edit_connection = allowed

    def _check_connection_rights(self, fields_written, creating=False):
        """Endpoints, environment and credentials are set by system administrators only: the client
        secret or token goes wherever they point (a sandbox, which Odoo serves itself, excepted at
        its creation: it has no endpoint)."""
        if self.env.is_system():
            return
        protected = sorted(set(fields_written) & set(CONNECTION_FIELDS))
        if creating:
            protected = [name for name in protected if name != "environment"]
        if protected:
            labels = ", ".join(self._fields[name].get_description(self.env)["string"] for name in protected)
            raise AccessError(
                self.env._(
                    "Only system administrators can change where Odoo reaches an approved platform and how it "
                    "signs in (%(fields)s): the credentials are sent there.",
                    fields=labels,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("environment", "test") != "sandbox" and not self.env.is_system():
                raise AccessError(
                    self.env._(
                        "Only system administrators can connect a real platform (its endpoints and credentials); "
                        "click Try the sandbox to try e-invoicing in the meantime."
                    )
                )
            self._check_connection_rights(vals, creating=True)
            if vals.get("environment") == "sandbox":
                vals["auth_method"] = "oauth2"  # the sandbox's own credentials, made here
        platforms = super().create(vals_list)
        sandboxes = platforms.filtered(lambda p: p.environment == "sandbox")
        if sandboxes:
            sandboxes._sandbox_setup()
        return platforms

    def write(self, vals):
        if "environment" in vals and any(
            (p.environment == "sandbox") != (vals["environment"] == "sandbox") for p in self
        ):
            raise UserError(
                self.env._(
                    "A sandbox stays a sandbox, and a real platform never becomes one: create a new platform "
                    "instead (and archive the sandbox to go live)."
                )
            )
        self._check_connection_rights(vals)
        archived_sandboxes = (
            self.filtered(lambda p: p.active and p.environment == "sandbox") if vals.get("active") is False else None
        )
        moved = self.filtered(
            lambda p: any(name in vals and (vals[name] or False) != (p[name] or False) for name in ENDPOINT_FIELDS)
        )
        if moved:
            # Credentials and tokens given for the old address are worthless (and never sent) at the new one.
            wiped = {name: False for name in SECRET_FIELDS if name not in vals}
            wiped.update(connection_state="unknown", connection_message=False)
            super(EinvoicePlatform, moved.sudo()).write(wiped)
        result = super().write(vals)
        if archived_sandboxes:
            archived_sandboxes._sandbox_forget_directory()
        return result

    @api.constrains("active", "company_id")
    def _check_one_per_company(self):
        for platform in self.filtered("active"):
            other = self.search(
                [("company_id", "=", platform.company_id.id), ("active", "=", True), ("id", "!=", platform.id)],
                limit=1,
            )
            if not other:
                continue
            company = platform.company_id.name
            if other.environment == "sandbox" and platform.environment != "sandbox":
                raise ValidationError(
                    self.env._(
                        "%(company)s is trying e-invoicing in the sandbox %(sandbox)s: a real platform cannot be "
                        "active at the same time. To go live, archive the sandbox first, then activate "
                        "%(platform)s (what went through the sandbox stays marked Sandbox and never goes to a "
                        "real platform).",
                        company=company,
                        sandbox=other.name,
                        platform=platform.name,
                    )
                )
            if platform.environment == "sandbox" and other.environment != "sandbox":
                raise ValidationError(
                    self.env._(
                        "%(company)s already sends its e-invoices through %(platform)s: a sandbox cannot be active "
                        "at the same time (flows would mix). Try the sandbox on a test database, or archive "
                        "%(platform)s first.",
                        company=company,
                        platform=other.name,
                    )
                )
            raise ValidationError(
                self.env._("%(company)s already has an active platform: archive it first.", company=company)
            )

    @api.constrains("flow_url", "directory_url", "token_url", "environment")
    def _check_urls(self):
        for platform in self:
            if platform.environment != "sandbox" and not platform.flow_url:
                raise ValidationError(
                    self.env._(
                        "%(field)s is required (only a sandbox, which Odoo serves itself, needs none).",
                        field=platform._fields["flow_url"].get_description(self.env)["string"],
                    )
                )
            for field in ("flow_url", "directory_url", "token_url"):
                value = platform[field]
                if value and not value.startswith(("https://", "http://")):
                    raise ValidationError(
                        _(
                            "%(field)s must be an http(s) URL.",
                            field=platform._fields[field].get_description(self.env)["string"],
                        )
                    )
                if value and platform.environment == "production" and not value.startswith("https://"):
                    raise ValidationError(
                        _(
                            "%(field)s: production platforms are reached over HTTPS only.",
                            field=platform._fields[field].get_description(self.env)["string"],
                        )
                    )

    @api.constrains("batch_size", "timeout")
    def _check_sizes(self):
        for platform in self:
            if platform.batch_size < 1 or platform.timeout < 1:
                raise ValidationError(_("Batch size and timeout must be positive."))

    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for platform in self:
            platform.webhook_url = f"{base}/einvoice/platform/{platform.id}/webhook" if platform.id else False

    @api.depends("environment", "directory_url")
    def _compute_has_directory(self):
        for platform in self:
            platform.has_directory = platform.environment == "sandbox" or bool(platform.directory_url)

    @api.depends("environment")
    def _compute_sandbox_url(self):
        for platform in self:
            platform.sandbox_url = (
                platform._sandbox_url() if platform.environment == "sandbox" and platform.id else False
            )

    def _compute_flow_count(self):
        counts = dict(
            self.env["einvoice.flow"]._read_group([("platform_id", "in", self.ids)], ["platform_id"], ["__count"])
        )
        for platform in self:
            platform.flow_count = counts.get(platform, 0)

    @api.model
    def _for_company(self, company):
        return self.search([("company_id", "=", company.id)], limit=1)

    # --- clients ---------------------------------------------------------------------------

    def _clients(self):
        """(FlowClient, DirectoryClient or None), kept per process so the token is reused."""
        self.ensure_one()
        if self.environment == "sandbox":
            return self._sandbox_clients()  # not kept: how Odoo reaches its sandbox depends on the moment
        key = (self.env.cr.dbname, self.id)
        secrets = self.sudo()
        stamp = hashlib.sha256(
            repr(
                [
                    secrets[name]
                    for name in (
                        "flow_url",
                        "directory_url",
                        "auth_method",
                        "token_url",
                        "client_id",
                        "client_secret",
                        "access_token",
                        "scope",
                        "timeout",
                    )
                ]
            ).encode()
        ).hexdigest()
        with _CLIENTS_LOCK:
            cached = _CLIENTS.get(key)
            if cached and cached[0] == stamp:
                return cached[1], cached[2]
        if self.auth_method == "oauth2":
            if not (self.token_url and secrets.client_id and secrets.client_secret):
                raise UserError(
                    _("%(platform)s: the token URL, client ID and client secret are required.", platform=self.name)
                )
            auth = ClientCredentials(self.token_url, secrets.client_id, secrets.client_secret, scope=self.scope or None)
        else:
            if not secrets.access_token:
                raise UserError(_("%(platform)s: the access token is required.", platform=self.name))
            auth = BearerToken(secrets.access_token)
        flows = FlowClient(self.flow_url, auth, timeout=self.timeout)
        directory = DirectoryClient(self.directory_url, auth, timeout=self.timeout) if self.directory_url else None
        with _CLIENTS_LOCK:
            _CLIENTS[key] = (stamp, flows, directory)
        return flows, directory

    # --- buttons ---------------------------------------------------------------------------

    def action_test_connection(self):
        """Health check, then an authenticated search: both the service and the credentials are tried."""
        self.ensure_one()
        self.check_access("write")  # the credentials are used and the result is written
        try:
            flows, directory = self._clients()
            flows.healthcheck()
            flows.search({"flowDirection": ["In"]}, limit=1)
            if directory:
                directory.healthcheck()
        except (TransportError, UserError) as exc:
            self.write({"connection_state": "failed", "connection_message": str(exc)[:500]})
            return notification(_("Connection failed: %s", exc), "danger")
        self.write({"connection_state": "ok", "connection_message": _("Connected on %s", fields.Datetime.now())})
        return notification(_("Connected to %s.", self.name), "success")

    def action_subscribe_webhook(self):
        """Ask the platform to announce incoming flows on this database's webhook URL."""
        self.ensure_one()
        self.check_access("write")
        if self.environment == "sandbox":
            # A sandbox request that called Odoo back would wait on Odoo itself (one worker, tests).
            raise UserError(
                self.env._(
                    'The sandbox announces no flow by webhook: the scheduled action "E-invoicing platform: '
                    'receive invoices, statuses and acknowledgements" fetches them (every 15 minutes, and a '
                    "minute after each sandbox button)."
                )
            )
        flows, _directory = self._clients()
        try:
            if self.webhook_id:
                flows.unsubscribe(self.webhook_id)
        except TransportError as exc:
            if exc.status != 404:
                raise UserError(_("The previous webhook could not be removed: %s", exc)) from exc
        try:
            answer = flows.subscribe({"callbackUrl": self.webhook_url, "flowDirection": "In"})
        except TransportError as exc:
            raise UserError(_("The platform refused the webhook: %s", exc)) from exc
        self.sudo().write({"webhook_id": answer.get("webhookId"), "webhook_signing_key": answer.get("signingKey")})
        return notification(_("Incoming flows will be announced to %s.", self.webhook_url), "success")

    def action_view_flows(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("pa_connector.action_einvoice_flow")
        action["domain"] = [("platform_id", "=", self.id)]
        return action
