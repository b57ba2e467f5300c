"""A bounded, deterministic structure-aware mutation fuzz of the engine's entry points.

Each input is a mutation of a seed (the official EN16931 examples and CDAR messages when the
artefacts directory is set, else invoices built from the business cases; an e-reporting
report; Factur-X PDFs the engine writes): see :mod:`einvoice.testing.fuzz` for the mutators.
For every input ``load``, ``check`` and, when it loads, ``build`` to CII, UBL and Factur-X may
only return or raise an ``EInvoiceError``, each input within 10 s. The seed is fixed, so a
failure here is the same failure on every machine; ``bench/fuzz_campaign.py --replay N
--seed 20261125 --max-repeat 300`` runs input N again (with the same seeds: the same artefacts directory or
none), and the long campaign runs the same mutators on far more inputs.
"""

import collections
import hashlib
import time

import pytest

from einvoice.testing import fuzz

SEED = 20261125
#: Inputs per test, and tests: about 45 s on a 2-core machine with the artefacts directory.
CHUNK, CHUNKS = 100, 12
#: Lines one mutation may add here (the campaign goes to 2,000).
MAX_REPEAT = 300


@pytest.fixture(scope="module")
def generator():
    fuzz.quiet_libraries()
    return fuzz.Generator(fuzz.seeds(), seed=SEED, max_repeat=MAX_REPEAT)


def test_the_seeds_are_the_official_examples_and_our_factur_x():
    from einvoice.config import artefacts_dir

    seeds = fuzz.seeds()
    names = [seed.name for seed in seeds]
    assert sum(seed.is_pdf for seed in seeds) == 7 and "ereporting/transactions.xml" in names
    if artefacts_dir() is not None:
        assert sum(name.startswith("en16931/") for name in names) == 34
        assert any(name.startswith("cdar-examples/") for name in names)
    else:
        assert sum(name.startswith("cases/") for name in names) >= 60
    # Built again, the seeds are the same byte for byte (no date, no random identifier).
    assert [seed.data for seed in fuzz.seeds()] == [seed.data for seed in seeds]


def test_inputs_are_reproducible_and_varied(generator):
    first = [generator.generate(index) for index in range(200)]
    again = fuzz.Generator(generator.seeds, seed=SEED, max_repeat=MAX_REPEAT)
    digest = hashlib.sha256(b"".join(item.data for item in first)).hexdigest()
    assert hashlib.sha256(b"".join(again.generate(i).data for i in range(200))).hexdigest() == digest
    kinds = collections.Counter(m.split(" ")[0].split(":")[0] for item in first for m in item.mutations)
    assert len(kinds) >= 25, kinds
    share = sum(item.data.startswith(b"%PDF") for item in first) / len(first)
    assert 0.15 < share < 0.45


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_only_documented_errors_escape(generator, chunk):
    crashes, slow, loaded = {}, [], 0
    started = time.monotonic()
    for index in range(chunk * CHUNK, (chunk + 1) * CHUNK):
        item = generator.generate(index)
        outcome = fuzz.run_input(item.data)
        loaded += outcome.loaded
        if outcome.seconds > fuzz.MAX_SECONDS:
            slow.append(f"input {index} ({item.seed}: {'; '.join(item.mutations)}) took {outcome.seconds:.1f} s")
        for crash in outcome.crashes:
            crashes.setdefault(
                crash.signature, f"input {index} from {item.seed} ({'; '.join(item.mutations)}), {crash.stage}:\n"
            )
            crashes[crash.signature] += crash.traceback
    assert not crashes, "\n\n".join(f"{sig}\n{example}" for sig, example in crashes.items())
    assert not slow, slow
    # Most mutations keep an invoice readable: the builders are reached, not only the parsers.
    assert loaded > CHUNK * 0.3
    assert time.monotonic() - started < CHUNK * fuzz.MAX_SECONDS
