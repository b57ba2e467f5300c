"""A readable listing of an invoice's business terms, for ``python -m einvoice show``."""

import datetime
import hashlib
from decimal import Decimal

from .model import Identifier, iter_terms
from .terms import term_name


def format_value(value):
    if isinstance(value, bytes):
        return f"<{len(value)} bytes, sha-256 {hashlib.sha256(value).hexdigest()[:16]}...>"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Identifier):
        return f"{value.value}" + (f"  [scheme {value.scheme}]" if value.scheme else "")
    return str(value)


def render_text(invoice):
    """The invoice as indented lines: ``BT-1  Invoice number ........ F2026-001``."""
    rows = []
    for depth, term_id, value in iter_terms(invoice):
        indent = "  " * depth
        label = f"{indent}{term_id:<7} {term_name(term_id)}"
        if value is None:
            rows.append(label)
        else:
            rows.append(f"{label:<62} {format_value(value)}")
    return "\n".join(rows)
