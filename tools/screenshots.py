"""Screenshots of the addons' real UI, taken in headless Chromium from the demo database.

Usage (from the repository root, with a Python that has ``websocket-client`` and Pillow,
which Odoo's own environment has; ``tools/screenshots.sh`` picks it):

    python tools/screenshots.py [--fresh] [--database NAME] [--lang fr_FR] [--only NAME...]
                                [--allow-missing] [--out DIR] [--list]

1. Odoo 18 is found as ``tools/run_tests.sh`` finds it (``ODOO_BIN``, else ``odoo-bin`` in
   ``ODOO_HOME`` (default ``/opt/odoo``) run by its ``venv``, else ``odoo`` on ``PATH``, else
   ``odoo`` importable), Chromium as ``CHROME_BIN``, else ``chromium`` on ``PATH``.
2. The database (default ``einvoice_screenshots``, ``einvoice_screenshots_fr`` for French; dropped
   and created again with ``--fresh``, reused otherwise) gets every addon of ``addons/``
   installed with its demo data and the language, then Odoo serves it on 127.0.0.1 (a free
   port unless ``--http-port``), stopped at the end whatever happens.
3. Chromium is driven through the DevTools protocol by the small client below: the session
   of a JSON-RPC login as admin is handed to it as a cookie, each view is opened by its URL,
   the tab to show is clicked, and the page is captured once it is settled.
4. Each shot of ``SHOTS`` is written to ``addons/<addon>/static/description/<name>.png``
   (``<name>_<lang>.png`` for another language than English). A shot whose record the demo
   data does not have is reported loudly and makes the run fail, unless ``--allow-missing``.
   The readmes reference the files; this script rewrites nothing else.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import http.cookiejar
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
DEMO_COMPANY = "l10n_fr_einvoice.demo_company"
APP_MENU = "account.menu_finance"  # Invoicing (Accounting with the full app): the menu bar of every shot
MAX_WIDTH = 1440
SIZE_BUDGET = 250_000  # bytes per image, above which the image is reduced to a 256-colour palette


@dataclasses.dataclass(frozen=True)
class XmlId:
    """A record named by its XML id in a domain; replaced by its database id before the search."""

    xmlid: str

    def __repr__(self):
        return f"ref({self.xmlid!r})"


@dataclasses.dataclass(frozen=True)
class Shot:
    name: str  # the file name, without .png
    addon: str  # the addon whose static/description receives it
    caption: str  # what the image shows, as the readmes say it
    action: str  # XML id of the window action whose view is shown
    wait: str  # CSS selector that must be on the page before the capture
    model: str | None = None  # the record shown in a form; None for the action's own view
    domain: tuple = ()  # how to find that record (XmlId placeholders allowed)
    order: str = "id"
    most: str | None = None  # among the matches, take the one with the most lines in this x2many
    at_least: int = 1  # ... and require at least this many
    require: tuple = ()  # for an action view: (model, domain) pairs that must each match a record
    view_type: str | None = None  # for an action view: list, pivot, graph...
    tab: str | None = None  # name of the notebook page to click
    scroll_to: str | None = None  # CSS selector: the last element it matches is scrolled into view, at the bottom
    height: int = 900  # viewport height, in pixels of the image
    # Width of the page as the browser lays it out: wider than MAX_WIDTH is drawn smaller, so that the
    # image stays MAX_WIDTH wide (Odoo puts the chatter beside the form from 1534 px on).
    width: int = MAX_WIDTH


SHOTS = (
    Shot(
        name="invoice_findings",
        addon="l10n_fr_einvoice",
        caption="An invoice to a customer without SIREN: the red banner and the E-invoice tab list what the "
        "official rules refuse, each finding with its rule, the business term and a Fix button.",
        action="account.action_move_out_invoice_type",
        model="account.move",
        domain=(
            ("move_type", "=", "out_invoice"),
            ("partner_id", "=", XmlId("l10n_fr_einvoice.demo_customer_to_fix")),
            ("l10n_fr_einvoice_finding_ids", "!=", False),
        ),
        wait=".o_field_widget[name=l10n_fr_einvoice_finding_ids] .o_data_row",
        tab="l10n_fr_einvoice",
        height=1250,
    ),
    Shot(
        name="invoice_valid",
        addon="l10n_fr_einvoice",
        caption="A compliant invoice: its Factur-X passed the XSD, EN 16931 and BR-FR checks, with the French "
        "reform data (document type, operation category, billing frame) in the E-invoice tab.",
        action="account.action_move_out_invoice_type",
        model="account.move",
        domain=(
            ("move_type", "=", "out_invoice"),
            ("partner_id", "=", XmlId("l10n_fr_einvoice.demo_customer_b2b")),
            ("l10n_fr_einvoice_state", "=", "valid"),
            ("payment_state", "!=", "reversed"),
        ),
        wait=".o_field_widget[name=l10n_fr_einvoice_state]",
        tab="l10n_fr_einvoice",
    ),
    Shot(
        name="received_bill",
        addon="l10n_fr_einvoice",
        caption="A supplier's Factur-X received through the platform as a draft vendor bill, its PDF beside it: "
        "the chatter says which identifier matched the supplier, whether the totals match the file and which "
        "official rules it passes.",
        action="account.action_move_in_invoice_type",
        model="account.move",
        domain=(("move_type", "=", "in_invoice"), ("l10n_fr_imported_syntax", "!=", False)),
        order="state, id",  # a draft first, as a received bill is before anyone acts on it
        wait=".o-mail-Chatter .o-mail-Message",
        scroll_to=".o-mail-Chatter .o-mail-Message",  # down to the oldest message: how the file was read
        width=1600,  # the supplier's PDF beside the bill, the chatter under it
        height=1500,
    ),
    Shot(
        name="invoice_lifecycle",
        addon="einvoice_lifecycle",
        caption="The Lifecycle tab of an invoice: each status it went through (submitted, received, in hand, "
        "approved, cashed...), when, from whom, with the reason and the CDAR message.",
        action="account.action_move_out_invoice_type",
        model="account.move",
        domain=(("move_type", "=", "out_invoice"), ("einvoice_event_ids", "!=", False)),
        most="einvoice_event_ids",
        at_least=3,
        wait=".o_field_widget[name=einvoice_event_ids] .o_data_row",
        tab="einvoice_lifecycle",
    ),
    Shot(
        name="lifecycle_dashboard",
        addon="einvoice_lifecycle",
        caption="Reporting > E-invoice lifecycle: invoices and bills per month, refusals, rejections, disputes, "
        "the rejection rate and the mandatory statuses overdue.",
        action="einvoice_lifecycle.action_stats",
        require=(
            ("einvoice_lifecycle.stats", (("direction", "=", "out"),)),
            ("einvoice_lifecycle.stats", (("direction", "=", "in"),)),
        ),
        wait=".o_list_view .o_data_row",
        view_type="list",
        height=600,
    ),
    Shot(
        name="chorus_pro_invoice",
        addon="chorus_pro_connector",
        caption="An invoice to a public buyer: the service code and the commitment number in its E-invoice tab, "
        "and the Chorus Pro block with the deposit, the Chorus Pro number and the last status.",
        action="account.action_move_out_invoice_type",
        model="account.move",
        domain=(
            ("move_type", "=", "out_invoice"),
            ("partner_id.chorus_public_entity", "=", True),
            ("chorus_state", "!=", False),
        ),
        wait=".o_field_widget[name=chorus_status]",
        tab="l10n_fr_einvoice",
        height=1150,
    ),
    Shot(
        name="platform_settings",
        addon="pa_connector",
        caption="Accounting > Configuration > E-invoicing platforms: the sandbox this Odoo serves to try every "
        "flow before going live (its buyer answers as chosen, supplier invoices arrive on demand); a real "
        "platform takes its Flow and Directory Service URLs and its credentials in the same form.",
        action="pa_connector.action_einvoice_platform",
        model="einvoice.platform",
        domain=(("company_id", "=", XmlId(DEMO_COMPANY)),),
        wait=".o_form_view .o_field_widget[name=environment]",
    ),
)


class ShotMissing(Exception):
    """The demo data has no record for a shot."""


class ShotFailed(Exception):
    """A shot could not be taken: the page did not settle, or showed an error."""


class Interrupted(Exception):
    """SIGTERM or SIGHUP: stop cleanly, servers included."""


def say(message):
    print(message, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Odoo -------------------------------------------------------------------------------------


def find_odoo():
    """The command that runs Odoo, and the addons path: the same search as tools/run_tests.sh."""
    odoo_bin = os.environ.get("ODOO_BIN")
    home = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))
    if not odoo_bin and (home / "odoo-bin").is_file():
        odoo_bin = str(home / "odoo-bin")
    addons_path = [str(ADDONS)]
    if odoo_bin and Path(odoo_bin).is_file():
        python = os.environ.get("ODOO_PYTHON")
        if not python:
            venv = Path(odoo_bin).parent / "venv" / "bin" / "python"
            python = str(venv) if venv.exists() else sys.executable
        if (Path(odoo_bin).parent / "addons").is_dir():
            addons_path.insert(0, str((Path(odoo_bin).parent / "addons").resolve()))
        return [python, odoo_bin], ",".join(addons_path)
    if shutil.which("odoo"):
        return ["odoo"], ",".join(addons_path)
    with contextlib.suppress(ImportError):
        import odoo.cli  # noqa: F401

        return [sys.executable, "-m", "odoo"], ",".join(addons_path)
    sys.exit("Odoo 18 not found: set ODOO_BIN=/path/to/odoo-bin (see DEVELOPERS.md)")


def find_chromium():
    for candidate in (os.environ.get("CHROME_BIN"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    sys.exit("Chromium not found: install Debian's chromium package or set CHROME_BIN")


class Odoo:
    """Install the addons in the database, then serve it on 127.0.0.1 until stop()."""

    def __init__(self, command, addons_path, database, port):
        self.command = command
        self.database = database
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = None
        self.log = tempfile.NamedTemporaryFile(prefix="odoo-screenshots-", suffix=".log", delete=False)  # noqa: SIM115
        self.db_options = [
            "-c",
            str(ROOT / "odoo.conf"),
            f"--addons-path={addons_path}",
            f"--db_host={os.environ.get('PGHOST', '127.0.0.1')}",
            f"--db_user={os.environ.get('PGUSER', 'odoo')}",
        ]
        self.options = [
            *self.db_options,
            "-d",
            database,
            f"--db-filter=^{database}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
        ]
        # The engine of this checkout, whatever Odoo's environment has installed (as run_tests.sh).
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))

    def _run(self, args, what):
        say(f"... {what}")
        completed = subprocess.run(
            [*self.command, *args], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, check=False
        )
        return completed.returncode

    def drop(self):
        # `odoo-bin db drop` removes the filestore too; it fails only when the database does not exist.
        self._run(["db", *self.db_options, "drop", self.database], f"dropping database {self.database}")

    def installed(self, addons):
        """Those of the addons installed in the database (none when it does not exist)."""
        query = "SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(%s)"
        host, user = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGUSER", "odoo")
        try:
            import psycopg2
        except ImportError:
            psycopg2 = None
        if psycopg2:
            try:
                connection = psycopg2.connect(dbname=self.database, host=host, user=user)
            except psycopg2.OperationalError:
                return set()
            with contextlib.closing(connection), connection.cursor() as cursor:
                try:
                    cursor.execute(query, [list(addons)])
                except psycopg2.errors.UndefinedTable:
                    return set()
                return {name for (name,) in cursor.fetchall()}
        names = ",".join(f"'{name}'" for name in addons if name.isidentifier())
        sql = query.replace("= ANY(%s)", f"IN ({names})")
        completed = subprocess.run(
            ["psql", "-h", host, "-U", user, "-d", self.database, "-tAc", sql],
            capture_output=True,
            text=True,
            check=False,
        )
        return set(completed.stdout.split()) if completed.returncode == 0 else set()

    def install(self, addons, lang):
        # Only those not installed yet: `-i` of an installed module loads its data and demo again.
        missing = sorted(set(addons) - self.installed(addons))
        if not missing:
            say(f"... reusing database {self.database}, the addons are installed")
            return
        # The language is there before the demo data, which writes its texts as it loads.
        options = [*self.options, "-i", ",".join(missing), f"--load-language={lang}", "--stop-after-init"]
        if self._run(options, f"installing {', '.join(missing)}"):
            raise RuntimeError(f"installing the addons in {self.database} failed:\n{self.tail()}")

    def start(self):
        say(f"... starting Odoo on {self.url}")
        with socket.socket() as probe:  # a port already taken would have us talk to another server
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"the port {self.port} is already in use")
        self.process = subprocess.Popen(
            [*self.command, *self.options, "--workers=0", "--max-cron-threads=0"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline, errors = time.monotonic() + 180, 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo stopped at start (exit {self.process.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/web/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:  # Odoo answers, but cannot load the database
                errors += 1
                if errors >= 3:
                    raise RuntimeError(f"Odoo answers {error.code} on /web/health:\n{self.tail()}") from error
            except OSError:
                pass  # not listening yet
            time.sleep(0.5)
        raise RuntimeError(f"Odoo did not answer on {self.url}/web/health within 180 s:\n{self.tail()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def tail(self, lines=40):
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])


class Rpc:
    """JSON-RPC to Odoo with a session of its own; the session cookie is handed to the browser."""

    def __init__(self, url, database):
        self.url = url
        self.database = database
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.context = {}

    def post(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        request = urllib.request.Request(self.url + path, body, {"Content-Type": "application/json"})
        with self.opener.open(request, timeout=300) as response:
            answer = json.load(response)
        if answer.get("error"):
            error = answer["error"].get("data", {}).get("message") or answer["error"].get("message")
            raise RuntimeError(f"{path}: {error}")
        return answer["result"]

    def login(self, login, password):
        result = self.post("/web/session/authenticate", {"db": self.database, "login": login, "password": password})
        if not result.get("uid"):
            raise RuntimeError(f"cannot log in as {login}")
        self.uid = result["uid"]
        return result

    @property
    def session_id(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "session_id")

    def call(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", self.context)
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}", {"model": model, "method": method, "args": args, "kwargs": kwargs}
        )

    def xmlid(self, xmlid):
        module, name = xmlid.split(".", 1)
        found = self.call("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"])
        if not found:
            raise ShotMissing(f"no record with XML id {xmlid}")
        return found[0]["res_id"]

    def domain(self, domain):
        return [
            (field, op, self.xmlid(value.xmlid) if isinstance(value, XmlId) else value) for field, op, value in domain
        ]


def set_language(rpc, lang):
    """Load the language on the database (translations refreshed) and give it to the admin user."""
    if lang != "en_US":
        found = rpc.call("res.lang", "search_read", [("code", "=", lang)], ["id"], context={"active_test": False})
        if not found:
            raise RuntimeError(f"unknown language {lang}")
        say(f"... loading the language {lang}")
        wizard = rpc.call(
            "base.language.install", "create", {"lang_ids": [(6, 0, [found[0]["id"]])], "overwrite": True}
        )
        rpc.call("base.language.install", "lang_install", [wizard])
    rpc.call("res.users", "write", [rpc.uid], {"lang": lang})


# --- Chromium through the DevTools protocol -------------------------------------------------------


class Chromium:
    """Headless Chromium and a minimal DevTools protocol client over the websocket of one page."""

    def __init__(self, binary, port=0):
        import websocket  # websocket-client, in Odoo's environment for its own browser tests

        if port:  # a port already taken would connect us to another browser
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(f"the DevTools port {port} is already in use")
        self.profile = tempfile.mkdtemp(prefix="chromium-screenshots-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={port}",
                f"--window-size={MAX_WIDTH},900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.socket = None
        self.next_id = 0
        try:
            self.port = self._devtools_port(port)
            pages = [t for t in self._json(f"http://127.0.0.1:{self.port}/json/list") if t["type"] == "page"]
            self.socket = websocket.create_connection(
                pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
            )
        except BaseException:
            self.close()
            raise

    def _devtools_port(self, port):
        # With port 0 Chromium picks a free one and writes it in DevToolsActivePort (only then).
        active = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Chromium stopped at start (exit {self.process.returncode})")
            if not port and active.exists() and active.read_text().strip():
                port = int(active.read_text().split()[0])
            if port:
                with contextlib.suppress(OSError):
                    self._json(f"http://127.0.0.1:{port}/json/version")
                    return port
            time.sleep(0.2)
        raise RuntimeError("Chromium's DevTools endpoint did not open within 30 s")

    @staticmethod
    def _json(url):
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def send(self, method, **params):
        import websocket

        self.next_id += 1
        try:
            self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
            while True:
                message = json.loads(self.socket.recv())
                if message.get("id") == self.next_id:  # anything else is an event: not listened to
                    break
        except websocket.WebSocketException as error:
            raise RuntimeError(f"Chromium's DevTools connection: {error!r}") from error
        if "error" in message:
            raise ShotFailed(f"{method}: {message['error'].get('message')}")
        return message["result"]

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise ShotFailed(f"script error: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def set_cookie(self, url, name, value):
        self.send("Network.setCookie", url=url, name=name, value=value, path="/", httpOnly=name == "session_id")

    def close(self):
        if self.socket:
            with contextlib.suppress(OSError):
                self.socket.close()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# What "settled" means: no error on screen, nothing loading, fonts and images there, the selector present.
SETTLED = """(() => {
  const dialog = document.querySelector('.o_error_dialog, .modal .o_dialog_error, .o_dialog .modal-content');
  if (dialog) return 'error: a dialog is open: ' + dialog.innerText.replace(/\\s+/g, ' ').slice(0, 400);
  const bad = document.querySelector('.o_notification_bar.bg-danger, .o_notification_bar.bg-warning');
  if (bad) return 'error: ' + bad.closest('.o_notification').innerText.replace(/\\s+/g, ' ').slice(0, 400);
  if (document.querySelector('.o_notification')) return 'a notification is shown';
  if (document.readyState !== 'complete') return 'the document is loading';
  if (document.querySelector('.o_loading_indicator')) return 'Odoo is loading';
  if (document.querySelector('.o_blockUI')) return 'the UI is blocked';
  if (document.fonts && document.fonts.status !== 'loaded') return 'fonts are loading';
  if (![...document.images].every((image) => image.complete)) return 'images are loading';
  for (const selector of %s) {
    if (!document.querySelector(selector)) return 'waiting for ' + selector;
  }
  return 'ok';
})()"""

CLICK = """(() => {
  const element = document.querySelector(%s);
  if (!element) return false;
  element.click();
  return true;
})()"""


SCROLL = """(() => {
  const element = [...document.querySelectorAll(%s)].pop();
  if (element) element.scrollIntoView({block: 'end'});
  return true;
})()"""


def settle(browser, selectors, timeout=90):
    """Wait until the page is settled twice in a row 500 ms apart."""
    deadline = time.monotonic() + timeout
    expression = SETTLED % json.dumps(selectors)
    state, steady = None, 0
    while time.monotonic() < deadline:
        state = browser.evaluate(expression)
        if state.startswith("error:"):
            raise ShotFailed(state)
        steady = steady + 1 if state == "ok" else 0
        if steady >= 2:
            return
        time.sleep(0.5 if state == "ok" else 0.2)
    raise ShotFailed(f"the page did not settle within {timeout} s ({state})")


# --- Shots ------------------------------------------------------------------------------------


def find_record(rpc, shot):
    """The id and company of the record a shot shows, found by search (never a fixed id)."""
    domain = rpc.domain(shot.domain)
    fields = ["company_id", shot.most] if shot.most else ["company_id"]
    records = rpc.call(shot.model, "search_read", domain, fields, order=shot.order)
    if shot.most:
        records = sorted(records, key=lambda r: -len(r[shot.most]))
        records = [r for r in records if len(r[shot.most]) >= shot.at_least]
    if not records:
        extra = f" with at least {shot.at_least} {shot.most}" if shot.most else ""
        raise ShotMissing(f"no {shot.model} matches {list(shot.domain)}{extra}")
    record = records[0]
    return record["id"], record["company_id"][0] if record.get("company_id") else None


def take(rpc, browser, odoo_url, shot, company_id):
    record_id = None
    if shot.model:
        record_id, company_id = find_record(rpc, shot)
        company_id = company_id or rpc.context["allowed_company_ids"][0]
    for model, domain in shot.require:
        if not rpc.call(model, "search_count", rpc.domain(domain)):
            raise ShotMissing(f"no {model} matches {list(domain)}")
    browser.set_cookie(odoo_url, "cids", str(company_id))
    scale = MAX_WIDTH / shot.width
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        width=shot.width,
        height=round(shot.height / scale),
        deviceScaleFactor=scale,
        mobile=False,
    )
    url = f"{odoo_url}/odoo/action-{shot.action}"
    if record_id:
        url += f"/{record_id}"
    # The app of the menu bar, which Odoo cannot tell from an action reached by several menus.
    url += f"?menu_id={rpc.xmlid(APP_MENU)}"
    if shot.view_type:
        url += f"&view_type={shot.view_type}"
    browser.send("Page.navigate", url=url)
    first = shot.wait if not shot.tab else ".o_notebook"
    settle(browser, [".o_main_navbar .o_menu_brand", ".o_action_manager .o_view_controller", first])
    selectors = [shot.wait]
    if shot.tab:
        tab = f'.o_notebook_headers a.nav-link[name="{shot.tab}"]'
        if not browser.evaluate(CLICK % json.dumps(tab)):
            raise ShotFailed(f"the form has no tab {shot.tab!r} (hidden for this record?)")
        selectors.append(tab + ".active")
    settle(browser, selectors)
    if shot.scroll_to:
        browser.evaluate(SCROLL % json.dumps(shot.scroll_to))
    # No caret, no focus ring, no hover state in the picture.
    browser.evaluate("document.activeElement && document.activeElement.blur(), true")
    time.sleep(0.5)
    settle(browser, selectors)
    data = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
    return base64.b64decode(data)


def optimise(png):
    """At most MAX_WIDTH wide; a 256-colour palette (no dithering: text stays sharp) when too heavy."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    if out.tell() > SIZE_BUDGET:
        out = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            out, "PNG", optimize=True
        )
    return out.getvalue(), image.size


