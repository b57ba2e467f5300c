"""E-reporting benchmark: 1,000,000 B2C sale lines of one period collected into 10.3 aggregates.

    ODOO_BIN=/path/to/odoo-bin python bench/bench_ereporting.py [--clones 1000] [--repeat 3] [--db NAME]

Run it with the Python that runs Odoo 18 (its dependencies and this engine importable) and
``EINVOICE_ARTEFACTS_DIR`` set. It creates (once) a database with ``ereporting`` (no demo data), a
French retailer on the normal monthly VAT regime (its transactions are reported by ten-day periods),
its chart, e-reporting on and a platform (never called: only the collection and the build are timed).

The data: 200 consumer invoices and credit notes of 1,000 product lines in all (goods at 20, 5.5 and
2.1 %, services at 20 and 10 % with VAT due on payment) are made and posted through the ORM in the
period 21-31 October 2026, then copied with ``INSERT ... SELECT`` into 1-10 November 2026, ``--clones``
times (1,000: 200,000 invoices, 1,000,000 product lines, 20,000 invoices a day). A copy is its
template's rows (move, lines, their taxes and tax tags) with only the ids, the number and the dates
changed, so the database holds what Odoo writes; the run checks it (every column of copies against
their templates, the totals, and each November day's 10.3 figures against 100 times October's).

Each measure runs in a fresh process, so its peak resident memory (``getrusage``) is its own:

- the collection of the period's 10.3 figures (``ereporting.period._b2c_sales``, one SQL query);
- the whole preparation of the report (``ereporting.report._prepare``: collection, the moves of the
  period, the engine's aggregation, the build, the XSD and Flux 10 validation, the attachment and
  the report's writes), rolled back after each run, and the engine's part on its own;
- Odoo's comparable reporting on the same lines: ``account.move.line._read_group`` by day and tax
  (a pivot of the journal items), and core's tax details query (the query under the generic tax
  report of Odoo's accounting reports, which are not in the community edition) summed per tax.

The same measures on the October period (1,000 lines) show how time and memory grow with volume.
"""

import argparse
import datetime
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANY = "Bench Retail SAS"
TEMPLATE_PERIOD = (datetime.date(2026, 10, 21), datetime.date(2026, 10, 31))
BENCH_PERIOD = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 10))
DAYS = (BENCH_PERIOD[1] - BENCH_PERIOD[0]).days + 1
TEMPLATE_INVOICES = 200
PREFIX = "BENCH/2026/11/"

#: Columns of a copied move or line that are not its template's: the rest is copied as it is.
MOVE_OVERRIDES = {
    "id": "m.dst",
    "name": "m.name",
    "payment_reference": "m.name",
    "sequence_prefix": f"'{PREFIX}'",
    "sequence_number": "m.seq",
    "date": "m.day",
    "invoice_date": "m.day",
    "invoice_date_due": "m.day + (t.invoice_date_due - t.invoice_date)",
    "inalterable_hash": "NULL",
    "secure_sequence_number": "NULL",
    "access_token": "NULL",
    "message_main_attachment_id": "NULL",
    "create_date": "now() AT TIME ZONE 'UTC'",
    "write_date": "now() AT TIME ZONE 'UTC'",
}
LINE_OVERRIDES = {
    "id": "lm.dst",
    "move_id": "lm.move_dst",
    "move_name": "m.name",
    "date": "m.day",
    "invoice_date": "m.day",
    "date_maturity": "m.day + (t.date_maturity - t.date)",
    "create_date": "now() AT TIME ZONE 'UTC'",
    "write_date": "now() AT TIME ZONE 'UTC'",
}


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def backend_memory(cr):
    """Peak resident memory of this connection's PostgreSQL backend and its own part (MiB), if readable."""
    cr.execute("SELECT pg_backend_pid()")
    pid = cr.fetchone()[0]
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in status.splitlines():
        key, _sep, rest = line.partition(":")
        if key in ("VmHWM", "RssAnon", "RssShmem"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    return values


# --- the database -----------------------------------------------------------------------------


def ensure_database(odoo_bin, db, addons_path):
    check = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-lqt"], capture_output=True, text=True, check=False
    )
    if any(line.split("|")[0].strip() == db for line in check.stdout.splitlines()):
        return
    print(f"creating database {db} with ereporting (no demo data)...", flush=True)
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
            "ereporting",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def open_registry(odoo_bin, db, addons_path):
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    odoo.service.server.load_server_wide_modules()
    return Registry(db)


