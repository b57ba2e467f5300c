#!/usr/bin/env bash
# Set up the engine in a virtual environment, write demo invoices in every
# syntax and validate them: the engine's main job in one command.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
rm -rf demo-out
.venv/bin/python -m einvoice.testing.demo demo-out "$@" >/dev/null
.venv/bin/python -m einvoice validate demo-out/*
echo
echo "Demo invoices are in demo-out/; try: .venv/bin/python -m einvoice show demo-out/$(ls demo-out | head -1)"