def shown(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def target(shot, lang, out_dir):
    suffix = "" if lang == "en_US" else f"_{lang.split('_')[0].lower()}"
    folder = Path(out_dir) if out_dir else ADDONS / shot.addon / "static" / "description"
    return folder / f"{shot.name}{suffix}.png"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", help="default: einvoice_screenshots (einvoice_screenshots_fr for French)")
    parser.add_argument("--fresh", action="store_true", help="drop the database and create it again first")
    parser.add_argument("--lang", default="en_US", help="language of the UI (e.g. fr_FR); default: %(default)s")
    parser.add_argument("--only", action="append", metavar="NAME", help="take only this shot (repeatable)")
    parser.add_argument("--allow-missing", action="store_true", help="exit 0 even if the demo lacks some records")
    parser.add_argument("--out", metavar="DIR", help="write every image in DIR instead of the addons' folders")
    parser.add_argument("--http-port", type=int, help="Odoo's port (default: a free one)")
    parser.add_argument("--devtools-port", type=int, default=0, help="Chromium's DevTools port (default: a free one)")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--list", action="store_true", help="list the shots and exit")
    args = parser.parse_args(argv)
    if not args.database:  # one database per language: the demo's texts are written in it as it loads
        args.database = "einvoice_screenshots" + ("" if args.lang == "en_US" else f"_{args.lang.split('_')[0].lower()}")
    known = {shot.name for shot in SHOTS}
    if args.only and not set(args.only) <= known:
        parser.error(f"unknown shot(s) {sorted(set(args.only) - known)}; known: {sorted(known)}")
    return args


def on_signal(signum, _frame):
    raise Interrupted(f"stopped by signal {signum}")


def main(argv=None):
    args = parse_args(argv)
    shots = [shot for shot in SHOTS if not args.only or shot.name in args.only]
    if args.list:
        for shot in shots:
            say(f"{shot.name:22} {shown(target(shot, args.lang, args.out))}\n{'':22} {shot.caption}")
        return 0
    command, addons_path = find_odoo()
    chromium = find_chromium()
    addons = sorted(p.parent.name for p in ADDONS.glob("*/__manifest__.py"))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    odoo = Odoo(command, addons_path, args.database, args.http_port or free_port())
    browser = None
    taken, missing, failed = [], [], []
    try:
        if args.fresh:
            odoo.drop()
        odoo.install(addons, args.lang)
        odoo.start()
        rpc = Rpc(odoo.url, args.database)
        rpc.login(args.login, args.password)
        set_language(rpc, args.lang)
        rpc.login(args.login, args.password)  # a session in the user's new language
        company_id = rpc.xmlid(DEMO_COMPANY)
        rpc.context = {"allowed_company_ids": [company_id], "lang": args.lang}
        browser = Chromium(chromium, args.devtools_port)
        browser.set_cookie(odoo.url, "session_id", rpc.session_id)
        for shot in shots:
            path = target(shot, args.lang, args.out)
            try:
                png, size = optimise(take(rpc, browser, odoo.url, shot, company_id))
            except ShotMissing as error:
                missing.append((shot, str(error)))
                say(f"!!! {shot.name}: NOT TAKEN, the demo data has no record for it: {error}")
                continue
            except ShotFailed as error:
                failed.append((shot, str(error)))
                say(f"!!! {shot.name}: FAILED: {error}")
                # What the page showed instead, to see why.
                with contextlib.suppress(ShotFailed, RuntimeError):
                    seen = Path(tempfile.gettempdir()) / f"screenshots-{shot.name}-failed.png"
                    seen.write_bytes(base64.b64decode(browser.send("Page.captureScreenshot", format="png")["data"]))
                    say(f"    the page as it was: {seen}")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
            taken.append(path)
            say(f"    {shot.name}: {shown(path)} ({size[0]}x{size[1]}, {len(png) // 1024} KB)")
    except (RuntimeError, OSError, ShotMissing, Interrupted, KeyboardInterrupt) as error:
        say(f"!!! {error}")
        failed.append((None, str(error)))
        return 2
    finally:
        if browser:
            browser.close()
        odoo.stop()
        if failed:
            say(f"... Odoo stopped; its log: {odoo.log.name}")
        else:
            Path(odoo.log.name).unlink(missing_ok=True)
            say("... Odoo stopped")
    say(f"\n{len(taken)} of {len(shots)} screenshots taken ({args.lang}, database {args.database}).")
    if missing or failed:
        say("!" * 78)
        for shot, reason in missing:
            say(f"!!! MISSING {shot.name} ({shot.addon}): {reason}")
        for shot, reason in failed:
            say(f"!!! FAILED  {shot.name} ({shot.addon}): {reason}")
        say("!" * 78)
    if failed or (missing and not args.allow_missing):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
