"""Shared fixtures for the engine tests.

Tests that need the official artefacts or examples that no package ships
read them from the artefacts directory (``EINVOICE_ARTEFACTS_DIR``, see
``schemas/README.md``). Without it they are skipped, and the session
summary says so in capitals so that such a run is never mistaken for a
full one.
"""

from pathlib import Path

import pytest

from einvoice.config import artefacts_dir

_SKIPPED_FOR_ARTEFACTS = []


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    path = artefacts_dir()
    if path is None:
        _SKIPPED_FOR_ARTEFACTS.append(1)
        pytest.skip("EINVOICE_ARTEFACTS_DIR is not set: official artefacts and examples unavailable")
    return path


def pytest_terminal_summary(terminalreporter):
    if artefacts_dir() is None:
        terminalreporter.write_line(
            "!!! EINVOICE_ARTEFACTS_DIR IS NOT SET: THE CONFORMANCE TESTS AGAINST THE OFFICIAL "
            "ARTEFACTS AND EXAMPLES DID NOT RUN !!!",
            red=True,
            bold=True,
        )
