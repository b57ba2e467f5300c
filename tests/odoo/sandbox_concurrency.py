"""Concurrency test of the Chorus Pro sandbox: many clients at once against an Odoo with several workers.

Usage (on a copy of a database with chorus_pro_connector and its demo data):

    python tests/odoo/sandbox_concurrency.py --template DB --addons-path PATH -- <odoo command...>

Odoo runs as ``<odoo command>`` with three HTTP workers on a free port of 127.0.0.1. Clients
of the engine (``einvoice.chorus``), one per thread, each get a PISTE token from the demo
company's sandbox, deposit an invoice and read its report, all at the same time. Every
exchange locks the sandbox's row: the requests that waited are run again by Odoo
(serialization failures), so every token, flow and invoice must be in the sandbox's state
afterwards, each invoice integrated once, and the server's log must hold no error.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

from einvoice.api import build
from einvoice.chorus import ChorusProClient, PisteCredentials
from einvoice.testing.cases import CASES

CLIENTS = 24


def psql(db, query):
    host, user = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGUSER", "odoo")
    answer = subprocess.run(
        ["psql", "-h", host, "-U", user, db, "-tAc", query], capture_output=True, text=True, check=True
    )
    return answer.stdout.strip()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read(path):
    with open(path, encoding="utf-8", errors="replace") as text:
        return text.read()


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok: {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", required=True, help="a database with chorus_pro_connector and its demo data")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("command", nargs="+", help="the Odoo command, e.g. python odoo-bin")
    options = parser.parse_args()
    host, user = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGUSER", "odoo")
    db = f"einvoice_sandbox_{uuid.uuid4().hex[:8]}"
    port = free_port()
    subprocess.run(["createdb", "-h", host, "-U", user, "-T", options.template, db], check=True)
    descriptor, log_path = tempfile.mkstemp(prefix="sandbox_concurrency_", suffix=".log")
    os.close(descriptor)
    server = None
    try:
        account_id = psql(
            db, "SELECT res_id FROM ir_model_data WHERE module = 'chorus_pro_connector' AND name = 'demo_account'"
        )
        check(account_id, "the demo company has its Chorus Pro sandbox")
        client_id, secret, login, password = psql(
            db,
            "SELECT piste_client_id, piste_client_secret, technical_login, technical_password "
            f"FROM chorus_pro_account WHERE id = {int(account_id)}",
        ).split("|")
        state_query = f"SELECT state FROM chorus_pro_sandbox WHERE account_id = {int(account_id)}"
        before = json.loads(psql(db, state_query))
        server = subprocess.Popen(
            [
                *options.command,
                "-c",
                "odoo.conf",
                "-d",
                db,
                f"--addons-path={options.addons_path}",
                f"--db-filter=^{db}$",
                "--workers=3",
                "--max-cron-threads=0",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                f"--db_host={host}",
                f"--db_user={user}",
            ],
            stdout=open(log_path, "wb"),  # noqa: SIM115 (the server writes it until it stops)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/web/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass  # not listening yet, or still loading the registry
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("Odoo did not start:\n" + read(log_path)[-3000:])
            time.sleep(0.5)
        prefix = f"{base}/einvoice/sandbox/chorus/{int(account_id)}"
        run = uuid.uuid4().hex[:6].upper()

        def one(number):
            client = ChorusProClient(
                f"{prefix}/cpro/",
                PisteCredentials(client_id, secret, token_url=f"{prefix}/api/oauth/token"),
                login,
                password,
                timeout=60,
            )
            invoice = CASES["b2g_public_buyer"]()
            invoice.number = f"CONC-{run}-{number:03d}"
            deposit = client.deposit_invoices([(f"{invoice.number}.xml", build(invoice, "cii"))])
            [reported] = client.deposit_report(deposit.numero_flux).invoices
            return deposit.numero_flux, reported

        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(one, range(CLIENTS)))
        after = json.loads(psql(db, state_query))
        flows = {numero for numero, _reported in results}
        check(len(flows) == CLIENTS, f"{CLIENTS} clients at once, {len(flows)} distinct flows")
        check(all(reported.integrated for _numero, reported in results), "every invoice integrated")
        check(len({reported.invoice_id for _numero, reported in results}) == CLIENTS, "each under its own number")
        check(
            after["_tokens_issued"] - before["_tokens_issued"] == CLIENTS,
            f"every token kept: {before['_tokens_issued']} -> {after['_tokens_issued']}",
        )
        check(
            len(after["flows"]) - len(before["flows"]) == CLIENTS and flows <= set(after["flows"]),
            f"every flow kept: {len(before['flows'])} -> {len(after['flows'])}",
        )
        check(
            len(after["invoices"]["$items"]) - len(before["invoices"]["$items"]) == CLIENTS,
            "every invoice kept",
        )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        subprocess.run(["dropdb", "-h", host, "-U", user, "--if-exists", db], check=False)
    lines = read(log_path).splitlines(keepends=True)
    os.unlink(log_path)
    problems = [line for line in lines if " ERROR " in line or " WARNING " in line]
    retried = sum(1 for line in lines if "SERIALIZATION_FAILURE" in line)
    check(not problems, "no ERROR or WARNING in the server's log" + ("".join(problems[:5]) if problems else ""))
    print(f"sandbox under {CLIENTS} concurrent clients, 3 workers: nothing lost ({retried} requests run again)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
