"""Command line: ``python -m einvoice validate | convert | show``.

``validate`` takes invoices (CII, UBL, Factur-X PDF), CDAR lifecycle messages
and e-reporting (Flux 10) reports; with ``--json`` each result lists the
files that ran (``files``: rule set, origin, source and path).

``show`` lists an invoice's business terms, or the blocks and figures of an
e-reporting report.

Exit codes of ``validate``: 0 every file is valid, 1 at least one file has
fatal findings, 2 at least one file could not be read (not XML, not an
invoice, a PDF without embedded XML, too large). ``convert`` and ``show``
exit with 2 on unreadable input and 1 when the invoice cannot be written
in the requested profile.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from . import __version__
from .detect import Syntax
from .errors import EInvoiceError, ModelError, ParseError, ProfileError
from .profiles import Profile, parse_profile

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


# --- validate -----------------------------------------------------------------


def _check_one(path, options):
    """Validate one file; return a JSON-ready dict (runs in worker processes)."""
    from .api import check_file

    try:
        report = check_file(path, **options)
    except ParseError as exc:
        return {"file": str(path), "status": "unreadable", "error": str(exc)}
    result = report.to_dict()
    result["file"] = str(path)
    result["status"] = "valid" if report.is_valid else "invalid"
    return result


def _exit_code(results):
    statuses = {r["status"] for r in results}
    if "unreadable" in statuses:
        return EXIT_UNREADABLE
    if "invalid" in statuses:
        return EXIT_INVALID
    return EXIT_VALID


def _progress(total, enabled):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)


def run_validate(paths, options, jobs=None, show_progress=None):
    """Validate files, in parallel when there are several; results in input order."""
    if show_progress is None:
        show_progress = len(paths) > 1 and sys.stderr.isatty()
    jobs = jobs or os.cpu_count() or 1
    bar = _progress(len(paths), show_progress)
    results = [None] * len(paths)
    try:
        if len(paths) == 1 or jobs == 1:
            for index, path in enumerate(paths):
                results[index] = _check_one(path, options)
                if bar:
                    bar.update()
        else:
            # Each worker process compiles the stylesheets once and keeps them.
            with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
                futures = {pool.submit(_check_one, path, options): index for index, path in enumerate(paths)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    if bar:
                        bar.update()
    finally:
        if bar:
            bar.close()
    return results


_INVOICE_SYNTAXES = {str(syntax) for syntax in Syntax if syntax.is_invoice}


def _print_human(results, out, verbose_warnings):
    for result in results:
        name = result["file"]
        if result["status"] == "unreadable":
            out.write(f"UNREADABLE  {name}\n    {result['error']}\n")
            continue
        fatal = [f for f in result["findings"] if f["severity"] == "fatal"]
        warnings = [f for f in result["findings"] if f["severity"] != "fatal"]
        label = "VALID    " if result["status"] == "valid" else "INVALID  "
        syntax = result.get("syntax")
        profile = result.get("profile") or ("unknown profile" if syntax in _INVOICE_SYNTAXES else None)
        described = f"{syntax}, {profile}" if profile else syntax
        out.write(
            f"{label}  {name}  ({described}): "
            f"{len(fatal)} fatal, {len(warnings)} warning(s)  [{', '.join(result.get('rule_sets', []))}]\n"
        )
        for finding in fatal + (warnings if verbose_warnings else []):
            bt = f" {finding['bt']}" if finding.get("bt") else ""
            out.write(f"    {finding['severity']:<7} {finding['rule_id']}{bt}: {finding['message_en']}\n")
            if finding.get("message_fr") and finding["message_fr"] != finding["message_en"]:
                out.write(f"            {finding['message_fr']}\n")
            if finding.get("location"):
                out.write(f"            at {finding['location']}\n")


def cmd_validate(args):
    options = {}
    if args.profile:
        options["profile"] = parse_profile(args.profile)
    if args.french_rules is not None:
        options["french_rules"] = args.french_rules
    results = run_validate(args.files, options, jobs=args.jobs, show_progress=args.progress)
    if args.json:
        json.dump(results if len(results) > 1 else results[0], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_human(results, sys.stdout, args.warnings)
        if len(results) > 1:
            counts = {s: sum(1 for r in results if r["status"] == s) for s in ("valid", "invalid", "unreadable")}
            sys.stdout.write(
                f"{len(results)} files: {counts['valid']} valid, {counts['invalid']} invalid, "
                f"{counts['unreadable']} unreadable\n"
            )
    return _exit_code(results)


# --- convert and show ----------------------------------------------------------


def cmd_convert(args):
    from .api import build, load_file, read_bytes

    loaded = load_file(args.file)
    profile = parse_profile(args.profile) if args.profile else Profile.EN16931
    base_pdf = read_bytes(args.pdf) if args.pdf else None
    if base_pdf is not None and args.to != "facturx":
        raise ModelError("--pdf is only meaningful with --to facturx")
    output = build(loaded.invoice, args.to, profile, base_pdf=base_pdf)
    if args.output:
        Path(args.output).write_bytes(output)
    else:
        if args.to == "facturx" and sys.stdout.isatty():
            raise ModelError("refusing to write a PDF to a terminal: use -o FILE or a redirection")
        sys.stdout.buffer.write(output)
        sys.stdout.flush()
    return 0


def _ereporting_report(path):
    """The e-reporting report in ``path``, or None when the file holds another document."""
    from .api import read_bytes
    from .detect import EREPORTING_ROOT
    from .ereporting import parse_report
    from .xmlsafe import parse_xml

    data = read_bytes(path)
    if not data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None  # a PDF: load_file reads its embedded invoice
    if parse_xml(data, source=str(path)).tag != EREPORTING_ROOT:
        return None
    return parse_report(data, source=str(path))


def cmd_show(args):
    from .api import load_file
    from .show import render_text

    report = _ereporting_report(args.file)
    if report is not None:
        from .ereporting.show import render_text as render_report

        kind = "transactions" if report.transactions is not None else "payments"
        sys.stdout.write(f"{args.file}: e-reporting, {kind} report\n\n{render_report(report)}\n")
        return 0
    loaded = load_file(args.file)
    origin = "embedded in a PDF" if loaded.from_pdf else "XML"
    sys.stdout.write(f"{args.file}: {loaded.syntax}, profile {loaded.profile or 'unknown'} ({origin})\n\n")
    sys.stdout.write(render_text(loaded.invoice) + "\n")
    return 0


# --- parser ---------------------------------------------------------------------


def _parser():
    parser = argparse.ArgumentParser(prog="python -m einvoice", description="French e-invoicing engine")
    parser.add_argument("--version", action="version", version=f"einvoice {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser(
        "validate", help="validate invoices, CDAR or e-reporting XML, or Factur-X PDF files (XSD + schematron)"
    )
    validate.add_argument(
        "files", nargs="+", help="CII / UBL invoices, CDAR messages, e-reporting reports (XML) or Factur-X PDF files"
    )
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.add_argument("--profile", help="force the profile instead of reading BT-24")
    rules = validate.add_mutually_exclusive_group()
    rules.add_argument("--french-rules", dest="french_rules", action="store_true", default=None)
    rules.add_argument("--no-french-rules", dest="french_rules", action="store_false")
    validate.add_argument("--warnings", action="store_true", help="list warnings too, not only fatal findings")
    validate.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: every core)")
    bar = validate.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None)
    bar.add_argument("--no-progress", dest="progress", action="store_false")
    validate.set_defaults(func=cmd_validate)

    convert = sub.add_parser("convert", help="convert an invoice to CII, UBL or Factur-X")
    convert.add_argument("file")
    convert.add_argument("--to", required=True, choices=("cii", "ubl", "facturx"))
    convert.add_argument(
        "--profile", help="MINIMUM, BASIC-WL, BASIC, EN16931 (default), EXTENDED, EXTENDED-CTC-FR, PEPPOL"
    )
    convert.add_argument("--pdf", help="base PDF to embed the XML into (Factur-X)")
    convert.add_argument("-o", "--output", help="output file (default: standard output)")
    convert.set_defaults(func=cmd_convert)

    show = sub.add_parser(
        "show", help="list the invoice's business terms (BT values), or an e-reporting report's figures"
    )
    show.add_argument("file")
    show.set_defaults(func=cmd_show)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except ParseError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_UNREADABLE
    except (ProfileError, ModelError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_INVALID
    except EInvoiceError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_UNREADABLE
