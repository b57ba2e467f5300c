"""Long fuzz campaign of the engine: structure-aware mutations, one worker process per core.

    python bench/fuzz_campaign.py --inputs 100000 [--workers N] [--seed S] [--out bench/out/fuzz]
    python bench/fuzz_campaign.py --duration 3600
    python bench/fuzz_campaign.py --replay 1234 [--seed S]   # run input 1234 again, verbosely

The mutators and the rule are those of ``tests/test_fuzz.py`` (:mod:`einvoice.testing.fuzz`):
for any input, ``load``, ``check`` and ``build`` return or raise a documented
``EInvoiceError``; no input may take more than 10 s or 1 GB. Input number ``i`` depends only on
the seed and ``i``, so each worker takes every N-th number and any input is made again with
``--replay``.

Memory is measured as resident memory, not capped: Saxon's GraalVM isolate reserves about
32 GB of address space, so an address-space limit would only send validation to the helper
process (see ``einvoice/validation/isolated.py``). The parent samples every worker's RSS
(and its children's, a validation helper if one runs) a few times a second, and each worker
reports its peak RSS (``getrusage``, itself and its children) before and after each input:
an input during which it passes ``--max-rss-mb`` is recorded as a crash. A worker stuck on
one input past ``--hang-seconds``, or over ``--kill-rss-mb``, is stopped, its input recorded
as a crash, and a fresh worker goes on with the next numbers. Slow inputs are run again
alone at the end, to tell their own cost from the campaign's load on the machine.

Prints inputs run, elapsed time, inputs/s, the slowest input, the peak RSS and the distinct
crash signatures (exception type and innermost frame of the engine); each crashing input is
saved under ``--out`` with its traceback and the mutations that made it.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from pathlib import Path

MB = 1024 * 1024


def _rss_of_tree(pid):
    """Resident memory (bytes) of a process and its children, from /proc (Linux)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{current}/task/{current}/children") as handle:
                pending += [int(child) for child in handle.read().split()]
        except (OSError, ValueError):
            continue
    return total


def _peak_rss():
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024  # kilobytes on Linux


