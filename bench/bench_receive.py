"""Receiving through an approved platform: N supplier Factur-X flows become draft bills by the cron.

    ODOO_BIN=/path/to/odoo-bin python bench/bench_receive.py [--flows 1000] [--db NAME]

Run it with the Python that runs Odoo 18 (with this engine importable) and
EINVOICE_ARTEFACTS_DIR set. It creates (once) a template database with pa_connector and
the receiving company (the buyer of the engine's business cases, French chart), then:

- builds N Factur-X PDFs with the engine (1 to 5 lines at the four French rates, a
  different supplier invoice number each) and delivers them to the platform simulator,
  which runs on 127.0.0.1 in this process;
- on a fresh copy of the template, runs pa_connector's receiving cron until every flow is
  a bill: each flow listed, downloaded, saved and committed, then imported (parsed,
  validated against the official rules, matched, filled) and committed;
- checks that every file became exactly one bill owing the file's total;
- imports a sample of the same files one by one through Odoo core's decoder and through
  ours (``_create_document_from_attachment`` on the purchase journal, each rolled back),
  and prints bills per second for the cron against both per-file figures.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATES = [Decimal(20), Decimal(10), Decimal("5.5"), Decimal("2.1")]


def psql(sql, db="postgres"):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "odoo", "-d", db, "-qtAc", sql], check=True)


def drop(db):
    import odoo

    odoo.modules.registry.Registry.delete(db)
    odoo.sql_db.close_db(db)
    psql(f'DROP DATABASE IF EXISTS "{db}"')


def fresh_copy(template, db):
    drop(db)
    psql(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')


def database_exists(db):
    listing = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-lqt"], capture_output=True, text=True, check=False
    )
    return any(line.split("|")[0].strip() == db for line in listing.stdout.splitlines())


def ensure_template(odoo_bin, db, addons_path):
    if database_exists(db):
        return
    print(f"creating the template database {db} with pa_connector (no demo data)...", flush=True)
    subprocess.run(
        [sys.executable, odoo_bin, "-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db]
        + ["-i", "pa_connector", "--without-demo=all", "--stop-after-init", "--log-level=warn"],
        check=True,
    )
    with registry_env(db) as env:
        from einvoice.testing import cases

        company = env["res.company"].create(
            {
                "name": "Client Industriel SA",
                "country_id": env.ref("base.fr").id,
                "currency_id": env.ref("base.EUR").id,
                "vat": cases.BUYER_VAT,
                "siret": cases.BUYER_SIRET,
                "street": "1 avenue de Lyon",
                "zip": "69001",
                "city": "Lyon",
            }
        )
        env.cr.commit()
        env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
        env.cr.commit()


class registry_env:
    """A superuser environment on ``db`` in this process, committed on success."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        import odoo
        from odoo.modules.registry import Registry

        self.cr = Registry(self.db).cursor()
        return odoo.api.Environment(self.cr, odoo.SUPERUSER_ID, {})

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.cr.commit()
        self.cr.close()


def supplier_files(count):
    """(number, PDF bytes, amount due) of ``count`` supplier invoices to the receiving company."""
    from einvoice import api as einvoice_api
    from einvoice import calc
    from einvoice.testing import cases

    rng = random.Random(7)
    files = []
    for n in range(count):
        lines = [
            cases.line(i, f"Article {rng.randint(1, 40)}", rng.randint(1, 9), f"{rng.randint(100, 99999) / 100:.2f}")
            for i in range(1, rng.randint(1, 5) + 1)
        ]
        for entry in lines:
            entry.vat_rate = rng.choice(RATES)
        invoice = calc.compute(cases.base(f"FS2026-{n:05d}", "B1", lines))
        files.append((invoice.number, einvoice_api.build(invoice, "facturx"), invoice.totals.due))
    return files


def run_cron(db, simulator, files):
    """Seconds the receiving cron takes to turn every delivered flow into a bill, and the bills."""
    from einvoice.testing import cases

    with registry_env(db) as env:
        company = env["res.company"].search([("siret", "=", cases.BUYER_SIRET)], limit=1)
        env["einvoice.platform"].create(
            {
                "name": "Bench platform",
                "company_id": company.id,
                "flow_url": simulator.url,
                "directory_url": simulator.url,
                "token_url": simulator.token_url,
                "client_id": "bench",
                "client_secret": "bench-secret",
                "timeout": 30,
            }
        )
    for number, pdf, _due in files:
        simulator.deliver(pdf, f"{number}.pdf", syntax="Factur-X")
    with registry_env(db) as env:
        Flow = env["einvoice.flow"]
        start = time.perf_counter()
        for _run in range(20):
            Flow._cron_receive_flows()
            if Flow.search_count([("direction", "=", "in"), ("state", "=", "done")]) >= len(files):
                break
        elapsed = time.perf_counter() - start
        done = Flow.search([("direction", "=", "in")])
        bills = {move.ref: move.amount_residual for move in done.move_id}
        errors = done.filtered(lambda flow: flow.state != "done")
        return elapsed, bills, [(flow.name, flow.error) for flow in errors[:5]], len(errors)


