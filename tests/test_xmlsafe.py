import pytest

from einvoice.errors import ParseError, UnsafeInputError
from einvoice.xmlsafe import parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<foo>&xxe;</foo>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE foo SYSTEM "http://127.0.0.1:9/evil.dtd"><foo/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_document_type_declarations_are_refused(payload):
    with pytest.raises(UnsafeInputError, match="DTD"):
        parse_xml(payload)


def test_external_entity_content_never_reaches_the_tree():
    with pytest.raises(UnsafeInputError):
        root = parse_xml(EXTERNAL_ENTITY)
        assert "root:" not in (root.text or "")


def test_size_limit_is_checked_before_parsing():
    with pytest.raises(ParseError, match="over the 100 bytes limit"):
        parse_xml(b"<a>" + b"x" * 200 + b"</a>", max_bytes=100)


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b"%PDF-1.7 ...", "not an XML document"), (b"", "not an XML document"), (b"<a><b></a>", "not well-formed")],
)
def test_clear_errors_for_what_is_not_xml(payload, message):
    with pytest.raises(ParseError, match=message):
        parse_xml(payload, source="upload.xml")


def test_well_formed_document_is_parsed_with_namespaces():
    root = parse_xml(
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><i:Invoice xmlns:i="urn:x"><i:ID>1</i:ID></i:Invoice>'
    )
    assert root.tag == "{urn:x}Invoice"
    assert root[0].text == "1"
