"""Probative archive in Odoo: ``probative.archive.chain._verify`` over a chain of 1,000,000 records.

    ODOO_BIN=/path/to/odoo-bin python bench/bench_archive_odoo.py [--records 1000000] [--repeat 3] [--cold] [--db NAME]

Run it with the Python that runs Odoo 18 (its dependencies and this engine importable) and
``EINVOICE_ARTEFACTS_DIR`` set. It creates (once) a database with ``probative_archive`` (no demo
data) and companies with a self-signed RSA 2048 seal certificate (written through the ORM: the addon
archives the company's policy, record 1 of each chain, sealed and timestamped). Each chain is then
filled, once, up to its length: the records are computed by the engine (``einvoice.archive``) as
``_append`` and ``_seal`` make them, then inserted with PostgreSQL COPY into
``probative_archive_record`` and ``ir_attachment``, their files written into the filestore as
Odoo lays it out. Each file is a distinct invoice XML of about 1.3 KB; every ``--seal-every``
records the head is sealed (a seal record: CMS + CAdES-T signature, its own token); the records
between carry no proof of their own (``sealed``/``timestamped`` false in their metadata, as the
engine's bench), so the daily seals hold the signatures checked.

Before the big chains, a chain of ``--check`` records must verify, then a copy of it is tampered
with (a byte of one file, a field of one row) and must be reported broken at that record.

Each verification runs in a fresh process (its peak resident memory its own): the addon's
``_verify(restart=True)`` on chains of ``--records`` / 10 and ``--records`` records (batches of 500
read by keyset from SQL, each file read from its attachment and fingerprinted, links and hashes
recomputed, the daily seals' signatures and tokens checked, one commit per batch). ``--cold`` drops
the chain's files from the page cache before each run; ``--with-proofs`` verifies a shorter chain
whose every record is sealed and timestamped (a seal and a token checked per record).

The peer: Odoo core's inalterability check of journal entries (``res.company._check_hash_integrity``)
over ``--peer-moves`` entries posted in a journal with "hash on post".
"""

import argparse
import base64
import datetime
import hashlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-archive"
PREFIX = "Bench Archive "
PEER_COMPANY = "Bench Hash SAS"
#: Rows computed, then sent with COPY, at a time.
CHUNK = 20_000
FILLER = "".join(
    f"<Note>Ligne {n}: fourniture de materiel, livraison a Paris, paiement a 30 jours.</Note>" for n in range(12)
)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib():
    """Resident memory now."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def ensure_database(odoo_bin, db, addons_path):
    check = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-lqt"], capture_output=True, text=True, check=False
    )
    if any(line.split("|")[0].strip() == db for line in check.stdout.splitlines()):
        return
    print(f"creating database {db} with probative_archive (no demo data)...", flush=True)
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
            "probative_archive",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def open_registry(db, addons_path):
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", str(ROOT / "odoo.conf"), f"--addons-path={addons_path}", "-d", db, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    odoo.service.server.load_server_wide_modules()
    return Registry(db)


# --- the companies and their certificate -----------------------------------------------------


def seal_p12(owner):
    """A self-signed RSA 2048 seal certificate with its key, as PKCS#12."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, owner),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{owner} archive seal"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    usage = dict.fromkeys(
        ("key_encipherment", "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign"), False
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, encipher_only=False, decipher_only=False, **usage
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"seal", key, certificate, None, BestAvailableEncryption(PASSWORD.encode())
    )


def company_of(env, label):
    """The company of one chain; made with its certificate (which archives its policy, record 1)."""
    Company = env["res.company"]
    name = PREFIX + label
    company = Company.search([("name", "=", name)], limit=1)
    if company:
        return company
    company = Company.create({"name": name, "country_id": env.ref("base.fr").id, "currency_id": env.ref("base.EUR").id})
    company.write({"archive_certificate": base64.b64encode(seal_p12(name)), "archive_certificate_password": PASSWORD})
    env.cr.commit()
    return company


# --- filling a chain -------------------------------------------------------------------------


