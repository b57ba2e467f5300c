#!/usr/bin/env bash
# Run every test of the project:
#   1. the pre-commit checks (ruff, ruff-format, pylint-odoo, prettier) on all files;
#   2. the engine's pytest suite (tests/);
#   3. the addons' Odoo tests, in a fresh database with demo data, whenever Odoo 18 is
#      available (ODOO_BIN pointing at odoo-bin, odoo-bin in ODOO_HOME (default /opt/odoo),
#      an `odoo` command on PATH, or `odoo` importable by this Python); a loud line says
#      so when it is not.
# Official artefacts: EINVOICE_ARTEFACTS_DIR (see schemas/README.md).
# Usage: tools/run_tests.sh [pytest arguments...]   (ODOO_TEST_DB, ODOO_TEST_PORT: the Odoo test database and port)
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
status=0

banner() { printf '\n==== %s ====\n' "$*"; }

banner "pre-commit checks"
if "$PYTHON" -m pre_commit --version >/dev/null 2>&1; then
  "$PYTHON" -m pre_commit run --all-files --show-diff-on-failure || status=1
else
  echo "!!! pre-commit is not installed for $PYTHON: install the test extras (pip install -e '.[test]') !!!"
  status=1
fi

banner "engine tests (pytest)"
if [ -z "${EINVOICE_ARTEFACTS_DIR:-}" ]; then
  echo "!!! EINVOICE_ARTEFACTS_DIR is not set: the conformance tests against the official artefacts will be skipped !!!"
fi
"$PYTHON" -m pytest "$@" || status=1

banner "French translations (tools/check_translations.py)"
"$PYTHON" tools/check_translations.py || status=1

banner "addons' README.rst (tools/gen_readme.py --check)"
"$PYTHON" tools/gen_readme.py --check || status=1

banner "addons' Odoo tests"
addons=$(find addons -mindepth 2 -maxdepth 2 -name __manifest__.py -printf '%h\n' 2>/dev/null | xargs -r -n1 basename | sort | paste -sd, -)
# Where Odoo 18 is (ODOO_BIN, ODOO_HOME, an `odoo` command, `odoo` importable): tools/odoo_env.sh.
# shellcheck source=tools/odoo_env.sh
source tools/odoo_env.sh
if [ ${#odoo_cmd[@]} -eq 0 ]; then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! ODOO 18 NOT FOUND: THE ADDONS' ODOO TESTS DID NOT RUN ON THIS MACHINE !!!"
  echo "!!! (set ODOO_BIN=/path/to/odoo-bin, install Odoo in /opt/odoo, or make    !!!"
  echo "!!!  'odoo' importable; see DEVELOPERS.md)                                  !!!"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
elif [ -z "$addons" ]; then
  echo "Odoo found (${odoo_cmd[*]}), but addons/ holds no module yet: no Odoo test to run."
else
  db=${ODOO_TEST_DB:-einvoice_test_$(date +%s)_$$}
  log=$(mktemp)
  test_tags=$(echo "$addons" | tr ',' '\n' | sed 's|^|/|' | paste -sd, -)
  echo "Installing $addons (with demo data, English and French loaded) and running their tests ($test_tags)" \
    "in a fresh database $db"
  # French is installed before the addons, so each addon's i18n/fr.po is read as it installs:
  # a malformed entry is logged there (odoo.tools.translate) and fails the run. English stays
  # the database's default language (the first one loaded), as the tests expect.
  # The engine of this checkout, whatever the Odoo environment has installed.
  PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "${odoo_cmd[@]}" -c odoo.conf --addons-path="$addons_path" \
    -d "$db" -i "$addons" --load-language=en_US,fr_FR --test-enable --test-tags="$test_tags" --stop-after-init \
    --http-interface=127.0.0.1 --http-port="${ODOO_TEST_PORT:-18069}" --log-level=test \
    --db_host="${PGHOST:-127.0.0.1}" --db_user="${PGUSER:-odoo}" 2>&1 | tee "$log"
  odoo_rc=${PIPESTATUS[0]}
  translation_lines=$(grep -E ' (ERROR|CRITICAL|WARNING) [^ ]+ odoo\.tools\.translate' "$log" || true)
  for addon in ${addons//,/ }; do
    if ! grep -E "module $addon: loading translation file .*/$addon/i18n/fr\.po for language fr_FR" "$log" >/dev/null; then
      echo "!!! $addon/i18n/fr.po was not loaded while $addon installed: its translations went unchecked"
      status=1
    fi
  done
  # The OCA rule: any ERROR, CRITICAL or WARNING line fails the run; so does a run without tests.
  if [ -n "$translation_lines" ]; then
    echo "!!! Loading the translations logged errors (fix the entries of the addons' i18n/ files):"
    echo "$translation_lines" | head -50
    status=1
  fi
  if [ "$odoo_rc" -ne 0 ] || grep -E ' (ERROR|CRITICAL|WARNING) ' "$log" >/dev/null; then
    echo "!!! Odoo tests FAILED (exit $odoo_rc); offending lines:"
    grep -E ' (ERROR|CRITICAL|WARNING) ' "$log" | head -50
    status=1
  elif ! grep -E '0 failed, 0 error\(s\) of [1-9][0-9]* tests' "$log" >/dev/null; then
    echo "!!! Odoo ran no test of the addons: check the test tags and the modules' tests/ folders"
    status=1
  else
    grep -E 'failed, .* error\(s\) of' "$log" | tail -1
    echo "Odoo tests passed."
    banner "translation templates against the code"
    # The msgids of the code, exported from the test database, must all be in the templates.
    export_file=$(mktemp --suffix=.tgz)
    if PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "${odoo_cmd[@]}" -c odoo.conf --addons-path="$addons_path" \
      -d "$db" --i18n-export="$export_file" --modules="$addons" --stop-after-init --log-level=warn \
      --http-interface=127.0.0.1 --http-port="${ODOO_TEST_PORT:-18069}" \
      --db_host="${PGHOST:-127.0.0.1}" --db_user="${PGUSER:-odoo}" >/dev/null 2>&1; then
      "$PYTHON" tools/merge_translations.py "$export_file" --check || status=1
    else
      echo "!!! the translation templates could not be exported from $db"
      status=1
    fi
    rm -f "$export_file"
    banner "crash test: kill -9 of an Odoo process sending to the platform"
    PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" tests/odoo/kill_mid_batch.py --template "$db" \
      --addons-path "$addons_path" -- "${odoo_cmd[@]}" || status=1
    banner "crash test: kill -9 of an Odoo process depositing on Chorus Pro"
    PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" tests/odoo/kill_mid_chorus.py --template "$db" \
      --addons-path "$addons_path" -- "${odoo_cmd[@]}" || status=1
  fi
  dropdb -h "${PGHOST:-127.0.0.1}" -U "${PGUSER:-odoo}" "$db" >/dev/null 2>&1 || true
  rm -f "$log"
fi

banner "result"
if [ "$status" -eq 0 ]; then echo "ALL TESTS PASSED"; else echo "SOME TESTS FAILED"; fi
exit "$status"
