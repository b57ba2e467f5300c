"""Malformed and hostile PDFs: every one is refused with a ParseError, quickly, and nothing else escapes."""

import io
import time

import pikepdf
import pytest

from einvoice import api, pdf
from einvoice.errors import ParseError
from einvoice.testing.cases import CASES


def _pdf(mutate):
    """A one-page PDF, changed by ``mutate(pdf)`` through pikepdf (an independent PDF writer)."""
    document = pikepdf.new()
    document.add_blank_page(page_size=(200, 200))
    mutate(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _cyclic_kids(document):
    tree = document.make_indirect(pikepdf.Dictionary())
    tree.Kids = pikepdf.Array([tree, tree])
    document.Root.Names = pikepdf.Dictionary(EmbeddedFiles=tree)


def _deep_cycle(document):
    # 32 levels each listing the next twice, the last pointing back at the first: 2**32 paths.
    nodes = [document.make_indirect(pikepdf.Dictionary()) for _ in range(32)]
    for node, following in zip(nodes, nodes[1:] + nodes[:1]):
        node.Kids = pikepdf.Array([following, following])
    document.Root.Names = pikepdf.Dictionary(EmbeddedFiles=nodes[0])


def _wrong_types(document):
    document.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=7, Kids=pikepdf.Name("/X")))
    document.Root.AF = 12


def _names_is_a_number(document):
    document.Root.Names = 5


def _ef_not_a_stream(document):
    spec = pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="factur-x.xml", EF=pikepdf.Dictionary(F=42))
    document.Root.Names = pikepdf.Dictionary(
        EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array(["factur-x.xml", spec]))
    )


def _entries_out_of_order(document):
    document.Root.Names = pikepdf.Dictionary(
        EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.Dictionary(), "factur-x.xml", 3]))
    )


def _bad_stream(document):
    stream = pikepdf.Stream(document, b"\x00garbage that is no deflate data")
    stream.Filter = pikepdf.Name.FlateDecode
    spec = pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="factur-x.xml", EF=pikepdf.Dictionary(F=stream))
    document.Root.Names = pikepdf.Dictionary(
        EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array(["factur-x.xml", spec]))
    )


def _annotation_without_spec(document):
    document.pages[0].Annots = pikepdf.Array([pikepdf.Dictionary(Subtype=pikepdf.Name.FileAttachment, FS=3), 4])


@pytest.mark.parametrize(
    "mutate",
    [
        _cyclic_kids,
        _deep_cycle,
        _wrong_types,
        _names_is_a_number,
        _ef_not_a_stream,
        _entries_out_of_order,
        _bad_stream,
        _annotation_without_spec,
    ],
)
def test_a_malformed_attachment_structure_is_a_parse_error(mutate):
    data = _pdf(mutate)
    started = time.monotonic()
    with pytest.raises(ParseError):
        api.load(data)
    with pytest.raises(ParseError):
        pdf.extract_xml(data)
    assert time.monotonic() - started < 5


def test_a_name_tree_with_too_many_nodes_is_refused():
    def wide(document):
        kids = [
            document.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array()))
            for _ in range(pdf.MAX_NAME_TREE_NODES + 1)
        ]
        document.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Kids=pikepdf.Array(kids)))

    with pytest.raises(ParseError, match="over 1000 nodes"):
        pdf.extract_xml(_pdf(wide))


def test_a_malformed_base_pdf_is_refused_when_embedding():
    xml = api.build(CASES["b2b_goods_standard"](), "cii")
    with pytest.raises(ParseError, match="base PDF"):
        pdf.embed_xml(_pdf(_wrong_types), xml, "EN 16931")


def test_an_invoice_still_reads_through_a_name_tree_with_kids():
    xml = api.build(CASES["b2b_goods_standard"](), "cii")

    def nested(document):
        stream = pikepdf.Stream(document, xml)
        stream.Type = pikepdf.Name.EmbeddedFile
        spec = pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F="factur-x.xml", UF="factur-x.xml", EF=pikepdf.Dictionary(F=stream)
        )
        leaf = document.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(["factur-x.xml", spec])))
        middle = document.make_indirect(pikepdf.Dictionary(Kids=pikepdf.Array([leaf, leaf])))
        document.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Kids=pikepdf.Array([middle, middle])))

    assert pdf.extract_xml(_pdf(nested)) == ("factur-x.xml", xml)
