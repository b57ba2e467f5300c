"""A small typed reader over a parsed XML tree, shared by the CII and UBL parsers."""

import re
from decimal import Decimal
from typing import ClassVar

from .errors import ParseError

#: The xs:decimal lexical space (XML Schema 1.0 §3.2.3): ASCII digits, one optional sign and
#: point, no exponent, no NaN or Infinity. Amounts, quantities, rates and percentages of CII and
#: UBL are all xs:decimal; Python's Decimal would also take "1E+999999999", "NaN", "1_000" or
#: Arabic-Indic digits.
XS_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
#: More digits than this is no amount, quantity or rate of an invoice.
MAX_DECIMAL_DIGITS = 40
#: XML whitespace, which the xs:decimal "collapse" facet removes around a value.
XML_SPACE = " \t\r\n"


def xs_decimal(value, where):
    """``value`` (text) as a Decimal when it is an xs:decimal, else a ParseError naming ``where``."""
    text = value.strip(XML_SPACE)
    if len(text) > MAX_DECIMAL_DIGITS + 2 or not XS_DECIMAL.fullmatch(text):
        shown = text if len(text) <= 50 else text[:50] + "..."
        raise ParseError(f"{where}: {shown!r} is not a decimal number (digits, an optional sign and point)")
    return Decimal(text)


class XmlReader:
    """Wraps an lxml element; paths are relative XPath-like steps with prefixes of ``NSMAP``.

    Subclasses set ``NSMAP`` and may override :meth:`path` to add a default prefix.
    """

    NSMAP: ClassVar[dict] = {}

    def __init__(self, node):
        self.node = node

    @classmethod
    def path(cls, path):
        return path

    def find(self, path):
        return self.node if path == "." else self.node.find(self.path(path), self.NSMAP)

    def all(self, path):
        return [type(self)(n) for n in self.node.findall(self.path(path), self.NSMAP)]

    def one(self, path):
        found = self.find(path)
        return type(self)(found) if found is not None else None

    def text(self, path="."):
        found = self.find(path)
        if found is None or found.text is None:
            return None
        return found.text.strip()

    def attr(self, path, name):
        found = self.find(path)
        return found.get(name) if found is not None else None

    def decimal(self, path="."):
        found = self.find(path)
        if found is None or found.text is None:
            return None
        return xs_decimal(found.text, path)