def _worker(number, workers, seed, total, seeds, stop, channel, first_index, quiet, recycle, log, max_repeat):
    """Run inputs first_index, first_index + workers, ... (below ``total`` when it is set), at
    most ``recycle`` of them (then a fresh worker takes over, so that the memory measured is
    that of recent inputs and not of everything the process ever held)."""
    import faulthandler
    import traceback

    if quiet:
        # Saxon reports the dynamic errors of the rules on the native stderr: thousands of lines.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    # A native crash (a library's segmentation fault) leaves its Python stack here.
    faulthandler.enable(file=os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
    from einvoice.testing import fuzz

    fuzz.quiet_libraries()
    generator = fuzz.Generator(seeds, seed=seed, max_repeat=max_repeat)
    # Compile every stylesheet the seeds need before timing anything: compilation is paid once
    # per process, not per input.
    for item in seeds:
        fuzz.run_input(item.data)
    channel.send(("ready", number, _peak_rss()))
    index, done = first_index, 0
    while not stop.is_set() and (total is None or index < total):
        if done == recycle:
            channel.send(("recycle", number, index))
            return
        channel.send(("start", number, index))
        try:
            item = generator.generate(index)
            before = _peak_rss()
            outcome = fuzz.run_input(item.data)
            crashes = [(c.stage, c.signature, c.message, c.traceback) for c in outcome.crashes]
            after = _peak_rss()
            message = ("done", number, index, outcome.seconds, (before, after), crashes, item.seed, item.mutations)
        except Exception as exc:  # noqa: BLE001 - a fault of the fuzzer itself: said, and the run goes on
            crash = [("generate", f"Fuzzer error {type(exc).__name__}", str(exc)[:300], traceback.format_exc())]
            message = ("done", number, index, 0.0, (_peak_rss(), _peak_rss()), crash, "?", ())
        channel.send(message)
        index += workers
        done += 1
    channel.send(("finished", number, index))


def _slug(signature):
    return re.sub(r"[^A-Za-z0-9]+", "_", signature).strip("_")[:120]


class Campaign:
    def __init__(self, args, seeds):
        self.args = args
        self.seeds = seeds
        self.out = Path(args.out)
        self.context = multiprocessing.get_context("spawn")
        self.stop = self.context.Event()
        self.processes = {}
        self.channels = {}  # worker -> its end of the worker's pipe (one pipe each: a killed
        # worker cannot leave a half-written message where the others write)
        self.next_index = {}
        self.current = {}  # worker -> (index, started)
        self.count = 0
        self.crashes = collections.Counter()
        self.examples = {}
        self.slowest = (0.0, None, None, ())
        self.peak_rss = 0
        self.largest_growth = (0, None)
        self.slow = []
        self._generator = None
        self.finished = set()
        self.ready = set()
        self.silent_deaths = 0

    def start_worker(self, number, first_index):
        receiving, sending = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=_worker,
            args=(
                number,
                self.args.workers,
                self.args.seed,
                self.args.inputs,
                self.seeds,
                self.stop,
                sending,
                first_index,
                not self.args.verbose,
                self.args.recycle,
                str(self.out / f"worker-{number}.log"),
                self.args.max_repeat,
            ),
            daemon=True,
        )
        process.start()
        sending.close()
        old = self.channels.pop(number, None)
        if old is not None:
            old.close()
        self.processes[number] = process
        self.channels[number] = receiving
        self.next_index[number] = first_index
        self.current.pop(number, None)
        self.ready.discard(number)

    @property
    def generator(self):
        if self._generator is None:
            from einvoice.testing import fuzz

            self._generator = fuzz.Generator(self.seeds, seed=self.args.seed, max_repeat=self.args.max_repeat)
        return self._generator

    def save_input(self, folder, index, note):
        folder = self.out / folder
        folder.mkdir(parents=True, exist_ok=True)
        item = self.generator.generate(index)
        (folder / f"{index}.bin").write_bytes(item.data)
        (folder / f"{index}.txt").write_text(f"input {index} from {item.seed}: {list(item.mutations)}\n{note}\n")

    def retime_slow(self):
        """Run the slow inputs again one at a time, in this process (idle now), to tell the cost
        of the input from the load of the campaign."""
        from einvoice.testing import fuzz

        if not self.slow:
            return []
        fuzz.quiet_libraries()
        for item in self.seeds:
            fuzz.run_input(item.data)
        return [(index, fuzz.run_input(self.generator.generate(index).data).seconds) for index in self.slow[:20]]

    def record_crash(self, index, stage, signature, message, trace, seed_name, mutations, data=None):
        self.crashes[signature] += 1
        self.examples.setdefault(signature, (index, stage, message, seed_name, mutations))
        folder = self.out / _slug(signature)
        folder.mkdir(parents=True, exist_ok=True)
        if len(list(folder.glob("*.txt"))) >= self.args.keep:
            return
        if data is None and not signature.startswith("Fuzzer error"):
            data = self.generator.generate(index).data
        if data is not None:
            (folder / f"{index}.bin").write_bytes(data)
        (folder / f"{index}.txt").write_text(
            f"seed {self.args.seed}, input {index}, from {seed_name}\nmutations: {list(mutations)}\n"
            f"stage: {stage}\n\n{trace}\n"
        )

    def replace_worker(self, number, index, reason, detail):
        process = self.processes[number]
        process.kill()
        process.join()
        self.count += 1
        self.record_crash(index, "run", reason, detail, detail, "(regenerated)", ())
        self.start_worker(number, index + self.args.workers)

    def handle(self, message):
        kind, number = message[0], message[1]
        if kind == "ready":
            self.ready.add(number)
            self.peak_rss = max(self.peak_rss, message[2])
        elif kind == "start":
            self.current[number] = (message[2], time.monotonic())
        elif kind == "done":
            _kind, _number, index, seconds, (before, rss), crashes, seed_name, mutations = message
            self.current.pop(number, None)
            self.next_index[number] = index + self.args.workers
            self.count += 1
            # The peak RSS is a high-water mark: what it rose by while the engine ran this input
            # (its input already built) is what this input took at least, beyond the worker's past.
            if rss - before > self.largest_growth[0]:
                self.largest_growth = (rss - before, index)
                if rss - before > 50 * MB:
                    self.save_input("largest_rss_growth", index, f"peak RSS {before / MB:.0f} -> {rss / MB:.0f} MB")
            self.peak_rss = max(self.peak_rss, rss)
            if seconds > self.slowest[0]:
                self.slowest = (seconds, index, seed_name, mutations)
            if seconds > self.args.max_seconds:
                slow = f"{seconds:.1f} s"
                self.slow.append(index)
                self.record_crash(index, "run", "Slow input", slow, slow, seed_name, mutations)
            if rss > self.args.max_rss_mb * MB >= before:
                text = f"the worker's peak RSS went from {before / MB:.0f} to {rss / MB:.0f} MB on this input"
                self.record_crash(index, "run", "Memory over the limit", text, text, seed_name, mutations)
            for stage, signature, text, trace in crashes:
                self.record_crash(index, stage, signature, text, trace, seed_name, mutations)
        elif kind == "recycle":
            self.processes[number].join()
            self.start_worker(number, message[2])
        elif kind == "finished":
            self.finished.add(number)

    def watch(self):
        """Stop a worker stuck on one input or over the memory limit, and start another."""
        now = time.monotonic()
        for number, process in list(self.processes.items()):
            if number in self.finished:
                continue
            rss = _rss_of_tree(process.pid) if process.is_alive() else 0
            self.peak_rss = max(self.peak_rss, rss)
            index, started = self.current.get(number, (None, now))
            if index is None:
                if not process.is_alive() and number not in self.channels:
                    if number not in self.ready:
                        raise SystemExit(f"worker {number} stopped before its first input (exit {process.exitcode})")
                    self.silent_deaths += 1
                    if self.silent_deaths > 5:
                        raise SystemExit(f"workers keep stopping between inputs: see {self.out}/worker-*.log")
                    self.start_worker(number, self.next_index[number])  # stopped between two inputs
                continue
            if not process.is_alive() and number in self.channels:
                continue  # its last messages are still to be read
            if not process.is_alive():
                self.replace_worker(number, index, "Worker died", f"exit code {process.exitcode}")
            elif now - started > self.args.hang_seconds:
                self.replace_worker(number, index, "Hang", f"over {self.args.hang_seconds} s")
            elif rss > self.args.kill_rss_mb * MB:
                self.replace_worker(number, index, "Memory runaway", f"{rss / MB:.0f} MB")

    def receive(self, timeout):
        from multiprocessing.connection import wait

        if not self.channels:
            time.sleep(timeout)
            return []
        ready = wait(list(self.channels.values()), timeout=timeout)
        messages = []
        for number, connection in list(self.channels.items()):
            if connection not in ready:
                continue
            try:
                messages.append(connection.recv())
            except (EOFError, OSError):
                # The worker ended and everything it sent is read: watch() replaces it if it must.
                del self.channels[number]
                connection.close()
        return messages

    def run(self):
        self.out.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        for number in range(self.args.workers):
            self.start_worker(number, self.args.first + number)
        last_progress = time.monotonic()
        timed_from = None
        while len(self.finished) < self.args.workers:
            for message in self.receive(0.3):
                self.handle(message)
                if message[0] == "ready" and timed_from is None:
                    timed_from = time.monotonic()
            self.watch()
            if self.args.duration and timed_from and time.monotonic() - timed_from > self.args.duration:
                self.stop.set()
            if time.monotonic() - last_progress > self.args.progress:
                last_progress = time.monotonic()
                elapsed = time.monotonic() - (timed_from or started)
                print(
                    f"[{elapsed:7.0f} s] {self.count} inputs, {self.count / max(elapsed, 1e-9):.1f}/s, "
                    f"{sum(self.crashes.values())} crashes ({len(self.crashes)} distinct), "
                    f"peak RSS {self.peak_rss / MB:.0f} MB",
                    flush=True,
                )
        for process in self.processes.values():
            process.join(timeout=10)
        elapsed = time.monotonic() - (timed_from or started)
        return elapsed

    def summary(self, elapsed, retimed=()):
        seconds, index, seed_name, mutations = self.slowest
        lines = [
            f"seed {self.args.seed}, {self.args.workers} workers, {len(self.seeds)} seed inputs",
            f"inputs run: {self.count}",
            f"elapsed: {elapsed:.1f} s (after the warm-up that compiles the stylesheets)",
            f"inputs/s: {self.count / max(elapsed, 1e-9):.1f}",
            f"slowest input: {seconds:.2f} s (input {index}, from {seed_name}: {'; '.join(mutations)})",
            f"peak RSS of a worker (with its children): {self.peak_rss / MB:.0f} MB",
            f"largest RSS growth on one input: {self.largest_growth[0] / MB:.0f} MB (input {self.largest_growth[1]})",
            f"distinct crash signatures: {len(self.crashes)}",
        ]
        if retimed:
            lines.insert(
                5,
                f"slow inputs run again alone: {', '.join(f'input {i} {s:.2f} s' for i, s in retimed)}",
            )
        for signature, count in self.crashes.most_common():
            index, stage, message, seed_name, mutations = self.examples[signature]
            lines.append(f"  {count:6d} x {signature} [{stage}] e.g. input {index} from {seed_name}: {message[:160]!r}")
        return "\n".join(lines)


