"""The one place where untrusted XML is parsed.

No entity expansion, no DTD, no network access, no huge trees, and a
size limit checked before parsing. Every module that reads an XML it did
not build itself goes through :func:`parse_xml`.
"""

from lxml import etree

from .errors import ParseError, UnsafeInputError

#: Default size limit for an XML document (invoices with embedded
#: attachments stay far below; Chorus Pro caps whole flows at 30 MB).
MAX_XML_BYTES = 50 * 1024 * 1024


def _make_parser():
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )


_PARSER = _make_parser()


def parse_xml(data, max_bytes=MAX_XML_BYTES, source="input"):
    """Parse bytes into an lxml element tree root, refusing unsafe input.

    Raises :class:`ParseError` for something that is not well-formed XML or
    is too large, and :class:`UnsafeInputError` for a document type
    declaration (the vector of entity expansion and external fetches).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"{source}: expected bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise ParseError(f"{source}: {len(data)} bytes is over the {max_bytes} bytes limit for an XML document")
    if not bytes(data[:1024]).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise ParseError(f"{source}: this is not an XML document")
    try:
        root = etree.fromstring(bytes(data), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{source}: not well-formed XML ({exc})") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeInputError(f"{source}: a document type declaration (DTD) is not allowed in an e-invoice")
    return root


def parse_file(path, max_bytes=MAX_XML_BYTES):
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    return parse_xml(data, max_bytes=max_bytes, source=str(path))
