"""Sending through an approved platform: N invoices by Odoo's cron, one cron worker against two.

    ODOO_BIN=/path/to/odoo-bin python bench/bench_pa.py [--invoices 10000] [--db NAME]

Run it with the Python that runs Odoo 18 (with this engine importable) and
EINVOICE_ARTEFACTS_DIR set. It creates (once) a database with pa_connector
and N posted invoices of 1 to 5 lines queued for the platform, then, for each setting:

- puts every flow back in the queue (SQL: no flow id, no file, no 200 status);
- starts the platform simulator on 127.0.0.1 and a real Odoo server in prefork mode
  (``--workers=2``) with one cron worker and one sending job, then two cron workers and
  the second sending job activated: both jobs share the queue (FOR UPDATE SKIP LOCKED);
- times from the first submission the platform receives until the queue is empty
  in the database, and checks that each invoice reached the platform exactly once.

Each invoice is built, validated (XSD, EN 16931 and BR-FR schematron, in the helper
process of capped Odoo workers), attached and submitted (the platform's 200 comes back as
a status message, not read while sending is measured).
The simulator runs in this process, on the same cores as Odoo and PostgreSQL.
"""

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SELLER_SIRET, CUSTOMER_SIREN, CUSTOMER_SIRET = "73282932000017", "552081317", "55208131700018"


