#!/usr/bin/env bash
# Run every test of the project:
#   1. the pre-commit checks (ruff, ruff-format, pylint-odoo, prettier) on all files;
#   2. the engine's pytest suite (tests/);
#   3. the addons' Odoo tests, in a fresh database with demo data, whenever Odoo 18 is
#      available (ODOO_BIN pointing at odoo-bin, odoo-bin in ODOO_HOME (default /opt/odoo),
#      an `odoo` command on PATH, or `odoo` importable by this Python); a loud line says
#      so when it is not.
# Official artefacts: EINVOICE_ARTEFACTS_DIR (see schemas/README.md).
# Usage: tools/run_tests.sh [pytest arguments...]
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

banner "addons' Odoo tests"
addons=$(find addons -mindepth 2 -maxdepth 2 -name __manifest__.py -printf '%h\n' 2>/dev/null | xargs -r -n1 basename | sort | paste -sd, -)
# Where Odoo 18 is: ODOO_BIN (a source checkout's odoo-bin), else ODOO_HOME (default /opt/odoo)
# holding odoo-bin, else an `odoo` command on PATH, else `odoo` importable by $PYTHON.
# ODOO_PYTHON runs odoo-bin (default: $ODOO_HOME/venv/bin/python when it exists, else $PYTHON).
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
if [ ${#odoo_cmd[@]} -eq 0 ]; then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! ODOO 18 NOT FOUND: THE ADDONS' ODOO TESTS DID NOT RUN ON THIS MACHINE !!!"
  echo "!!! (set ODOO_BIN=/path/to/odoo-bin, install Odoo in /opt/odoo, or make    !!!"
  echo "!!!  'odoo' importable; see DEVELOPERS.md)                                  !!!"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
elif [ -z "$addons" ]; then
  echo "Odoo found (${odoo_cmd[*]}), but addons/ holds no module yet: no Odoo test to run."
else
  db="einvoice_test_$(date +%s)_$$"
  log=$(mktemp)
  addons_path="$(pwd)/addons"
  # A source install keeps Odoo's own addons beside odoo-bin.
  if [ -n "${ODOO_BIN:-}" ] && [ -d "$(dirname "$ODOO_BIN")/addons" ]; then
    addons_path="$(cd "$(dirname "$ODOO_BIN")" && pwd)/addons,$addons_path"
  fi
  test_tags=$(echo "$addons" | tr ',' '\n' | sed 's|^|/|' | paste -sd, -)
  echo "Installing $addons (with demo data) and running their tests ($test_tags) in a fresh database $db"
  # The engine of this checkout, whatever the Odoo environment has installed.
  PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "${odoo_cmd[@]}" -c odoo.conf --addons-path="$addons_path" \
    -d "$db" -i "$addons" --test-enable --test-tags="$test_tags" --stop-after-init \
    --http-interface=127.0.0.1 --http-port="${ODOO_TEST_PORT:-18069}" --log-level=test \
    --db_host="${PGHOST:-127.0.0.1}" --db_user="${PGUSER:-odoo}" 2>&1 | tee "$log"
  odoo_rc=${PIPESTATUS[0]}
  # The OCA rule: any ERROR, CRITICAL or WARNING line fails the run; so does a run without tests.
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
    banner "crash test: kill -9 of an Odoo process sending to the platform"
    PYTHONPATH="$(pwd)${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" tests/odoo/kill_mid_batch.py --template "$db" \
      --addons-path "$addons_path" -- "${odoo_cmd[@]}" || status=1
  fi
  dropdb -h "${PGHOST:-127.0.0.1}" -U "${PGUSER:-odoo}" "$db" >/dev/null 2>&1 || true
  rm -f "$log"
fi

banner "result"
if [ "$status" -eq 0 ]; then echo "ALL TESTS PASSED"; else echo "SOME TESTS FAILED"; fi
exit "$status"
