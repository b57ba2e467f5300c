#!/usr/bin/env bash
# Regenerate the addons' translation templates from their code and merge them into fr.po.
#   tools/update_translations.sh [ADDON...]      (default: every addon of addons/)
# 1. installs the addons, with their demo data, in a temporary database;
# 2. exports their templates with Odoo (odoo-bin --i18n-export, no language: .pot files);
# 3. writes each addon's i18n/<addon>.pot and merges it into i18n/fr.po
#    (tools/merge_translations.py: translations kept, close new msgids offered as fuzzy,
#    entries gone from the code dropped);
# 4. drops the database and runs tools/check_translations.py, which lists what is left to
#    translate or review (exit status 1 while anything is).
# Odoo is found as tools/run_tests.sh finds it (ODOO_BIN, ODOO_HOME, ODOO_PYTHON); PostgreSQL
# through PGHOST / PGUSER (default 127.0.0.1 / odoo); ODOO_I18N_PORT is the HTTP port (18079) and
# ODOO_I18N_DB the name of the temporary database (dropped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/odoo_env.sh
source tools/odoo_env.sh
if [ ${#odoo_cmd[@]} -eq 0 ]; then
  echo "Odoo 18 not found: set ODOO_BIN=/path/to/odoo-bin (see DEVELOPERS.md)" >&2
  exit 2
fi
if [ $# -gt 0 ]; then
  addons=$(printf '%s\n' "$@" | paste -sd, -)
else
  addons=$(find addons -mindepth 2 -maxdepth 2 -name __manifest__.py -printf '%h\n' | xargs -n1 basename | sort | paste -sd, -)
fi
# The merge needs polib: Odoo's Python has it, the project's has it with the test extras.
merge_python="$ODOO_PYTHON"
"$merge_python" -c "import polib" >/dev/null 2>&1 || merge_python="$PYTHON"

db=${ODOO_I18N_DB:-einvoice_i18n_$(date +%s)_$$}
export_file=$(mktemp --suffix=.tgz)
log=$(mktemp)
cleanup() {
  dropdb -h "${PGHOST:-127.0.0.1}" -U "${PGUSER:-odoo}" --if-exists "$db" >/dev/null 2>&1 || true
  rm -f "$export_file" "$log"
}
trap cleanup EXIT
odoo_args=(-c odoo.conf --addons-path="$addons_path" -d "$db" --db_host="${PGHOST:-127.0.0.1}"
  --db_user="${PGUSER:-odoo}" --http-interface=127.0.0.1 --http-port="${ODOO_I18N_PORT:-18079}" --stop-after-init)

echo "Installing $addons in a temporary database $db"
if ! PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "${odoo_cmd[@]}" "${odoo_args[@]}" -i "$addons" \
  --log-level=warn >"$log" 2>&1; then
  tail -40 "$log"
  echo "!!! the install failed: no template was exported" >&2
  exit 1
fi
echo "Exporting the templates of $addons"
PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "${odoo_cmd[@]}" "${odoo_args[@]}" \
  --i18n-export="$export_file" --modules="$addons" --log-level=warn >"$log" 2>&1 || {
  tail -40 "$log"
  exit 1
}
"$merge_python" tools/merge_translations.py "$export_file"
IFS=, read -r -a names <<<"$addons"
"$merge_python" tools/check_translations.py "${names[@]}"
