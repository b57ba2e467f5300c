"""Crash test of the platform sending cron: a real ``kill -9`` of an Odoo process mid-batch.

Usage (run by tools/run_tests.sh after the addons' tests, on a copy of their database):

    python tests/odoo/kill_mid_batch.py --template DB --addons-path PATH -- <odoo command...>

The platform simulator runs in this process; Odoo runs as ``<odoo command> shell``. A worker
sends the queue batch by batch (the sending cron's method, committing like the cron), the
simulator takes every submission slowly, and the worker is killed with SIGKILL once the
platform holds flows of a batch that the worker had not committed yet. A second worker then
finishes. Every invoice must have reached the platform exactly once, and every flow in the
database must carry the platform's flow id of its own invoice; once the platform's answers
are read, every flow is accepted and every invoice has exactly one 200 (the platform's own).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid

from einvoice.testing.platform import PlatformSimulator

INVOICES = 60
BATCH = 20

SETUP = """
import json
from odoo import Command
company = env.ref("l10n_fr_einvoice.demo_company")
env = env(context=dict(env.context, allowed_company_ids=company.ids))
partner = env.ref("l10n_fr_einvoice.demo_customer_b2b")
partner.invoice_edi_format = "fr_cii"
env["einvoice.platform"].search([]).write({{"active": False}})
env["einvoice.platform"].create({{
    "name": "Crash test platform", "company_id": company.id, "flow_url": "{url}", "directory_url": "{url}",
    "token_url": "{url}/token", "client_id": "odoo", "client_secret": "s3cret", "batch_size": {batch},
}})
tax = env["account.chart.template"].with_company(company).ref("tva_normale")
chair = env.ref("l10n_fr_einvoice.demo_product_chair")
moves = env["account.move"].with_company(company).create([{{
    "move_type": "out_invoice", "company_id": company.id, "partner_id": partner.id,
    "invoice_line_ids": [Command.create({{"product_id": chair.id, "quantity": n + 1, "price_unit": 89.9,
                                          "tax_ids": [Command.set(tax.ids)]}})],
}} for n in range({count})])
moves.action_post()
env.cr.commit()
print("SETUP", json.dumps({{"queued": env["einvoice.flow"].search_count([("state", "=", "queued")])}}))
"""

WORKER = """
Flow = env["einvoice.flow"]
while True:
    Flow._cron_send_flows()
    env.cr.commit()
    env.cr.execute(
        "SELECT count(*) FROM einvoice_flow f JOIN einvoice_platform p ON p.id = f.platform_id"
        " WHERE f.direction = 'out' AND f.state IN ('queued', 'sending') AND p.name = 'Crash test platform'"
    )
    if not env.cr.fetchone()[0]:
        break
print("WORKER DONE")
"""

RECEIVE = """
env["einvoice.flow"]._cron_receive_flows()
env.cr.commit()
print("RECEIVED")
"""

REPORT = """
import json
# Only this test's platform: the demo database has flows of its own (its sandbox).
platform = env["einvoice.platform"].with_context(active_test=False).search([("name", "=", "Crash test platform")])
flows = env["einvoice.flow"].search([("direction", "=", "out"), ("platform_id", "in", platform.ids)])
print("REPORT", json.dumps({
    "states": {s: len(flows.filtered(lambda f, s=s: f.state == s)) for s in set(flows.mapped("state"))},
    "flows": [[f.tracking_id, f.platform_flow_id or None, f.move_id.name] for f in flows],
    "events_200": {m.name: m.einvoice_event_ids.mapped("status").count("200") for m in flows.move_id},
}))
"""


def odoo_shell(command, db, addons_path, code, wait=True):
    args = [*command, "shell", "-c", "odoo.conf", "-d", db, f"--addons-path={addons_path}", "--no-http"]
    args += ["--log-level=warn", "--db_host=" + os.environ.get("PGHOST", "127.0.0.1")]
    args += ["--db_user=" + os.environ.get("PGUSER", "odoo")]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    process.stdin.write(code.encode())
    process.stdin.close()
    if not wait:
        return process
    output = process.stdout.read().decode(errors="replace")
    process.wait()
    if process.returncode != 0:
        raise SystemExit(f"odoo shell failed ({process.returncode}):\n{output[-3000:]}")
    return output


def marked(output, mark):
    for line in output.splitlines():
        if line.startswith(mark + " "):
            return json.loads(line[len(mark) + 1 :])
    raise SystemExit(f"no {mark} line in:\n{output[-3000:]}")


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok: {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", required=True, help="a database with the addons installed (and demo data)")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("command", nargs="+", help="the Odoo command, e.g. python odoo-bin")
    options = parser.parse_args()
    host, user = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGUSER", "odoo")
    db = f"einvoice_crash_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-h", host, "-U", user, "-T", options.template, db], check=True)
    try:
        with PlatformSimulator(submit_delay=0.05) as platform:
            ready = marked(
                odoo_shell(
                    options.command,
                    db,
                    options.addons_path,
                    SETUP.format(url=platform.url, batch=BATCH, count=INVOICES),
                ),
                "SETUP",
            )
            check(ready["queued"] == INVOICES, f"{INVOICES} invoices posted and queued")
            platform.register("552081317", "Client Industriel SA", siret="55208131700018")

            worker = odoo_shell(options.command, db, options.addons_path, WORKER, wait=False)
            deadline = time.monotonic() + 300
            while len(platform.submissions()) < BATCH + BATCH // 2:
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the worker ended before it could be killed:\n" + worker.stdout.read().decode())
                time.sleep(0.01)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            at_kill = len(platform.submissions())
            check(worker.returncode == -signal.SIGKILL, f"worker killed with SIGKILL after {at_kill} submissions")

            after_kill = marked(odoo_shell(options.command, db, options.addons_path, REPORT), "REPORT")
            recorded = sum(1 for _tracking, flow_id, _name in after_kill["flows"] if flow_id)
            check(
                recorded < at_kill,
                f"the kill fell mid-batch: the platform holds {at_kill} flows, the database knew {recorded}",
            )
            check(after_kill["states"].get("sending", 0) > 0, f"flows left 'sending': {after_kill['states']}")

            output = odoo_shell(options.command, db, options.addons_path, WORKER)
            check("WORKER DONE" in output, "a new worker finished the queue")
            output = odoo_shell(options.command, db, options.addons_path, RECEIVE)
            check("RECEIVED" in output, "the platform's answers and statuses were read")
            final = marked(odoo_shell(options.command, db, options.addons_path, REPORT), "REPORT")

            submissions = platform.submissions()
            received = {flow["trackingId"]: flow["flowId"] for flow in submissions}
            check(len(submissions) == INVOICES, f"the platform holds {len(submissions)} flows for {INVOICES}")
            check(len(received) == INVOICES, "no tracking id was submitted twice")
            check(final["states"] == {"accepted": INVOICES}, f"every flow is accepted: {final['states']}")
            check(
                all(received.get(tracking) == flow_id for tracking, flow_id, _name in final["flows"]),
                "each flow carries the platform's flow id of its own submission",
            )
            check(set(final["events_200"].values()) == {1}, "each invoice has exactly one 200 (Déposée) status")
    finally:
        subprocess.run(["dropdb", "-h", host, "-U", user, db], check=False)
    print("kill -9 mid-batch: nothing lost, nothing duplicated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
