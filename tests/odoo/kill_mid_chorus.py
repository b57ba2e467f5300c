"""Crash test of the Chorus Pro sending cron: a real ``kill -9`` of an Odoo process mid-batch.

Usage (run by tools/run_tests.sh after the addons' tests, on a copy of their database):

    python tests/odoo/kill_mid_chorus.py --template DB --addons-path PATH -- <odoo command...>

The PISTE + Chorus Pro simulator runs in this process; Odoo runs as ``<odoo command> shell``
(through the functions of the platform's crash test, tests/odoo/kill_mid_batch.py). The demo company
deposits its public buyer's invoices batch by batch (the sending cron's method, committing
like the cron), one tar.gz flow per batch; the simulator stores each flow, then holds its
answer. The worker is killed with SIGKILL while Chorus Pro holds a flow whose answer it never
got. A second worker then finishes, and the deposit reports and statuses are read. Every
invoice must be in Chorus Pro exactly once, deposited in one flow (none sent again, none
refused as a duplicate), and each invoice in the database must carry its own Chorus Pro
identifier and one 200 (Déposée) status.
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import time
import uuid

from kill_mid_batch import check, marked, odoo_shell

from einvoice.testing.chorus import ChorusProSimulator

INVOICES = 40
BATCH = 10
#: The flow during whose answer the worker is killed (the first ones are recorded by then).
KILLED_AT_FLOW = 2

SETUP = """
import json
from odoo import Command
company = env.ref("l10n_fr_einvoice.demo_company")
env = env(context=dict(env.context, allowed_company_ids=company.ids))
city = env.ref("chorus_pro_connector.demo_public_architecture")
# The demo's sandbox steps aside for a connection to the simulator (a company has one at a time).
env["chorus.pro.account"].search([("company_id", "=", company.id)]).write({{"active": False}})
env["chorus.pro.account"].create({{
    "name": "Crash test Chorus Pro", "company_id": company.id, "environment": "qualification",
    "api_url": "{api_url}", "token_url": "{token_url}", "piste_client_id": "{client_id}",
    "piste_client_secret": "{client_secret}", "technical_login": "{login}", "technical_password": "{password}",
    "syntax": "cii", "batch_size": {batch}, "timeout": 30,
}})
journal = env["account.journal"].create(
    {{"name": "Crash test", "code": "KILL", "type": "sale", "company_id": company.id}}
)
tax = env["account.chart.template"].with_company(company).ref("tva_normale_encaissement")
mission = env.ref("chorus_pro_connector.demo_product_design_mission")
moves = env["account.move"].create([{{
    "move_type": "out_invoice", "company_id": company.id, "journal_id": journal.id, "partner_id": city.id,
    "l10n_fr_buyer_reference": "DIR-ARCHI", "l10n_fr_purchase_order_ref": "EJ-2026-0045871",
    "invoice_line_ids": [Command.create({{"product_id": mission.id, "quantity": 1, "price_unit": 1000.0 + n,
                                          "tax_ids": [Command.set(tax.ids)]}})],
}} for n in range({count})])
moves.action_post()
env.cr.commit()
print("SETUP", json.dumps({{
    "queued": env["account.move"].search_count([("journal_id", "=", journal.id), ("chorus_state", "=", "to_send")]),
    "seller": company.siret.replace(" ", ""), "seller_name": company.name,
    "buyer": city.siret, "buyer_name": city.name,
}}))
"""

WORKER = """
Submission = env["chorus.pro.submission"]
journal = env["account.journal"].search([("code", "=", "KILL")])
while True:
    Submission._cron_send()
    env.cr.commit()
    waiting = [("journal_id", "=", journal.id), ("chorus_state", "in", ("to_send", "sending"))]
    if not env["account.move"].search_count(waiting):
        break
while True:  # the reports, then each invoice's statuses read once
    Submission._cron_poll()
    env.cr.commit()
    if not env["account.move"].search_count(
        [("journal_id", "=", journal.id), "|", ("chorus_state", "=", "deposited"), ("chorus_polled_on", "=", False)]
    ):
        break