def replay(args, seeds):
    from einvoice.testing import fuzz

    item = fuzz.Generator(seeds, seed=args.seed, max_repeat=args.max_repeat).generate(args.replay)
    print(f"input {args.replay} from {item.seed}: {'; '.join(item.mutations)} ({len(item.data)} bytes)")
    if args.write:
        Path(args.write).write_bytes(item.data)
    fuzz.quiet_libraries()
    for seed in seeds:  # compile the stylesheets first, as the campaign's workers do
        fuzz.run_input(seed.data)
    outcome = fuzz.run_input(item.data)
    print(f"{outcome.seconds:.2f} s, loaded: {outcome.loaded}")
    for crash in outcome.crashes:
        print(f"--- {crash.stage}: {crash.signature}\n{crash.traceback}")
    return 1 if outcome.crashes else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--inputs", type=int, help="run the inputs numbered below N (from --first)")
    budget.add_argument("--duration", type=float, help="run for this many seconds")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-repeat", type=int, default=2000, help="most invoice lines one mutation adds")
    parser.add_argument("--first", type=int, default=0, help="number of the first input (to resume or look closer)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "fuzz"))
    parser.add_argument("--keep", type=int, default=5, help="inputs kept per crash signature")
    parser.add_argument("--max-seconds", type=float, default=10.0, help="an input slower than this is a crash")
    parser.add_argument("--max-rss-mb", type=float, default=1024.0, help="a worker above this RSS is a crash")
    parser.add_argument(
        "--kill-rss-mb", type=float, default=4096.0, help="a worker above this RSS is stopped (the machine's guard)"
    )
    parser.add_argument("--hang-seconds", type=float, default=120.0, help="a worker stopped after this on one input")
    parser.add_argument("--recycle", type=int, default=2000, help="inputs per worker process before a fresh one")
    parser.add_argument("--progress", type=float, default=60.0, help="seconds between progress lines")
    parser.add_argument("--replay", type=int, help="run this one input again and show what happened")
    parser.add_argument("--write", help="with --replay: write the input to this file")
    parser.add_argument(
        "--no-retime", dest="retime", action="store_false", help="do not run the slow inputs again alone at the end"
    )
    parser.add_argument("--verbose", action="store_true", help="keep the workers' stderr (Saxon's messages)")
    args = parser.parse_args(argv)

    from einvoice.testing import fuzz

    seeds = fuzz.seeds()
    print(
        f"seeds: {len(seeds)} ({sum(s.is_pdf for s in seeds)} PDF), sha-256 "
        f"{hashlib.sha256(b''.join(s.data for s in seeds)).hexdigest()[:16]}",
        flush=True,
    )
    if args.replay is not None:
        return replay(args, seeds)
    if args.inputs is None and args.duration is None:
        parser.error("give --inputs or --duration")
    campaign = Campaign(args, seeds)
    elapsed = campaign.run()
    retimed = campaign.retime_slow() if args.retime else []
    text = campaign.summary(elapsed, retimed)
    print(text)
    (campaign.out / "summary.txt").write_text(text + "\n")
    (campaign.out / "summary.json").write_text(
        json.dumps(
            {
                "seed": args.seed,
                "workers": args.workers,
                "inputs": campaign.count,
                "elapsed": round(elapsed, 1),
                "slowest_seconds": round(campaign.slowest[0], 2),
                "slowest_input": campaign.slowest[1],
                "peak_rss_mb": round(campaign.peak_rss / MB),
                "slow_inputs_alone": {str(index): round(seconds, 2) for index, seconds in retimed},
                "crashes": dict(campaign.crashes),
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if campaign.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
