# Where Odoo 18 is, for the scripts of tools/ (sourced, from the repository root).
# ODOO_BIN (a source checkout's odoo-bin), else ODOO_HOME (default /opt/odoo) holding
# odoo-bin, else an `odoo` command on PATH, else `odoo` importable by $PYTHON.
# ODOO_PYTHON runs odoo-bin (default: $ODOO_HOME/venv/bin/python when it exists, else $PYTHON).
# Sets: odoo_cmd (an array, empty when Odoo is not found), addons_path, ODOO_PYTHON.
PYTHON=${PYTHON:-python3}
ODOO_HOME=${ODOO_HOME:-/opt/odoo}
if [ -z "${ODOO_BIN:-}" ] && [ -f "$ODOO_HOME/odoo-bin" ]; then
  ODOO_BIN="$ODOO_HOME/odoo-bin"
fi
if [ -z "${ODOO_PYTHON:-}" ]; then
  if [ -n "${ODOO_BIN:-}" ] && [ -x "$(dirname "$ODOO_BIN")/venv/bin/python" ]; then
    ODOO_PYTHON="$(dirname "$ODOO_BIN")/venv/bin/python"
  else
    ODOO_PYTHON="$PYTHON"
  fi
fi
odoo_cmd=()
if [ -n "${ODOO_BIN:-}" ] && [ -f "${ODOO_BIN}" ]; then
  odoo_cmd=("$ODOO_PYTHON" "$ODOO_BIN")
elif command -v odoo >/dev/null 2>&1; then
  odoo_cmd=(odoo)
elif "$PYTHON" -c "import odoo.cli" >/dev/null 2>&1; then
  odoo_cmd=("$PYTHON" -m odoo)
fi
addons_path="$(pwd)/addons"
# A source install keeps Odoo's own addons beside odoo-bin.
if [ -n "${ODOO_BIN:-}" ] && [ -d "$(dirname "$ODOO_BIN")/addons" ]; then
  addons_path="$(cd "$(dirname "$ODOO_BIN")" && pwd)/addons,$addons_path"
fi