def invoice_xml(identifier, sequence):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice><ID>BENCH-{sequence:07d}</ID>'
        f"<Seller>{identifier}</Seller><IssueDate>2026-12-02</IssueDate>{FILLER}"
        f"<Total>{sequence % 9973}.{sequence % 100:02d}</Total></Invoice>\n"
    ).encode()


def copy_rows(cr, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cr._obj.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def reserve_ids(cr, sequence_name, count):
    """``count`` consecutive ids from a table's sequence (no other writer meanwhile)."""
    cr.execute("SELECT nextval(%s)", (sequence_name,))
    first = cr.fetchone()[0]
    cr.execute("SELECT setval(%s, %s)", (sequence_name, first + count - 1))
    return first


RECORD_COPY = [
    "id",
    "company_id",
    "sequence",
    "kind",
    "origin_ref",
    "file_name",
    "mimetype",
    "file_size",
    "fingerprint",
    "archived_at",
    "archived_at_text",
    "metadata",
    "chain_identifier",
    "previous_hash",
    "chain_hash",
    "seal",
    "token",
    "internal_timestamp",
    "timestamp_authority",
    "retention_end",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
]
ATTACHMENT_COPY = [
    "name",
    "res_model",
    "res_field",
    "res_id",
    "company_id",
    "type",
    "store_fname",
    "file_size",
    "checksum",
    "mimetype",
    "index_content",
    "public",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
]


def bytea(value):
    # Binary fields without attachment hold the base64 text; COPY text format wants \\x + hex.
    return "\\\\x" + base64.b64encode(value).hex() if value else None


def fill_chain(env, company, length, seal_every, proofs=False):
    """Append records to the company's chain, computed by the engine, up to ``length``; with
    ``proofs``, each record sealed and timestamped as ``_append`` makes them with a certificate."""
    from odoo.tools import config

    from odoo.addons.probative_archive.models.archive_record import retention_end

    from einvoice.archive import ArchiveChain, ArchiveKind
    from einvoice.archive.cms import utcnow

    cr = env.cr
    Chain = env["probative.archive.chain"]
    chain = Chain._chain_of(company)
    head = chain._lock()[0]
    if head >= length:
        cr.commit()  # the head row unlocked: the verifying processes write on it
        return 0, 0.0
    started = time.perf_counter()
    sealer = company.sudo()._archive_identity()
    stamper = company.sudo()._archive_timestamper(sealer)  # the internal time source: no TSA URL
    engine = ArchiveChain(
        chain.identifier,
        head=chain._head_record(head),
        sealer=sealer,
        seal_records=proofs,
        timestamper=stamper if proofs else None,
    )
    Attachment = env["ir.attachment"]
    sample = invoice_xml(chain.identifier, 1)
    mimetype = Attachment._compute_mimetype({"raw": sample, "name": "invoice.xml"})
    index_content = Attachment._index(sample, mimetype)
    filestore = Path(config.filestore(cr.dbname))
    uid = env.uid
    last_seal = None
    while engine.head.sequence < length:
        count = min(CHUNK, length - engine.head.sequence)
        first_id = reserve_ids(cr, "probative_archive_record_id_seq", count)
        now_sql = utcnow().replace(tzinfo=None).isoformat(sep=" ")
        records, attachments = [], []
        for offset in range(count):
            sequence = engine.head.sequence + 1
            record_id = first_id + offset
            if sequence % seal_every == 0:
                engine.timestamper = stamper
                record = engine.seal_head(
                    (datetime.date(2026, 1, 1) + datetime.timedelta(sequence // seal_every)).isoformat()
                )
                engine.timestamper = stamper if proofs else None
                data = name = file_size = None
                authority, internal = stamper.name, True
                last_seal = now_sql
            else:
                data = invoice_xml(chain.identifier, sequence)
                name = f"invoice-{sequence:07d}.xml"
                meta = {"sealed": proofs, "timestamped": proofs, "file_name": name}
                record = engine.append(data, ArchiveKind.INVOICE_SENT.value, f"account.move,{sequence}", meta)
                file_size = len(data)
                authority, internal = (stamper.name, True) if proofs else (None, False)
            archived = record.archived_at
            records.append(
                (
                    record_id,
                    company.id,
                    record.sequence,
                    record.kind,
                    record.origin,
                    name,
                    mimetype if data is not None else None,
                    file_size,
                    record.fingerprint,
                    archived.replace(tzinfo=None).isoformat(sep=" "),
                    record.timestamp,
                    record.metadata,
                    record.company,
                    record.previous,
                    record.chain_hash,
                    bytea(record.seal),
                    bytea(record.token),
                    "t" if internal else "f",
                    authority,
                    retention_end(record.kind, archived).isoformat(),
                    uid,
                    now_sql,
                    uid,
                    now_sql,
                )
            )
            if data is not None:
                checksum = hashlib.sha1(data).hexdigest()
                folder = filestore / checksum[:2]
                path = folder / checksum
                try:
                    path.write_bytes(data)
                except FileNotFoundError:
                    folder.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                attachments.append(
                    (
                        "file",
                        "probative.archive.record",
                        "file",
                        record_id,
                        company.id,
                        "binary",
                        f"{checksum[:2]}/{checksum}",
                        len(data),
                        checksum,
                        mimetype,
                        index_content,
                        None,  # public: unset, as the ORM leaves it
                        uid,
                        now_sql,
                        uid,
                        now_sql,
                    )
                )
        copy_rows(cr, "probative_archive_record", RECORD_COPY, records)
        copy_rows(cr, "ir_attachment", ATTACHMENT_COPY, attachments)
    values = {"sequence": engine.head.sequence, "chain_hash": engine.head.chain_hash}
    cr.execute(
        "UPDATE probative_archive_chain SET sequence = %s, chain_hash = %s, last_seal_at = COALESCE(%s, last_seal_at), "
        "verification_state = 'never', verified_sequence = 0, verified_hash = NULL WHERE id = %s",
        (values["sequence"], values["chain_hash"], last_seal, chain.id),
    )
    # What autovacuum would do after so many rows: without statistics the planner scans the rest
    # of the chain for each batch of the verification.
    cr.execute("ANALYZE probative_archive_record")
    cr.execute("ANALYZE ir_attachment")
    cr.commit()
    env.invalidate_all()
    return engine.head.sequence - head, time.perf_counter() - started


def check_rows_like_orm(env, company):
    """The columns our COPY writes against those of the record the ORM archived (record 2)."""
    cr = env.cr
    cr.execute(
        "SELECT r.sequence, r.mimetype, r.file_name IS NOT NULL, r.internal_timestamp, r.timestamp_authority, "
        "a.name, a.type, a.mimetype, a.public, a.company_id, a.index_content IS NOT NULL, "
        "a.store_fname = substr(a.checksum, 1, 2) || '/' || a.checksum "
        "FROM probative_archive_record r JOIN ir_attachment a ON a.res_model = 'probative.archive.record' "
        "AND a.res_field = 'file' AND a.res_id = r.id WHERE r.company_id = %s AND r.sequence IN (2, 3) ORDER BY 1",
        (company.id,),
    )
    return cr.fetchall()


# --- measures in a fresh process ------------------------------------------------------------


def child_verify(args, addons_path):
    import odoo

    registry = open_registry(args.db, addons_path)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env["res.company"].search([("name", "=", PREFIX + args.child_chain)], limit=1)
        chain = env["probative.archive.chain"]._chain_of(company)
        before, loaded = peak_rss_mib(), rss_mib()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        ok = chain._verify(restart=True)
        elapsed = time.perf_counter() - started
        used = resource.getrusage(resource.RUSAGE_SELF)
        cr.commit()
        result = {
            "ok": ok,
            "seconds": elapsed,
            "records": chain.sequence,
            "state": chain.verification_state,
            "summary": chain.verification_summary,
            "broken_sequence": chain.broken_record_id.sequence,
            "rss_before": before,
            "rss_loaded": loaded,
            "rss_peak": peak_rss_mib(),
            "rss_after": rss_mib(),
            "cpu": used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime,
        }
    print("RESULT " + json.dumps(result, default=str), flush=True)


def child_peer(args, addons_path):
    import odoo

    registry = open_registry(args.db, addons_path)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env["res.company"].search([("name", "=", PEER_COMPANY)], limit=1)
        env = env(user=env.ref("base.user_admin").id, context={"allowed_company_ids": company.ids})
        cr.execute(
            "SELECT count(*) FROM account_move WHERE company_id = %s AND inalterable_hash IS NOT NULL", company.ids
        )
        hashed = cr.fetchone()[0]
        before, loaded = peak_rss_mib(), rss_mib()
        started = time.perf_counter()
        report = company.with_env(env)._check_hash_integrity()
        elapsed = time.perf_counter() - started
        statuses = [(r["journal_name"], r["status"]) for r in report["results"] if r["status"] != "no_data"]
        result = {
            "seconds": elapsed,
            "moves": hashed,
            "statuses": statuses,
            "rss_before": before,
            "rss_loaded": loaded,
            "rss_peak": peak_rss_mib(),
        }
        cr.rollback()
    print("RESULT " + json.dumps(result, default=str), flush=True)


def run_child(args, *extra):
    command = [sys.executable, __file__, "--db", args.db, *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"{extra} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def verify(args, label):
    return run_child(args, "--child-chain", label)


def evict_files(env, label):
    """Drop the chain's files from the page cache: the verification reads them from the disk, as a
    nightly one does on a server whose cache holds other things."""
    from odoo.tools import config

    company = env["res.company"].search([("name", "=", PREFIX + label)], limit=1)
    env.cr.execute(
        "SELECT a.store_fname FROM probative_archive_record r JOIN ir_attachment a ON a.res_model = "
        "'probative.archive.record' AND a.res_field = 'file' AND a.res_id = r.id WHERE r.company_id = %s",
        (company.id,),
    )
    filestore = Path(config.filestore(env.cr.dbname))
    for (name,) in env.cr.fetchall():
        descriptor = os.open(filestore / name, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)
    env.cr.rollback()


# --- correctness at small length -------------------------------------------------------------


def tamper_checks(env, args, label):
    """On a copy of the check chain: a flipped byte of a file, then an altered row, each reported
    at its record; both undone, the chain verifies again."""
    from odoo.tools import config

    cr = env.cr
    company = env["res.company"].search([("name", "=", PREFIX + label)], limit=1)
    file_at, row_at = args.check // 2 + 1, args.check // 3 + 1
    for at in (file_at, row_at):
        if at % args.check_seal_every == 0:
            raise SystemExit(f"pick --check so that record {at} is not a seal")
    cr.execute(
        "SELECT a.store_fname FROM probative_archive_record r JOIN ir_attachment a ON a.res_model = "
        "'probative.archive.record' AND a.res_field = 'file' AND a.res_id = r.id "
        "WHERE r.company_id = %s AND r.sequence = %s",
        (company.id, file_at),
    )
    path = Path(config.filestore(cr.dbname)) / cr.fetchone()[0]
    original = path.read_bytes()
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0x01
    path.write_bytes(bytes(tampered))
    try:
        flipped = verify(args, label)
    finally:
        path.write_bytes(original)
    cr.execute(
        "SELECT origin_ref FROM probative_archive_record WHERE company_id = %s AND sequence = %s", (company.id, row_at)
    )
    origin = cr.fetchone()[0]

    def set_origin(value):
        cr.execute("ALTER TABLE probative_archive_record DISABLE TRIGGER probative_archive_record_immutable")
        cr.execute(
            "UPDATE probative_archive_record SET origin_ref = %s WHERE company_id = %s AND sequence = %s",
            (value, company.id, row_at),
        )
        cr.execute("ALTER TABLE probative_archive_record ENABLE TRIGGER probative_archive_record_immutable")
        cr.commit()

    set_origin(origin + "0")
    try:
        altered = verify(args, label)
    finally:
        set_origin(origin)
    again = verify(args, label)
    checks = [
        (f"byte flipped in the file of record {file_at}", flipped, file_at, "[fingerprint]"),
        (f"origin of record {row_at} altered in SQL", altered, row_at, "[chain_hash]"),
    ]
    for what, result, at, code in checks:
        good = not result["ok"] and result["broken_sequence"] == at and code in (result["summary"] or "")
        print(f"  {what}: {'reported at that record' if good else 'NOT REPORTED RIGHT'}: {result['summary']}")
        if not good:
            raise SystemExit("the verification did not find the tampering")
    if not again["ok"]:
        raise SystemExit(f"the restored copy does not verify: {again['summary']}")
    print(f"  both undone: the copy verifies again ({again['summary']})")


# --- the peer: core's hash of journal entries ------------------------------------------------


def setup_peer(env, count):
    """A company with the French chart and ``count`` entries posted in a journal hashed on post."""
    from odoo import Command

    Company = env["res.company"]
    company = Company.search([("name", "=", PEER_COMPANY)], limit=1)
    if not company:
        company = Company.create(
            {"name": PEER_COMPANY, "country_id": env.ref("base.fr").id, "currency_id": env.ref("base.EUR").id}
        )
        env.cr.commit()
        env["account.chart.template"].try_loading("fr", company=company, install_demo=False)
        env.cr.commit()
    admin = env.ref("base.user_admin")
    # The check is an accountant's report: the admin, in the company, with full accounting rights.
    admin.write(
        {
            "company_ids": [Command.link(company.id)],
            "groups_id": [Command.link(env.ref("account.group_account_user").id)],
        }
    )
    senv = env(context=dict(env.context, allowed_company_ids=company.ids))
    journal = senv["account.journal"].search([("company_id", "=", company.id), ("type", "=", "general")], limit=1)
    if not journal.restrict_mode_hash_table:
        journal.restrict_mode_hash_table = True
    Move = senv["account.move"]
    done = Move.search_count([("journal_id", "=", journal.id), ("inalterable_hash", "!=", False)])
    Account = senv["account.account"]
    domain = [("company_ids", "in", company.ids)]
    accounts = Account.search([*domain, ("account_type", "=", "expense")], limit=1)
    accounts |= Account.search([*domain, ("account_type", "=", "income")], limit=1)
    started = time.perf_counter()
    made = 0
    while done + made < count:
        size = min(500, count - done - made)
        moves = Move.create(
            [
                {
                    "journal_id": journal.id,
                    "date": datetime.date(2026, 11, 16),  # one month: one sequence, one hash chain
                    "ref": f"BENCH-{done + made + n}",
                    "line_ids": [
                        Command.create({"account_id": accounts[0].id, "debit": 100 + n % 97, "name": "bench"}),
                        Command.create({"account_id": accounts[1].id, "credit": 100 + n % 97, "name": "bench"}),
                    ],
                }
                for n in range(size)
            ]
        )
        moves.action_post()
        env.cr.commit()
        made += size
    return made, time.perf_counter() - started


# --- main --------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="length of the long chain")
    parser.add_argument("--check", type=int, default=2_000, help="length of the chain checked and tampered with")
    parser.add_argument("--seal-every", type=int, default=10_000)
    parser.add_argument("--check-seal-every", type=int, default=500, help="daily seals of the checked chain")
    parser.add_argument(
        "--with-proofs", type=int, default=2_000, help="length of a chain whose every record is sealed and timestamped"
    )
    parser.add_argument("--repeat", type=int, default=3, help="verifications of each chain")
    parser.add_argument("--peer-moves", type=int, default=10_000)
    parser.add_argument("--cold", action="store_true", help="the chain's files out of the page cache before each run")
    parser.add_argument("--db", default="einvoice_bench_archive")
    parser.add_argument("--child-chain", help=argparse.SUPPRESS)
    parser.add_argument("--child-peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    odoo_bin = os.environ.get("ODOO_BIN")
    if not odoo_bin:
        parser.error("set ODOO_BIN to the odoo-bin of an Odoo 18 install")
    odoo_root = Path(odoo_bin).resolve().parent
    addons_path = f"{odoo_root / 'addons'},{odoo_root / 'odoo' / 'addons'},{ROOT / 'addons'}"
    sys.path.insert(0, str(ROOT))
    sys.path.append(str(odoo_root))  # a source install: odoo-bin beside the package
    if args.child_chain:
        child_verify(args, addons_path)
        return
    if args.child_peer:
        child_peer(args, addons_path)
        return
    ensure_database(odoo_bin, args.db, addons_path)
    import odoo

    small = args.records // 10
    chains = [
        ("check", args.check, args.check_seal_every),
        ("check copy", args.check, args.check_seal_every),
        (f"{small:,}", small, args.seal_every),
        (f"{args.records:,}", args.records, args.seal_every),
    ]
    proved = (f"{args.with_proofs:,} with proofs", args.with_proofs, args.check_seal_every)
    registry = open_registry(args.db, addons_path)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for label, length, seal_every in [*chains, proved] if args.with_proofs else chains:
            company = company_of(env, label)
            if env["probative.archive.chain"]._chain_of(company).sequence < 2:
                # Record 2 through the ORM, sealed and timestamped: the rows we copy are compared with it.
                env["probative.archive.record"]._archive(
                    company, invoice_xml(label, 0), "invoice_sent", company, name="invoice-orm.xml"
                )
                cr.commit()
            made, seconds = fill_chain(env, company, length, seal_every, proofs=(label == proved[0]))
            if made:
                print(f"chain {label}: {made:,} records computed and copied in {seconds:.0f} s", flush=True)
        print("rows copied against the record archived by the ORM (record 2, then 3):")
        for row in check_rows_like_orm(env, company_of(env, chains[0][0])):
            print(f"  {row}")
        print(f"\nCorrectness on {args.check:,} records:")
        first = verify(args, "check")
        if not first["ok"]:
            raise SystemExit(f"the chain copied does not verify: {first['summary']}")
        print(f"  the addon's _verify(restart=True): {first['state']} ({first['summary']})")
        tamper_checks(env, args, "check copy")
    print(f"\nload average before the measures: {Path('/proc/loadavg').read_text().strip()}")
    results = {}
    for label, length, seal_every in chains[2:]:
        runs = []
        for _run in range(args.repeat):
            if args.cold:
                with registry.cursor() as cr:
                    evict_files(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), label)
            runs.append(verify(args, label))
        for run in runs:
            if not run["ok"]:
                raise SystemExit(f"chain {label}: {run['summary']}")
        results[label] = runs
        seconds = [run["seconds"] for run in runs]
        med = statistics.median(seconds)
        cold = ", files cold" if args.cold else ""
        print(
            f"chain of {length:,} records ({length // seal_every} daily seals{cold}): _verify {med:.1f} s median "
            f"(runs {', '.join(f'{s:.1f}' for s in seconds)}), {length / med:,.0f} records/s; peak RSS "
            f"{', '.join(format(run['rss_peak'], '.0f') for run in runs)} MiB (before the verification: "
            f"{runs[0]['rss_before']:.0f}); resident {runs[0]['rss_loaded']:.0f} MiB before, "
            f"{', '.join(format(run['rss_after'], '.0f') for run in runs)} after; CPU of the Odoo process "
            f"{', '.join(format(run['cpu'], '.1f') for run in runs)} s",
            flush=True,
        )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    if args.with_proofs:
        runs = [verify(args, proved[0]) for _run in range(args.repeat)]
        seconds = statistics.median(run["seconds"] for run in runs)
        print(
            f"chain of {args.with_proofs:,} records each sealed and timestamped (CMS seal + token checked on each): "
            f"_verify {seconds:.1f} s median, {args.with_proofs / seconds:,.0f} records/s, {runs[0]['summary']}"
        )
    if args.peer_moves:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            made, seconds = setup_peer(env, args.peer_moves)
            if made:
                print(f"peer: {made:,} journal entries created and posted (hashed) in {seconds:.0f} s")
        runs = [run_child(args, "--child-peer") for _run in range(args.repeat)]
        seconds = [run["seconds"] for run in runs]
        med = statistics.median(seconds)
        peer_rate = runs[0]["moves"] / med
        label, length, _seal_every = chains[3]
        ours = length / statistics.median(run["seconds"] for run in results[label])
        print(
            f"Odoo core _check_hash_integrity over {runs[0]['moves']:,} hashed entries {runs[0]['statuses']}: "
            f"{med:.1f} s median (runs {', '.join(f'{s:.1f}' for s in seconds)}), {peer_rate:,.0f} entries/s, "
            f"peak RSS {max(run['rss_peak'] for run in runs):.0f} MiB"
        )
        print(f"archive _verify / core hash check, records per second: x{ours / peer_rate:.1f}")


if __name__ == "__main__":
    main()
