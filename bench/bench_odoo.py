"""Odoo benchmark: export and import of French e-invoices, against Odoo core's Factur-X, in one run.

    ODOO_BIN=/path/to/odoo-bin python bench/bench_odoo.py [--invoices 1000] [--db NAME]

Run it with the Python that runs Odoo 18 (its dependencies and this engine importable).
It creates (or reuses) a database with l10n_fr_einvoice, a French company with
its chart, and N posted invoices of 1 to 5 lines, then prints medians per invoice of:

- export: ours (mapping account.move -> model, CII build, XSD + EN16931 + BR-FR
  validation) against core's ``account.edi.xml.cii._export_invoice`` (no validation);
  also ours without validation, and ours with the validation in the helper process
  that Odoo workers use (their address space is capped, see einvoice/validation/isolated.py);
- import: each invoice as a Factur-X PDF dropped on the purchase journal of a second
  company, through our decoder against core's (the same ``_create_document_from_attachment``),
  each import rolled back after it is timed;
- receiving: pa_connector's cron on ``--receive-flows`` supplier Factur-X flows of the
  platform simulator, in bills per second, against the same files imported one by one
  by core's decoder and ours (``bench_receive.py``, its own database).
"""

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_ms(samples):
    return statistics.median(samples) * 1000


def show(label, samples, note=""):
    print(f"  {label:<44}: {median_ms(samples):8.2f} ms  {note}")


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def ensure_database(odoo_bin, db, addons_path):
    check = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-lqt"], capture_output=True, text=True, check=False
    )
    if any(line.split("|")[0].strip() == db for line in check.stdout.splitlines()):
        return
    print(f"creating database {db} with l10n_fr_einvoice (no demo data)...", flush=True)
    subprocess.run(
        [
            sys.executable,
            odoo_bin,
            "-c",
            str(ROOT / "odoo.conf"),
            f"--addons-path={addons_path}",
            "-d",
            db,
            "-i",
            "l10n_fr_einvoice",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def setup_companies(env):
    """The seller and the buyer company, each with the French chart (loading it may install modules)."""
    Company = env["res.company"]
    if Company.search([("name", "=", "Bench Seller SARL")], limit=1):
        return
    france, euro = env.ref("base.fr"), env.ref("base.EUR")
    seller, buyer = Company.create(
        [
            {
                "name": "Bench Seller SARL",
                "country_id": france.id,
                "currency_id": euro.id,
                "vat": "FR44732829320",
                "siret": "73282932000017",
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
            },
            {
                "name": "Bench Buyer SA",
                "country_id": france.id,
                "currency_id": euro.id,
                "vat": "FR03552081317",
                "siret": "55208131700018",
                "street": "1 avenue de Lyon",
                "zip": "69001",
                "city": "Lyon",
            },
        ]
    )
    env["res.partner.bank"].create({"acc_number": "FR7630006000011234567890189", "partner_id": seller.partner_id.id})
    env.cr.commit()
    for company in (seller, buyer):
        env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
    env.cr.commit()


def setup_invoices(env, count):
    """N posted invoices of the seller to a French customer; made once per database."""
    from odoo import Command

    Company = env["res.company"]
    seller = Company.search([("name", "=", "Bench Seller SARL")], limit=1)
    buyer = Company.search([("name", "=", "Bench Buyer SA")], limit=1)
    senv = env(context=dict(env.context, allowed_company_ids=seller.ids))
    customer = senv["res.partner"].search([("siret", "=", "55208131700018"), ("is_company", "=", True)], limit=1)
    if not customer:
        customer = senv["res.partner"].create(
            {
                "name": "Client Industriel SA",
                "is_company": True,
                "siret": "55208131700018",
                "vat": "FR03552081317",
                "street": "1 avenue de Lyon",
                "zip": "69001",
                "city": "Lyon",
                "country_id": env.ref("base.fr").id,
                "invoice_edi_format": "fr_facturx",
            }
        )
    existing = senv["account.move"].search(
        [("company_id", "=", seller.id), ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
    )
    if len(existing) < count:
        tax = senv["account.chart.template"].with_company(seller).ref
        taxes = [tax("tva_normale"), tax("tva_intermediaire"), tax("tva_reduite")]
        products = [
            senv["product.product"].create(
                {"name": f"Article {n}", "default_code": f"ART-{n:03d}", "type": "consu", "list_price": 10 + n}
            )
            for n in range(10)
        ]
        rng = random.Random(42)
        print(f"creating {count - len(existing)} invoices...", flush=True)
        values = []
        for _n in range(count - len(existing)):
            values.append(
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
            )
        moves = senv["account.move"].create(values)
        moves.action_post()
        env.cr.commit()
        existing |= moves
    return seller, buyer, existing[:count]


def bench_export(moves, env):
    from odoo.addons.l10n_fr_einvoice.models import account_move_export

    from einvoice.validation import isolated

    cache = account_move_export._REPORTS  # every timed validation must really run

    core_builder = env["account.edi.xml.cii"]
    ours, ours_no_validation, core, ours_helper = [], [], [], []
    for move in moves:
        move.invalidate_recordset()
        core.append(timed(core_builder._export_invoice, move)[0])
        move.invalidate_recordset()
        cache.clear()
        ours.append(timed(move._l10n_fr_einvoice_xml)[0])
        move.invalidate_recordset()
        ours_no_validation.append(timed(_build_only, move)[0])
    # The path of an Odoo worker: the address space capped, the validation in the helper process.
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (isolated.ADDRESS_SPACE_NEEDED // 2, hard))
    try:
        for move in moves[: max(50, len(moves) // 5)]:
            move.invalidate_recordset()
            cache.clear()
            ours_helper.append(timed(move._l10n_fr_einvoice_xml)[0])
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return ours, ours_no_validation, core, ours_helper


def _build_only(move):
    from einvoice import api as einvoice_api

    invoice, _problems = move._l10n_fr_einvoice_model()
    return einvoice_api.build(invoice, "cii")


def bench_import(moves, env, buyer):
    from einvoice import api as einvoice_api

    journal = env["account.journal"].search([("company_id", "=", buyer.id), ("type", "=", "purchase")], limit=1)
    benv = env(context=dict(env.context, allowed_company_ids=buyer.ids, default_move_type="in_invoice"))
    pdfs = []
    for move in moves:
        invoice, _problems = move._l10n_fr_einvoice_model()
        pdfs.append((f"{move.name.replace('/', '_')}.pdf", einvoice_api.build(invoice, "facturx")))
    ours, core, failures = [], [], {"ours": 0, "core": 0}
    for name, pdf in pdfs:
        for label, context, samples in (
            ("ours", {}, ours),
            ("core", {"l10n_fr_einvoice_core_decoder": True}, core),
        ):
            env.cr.execute("SAVEPOINT bench_import")
            attachment = benv["ir.attachment"].create({"name": name, "raw": pdf})
            elapsed, bills = timed(
                journal.with_env(benv).with_context(**context)._create_document_from_attachment, attachment.ids
            )
            samples.append(elapsed)
            if not bills.invoice_line_ids:
                failures[label] += 1
            env.cr.execute("ROLLBACK TO SAVEPOINT bench_import")
            env.invalidate_all()
    return ours, core, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--db", default="einvoice_bench")
    parser.add_argument(
        "--receive-flows", type=int, default=1000, help="flows for the receiving cron (bench_receive.py); 0 skips it"
    )
    args = parser.parse_args()
    odoo_bin = os.environ.get("ODOO_BIN") or "/opt/odoo/odoo-bin"
    addons_path = f"{Path(odoo_bin).resolve().parent / 'addons'},{ROOT / 'addons'}"
    sys.path.insert(0, str(ROOT))
    sys.path.append(str(Path(odoo_bin).resolve().parent))  # a source install: odoo-bin beside the package
    ensure_database(odoo_bin, args.db, addons_path)

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", args.db, "--log-level=warn"]
    )
    odoo.modules.module.initialize_sys_path()
    odoo.service.server.load_server_wide_modules()
    with Registry(args.db).cursor() as cr:
        setup_companies(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))
    with Registry(args.db).cursor() as cr:  # the registry as the chart left it
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        seller, buyer, moves = setup_invoices(env, args.invoices)
        senv = env(context=dict(env.context, allowed_company_ids=seller.ids))
        moves = moves.with_env(senv)
        # Warm up: stylesheets compiled, templates loaded, caches filled.
        for move in moves[:5]:
            move._l10n_fr_einvoice_xml()
            senv["account.edi.xml.cii"]._export_invoice(move)
        ours, ours_build, core, ours_helper = bench_export(moves, senv)
        print(f"\nExport of {len(moves)} posted invoices (median per invoice):")
        show("ours, mapping + build + full validation", ours)
        show("ours, same through the helper process", ours_helper, f"({len(ours_helper)} invoices)")
        show("ours, mapping + build only", ours_build)
        show("core account_edi_ubl_cii Factur-X (CII)", core, "(no validation)")
        print(f"  ratio core / ours with validation: x{median_ms(core) / median_ms(ours):.2f}")
        print(f"  ratio core / ours build only     : x{median_ms(core) / median_ms(ours_build):.2f}")
        ours_in, core_in, failures = bench_import(moves, env, buyer)
        print(f"\nImport of {len(moves)} Factur-X PDFs as vendor bills (median per file):")
        show("ours (parse, validate, match, fill, check)", ours_in, f"(failures {failures['ours']})")
        show("core account_edi_ubl_cii decoder", core_in, f"(failures {failures['core']})")
        print(f"  ratio ours / core: x{median_ms(ours_in) / median_ms(core_in):.2f}  (x1 or less: ours is as fast)")
        cr.rollback()
    if args.receive_flows:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_receive import measure

        measure(odoo_bin, addons_path, args.receive_flows, min(100, args.invoices), f"{args.db}_receive")


if __name__ == "__main__":
    main()
