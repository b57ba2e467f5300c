"""The probative archive engine: sealing and timestamping throughput, proof checking, and the
verification of a long chain in constant memory.

    python bench/bench_archive.py [--records 2000] [--chain 1000000] [--seal-every 10000]

- records sealed + timestamped per second with the internal authority: each record is a
  fingerprint of a 30 KB file, a CMS/CAdES seal of its bytes and an RFC 3161 token over its
  chain hash (RSA 2048, then P-256), one process;
- the check of those proofs (seal and token of each record, certificate paths) per second;
- a chain of ``--chain`` records written as JSON lines (one daily seal every
  ``--seal-every`` records, real CMS + token), then verified by a fresh process that streams
  the file (hashes, links, sequence of every record; every daily seal's signature and
  tokens): its time and its peak resident memory, against the same verification of a chain
  ten times shorter (memory flat: both peaks close).
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from einvoice.archive import ArchiveChain, ArchiveRecord, InternalTimeStampAuthority, verify_chain  # noqa: E402
from einvoice.testing.tsa import TestPki  # noqa: E402


def sealing(count, key_kind):
    pki = TestPki(key_kind=key_kind)
    chain = ArchiveChain("FR-1", sealer=pki.company, timestamper=InternalTimeStampAuthority(pki.company))
    files = [os.urandom(30_000) for _ in range(16)]
    records = []
    started = time.perf_counter()
    for index in range(count):
        records.append((chain.append(files[index % 16], "invoice_sent", f"account.move,{index}"), None))
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    report = verify_chain(records, trust=pki.trust())
    checked = time.perf_counter() - started
    assert report.ok, report.summary()
    return count / elapsed, count / checked


def write_chain(path, count, seal_every):
    pki = TestPki()
    authority = InternalTimeStampAuthority(pki.company)
    chain = ArchiveChain("FR-1", sealer=pki.company, seal_records=False)
    day = datetime.date(2026, 1, 1)
    with open(path, "w", encoding="ascii") as out:
        written = 0
        while written < count:
            if written and written % seal_every == seal_every - 1:
                chain.timestamper = authority
                record = chain.seal_head(day.isoformat())
                chain.timestamper = None
                day += datetime.timedelta(days=1)
            else:
                record = chain.append(b"%d" % written, "invoice_received", f"flow-{written}", {"n": written})
            out.write(record.to_json())
            out.write("\n")
            written += 1
    (Path(path).with_suffix(".pem")).write_bytes(
        b"".join(
            cert.public_bytes(serialization.Encoding.PEM) for cert in (pki.ca_certificate, pki.company.certificate)
        )
    )


def verify_file(path):
    """Run in a fresh process: verify the chain streamed from ``path``; print JSON figures."""
    from cryptography import x509

    from einvoice.archive import TrustStore

    ca, company = x509.load_pem_x509_certificates(Path(path).with_suffix(".pem").read_bytes())
    trust = TrustStore([ca], [], [company])
    started = time.perf_counter()
    with open(path, encoding="ascii") as lines:
        report = verify_chain((ArchiveRecord.from_json(line) for line in lines), trust=trust, signatures="daily")
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "ok": report.ok,
                "records": report.records,
                "seals": report.seals_checked,
                "seconds": elapsed,
                "peak_rss_mib": peak_kib / 1024,
                "summary": report.summary(),
            }
        )
    )


def verify_in_child(path):
    output = subprocess.run(
        [sys.executable, __file__, "--verify-file", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--chain", type=int, default=1_000_000)
    parser.add_argument("--seal-every", type=int, default=10_000)
    parser.add_argument("--verify-file")
    args = parser.parse_args()
    if args.verify_file:
        verify_file(args.verify_file)
        return
    for key_kind in ("rsa", "ec"):
        made, checked = sealing(args.records, key_kind)
        print(f"{key_kind}: {made:,.0f} records sealed + timestamped per second; proofs checked: {checked:,.0f}/s")
    with tempfile.TemporaryDirectory() as folder:
        for count in (args.chain // 10, args.chain):
            path = Path(folder) / f"chain-{count}.jsonl"
            started = time.perf_counter()
            write_chain(path, count, args.seal_every)
            made = time.perf_counter() - started
            figures = verify_in_child(path)
            assert figures["ok"], figures["summary"]
            print(
                f"chain of {figures['records']:,} records ({figures['seals']} daily seals checked): written in "
                f"{made:.1f} s, verified in {figures['seconds']:.1f} s "
                f"({figures['records'] / figures['seconds']:,.0f}/s), peak RSS {figures['peak_rss_mib']:.1f} MiB, "
                f"file {path.stat().st_size / 2**20:,.0f} MiB"
            )


if __name__ == "__main__":
    main()
