"""The receiving AS4 endpoint of peppol_connector (``/peppol/as4``) in a real Odoo server, in messages per second.

    ODOO_BIN=/path/to/odoo-bin python bench/bench_as4_odoo.py [--messages 300] [--clients 4] [--workers 2,0]

Run it with the Python that runs Odoo 18 (with this engine importable) and EINVOICE_ARTEFACTS_DIR
set. It creates (once) a database with peppol_connector (no demo data) and the receiving company
(the buyer of the engine's business cases, French chart, purchase journal, its supplier), gives
the company's own access point a fresh test PKI on each run (``einvoice.testing.as4.As4Pki``), then:

- builds AS4 messages (signed, encrypted) each carrying a distinct PEPPOL BIS 3 invoice (the
  ``b2b_goods_standard`` case, its number changed);
- starts Odoo (``odoo-bin --workers=2``, prefork as in production, then ``--workers=0``,
  threaded) and POSTs them from one client, then from ``--clients`` clients; every answer must
  be the company's signed receipt, verified by the sender (``as4.send``); afterwards SQL checks
  one vendor bill per message, none twice, each owing the invoice's total;
- peers in the same run: the engine's access point simulator over HTTP, in a process of its
  own like Odoo, on the same messages (the bare protocol: verify, decrypt, sign the receipt),
  and the import of the same UBL files into vendor bills through Odoo core's decoder and
  through ours, without AS4 or HTTP (``_create_document_from_attachment``, each rolled back).

``--profile N`` also runs the endpoint's two halves, ``as4.answer`` and the transmission's
``_receive`` (the import), in this process under cProfile on N messages, and prints where the
time goes.
"""

import argparse
import base64
import contextlib
import cProfile
import functools
import os
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANY = "Client Industriel SA"
SUPPLIER = "Atelier Dupont SARL"
PASSWORD = "bench-p12"


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the database ------------------------------------------------------------------------------