def psql(db, sql):
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-d", db, "-tAc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def database_exists(db):
    listing = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-lqt"], capture_output=True, text=True, check=False
    )
    return any(line.split("|")[0].strip() == db for line in listing.stdout.splitlines())


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup(odoo_bin, db, addons_path, count):
    if not database_exists(db):
        print(f"creating database {db} with pa_connector...", flush=True)
        subprocess.run(
            [sys.executable, odoo_bin, "-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db]
            + ["-i", "pa_connector", "--without-demo=all", "--stop-after-init", "--log-level=warn"],
            check=True,
        )
    import odoo
    from odoo import Command
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    with Registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env["res.company"].search([("name", "=", "Bench Seller SARL")], limit=1)
        if not company:
            company = env["res.company"].create(
                {
                    "name": "Bench Seller SARL",
                    "country_id": env.ref("base.fr").id,
                    "currency_id": env.ref("base.EUR").id,
                    "vat": "FR44732829320",
                    "siret": SELLER_SIRET,
                    "street": "12 rue de la Paix",
                    "zip": "75002",
                    "city": "Paris",
                }
            )
            env["res.partner.bank"].create(
                {"acc_number": "FR7630006000011234567890189", "partner_id": company.partner_id.id}
            )
            cr.commit()
            env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
            cr.commit()
    with Registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env["res.company"].search([("name", "=", "Bench Seller SARL")], limit=1)
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        platform = env["einvoice.platform"].search([("company_id", "=", company.id)], limit=1)
        if not platform:
            platform = env["einvoice.platform"].create(
                {"name": "Bench platform", "company_id": company.id, "flow_url": "http://127.0.0.1:9"}
                | {"token_url": "http://127.0.0.1:9/token", "client_id": "odoo", "client_secret": "s3cret"}
            )
        customer = env["res.partner"].search([("siret", "=", CUSTOMER_SIRET), ("is_company", "=", True)], limit=1)
        if not customer:
            customer = env["res.partner"].create(
                {
                    "name": "Client Industriel SA",
                    "is_company": True,
                    "siret": CUSTOMER_SIRET,
                    "vat": "FR03552081317",
                    "street": "1 avenue de Lyon",
                    "zip": "69001",
                    "city": "Lyon",
                    "country_id": env.ref("base.fr").id,
                    "invoice_edi_format": "fr_cii",
                    "einvoice_directory_state": "enabled",
                }
            )
        existing = env["account.move"].search_count([("company_id", "=", company.id), ("state", "=", "posted")])
        if existing < count:
            tax = env["account.chart.template"].with_company(company).ref
            taxes = [tax("tva_normale"), tax("tva_intermediaire"), tax("tva_reduite")]
            products = env["product.product"].create(
                [{"name": f"Article {n}", "default_code": f"ART-{n:03d}", "type": "consu"} for n in range(10)]
            )
            rng = random.Random(42)
            print(f"creating and posting {count - existing} invoices...", flush=True)
            for start in range(existing, count, 500):
                moves = env["account.move"].create(
                    [
                        {
                            "move_type": "out_invoice",
                            "partner_id": customer.id,
                            "invoice_date": "2026-09-15",
                            "invoice_line_ids": [
                                Command.create(
                                    {
                                        "product_id": rng.choice(products).id,
                                        "quantity": rng.randint(1, 9),
                                        "price_unit": rng.randint(100, 99999) / 100,
                                        "tax_ids": [Command.set(rng.choice(taxes).ids)],
                                    }
                                )
                                for _line in range(rng.randint(1, 5))
                            ],
                        }
                        for _n in range(min(500, count - start))
                    ]
                )
                moves.action_post()
                cr.commit()
                print(f"  {start + len(moves)} / {count}", flush=True)
        return platform.id


def reset(db, platform_id, url):
    """Every flow back in the queue, as if just posted; the platform pointed at this run's simulator."""
    psql(
        db,
        f"""
        DELETE FROM einvoice_lifecycle_event;
        UPDATE account_move SET einvoice_status = NULL WHERE einvoice_status IS NOT NULL;
        DELETE FROM ir_attachment
         WHERE res_model = 'account.move' AND name LIKE '%.xml' AND mimetype = 'application/xml';
        DELETE FROM l10n_fr_einvoice_finding;
        UPDATE einvoice_flow SET state = 'queued', platform_flow_id = NULL, attachment_id = NULL, error = NULL,
               attempts = 0, submitted_at = NULL, updated_at = NULL, tracking_id = gen_random_uuid()::text;
        UPDATE res_partner SET einvoice_directory_checked_on = now() at time zone 'UTC'
         WHERE siret = '{CUSTOMER_SIRET}';
        UPDATE einvoice_platform SET flow_url = '{url}', directory_url = '{url}', token_url = '{url}/token',
               batch_size = 50 WHERE id = {platform_id};
        UPDATE ir_cron SET nextcall = now() at time zone 'UTC' - interval '1 minute'
         WHERE id IN (SELECT res_id FROM ir_model_data WHERE module = 'pa_connector'
                       AND name IN ('cron_send_flows', 'cron_send_flows_lane2'));
        -- Only sending is measured: the receiving and directory jobs wait.
        UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day'
         WHERE id IN (SELECT res_id FROM ir_model_data WHERE module = 'pa_connector'
                       AND name IN ('cron_receive_flows', 'cron_directory_refresh'));
        """,
    )


def run(odoo_bin, db, addons_path, platform_id, count, workers):
    from einvoice.testing.platform import PlatformSimulator

    with PlatformSimulator() as simulator:
        simulator.register(CUSTOMER_SIREN, "Client Industriel SA", siret=CUSTOMER_SIRET)
        reset(db, platform_id, simulator.url)
        lane2 = "true" if workers == 2 else "false"
        psql(
            db,
            f"UPDATE ir_cron SET active = {lane2} WHERE id = (SELECT res_id FROM ir_model_data"
            " WHERE module = 'pa_connector' AND name = 'cron_send_flows_lane2')",
        )
        queued = int(psql(db, "SELECT count(*) FROM einvoice_flow WHERE state = 'queued'"))
        env = dict(os.environ, ODOO_NOTIFY_CRON_CHANGES="1", PYTHONPATH=str(ROOT))
        server = subprocess.Popen(
            [sys.executable, odoo_bin, "-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db]
            + [f"--db-filter=^{db}$", "--workers=2", f"--max-cron-threads={workers}", "--log-level=warn"]
            + [f"--http-port={free_port()}", f"--gevent-port={free_port()}", "--limit-time-real-cron=600"],
            env=env,
        )
        try:
            while not simulator.submissions():
                if server.poll() is not None:
                    raise SystemExit("the Odoo server stopped")
                time.sleep(0.05)
            start = time.monotonic()
            while int(psql(db, "SELECT count(*) FROM einvoice_flow WHERE state IN ('queued', 'sending')")):
                time.sleep(0.25)
            elapsed = time.monotonic() - start
        finally:
            server.terminate()
            server.wait(60)
        states = psql(db, "SELECT state || ':' || count(*) FROM einvoice_flow GROUP BY state")
        submissions = simulator.submissions()
        tracking = {flow["trackingId"] for flow in submissions}
        once = len(submissions) == len(tracking) == queued
        print(
            f"  {workers} cron worker(s): {queued} invoices in {elapsed:7.1f} s = {queued / elapsed:6.1f} invoices/s"
            f"  ({elapsed / queued * 1000:.1f} ms each; platform got {len(submissions)}, "
            f"{'each once' if once else 'NOT each once'}; flows {states.replace(chr(10), ', ')})",
            flush=True,
        )
        return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10000)
    parser.add_argument("--db", default="einvoice_bench_pa")
    args = parser.parse_args()
    odoo_bin = os.environ.get("ODOO_BIN") or "/opt/odoo/odoo-bin"
    addons_path = f"{Path(odoo_bin).resolve().parent / 'addons'},{ROOT / 'addons'}"
    sys.path.insert(0, str(ROOT))
    platform_id = setup(odoo_bin, args.db, addons_path, args.invoices)
    print(f"\nSending {args.invoices} invoices through the platform cron (prefork server, batches of 50):")
    one = run(odoo_bin, args.db, addons_path, platform_id, args.invoices, 1)
    two = run(odoo_bin, args.db, addons_path, platform_id, args.invoices, 2)
    print(f"  throughput two workers / one: x{one / two:.2f}  (goal: close to x2; one worker goal <= 600 s)")


if __name__ == "__main__":
    main()
