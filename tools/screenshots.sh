#!/usr/bin/env bash
# Take the screenshots of the docs (tools/screenshots.py) with the Python of Odoo's environment,
# which has websocket-client and Pillow (found as tools/odoo_env.sh says; ODOO_PYTHON overrides).
# Usage: tools/screenshots.sh [--fresh] [--lang fr_FR] [--only NAME] [--allow-missing] ...
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/odoo_env.sh
source tools/odoo_env.sh
if [ ${#odoo_cmd[@]} -eq 0 ]; then
  echo "Odoo 18 not found: set ODOO_BIN=/path/to/odoo-bin (see DEVELOPERS.md)" >&2
  exit 2
fi
export ODOO_BIN ODOO_PYTHON
exec "$ODOO_PYTHON" tools/screenshots.py "$@"
