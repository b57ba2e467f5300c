"""French e-invoicing engine: the EN16931 semantic model, CII / UBL / Factur-X
builders and parsers, and in-process validation against the official
XSD and schematron artefacts. Imports no Odoo."""

__version__ = "0.1.0"