print("WORKER DONE")
"""

REPORT = """
import collections
import json
moves = env["account.move"].search([("journal_id.code", "=", "KILL")])
account = env["chorus.pro.account"].search([("name", "=", "Crash test Chorus Pro")])
submissions = env["chorus.pro.submission"].search([("account_id", "=", account.id)])
print("REPORT", json.dumps({
    "states": dict(collections.Counter(moves.mapped("chorus_state"))),
    "submissions": dict(collections.Counter(submissions.mapped("state"))),
    "flows_known": sorted(f for f in submissions.mapped("numero_flux") if f),
    "invoices": [[m.name, m.chorus_invoice_id or None, m.chorus_submission_id.numero_flux or None] for m in moves],
    "events_200": {m.name: m.einvoice_event_ids.mapped("status").count("200") for m in moves},
    "live_lines": env["chorus.pro.submission.line"].search_count([("move_id", "in", moves.ids), ("live", "=", True)]),
}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", required=True, help="a database with the addons installed (and demo data)")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("command", nargs="+", help="the Odoo command, e.g. python odoo-bin")
    options = parser.parse_args()
    host, user = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGUSER", "odoo")
    db = f"einvoice_crash_chorus_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-h", host, "-U", user, "-T", options.template, db], check=True)
    try:
        with ChorusProSimulator() as sim:
            code = SETUP.format(
                api_url=sim.api_url,
                token_url=sim.token_url,
                client_id=sim.client_id,
                client_secret=sim.client_secret,
                login=sim.login,
                password=sim.password,
                batch=BATCH,
                count=INVOICES,
            )
            ready = marked(odoo_shell(options.command, db, options.addons_path, code), "SETUP")
            check(ready["queued"] == INVOICES, f"{INVOICES} invoices of a public buyer posted and queued")
            sim.add_structure(ready["seller"], ready["seller_name"], public=False)
            sim.add_structure(ready["buyer"], ready["buyer_name"], services=[("DIR-ARCHI", "Architecture")])
            sim.deposit_delay = 1.0  # each flow is stored, then its answer waits

            worker = odoo_shell(options.command, db, options.addons_path, WORKER, wait=False)
            deadline = time.monotonic() + 300
            while len(sim.flows) < KILLED_AT_FLOW:
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the worker ended before it could be killed:\n" + worker.stdout.read().decode())
                time.sleep(0.01)
            os.kill(worker.pid, signal.SIGKILL)  # Chorus Pro holds this flow; its answer is still on hold
            worker.wait()
            at_kill = len(sim.flows)
            check(worker.returncode == -signal.SIGKILL, f"worker killed with SIGKILL after {at_kill} flows")
            sim.deposit_delay = 0

            after_kill = marked(odoo_shell(options.command, db, options.addons_path, REPORT), "REPORT")
            check(
                len(after_kill["flows_known"]) < at_kill,
                f"the kill fell mid-batch: Chorus Pro holds {at_kill} flows, the database knew "
                f"{len(after_kill['flows_known'])}",
            )
            check(
                after_kill["submissions"].get("sending", 0) == 1,
                f"one deposit left 'sending': {after_kill['submissions']}, invoices {after_kill['states']}",
            )

            output = odoo_shell(options.command, db, options.addons_path, WORKER)
            check("WORKER DONE" in output, "a new worker finished the queue and read the reports")
            final = marked(odoo_shell(options.command, db, options.addons_path, REPORT), "REPORT")

            numbers = collections.Counter(invoice["numeroFacture"] for invoice in sim.invoices.values())
            deposits = [r for r in sim.requests if r[1] == "/cpro/factures/v1/deposer/flux"]
            duplicates = [e for flow in sim.flows.values() for e in flow["errors_dp"]]
            check(len(numbers) == INVOICES, f"Chorus Pro holds {len(numbers)} invoices for {INVOICES}")
            check(set(numbers.values()) == {1}, "each invoice is in Chorus Pro once")
            check(
                len(deposits) == len(sim.flows) == INVOICES // BATCH,
                f"{len(deposits)} deposits for {INVOICES // BATCH} batches: none sent again",
            )
            check(not duplicates, f"no deposit refused as a duplicate: {duplicates[:2]}")
            check(final["states"] == {"integrated": INVOICES}, f"every invoice is integrated: {final['states']}")
            by_number = {invoice["numeroFacture"]: invoice for invoice in sim.invoices.values()}
            check(
                all(
                    str(by_number[name]["identifiantFactureCPP"]) == invoice_id
                    and by_number[name]["numeroFluxDepot"] == flow
                    for name, invoice_id, flow in final["invoices"]
                ),
                "each invoice carries its own Chorus Pro identifier and the flow that brought it",
            )
            check(set(final["events_200"].values()) == {1}, "each invoice has exactly one 200 (Déposée) status")
            check(final["live_lines"] == INVOICES, "each invoice is held by one deposit, no more")
    finally:
        subprocess.run(["dropdb", "-h", host, "-U", user, db], check=False)
    print("kill -9 mid-batch on Chorus Pro: nothing lost, nothing deposited twice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
