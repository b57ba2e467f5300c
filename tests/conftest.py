"""Shared fixtures for the engine tests.

Tests that need the official artefacts or examples that no package ships
read them from the artefacts directory (``EINVOICE_ARTEFACTS_DIR``, see
``schemas/README.md``). Without it they are skipped, and the session
summary says so in capitals so that such a run is never mistaken for a
full one.
"""

import os
import shutil
from pathlib import Path

import pytest

from einvoice.config import artefacts_dir

_SKIPPED_FOR_ARTEFACTS = []
_SKIPPED_FOR_VERAPDF = []


def verapdf_command():
    """veraPDF, the reference PDF/A validator: ``VERAPDF`` (its launcher), else ``verapdf`` on
    PATH; None when it or Java is missing."""
    command = os.environ.get("VERAPDF") or shutil.which("verapdf")
    if not command or not Path(command).is_file() or not shutil.which("java"):
        return None
    return command


@pytest.fixture(scope="session")
def verapdf():
    command = verapdf_command()
    if command is None:
        _SKIPPED_FOR_VERAPDF.append(1)
        pytest.skip("veraPDF (VERAPDF or verapdf on PATH) or Java is missing: PDF/A not checked")
    return command


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    path = artefacts_dir()
    if path is None:
        _SKIPPED_FOR_ARTEFACTS.append(1)
        pytest.skip("EINVOICE_ARTEFACTS_DIR is not set: official artefacts and examples unavailable")
    return path


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED_FOR_VERAPDF:
        terminalreporter.write_line(
            "!!! VERAPDF OR JAVA IS MISSING: THE PDF/A-3 CONFORMANCE OF THE FACTUR-X WRITTEN WAS NOT "
            "CHECKED BY VERAPDF !!!",
            red=True,
            bold=True,
        )
    if artefacts_dir() is None:
        terminalreporter.write_line(
            "!!! EINVOICE_ARTEFACTS_DIR IS NOT SET: THE CONFORMANCE TESTS AGAINST THE OFFICIAL "
            "ARTEFACTS AND EXAMPLES DID NOT RUN !!!",
            red=True,
            bold=True,
        )
