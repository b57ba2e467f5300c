"""Engine benchmark: build, parse and validate a 20-line invoice, against peers in the same run.

    python bench/bench_engine.py [--repeat 200] [--batch 1000]

Prints medians (these machines are noisy) and ratios:
- build CII / UBL and parse, against the factur-x package's own XML generation
  and parsing of the same invoice;
- full validation (XSD + every schematron) against the floor: the sum of the
  bare compiled-stylesheet runs on the same document, in the same process;
- batch validation of N files through the command line's runner, one process
  versus every core.
"""

import argparse
import datetime
import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from einvoice import calc
from einvoice.cii import build_cii, parse_cii
from einvoice.codes import NoteSubject, Scheme
from einvoice.model import (
    Address,
    CreditTransfer,
    Identifier,
    Invoice,
    Item,
    Line,
    Note,
    Party,
    PaymentInstructions,
    Price,
    french_electronic_address,
)
from einvoice.profiles import Profile
from einvoice.ubl import build_ubl, parse_ubl


def twenty_line_invoice():
    seller = Party(
        name="Atelier Dupont SARL",
        identifiers=[Identifier("73282932000074", Scheme.SIRET)],
        legal_id=Identifier("732829320", Scheme.SIREN),
        vat_id="FR44732829320",
        electronic_address=french_electronic_address("732829320"),
        address=Address(line1="12 rue de la Paix", city="Paris", post_code="75002", country_code="FR"),
    )
    buyer = Party(
        name="Client Industriel SA",
        legal_id=Identifier("552081317", Scheme.SIREN),
        vat_id="FR03552081317",
        electronic_address=french_electronic_address("552081317"),
        address=Address(line1="1 avenue de Lyon", city="Lyon", post_code="69001", country_code="FR"),
    )
    invoice = Invoice(
        number="F2026-00042",
        issue_date=datetime.date(2026, 9, 15),
        due_date=datetime.date(2026, 10, 15),
        business_process="B1",
        buyer_reference="ACHATS-42",
        seller=seller,
        buyer=buyer,
        notes=[
            Note("B2B", NoteSubject.PROCESSING),
            Note("Indemnité forfaitaire pour frais de recouvrement : 40 EUR", NoteSubject.PAYMENT_TERMS_PENALTIES),
            Note("Pénalités de retard : trois fois le taux d'intérêt légal", NoteSubject.LATE_PAYMENT_PENALTIES),
            Note("Pas d'escompte pour paiement anticipé", NoteSubject.DISCOUNT_TERMS),
        ],
        payment=PaymentInstructions(
            means_code="58", credit_transfers=[CreditTransfer("FR7630006000011234567890189", bank_id="AGRIFRPP")]
        ),
        payment_terms="30 jours fin de mois",
    )
    rates = [Decimal(20), Decimal(10), Decimal("5.5"), Decimal("2.1")]
    invoice.lines = [
        Line(
            id=str(n),
            quantity=Decimal(n),
            unit_code="C62",
            item=Item(name=f"Article {n}", seller_id=f"REF-{n:04d}"),
            price=Price(net=Decimal("12.345") + n),
            vat_category="S",
            vat_rate=rates[n % len(rates)],
        )
        for n in range(1, 21)
    ]
    return calc.compute(invoice)


def median_ms(func, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def row(label, ours, peer=None, peer_label=""):
    ratio = f"  x{peer / ours:5.2f} faster than {peer_label} ({peer:.3f} ms)" if peer else ""
    print(f"  {label:<44} {ours:9.3f} ms{ratio}")


def bench_build_parse(invoice, repeat):
    from facturx.generate_xml import generate_xml
    from facturx.parse_xml import parse_ubl_cii_xml

    cii = build_cii(invoice, Profile.EN16931)
    ubl = build_ubl(invoice, Profile.EN16931)
    data_dict = parse_ubl_cii_xml(cii, check_xsd=False)
    peer_build = median_ms(
        lambda: generate_xml(data_dict, flavor="factur-x", level="en16931", check_xsd=False, check_schematron=False),
        repeat,
    )
    peer_parse = median_ms(lambda: parse_ubl_cii_xml(cii, check_xsd=False), repeat)
    print(f"Build and parse, 20-line invoice (median of {repeat}):")
    row("build CII (EN 16931)", median_ms(lambda: build_cii(invoice, Profile.EN16931), repeat), peer_build, "factur-x")
    row("build UBL (EN 16931)", median_ms(lambda: build_ubl(invoice, Profile.EN16931), repeat))
    row("parse CII", median_ms(lambda: parse_cii(cii), repeat), peer_parse, "factur-x")
    row("parse UBL", median_ms(lambda: parse_ubl(ubl), repeat))
    return cii


def bench_validation(cii, repeat):
    from einvoice import validation

    report = validation.validate(cii)
    print(f"\nValidation of the same CII (median of {repeat}); rule sets: {', '.join(report.rule_sets)}")
    print(f"  findings: {len(report.fatal)} fatal, {len(report.warnings)} warning(s)")
    floor_parts = validation.bare_runs(cii)
    floor = 0.0
    for name, run in floor_parts:
        elapsed = median_ms(run, repeat)
        floor += elapsed
        row(f"bare compiled run: {name}", elapsed)
    full = median_ms(lambda: validation.validate(cii), repeat)
    row("floor (sum of the bare runs)", floor)
    print(f"  {'full validate()':<44} {full:9.3f} ms  = {full / floor:.2f} x the floor (target <= 1.2)")


def bench_batch(cii, count):
    from einvoice.cli import run_validate

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for n in range(count):
            path = Path(tmp) / f"invoice-{n:05d}.xml"
            path.write_bytes(cii.replace(b"F2026-00042", f"F2026-{n:05d}".encode()))
            paths.append(str(path))
        cores = os.cpu_count() or 1
        timings = {}
        for jobs in (1, cores):
            start = time.perf_counter()
            results = run_validate(paths, {}, jobs=jobs, show_progress=False)
            timings[jobs] = time.perf_counter() - start
            assert all(r["status"] == "valid" for r in results), results[0]
        print(f"\nBatch validation of {count} files (validate command's runner):")
        for jobs, seconds in timings.items():
            print(f"  {jobs} process(es): {seconds:7.2f} s  {count / seconds:7.1f} files/s")
        if cores > 1:
            print(f"  speed-up on {cores} cores: x{timings[1] / timings[cores]:.2f} (target >= 1.8 on 2 cores)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1000, help="files for the batch run (0 to skip)")
    args = parser.parse_args()
    invoice = twenty_line_invoice()
    cii = bench_build_parse(invoice, args.repeat)
    bench_validation(cii, max(10, args.repeat // 10))
    if args.batch:
        bench_batch(cii, args.batch)


if __name__ == "__main__":
    main()