def ensure_database(odoo_bin, db, addons_path):
    listing = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-lqt"], capture_output=True, text=True, check=False
    )
    if any(line.split("|")[0].strip() == db for line in listing.stdout.splitlines()):
        return
    print(f"creating database {db} with peppol_connector (no demo data)...", flush=True)
    subprocess.run(
        [sys.executable, odoo_bin, "-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db]
        + ["-i", "peppol_connector", "--without-demo=all", "--stop-after-init", "--log-level=warn"],
        check=True,
    )


@contextlib.contextmanager
def registry_env(db):
    """A superuser environment on ``db`` in this process, committed on success."""
    import odoo
    from odoo.modules.registry import Registry

    with Registry(db).cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def setup_company(env, pki):
    """The receiving company, its supplier and its access point holding ``pki.theirs``."""
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from einvoice.testing import cases
    from einvoice.testing.smp import pem

    company = env["res.company"].search([("siret", "=", cases.BUYER_SIRET)], limit=1)
    if not company:
        company = env["res.company"].create(
            {
                "name": COMPANY,
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
        # The supplier is known, as after its first bill: each import matches it, none creates it.
        env["res.partner"].create(
            {
                "name": SUPPLIER,
                "is_company": True,
                "company_id": company.id,
                "siret": cases.SELLER_SIRET,
                "vat": cases.SELLER_VAT,
                "country_id": env.ref("base.fr").id,
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
            }
        )
        env.cr.commit()
    supplier = env["res.partner"].search([("siret", "=", cases.SELLER_SIRET), ("company_id", "=", company.id)], limit=1)
    if not env["res.partner.bank"].search([("partner_id", "=", supplier.id)], limit=1):
        # Its bank account too: made by a first bill otherwise, and then raced for by concurrent ones.
        env["res.partner.bank"].create({"acc_number": cases.SELLER_IBAN, "partner_id": supplier.id})
        env.cr.commit()
    receiver = pki.theirs
    p12 = pkcs12.serialize_key_and_certificates(
        b"ap", receiver.key, receiver.certificate, None, BestAvailableEncryption(PASSWORD.encode())
    )
    values = {
        "certificate_file": base64.b64encode(p12),
        "certificate_password": PASSWORD,
        "ca_certificates": pem(pki.ca).decode(),
        "participant_ids": f"0009:{cases.BUYER_SIRET}",
    }
    AccessPoint = env["einvoice.peppol.access.point"].with_context(active_test=False)
    access_point = AccessPoint.search([("company_id", "=", company.id)], limit=1)
    if access_point:
        access_point.write({**values, "active": True})
    else:
        AccessPoint.create({"name": "Bench access point", "company_id": company.id, **values})
    env.cr.commit()
    return company.id


# --- the messages ------------------------------------------------------------------------------


def documents(prefix, count):
    """``count`` BIS 3 invoices (UBL bytes) numbered ``<prefix>-00001``..., and their total due."""
    from einvoice.profiles import Profile
    from einvoice.testing.cases import CASES
    from einvoice.ubl import build_ubl

    result = []
    for n in range(count):
        invoice = CASES["b2b_goods_standard"]()
        invoice.number = f"{prefix}-{n + 1:05d}"
        result.append((invoice.number, build_ubl(invoice, Profile.PEPPOL)))
    return result, CASES["b2b_goods_standard"]().totals


def messages(pki, docs):
    from einvoice.peppol import as4
    from einvoice.peppol.smp import BIS3_INVOICE
    from einvoice.testing import cases

    sender, receiver = f"0009:{cases.SELLER_SIRET}", f"0009:{cases.BUYER_SIRET}"
    return [
        as4.build_message(xml, pki.ours, pki.theirs.certificate, sender, receiver, BIS3_INVOICE, country="FR")
        for _number, xml in docs
    ]


def post_all(endpoint, outgoing, clients, anchors):
    """``(messages per second, median latency in s, [errors])`` of ``outgoing`` POSTed by
    ``clients`` threads; each answer must be the receipt of its message, verified."""
    from einvoice.peppol import as4

    latencies, errors = [], []
    chunks = [outgoing[i::clients] for i in range(clients)]

    def client(chunk):
        for message in chunk:
            started = time.perf_counter()
            try:
                receipt = as4.send(message, endpoint, trust_anchors=anchors)
                if receipt.ref_to_message_id != message.message_id:
                    errors.append(f"{message.message_id}: receipt of {receipt.ref_to_message_id}")
            except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
                errors.append(f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(outgoing) / elapsed, statistics.median(latencies), errors


# --- the servers -------------------------------------------------------------------------------


def wait_for(url, process, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def odoo_server(odoo_bin, db, addons_path, port, gevent_port, workers, log):
    """A real Odoo HTTP server on 127.0.0.1:``port`` serving ``db`` only; crons off (not measured)."""
    command = [sys.executable, odoo_bin, "-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db]
    command += [f"--db-filter=^{db}$", "--http-interface=127.0.0.1", f"--http-port={port}"]
    command += [f"--gevent-port={gevent_port}", f"--workers={workers}", "--max-cron-threads=0", "--log-level=warn"]
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen(command, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/web/health", process)
        yield f"http://127.0.0.1:{port}/peppol/as4", process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the master and its workers
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def serve_simulator(folder):
    """The child process: the engine's receiving access point on a free port until stdin closes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from einvoice.peppol import as4
    from einvoice.testing.as4 import AccessPointSimulator

    folder = Path(folder)
    certificate = x509.load_pem_x509_certificate((folder / "ap.pem").read_bytes())
    key = serialization.load_pem_private_key((folder / "key.pem").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    with AccessPointSimulator(as4.AccessPoint(certificate, key), [ca]) as simulator:
        print(simulator.endpoint, flush=True)
        sys.stdin.read()
        print(len({item["message_id"] for item in simulator.received}), flush=True)


@contextlib.contextmanager
def simulator_process(pki):
    """The simulator in a process of its own (as Odoo is): ``(endpoint, received count holder)``."""
    from cryptography.hazmat.primitives import serialization

    from einvoice.testing.smp import pem

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "ap.pem").write_bytes(pem(pki.theirs.certificate))
        (Path(folder) / "ca.pem").write_bytes(pem(pki.ca))
        (Path(folder) / "key.pem").write_bytes(
            pki.theirs.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        command = [sys.executable, __file__, "--serve-simulator", folder]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        received = []
        try:
            yield process.stdout.readline().strip(), received
        finally:
            out, _err = process.communicate(timeout=60)
            received.append(int(out.strip() or 0))


# --- the measures ------------------------------------------------------------------------------


def run_phases(endpoint, sets, clients, anchors, label, around_single=contextlib.nullcontext):
    """Warm-up, then one client (inside ``around_single()``), then ``clients`` clients; prints
    and returns the rates."""
    warmup, single, parallel = sets
    _rate, _latency, errors = post_all(endpoint, warmup, min(clients, len(warmup)), anchors)
    results = {"errors": errors}
    for count, batch in ((1, single), (clients, parallel)):
        with around_single() if count == 1 else contextlib.nullcontext():
            rate, latency, errors = post_all(endpoint, batch, count, anchors)
        results[count] = rate
        results["errors"] += errors
        print(
            f"  {label}, {count} client{'s' if count > 1 else ''}: {rate:7.1f} messages/s, "
            f"median latency {latency * 1000:6.1f} ms, errors {len(errors)} {errors[:3] or ''}",
            flush=True,
        )
    return results


def check_bills(db, company_id, numbers, message_ids, totals):
    """One draft vendor bill per message, none twice, each owing the invoice's total (SQL)."""
    with registry_env(db) as env:
        cr = env.cr
        cr.execute(
            """SELECT ref, count(*), min(amount_total), max(amount_total), min(amount_untaxed), max(amount_untaxed)
                 FROM account_move
                WHERE company_id = %s AND move_type = 'in_invoice' AND ref = ANY(%s)
             GROUP BY ref""",
            [company_id, list(numbers)],
        )
        rows = cr.fetchall()
        cr.execute(
            """SELECT count(*), count(DISTINCT t.message_id), count(DISTINCT t.move_id)
                 FROM einvoice_peppol_transmission t
                WHERE t.direction = 'in' AND t.message_id = ANY(%s)""",
            [list(message_ids)],
        )
        transmissions = cr.fetchone()
    total, untaxed = Decimal(totals.tax_inclusive), Decimal(totals.tax_exclusive)
    twice = [row[0] for row in rows if row[1] > 1]
    wrong = [
        row[0]
        for row in rows
        if {Decimal(str(row[2])), Decimal(str(row[3]))} != {total}
        or {Decimal(str(row[4])), Decimal(str(row[5]))} != {untaxed}
    ]
    print(
        f"\nSQL check: {len(numbers)} messages accepted -> {len(rows)} bills, {len(twice)} numbers with more than "
        f"one bill, {len(wrong)} not owing {total} ({untaxed} untaxed); transmissions {transmissions[0]} for "
        f"{transmissions[1]} message ids and {transmissions[2]} bills"
    )
    return len(rows) == len(numbers) and not twice and not wrong and transmissions == (len(numbers),) * 3


def import_peers(db, company_id, docs, totals):
    """Median seconds per file of core's decoder and ours on the same UBL files (each rolled back)."""
    with registry_env(db) as env:
        benv = env(context=dict(env.context, allowed_company_ids=[company_id], default_move_type="in_invoice"))
        journal = benv["account.journal"].search([("company_id", "=", company_id), ("type", "=", "purchase")], limit=1)
        samples = {"core": [], "ours": []}
        right = {"core": 0, "ours": 0}
        for _warmup in range(2):
            for number, xml in docs[:3] if _warmup == 0 else docs:
                for label, context in (("core", {"l10n_fr_einvoice_core_decoder": True}), ("ours", {})):
                    env.cr.execute("SAVEPOINT bench_import")
                    attachment = benv["ir.attachment"].create(
                        {"name": f"{number}.xml", "raw": xml, "mimetype": "application/xml"}
                    )
                    started = time.perf_counter()
                    bill = journal.with_context(**context)._create_document_from_attachment(attachment.ids)
                    env.flush_all()  # what the request's commit would write is part of the import
                    elapsed = time.perf_counter() - started
                    if _warmup:
                        samples[label].append(elapsed)
                        right[label] += bool(
                            len(bill) == 1 and abs(bill.amount_total - float(totals.tax_inclusive)) < 0.005
                        )
                    env.cr.execute("ROLLBACK TO SAVEPOINT bench_import")
                    env.invalidate_all()
        env.cr.rollback()
    return {label: statistics.median(values) for label, values in samples.items()}, right


def profile(db, pki, docs, top=25):
    """The endpoint's two halves in this process under cProfile: protocol, then import."""
    from einvoice.peppol import as4

    outgoing = messages(pki, docs)
    with registry_env(db) as env:
        access_point = env["einvoice.peppol.access.point"].search([("party_id", "=", "POP000002")], limit=1)
        Transmission = env["einvoice.peppol.transmission"]
        profiler = cProfile.Profile()
        spent = {"access point (PKCS#12, CA)": 0.0, "as4.answer": 0.0, "_receive (import)": 0.0}
        for message in outgoing:
            env.cr.execute("SAVEPOINT bench_profile")
            profiler.enable()
            t0 = time.perf_counter()
            receiver, anchors = access_point._as4_access_point(), access_point._trust_anchors()
            t1 = time.perf_counter()
            _status, answer, incoming = as4.answer(message.body, message.content_type, receiver, anchors)
            t2 = time.perf_counter()
            Transmission._receive(access_point, incoming, answer)
            env.flush_all()
            t3 = time.perf_counter()
            profiler.disable()
            env.cr.execute("ROLLBACK TO SAVEPOINT bench_profile")
            env.invalidate_all()
            for key, value in zip(spent, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                spent[key] += value
        env.cr.rollback()
    print(f"\nProfile of the endpoint's work on {len(outgoing)} messages, in this process (mean per message):")
    for key, value in spent.items():
        print(f"  {key:<28}: {value / len(outgoing) * 1000:7.1f} ms")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


@contextlib.contextmanager
def py_spy(binary, pid, output):
    """py-spy sampling the server ``pid`` (and its children) while the block runs, then a summary."""
    command = [binary, "record", "--pid", str(pid), "--subprocesses", "--rate", "200", "--format", "raw"]
    process = subprocess.Popen([*command, "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2)  # attached before the first message
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=120)
    if not Path(output).exists():
        print(f"  py-spy wrote nothing: {err.decode(errors='replace')[-300:]}")
        return
    shares, handler = {}, 0
    for line in Path(output).read_text().splitlines():
        stack, _space, count = line.rpartition(" ")
        names = [frame.split(" (")[0] for frame in stack.split(";")]
        count = int(count)
        keys = []
        if "validate_here" in names and "PeppolAs4.receive" not in names:
            keys.append("validation, in the helper process (in parallel)")
        if "Application.__call__" in names and "PeppolAs4.receive" not in names:
            keys.append("request outside the controller (HTTP, transaction, commit)")
        if "PeppolAs4.receive" in names:
            handler += count
            below = names[names.index("PeppolAs4.receive") + 1 :]
            keys.append(f"controller > {below[0] if below else '(itself)'}")
            if "PeppolTransmission._receive" in below:
                after = below[below.index("PeppolTransmission._receive") + 1 :]
                keys.append(f"controller > _receive > {after[0] if after else '(itself)'}")
            keys += [
                f"  of which {name}"
                for name in ("AccountMove._l10n_fr_import_einvoice", "Cursor.execute")
                if name in below
            ]
        for key in keys:
            shares[key] = shares.get(key, 0) + count
    print(f"\n  py-spy on the --workers=0 server, one-client phase: {handler} samples in the controller (200/s);")
    print("  shares of the controller's samples:")
    for key, count in sorted(shares.items(), key=lambda item: -item[1])[:16]:
        print(f"    {count / max(handler, 1):6.1%}  {key.replace('AccountMove.', '')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", default="2,0", help="Odoo --workers values to run, comma separated")
    parser.add_argument("--port", type=int, default=18093)
    parser.add_argument("--gevent-port", type=int, default=18094)
    parser.add_argument("--imports", type=int, default=100, help="files imported one by one for the peers")
    parser.add_argument("--profile", type=int, default=0, help="messages profiled in-process (0: none)")
    parser.add_argument("--py-spy", help="py-spy binary: sample the --workers=0 server during its one-client phase")
    parser.add_argument("--db", default="benchas4_bench")
    parser.add_argument("--serve-simulator", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.serve_simulator:
        serve_simulator(args.serve_simulator)
        return
    odoo_bin = os.environ.get("ODOO_BIN") or shutil.which("odoo-bin")
    if not odoo_bin:
        parser.error("set ODOO_BIN to the odoo-bin of Odoo 18")
    addons_path = f"{Path(odoo_bin).resolve().parent / 'addons'},{ROOT / 'addons'}"
    sys.path.append(str(Path(odoo_bin).resolve().parent))  # a source install: odoo-bin beside the package
    ensure_database(odoo_bin, args.db, addons_path)

    import odoo
    from odoo.tools import config

    from einvoice.testing.as4 import As4Pki

    config.parse_config(["-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    odoo.service.server.load_server_wide_modules()
    print(f"load average at the start: {loadavg()} ({os.cpu_count()} cores)", flush=True)
    pki = As4Pki()
    with registry_env(args.db) as env:
        company_id = setup_company(env, pki)
    workers = [int(value) for value in args.workers.split(",") if value.strip()]
    tag = uuid.uuid4().hex[:6].upper()  # this run's invoice numbers: bills of earlier runs stay apart
    warmup = max(4, 2 * args.clients)
    sets, all_docs = {}, []
    for mode in workers:
        docs, totals = documents(f"AS4-{tag}-W{mode}", warmup + 2 * args.messages)
        all_docs += docs
        built = messages(pki, docs)
        sets[mode] = (built[:warmup], built[warmup : warmup + args.messages], built[warmup + args.messages :])
    print(f"{len(all_docs)} messages built (BIS 3 invoice of {len(all_docs[0][1])} bytes, RSA 2048); run {tag}")
    anchors = pki.trust_anchors

    print("\nReceiving over HTTP, signed receipt verified by the sender:", flush=True)
    simulator_rates = {}
    first = sets[workers[0]]
    for count, batch in ((1, first[1]), (args.clients, first[2])):
        with simulator_process(pki) as (endpoint, received):
            post_all(endpoint, first[0], min(count, len(first[0])), anchors)
            rate, latency, errors = post_all(endpoint, batch, count, anchors)
        simulator_rates[count] = rate
        print(
            f"  engine simulator (own process), {count} client{'s' if count > 1 else ''}: {rate:7.1f} messages/s, "
            f"median latency {latency * 1000:6.1f} ms, errors {len(errors)}, stored {received[0]}",
            flush=True,
        )

    endpoint_rates = {}
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    log_path = ROOT / "bench" / "out" / "bench_as4_odoo_server.log"
    with log_path.open("w+") as log:
        for mode in workers:
            server = odoo_server(odoo_bin, args.db, addons_path, args.port, args.gevent_port, mode, log)
            with server as (endpoint, pid):
                label = f"Odoo /peppol/as4, --workers={mode}"
                around = contextlib.nullcontext
                if args.py_spy and mode == 0:
                    output = ROOT / "bench" / "out" / "bench_as4_odoo_py_spy.txt"
                    around = functools.partial(py_spy, args.py_spy, pid, output)
                endpoint_rates[mode] = run_phases(endpoint, sets[mode], args.clients, anchors, label, around)
        log.seek(0)
        problems = [line.rstrip() for line in log if " WARNING " in line or " ERROR " in line or " CRITICAL " in line]
    print(
        f"  server log ({log_path}): {len(problems)} WARNING/ERROR lines",
        *[p[:300] for p in problems[:6]],
        sep="\n    ",
    )
    refused = sum(len(rates["errors"]) for rates in endpoint_rates.values())
    print(
        f"  messages refused by the endpoint (warm-up included): {refused}",
        *sorted({error[:200] for rates in endpoint_rates.values() for error in rates["errors"]})[:3],
        sep="\n    ",
    )

    numbers = [number for number, _xml in all_docs]
    message_ids = [message.message_id for mode in workers for part in sets[mode] for message in part]
    ok = check_bills(args.db, company_id, numbers, message_ids, totals)
    print("  all bills right" if ok else "  BILLS WRONG: see above")

    peers, right = import_peers(args.db, company_id, documents(f"AS4-{tag}-IMP", args.imports)[0], totals)
    print(f"\nSame UBL files imported as bills, no AS4, no HTTP ({args.imports} files, median, rolled back):")
    for label, seconds in peers.items():
        name = "Odoo core decoder" if label == "core" else "ours (the endpoint's import)"
        print(
            f"  {name:<30}: {seconds * 1000:7.2f} ms = {1 / seconds:6.1f} bills/s "
            f"({right[label]} of {args.imports} owing the total)"
        )
    print("\nRatios (messages/s of the endpoint over the peer's):")
    for mode in workers:
        for count in (1, args.clients):
            rate = endpoint_rates[mode][count]
            print(
                f"  --workers={mode}, {count} client(s): endpoint / simulator x{rate / simulator_rates[count]:.2f}, "
                f"endpoint / core import x{rate * peers['core']:.2f}, endpoint / our import x{rate * peers['ours']:.2f}"
            )
    if args.profile:
        profile(args.db, pki, documents(f"AS4-{tag}-PRF", args.profile)[0])
    print(f"\nload average at the end: {loadavg()}")


if __name__ == "__main__":
    main()