def per_file(db, files):
    """Median seconds per file of core's and our import of the same PDFs (each rolled back)."""
    from einvoice.testing import cases

    with registry_env(db) as env:
        company = env["res.company"].search([("siret", "=", cases.BUYER_SIRET)], limit=1)
        benv = env(context=dict(env.context, allowed_company_ids=company.ids, default_move_type="in_invoice"))
        journal = benv["account.journal"].search([("company_id", "=", company.id), ("type", "=", "purchase")], limit=1)
        samples = {"ours": [], "core": []}
        for number, pdf, _due in files:
            for label, context in (("ours", {}), ("core", {"l10n_fr_einvoice_core_decoder": True})):
                env.cr.execute("SAVEPOINT bench_import")
                attachment = benv["ir.attachment"].create({"name": f"{number}.pdf", "raw": pdf})
                start = time.perf_counter()
                journal.with_context(**context)._create_document_from_attachment(attachment.ids)
                samples[label].append(time.perf_counter() - start)
                env.cr.execute("ROLLBACK TO SAVEPOINT bench_import")
                env.invalidate_all()
        env.cr.rollback()
    return statistics.median(samples["ours"]), statistics.median(samples["core"])


def measure(odoo_bin, addons_path, flows, sample, db):
    """Run the receiving cron on ``flows`` platform flows and the per-file imports; print the figures."""
    import odoo

    template = f"{db}_template"
    ensure_template(odoo_bin, template, addons_path)
    odoo.modules.registry.Registry.delete(template)
    odoo.sql_db.close_db(template)  # a template copied must have no open session

    from einvoice.testing.platform import PlatformSimulator

    print(f"building {flows} supplier Factur-X files...", flush=True)
    files = supplier_files(flows)
    fresh_copy(template, db)
    with PlatformSimulator(client_id="bench", client_secret="bench-secret") as simulator:
        elapsed, bills, errors, error_count = run_cron(db, simulator, files)
    expected = {number: float(due) for number, _pdf, due in files}
    wrong = [number for number, due in expected.items() if abs(bills.get(number, -1) - due) > 0.005]
    print(f"\nReceiving cron: {flows} platform flows -> {len(bills)} bills in {elapsed:.1f} s")
    print(f"  bills per second                          : {len(bills) / elapsed:8.2f}")
    print(f"  flows in error {error_count}, bills not owing the file's total {len(wrong)} {errors or ''}")
    for number in wrong[:5]:
        print(f"    {number}: the file says {expected[number]:.2f}, the bill owes {bills.get(number)}")
    # The per-file imports on a fresh copy too: the cron's bills would be refused as duplicates.
    fresh_copy(template, db)
    ours, core = per_file(db, files[:sample])
    print(f"\nSame files imported one by one ({sample}, median per file, rolled back):")
    print(f"  ours  {ours * 1000:8.2f} ms  = {1 / ours:6.2f} bills/s")
    print(f"  core  {core * 1000:8.2f} ms  = {1 / core:6.2f} bills/s")
    print(f"  ratio ours / core per file: x{ours / core:.2f}")
    print(f"  cron bills/s over core's per-file bills/s: x{(len(bills) / elapsed) * core:.2f}")
    drop(db)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flows", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=100, help="files imported one by one for the comparison")
    parser.add_argument("--db", default="einvoice_bench_receive")
    args = parser.parse_args()
    odoo_bin = os.environ.get("ODOO_BIN") or "/opt/odoo/odoo-bin"
    addons_path = f"{Path(odoo_bin).resolve().parent / 'addons'},{ROOT / 'addons'}"
    sys.path.insert(0, str(ROOT))
    sys.path.append(str(Path(odoo_bin).resolve().parent))  # a source install: odoo-bin beside the package
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    odoo.service.server.load_server_wide_modules()
    measure(odoo_bin, addons_path, args.flows, args.sample, args.db)


if __name__ == "__main__":
    main()
