"""Decimal helpers: EN16931 and BR-FR-DEC precision.

EN16931 (BR-DEC-*) limits document amounts to 2 decimals. The French rules
(BR-FR-DEC-01..04, G1.14-16) allow at most 2 decimals for amounts, 4 for
quantities and 6 for unit prices, 19 digits in all.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import ModelError

AMOUNT_DECIMALS = 2
QUANTITY_DECIMALS = 4
UNIT_PRICE_DECIMALS = 6
RATE_DECIMALS = 2
MAX_DIGITS = 19

_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_EXPONENTS = {n: Decimal(1).scaleb(-n) for n in range(8)}


def to_decimal(value, term=""):
    """Turn a str / int / Decimal into a Decimal, with a clear error.

    Floats are refused on purpose: their binary rounding is what
    produces BR-CO-10 mismatches.
    """
    if value is None:
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ModelError(f"{term or 'value'}: {value!r} is not a finite number")
        return value
    if isinstance(value, float):
        raise ModelError(f"{term or 'value'}: use Decimal or str, not float ({value!r})")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ModelError(f"{term or 'value'}: {value!r} is not a number")
    text = str(value).strip()
    # Plain decimal notation only: Decimal() would also take "NaN", "1E+999999999" or "1_000".
    if len(text) > 2 * MAX_DIGITS or not _PLAIN_DECIMAL.fullmatch(text):
        raise ModelError(f"{term or 'value'}: {value!r} is not a number")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ModelError(f"{term or 'value'}: {value!r} is not a number") from exc


def round_to(value, decimals):
    return value.quantize(_EXPONENTS[decimals], rounding=ROUND_HALF_UP)


def round_amount(value):
    """Round a monetary amount to 2 decimals, half up (EN16931 practice)."""
    return round_to(value, AMOUNT_DECIMALS)


def decimals_of(value):
    """Number of decimals written in a Decimal (1.50 -> 2, 10 -> 0)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def digits_of(value):
    return len(value.as_tuple().digits)


def format_decimal(value, max_decimals=None, min_decimals=0):
    """Render a Decimal without exponent, trimming trailing zeros.

    ``min_decimals`` keeps e.g. amounts as ``12.50``; ``max_decimals``
    rounds first (half up) when a value carries more precision than the
    syntax allows. No value (None) gives no text: the builders then write the element empty
    or leave it out, and validation names the missing term.
    """
    if value is None:
        return None
    if max_decimals is not None and decimals_of(value) > max_decimals:
        value = round_to(value, max_decimals)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if min_decimals:
        whole, _, frac = text.partition(".")
        text = f"{whole}.{frac.ljust(min_decimals, '0')}"
    if text in ("-0", "-0.00", "-0.0"):
        text = text[1:]
    return text


# Formatting never rounds: a value with more decimals than the rules allow is
# written as it is, so that the validator reports it (BR-DEC, BR-FR-DEC)
# instead of the amount changing silently. calc.py rounds what it computes.


def format_amount(value):
    return format_decimal(value, min_decimals=AMOUNT_DECIMALS)


def format_quantity(value):
    return format_decimal(value)


def format_unit_price(value):
    return format_decimal(value)


def format_rate(value):
    return format_decimal(value)
