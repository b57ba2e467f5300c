"""In-process validation against the official XSD and schematron (see engine.py for which rules run)."""

from .engine import COMPILATIONS, FATAL, WARNING, Finding, Report, bare_runs, is_french, plan, validate, validating
