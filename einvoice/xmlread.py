"""A small typed reader over a parsed XML tree, shared by the CII and UBL parsers."""

from decimal import Decimal, InvalidOperation
from typing import ClassVar

from .errors import ParseError


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
        value = self.text(path)
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ParseError(f"{path}: {value!r} is not a number") from exc