def setup_company(env):
    """The retailer with the French chart, e-reporting on, its platform and periods."""
    Company = env["res.company"]
    company = Company.search([("name", "=", COMPANY)], limit=1)
    if company:
        return company
    company = Company.create(
        {
            "name": COMPANY,
            "country_id": env.ref("base.fr").id,
            "currency_id": env.ref("base.EUR").id,
            "vat": "FR44732829320",
            "siret": "73282932000017",
            "street": "12 rue de la Paix",
            "zip": "75002",
            "city": "Paris",
        }
    )
    env.cr.commit()
    env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
    env.cr.commit()
    company.write(
        {
            "ereporting_enabled": True,
            "ereporting_vat_regime": "normal_monthly",
            "ereporting_start_date": TEMPLATE_PERIOD[0],
        }
    )
    env["einvoice.platform"].create(
        {
            "name": "Bench platform",
            "company_id": company.id,
            "flow_url": "http://127.0.0.1:9",
            "ereporting_matricule": "0042",
        }
    )
    env["ereporting.period"]._generate(company, until=BENCH_PERIOD[1])
    env.cr.commit()
    return company


def setup_templates(env, company):
    """200 posted consumer invoices and credit notes of 1,000 product lines, through the ORM."""
    from odoo import Command

    senv = env(context=dict(env.context, allowed_company_ids=company.ids))
    Move = senv["account.move"]
    existing = Move.search(
        [
            ("company_id", "=", company.id),
            ("state", "=", "posted"),
            ("invoice_date", ">=", TEMPLATE_PERIOD[0]),
            ("invoice_date", "<=", TEMPLATE_PERIOD[1]),
        ]
    )
    if existing:
        return existing
    tax = senv["account.chart.template"].with_company(company).ref
    goods_taxes = [(tax("tva_normale"), 70), (tax("tva_reduite"), 25), (tax("tva_super_reduite"), 5)]
    service_taxes = [(tax("tva_normale_encaissement"), 60), (tax("tva_intermediaire_encaissement"), 40)]
    Product = senv["product.product"]
    goods = [Product.create({"name": f"Article {n}", "type": "consu", "list_price": 5 + 3 * n}) for n in range(8)]
    services = [Product.create({"name": f"Prestation {n}", "type": "service", "list_price": 30 + n}) for n in range(4)]
    france = env.ref("base.fr").id
    consumers = senv["res.partner"].create(
        [
            {"name": f"Client particulier {n}", "city": "Lyon", "country_id": france if n % 4 else False}
            for n in range(20)
        ]
    )
    rng = random.Random(20261101)

    def weighted(choices):
        return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]

    # Pairs of invoices of a and 10 - a lines: 1 to 9 lines, 5 on average, 1,000 in all.
    counts = []
    for _pair in range(TEMPLATE_INVOICES // 2):
        size = rng.randint(1, 9)
        counts += [size, 10 - size]
    values = []
    for number, count in enumerate(counts):
        lines = []
        for _line in range(count):
            is_service = rng.random() < 0.3
            lines.append(
                Command.create(
                    {
                        "product_id": rng.choice(services if is_service else goods).id,
                        "quantity": rng.randint(1, 4),
                        "price_unit": rng.randint(150, 25000) / 100,
                        "tax_ids": [Command.set(weighted(service_taxes if is_service else goods_taxes).ids)],
                    }
                )
            )
        values.append(
            {
                "move_type": "out_refund" if number % 50 == 7 else "out_invoice",
                "partner_id": consumers[number % len(consumers)].id,
                "invoice_date": TEMPLATE_PERIOD[0] + datetime.timedelta(days=number % 11),
                "invoice_line_ids": lines,
            }
        )
    moves = Move.create(values)
    moves.action_post()
    env.cr.commit()
    return moves


def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND table_schema = 'public'"
        " ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def clone(env, templates, clones):
    """``clones`` copies of the templates in the bench period (an equal share a day), by SQL."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM account_move WHERE sequence_prefix = %s", (PREFIX,))
    done = cr.fetchone()[0] // len(templates)
    if done >= clones:
        return 0
    move_columns, line_columns = columns(cr, "account_move"), columns(cr, "account_move_line")
    move_select = ", ".join(MOVE_OVERRIDES.get(name, f"t.{name}") for name in move_columns)
    line_select = ", ".join(LINE_OVERRIDES.get(name, f"t.{name}") for name in line_columns)
    start = time.perf_counter()
    batch = max(1, clones // 20)
    for first in range(done, clones, batch):
        last = min(first + batch, clones)
        cr.execute(
            """
            CREATE TEMP TABLE clone_map ON COMMIT DROP AS
            SELECT t.id AS src, nextval('account_move_id_seq') AS dst,
                   %(start)s::date + (n.copy * %(days)s / %(clones)s) AS day,
                   (n.copy * %(count)s + row_number() OVER (PARTITION BY n.copy ORDER BY t.id)) AS seq,
                   ''::varchar AS name
              FROM account_move t, generate_series(%(first)s, %(last)s - 1) AS n(copy)
             WHERE t.id IN %(templates)s;
            UPDATE clone_map SET name = %(prefix)s || lpad(seq::text, 7, '0');
            CREATE TEMP TABLE line_map ON COMMIT DROP AS
            SELECT l.id AS src, m.dst AS move_dst, nextval('account_move_line_id_seq') AS dst
              FROM clone_map m JOIN account_move_line l ON l.move_id = m.src;
            """,
            {
                "start": BENCH_PERIOD[0],
                "days": DAYS,
                "clones": clones,
                "count": len(templates),
                "first": first,
                "last": last,
                "templates": tuple(templates.ids),
                "prefix": PREFIX,
            },
        )
        cr.execute(
            f"INSERT INTO account_move ({', '.join(move_columns)}) "
            f"SELECT {move_select} FROM clone_map m JOIN account_move t ON t.id = m.src"
        )
        cr.execute(
            f"INSERT INTO account_move_line ({', '.join(line_columns)}) "
            f"SELECT {line_select} FROM line_map lm JOIN account_move_line t ON t.id = lm.src"
            " JOIN clone_map m ON m.dst = lm.move_dst"
        )
        cr.execute(
            """
            INSERT INTO account_move_line_account_tax_rel (account_move_line_id, account_tax_id)
            SELECT lm.dst, r.account_tax_id FROM line_map lm
              JOIN account_move_line_account_tax_rel r ON r.account_move_line_id = lm.src;
            INSERT INTO account_account_tag_account_move_line_rel (account_move_line_id, account_account_tag_id)
            SELECT lm.dst, r.account_account_tag_id FROM line_map lm
              JOIN account_account_tag_account_move_line_rel r ON r.account_move_line_id = lm.src;
            """
        )
        cr.commit()
        print(f"  copies {last}/{clones} ({time.perf_counter() - start:.0f} s)", flush=True)
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE account_move_line_account_tax_rel")
    cr.commit()
    return time.perf_counter() - start


def check_copies(env, templates, clones):
    """The copies are their templates' rows but for the columns changed, and the totals scale."""
    cr = env.cr
    ordered = sorted(templates.ids)
    for table, overrides in (("account_move", MOVE_OVERRIDES), ("account_move_line", LINE_OVERRIDES)):
        compared = ", ".join(name for name in columns(cr, table) if name not in overrides)
        key = "id" if table == "account_move" else "move_id"
        for template_id in ordered[:10]:
            # The template's copy in the last batch (numbers follow the templates' ids in each copy).
            cr.execute(
                "SELECT id FROM account_move WHERE sequence_prefix = %s AND sequence_number = %s",
                (PREFIX, ordered.index(template_id) + 1 + len(ordered) * (clones - 1)),
            )
            copy_id = cr.fetchone()[0]
            rows = []
            for move_id in (copy_id, template_id):
                cr.execute(f"SELECT {compared} FROM {table} WHERE {key} = %s", (move_id,))
                rows.append(sorted(cr.fetchall(), key=repr))  # the copies' line ids follow no order
            if rows[0] != rows[1] or not rows[0]:
                raise AssertionError(f"{table}: the copy {copy_id} differs from its template {template_id}")
    totals = """
        SELECT count(*), sum(amount_untaxed_signed), sum(amount_tax_signed), sum(amount_total_signed)
          FROM account_move WHERE {}
    """
    cr.execute(totals.format("id IN %s"), (tuple(ordered),))
    count, untaxed, tax, total = cr.fetchone()
    cr.execute(
        totals.format("company_id = %s AND state = 'posted' AND date BETWEEN %s AND %s"),
        (templates.company_id.id, *BENCH_PERIOD),
    )
    got = cr.fetchone()
    expected = (count * clones, untaxed * clones, tax * clones, total * clones)
    if got != expected:
        raise AssertionError(f"copies' totals {got} instead of {expected}")
    cr.execute(
        """
        SELECT count(*) FILTER (WHERE l.display_type = 'product'), count(*)
          FROM account_move_line l JOIN account_move m ON m.id = l.move_id
         WHERE m.company_id = %s AND m.state = 'posted' AND m.date BETWEEN %s AND %s
        """,
        (templates.company_id.id, *BENCH_PERIOD),
    )
    product_lines, all_lines = cr.fetchone()
    return {
        "invoices": got[0],
        "product_lines": product_lines,
        "all_lines": all_lines,
        "untaxed": str(got[1]),
        "tax": str(got[2]),
    }


# --- the measures (each in a process of its own) --------------------------------------------------


def period_of(env, start):
    company = env["res.company"].search([("name", "=", COMPANY)], limit=1)
    return env["ereporting.period"].search(
        [("company_id", "=", company.id), ("kind", "=", "transactions"), ("date_start", "=", start)]
    )


def measure_collection(env, period, repeat, _timeout):
    times, rows = [], None
    for _run in range(repeat):
        elapsed, rows = timed(period._b2c_sales)
        times.append(elapsed)
    return {"times": times, "rows": len(rows), "figures": [[str(v) for v in row] for row in rows]}


def measure_prepare(env, period, repeat, _timeout):
    from einvoice.ereporting import Report, ReportPeriod, build_report
    from einvoice.validation import validate

    report = period.report_ids.filtered(lambda r: r.role == "SE")[:1] or env["ereporting.report"].create(
        {"period_id": period.id, "role": "SE", "type_code": "IN"}
    )
    env.cr.commit()
    prepare, engine, moves, states = [], [], [], []
    fatal = None
    for _run in range(repeat):
        env.cr.execute("SAVEPOINT bench_prepare")
        elapsed, _result = timed(lambda: (report._prepare(), env.flush_all()))  # its writes included
        prepare.append(elapsed)
        states.append(report.state)
        fatal = [f.message for f in report.finding_ids if f.severity == "fatal"]
        env.flush_all()
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_prepare")
        env.invalidate_all(flush=False)
    report_period = ReportPeriod(period.date_start, period.date_end)
    for _run in range(repeat):
        findings, lines = [], []
        body, _moves = report._collect_sales(report_period, findings, lines)
        document = report._document(findings, datetime.datetime.now())

        def engine_part(body=body, document=document):
            xml = build_report(Report(document, transactions=body))
            return xml, validate(xml)

        elapsed, (xml, result) = timed(engine_part)
        engine.append(elapsed)
        env.invalidate_all()
    for _run in range(repeat):
        elapsed, found = timed(period._b2c_moves)
        moves.append(elapsed)
        env.invalidate_all()
    return {
        "prepare": prepare,
        "engine": engine,
        "b2c_moves": moves,
        "moves": len(found),
        "states": sorted(set(states)),
        "fatal": fatal,
        "xml_bytes": len(xml),
        "aggregates": len(body.aggregates),
        "validation_fatal": len(result.fatal),
    }


def measure_odoo(env, period, repeat, timeout):
    import psycopg2.errors

    from odoo.tools import SQL

    Line = env["account.move.line"]
    domain = [
        ("company_id", "=", period.company_id.id),
        ("parent_state", "=", "posted"),
        ("journal_id.type", "=", "sale"),
        ("date", ">=", period.date_start),
        ("date", "<=", period.date_end),
    ]

    def pivot():
        base = Line._read_group(
            [*domain, ("display_type", "=", "product")],
            groupby=["date:day", "tax_ids"],
            aggregates=["balance:sum", "__count"],
        )
        taxes = Line._read_group(
            [*domain, ("display_type", "=", "tax")], groupby=["date:day", "tax_line_id"], aggregates=["balance:sum"]
        )
        return base, taxes

    def details(domain):
        query = Line._get_query_tax_details_from_domain(domain)
        return env.execute_query(
            SQL(
                "SELECT tax_id, sum(-base_amount)::text, sum(-tax_amount)::text FROM (%s) d GROUP BY tax_id"
                " ORDER BY tax_id",
                query,
            )
        )

    def details_within(domain):
        """(seconds, rows), or (None, None) past the timeout."""
        env.cr.execute("SAVEPOINT bench_details")
        env.cr.execute(SQL("SET LOCAL statement_timeout = %s", int(timeout * 1000)))
        try:
            result = timed(details, domain)
        except psycopg2.errors.QueryCanceled:
            result = (None, None)
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_details")
        return result

    read_group, tax_details = [], []
    for _run in range(repeat):
        elapsed, (base, taxes) = timed(pivot)
        read_group.append(elapsed)
        env.invalidate_all()
    per_tax = one_day = None
    for _run in range(repeat):
        elapsed, per_tax = details_within(domain)
        if elapsed is None:
            break
        tax_details.append(elapsed)
    if not tax_details:  # out of reach on the period: its first day alone, a tenth of the lines
        one_day = details_within([*domain[:3], ("date", "=", period.date_start)])[0]
    return {
        "read_group": read_group,
        "read_group_rows": len(base) + len(taxes),
        "tax_details": tax_details,
        "tax_details_timeout": timeout,
        "tax_details_first_day": one_day,
        "per_tax": [list(row) for row in per_tax or ()],
    }


MEASURES = {"collection": measure_collection, "prepare": measure_prepare, "odoo": measure_odoo}


def child(args, odoo_bin, addons_path):
    """One measure in this fresh process; prints a JSON line with its peak memory."""
    import odoo

    registry = open_registry(odoo_bin, args.db, addons_path)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        period = period_of(env, datetime.date.fromisoformat(args.child_period))
        env = env(context=dict(env.context, allowed_company_ids=period.company_id.ids))
        period = period.with_env(env)
        before = peak_rss_mib()
        result = MEASURES[args.child](env, period, args.repeat, args.core_timeout)
        result.update(rss_before=before, rss_peak=peak_rss_mib(), backend=backend_memory(cr))
        cr.rollback()
    print("RESULT " + json.dumps(result, default=str), flush=True)


def run_child(measure, start, args):
    command = [sys.executable, __file__, "--db", args.db, "--repeat", str(args.repeat)]
    command += ["--core-timeout", str(args.core_timeout), "--child", measure, "--child-period", start.isoformat()]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"measure {measure} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def median(samples):
    return statistics.median(samples)


def fmt(samples):
    return f"{median(samples):7.2f} s (runs {', '.join(f'{s:.2f}' for s in samples)})"


def check_figures(small, large, clones):
    """Each day of the bench period holds clones / days copies of the whole template period."""
    per_day = clones // DAYS
    template = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for _day, cur, cat, rate, taxable, tax, count, *_rest in small["figures"]:
        key = (cur, cat, Decimal(rate))
        template[key][0] += Decimal(taxable)
        template[key][1] += Decimal(tax)
        template[key][2] += int(count)
    for day, cur, cat, rate, taxable, tax, count, *_rest in large["figures"]:
        expected = template[(cur, cat, Decimal(rate))]
        got = (Decimal(taxable), Decimal(tax), int(count))
        want = (expected[0] * per_day, expected[1] * per_day, expected[2] * per_day)
        if got != want:
            raise AssertionError(f"10.3 of {day} {cat} {rate}: {got} instead of {want}")
    if len(large["figures"]) != DAYS * len(template):
        raise AssertionError(f"{len(large['figures'])} rows of 10.3 instead of {DAYS * len(template)}")


def show(label, value):
    print(f"  {label:<46}: {value}")


def report_period(label, lines, results):
    collection, prepare, core = (results[label, m] for m in ("collection", "prepare", "odoo"))
    ours = median(collection["times"])
    print(f"\nPeriod of {lines:,} B2C product lines (medians; each measure in a process of its own):")
    show(f"10.3 collection (one SQL query, {collection['rows']} rows)", fmt(collection["times"]))
    show(f"B2C moves of the period ({prepare['moves']:,})", fmt(prepare["b2c_moves"]))
    show("engine: aggregate + build + XSD + Flux 10", fmt(prepare["engine"]))
    show("whole _prepare, its writes included", fmt(prepare["prepare"]))
    print(
        f"    report {prepare['states']}: {prepare['aggregates']} aggregates, {prepare['xml_bytes']:,} bytes, "
        f"fatal findings {prepare['validation_fatal']} {prepare['fatal'] or ''}"
    )
    show(f"Odoo _read_group by day and tax ({core['read_group_rows']} groups)", fmt(core["read_group"]))
    print(f"    Odoo / our collection: x{median(core['read_group']) / ours:.2f}")
    if core["tax_details"]:
        show("Odoo tax details query summed per tax", fmt(core["tax_details"]))
        print(f"    Odoo / our collection: x{median(core['tax_details']) / ours:.2f}")
    else:
        day = core["tax_details_first_day"]
        on_day = f"{day:.2f} s" if day is not None else f"over {core['tax_details_timeout']:.0f} s too"
        show(
            "Odoo tax details query summed per tax",
            f"cancelled after {core['tax_details_timeout']:.0f} s; the first day alone: {on_day}",
        )
    for measure in ("collection", "prepare", "odoo"):
        result = results[label, measure]
        show(
            f"peak RSS, {measure}",
            f"{result['rss_before']:.1f} MiB with Odoo loaded -> {result['rss_peak']:.1f} MiB; "
            f"PostgreSQL backend {result['backend']}",
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clones", type=int, default=1000, help="copies of the 200 template invoices (1,000 lines)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default="einvoice_bench_ereporting")
    parser.add_argument(
        "--core-timeout", type=float, default=300, help="seconds after which core's tax details query is cancelled"
    )
    parser.add_argument("--child", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    parser.add_argument("--child-period", help=argparse.SUPPRESS)
    args = parser.parse_args()
    odoo_bin = os.environ.get("ODOO_BIN") or "/opt/odoo/odoo-bin"
    addons_path = f"{Path(odoo_bin).resolve().parent / 'addons'},{ROOT / 'addons'}"
    sys.path.insert(0, str(ROOT))
    sys.path.append(str(Path(odoo_bin).resolve().parent))  # a source install: odoo-bin beside the package
    if args.child:
        child(args, odoo_bin, addons_path)
        return
    if args.clones % DAYS:
        parser.error(f"--clones must be a multiple of {DAYS} (an equal share each day of the period)")
    ensure_database(odoo_bin, args.db, addons_path)
    import odoo

    registry = open_registry(odoo_bin, args.db, addons_path)
    with registry.cursor() as cr:
        company_id = setup_company(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})).id
    with registry.cursor() as cr:  # the registry as the chart left it
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        templates = setup_templates(env, env["res.company"].browse(company_id))
        print(f"copying {len(templates)} invoices {args.clones} times into {BENCH_PERIOD[0]}..{BENCH_PERIOD[1]}...")
        copy_time = clone(env, templates, args.clones)
        data = check_copies(env, templates, args.clones)
        cr.commit()
    print(
        f"\nData: {data['invoices']:,} posted invoices in the period, {data['product_lines']:,} product lines "
        f"({data['all_lines']:,} journal items), untaxed {data['untaxed']} EUR, VAT {data['tax']} EUR; "
        f"copied in {copy_time:.0f} s; 10 copies equal to their templates column by column"
    )
    results = {}
    for label, start in (("small", TEMPLATE_PERIOD[0]), ("large", BENCH_PERIOD[0])):
        for measure in ("collection", "prepare", "odoo"):
            results[label, measure] = run_child(measure, start, args)
    check_figures(results["small", "collection"], results["large", "collection"], args.clones)
    print(f"10.3 figures of each November day = {args.clones // DAYS} x the whole template period's: checked")
    report_period("small", TEMPLATE_INVOICES * 5, results)
    report_period("large", data["product_lines"], results)


if __name__ == "__main__":
    main()
