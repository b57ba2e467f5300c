"""A readable listing of an invoice's business terms, for ``python -m einvoice show``."""

import dataclasses
import datetime
import hashlib
from decimal import Decimal

from .model import Identifier, _context_term, _group_of, _is_empty
from .terms import term_name


def iter_terms(invoice):
    """Yield ``(depth, term_id, value)`` in model order; groups have value None."""
    yield from _iter(invoice, None, 0)


def _iter(obj, context, depth):
    for f in dataclasses.fields(obj):
        bt = f.metadata.get("bt")
        value = getattr(obj, f.name)
        if bt is None or _is_empty(value):
            continue
        bt = _context_term(bt, context)
        for element in value if isinstance(value, list) else (value,):
            if dataclasses.is_dataclass(element) and not isinstance(element, Identifier):
                group = _group_of(element, bt)
                yield depth, group, None
                yield from _iter(element, group, depth + 1)
            else:
                yield depth, bt, element


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
