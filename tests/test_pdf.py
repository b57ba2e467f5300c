"""Factur-X PDF/A-3 structure, checked with pikepdf (an independent reader) and the factur-x library."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from einvoice import calc
from einvoice.errors import ParseError
from einvoice.model import Address, Invoice, Item, Line, Party, Price
from einvoice.pdf import embed_xml, extract_xml, is_pdf
from einvoice.profiles import FACTURX_CONFORMANCE_LEVEL, Profile
from einvoice.render import render_pdf

XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
    b"<rsm:ExchangedDocument><ram:ID>F2026-7</ram:ID></rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"
)
FX = "{urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


def _invoice():
    invoice = Invoice(
        number="F2026-7",
        issue_date=datetime.date(2026, 9, 1),
        seller=Party(name="Atelier Dupont", address=Address(city="Paris", post_code="75002", country_code="FR")),
        buyer=Party(name="Client SA", address=Address(city="Lyon", country_code="FR")),
    )
    invoice.lines = [
        Line(id="1", quantity=Decimal(2), unit_code="C62", item=Item(name="Chaise"), price=Price(net=Decimal(10)))
    ]
    invoice.lines[0].vat_rate = Decimal(20)
    return calc.compute(invoice)


def _reportlab_pdf(font="embedded"):
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    if font == "embedded":
        pdfmetrics.registerFont(TTFont("TestVera", str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
        pdf = canvas.Canvas(buffer, initialFontName="TestVera")
        pdf.setFont("TestVera", 12)
    else:
        pdf = canvas.Canvas(buffer)
        pdf.setFont("Helvetica", 12)
    pdf.drawString(72, 720, "Facture F2026-7")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture(scope="module", params=["rendered", "third-party"])
def base_pdf(request):
    return render_pdf(_invoice()) if request.param == "rendered" else _reportlab_pdf()


def _xmp(pdf):
    raw = pdf.Root.Metadata.read_bytes()
    return etree.fromstring(raw[raw.index(b"<x:xmpmeta") : raw.rindex(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")])


def _all_fonts(pdf):
    for page in pdf.pages:
        for font in (page.Resources.get("/Font") or {}).values():
            if font.Subtype == "/Type0":
                font = font.DescendantFonts[0]
            yield font


@pytest.mark.parametrize("profile", list(FACTURX_CONFORMANCE_LEVEL))
def test_structure_is_pdfa3_facturx(base_pdf, profile):
    out = embed_xml(base_pdf, XML, profile)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        xmp = _xmp(pdf)
        assert xmp.findtext(f".//{PDFAID}part") == "3"
        assert xmp.findtext(f".//{PDFAID}conformance") == "B"
        assert xmp.findtext(f".//{FX}ConformanceLevel") == FACTURX_CONFORMANCE_LEVEL[profile]
        assert xmp.findtext(f".//{FX}DocumentFileName") == "factur-x.xml"
        assert xmp.findtext(f".//{FX}DocumentType") == "INVOICE"
        assert xmp.findtext(f".//{FX}Version") == "1.0"
        assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in {
            e.text for e in xmp.iter("{http://www.aiim.org/pdfa/ns/schema#}namespaceURI")
        }
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert int(intent.DestOutputProfile.N) == 3
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # ICC signature
        names = pdf.Root.Names.EmbeddedFiles.Names
        assert [str(names[i]) for i in range(0, len(names), 2)] == ["factur-x.xml"]
        spec = pdf.Root.AF[0]
        assert spec.objgen == names[1].objgen
        expected = "/Data" if profile in (Profile.MINIMUM, Profile.BASIC_WL) else "/Alternative"
        assert spec.AFRelationship == expected
        assert str(spec.UF) == "factur-x.xml" and str(spec.F) == "factur-x.xml"
        stream = spec.EF.F
        assert stream.Subtype == "/text/xml"
        assert str(stream.Params.ModDate).startswith("D:")
        assert int(stream.Params.Size) == len(XML)
        assert stream.read_bytes() == XML
        assert "/ID" in pdf.trailer and len(pdf.trailer.ID) == 2
        assert not pdf.is_encrypted
        assert all(
            any(k in f.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")) for f in _all_fonts(pdf)
        )
        assert b"/JavaScript" not in out and b"/JS " not in out
        assert str(pdf.docinfo.Producer) == xmp.findtext(".//{http://ns.adobe.com/pdf/1.3/}Producer")


def test_extraction_is_byte_identical_and_independent_reader_agrees():
    out = embed_xml(render_pdf(_invoice()), XML, Profile.EN16931)
    assert is_pdf(out)
    assert extract_xml(out) == ("factur-x.xml", XML)
    from facturx import get_xml_from_pdf

    filename, xml = get_xml_from_pdf(out, check_xsd=False)
    assert (filename, xml) == ("factur-x.xml", XML)


def test_reembedding_replaces_the_xml():
    first = embed_xml(render_pdf(_invoice()), XML, Profile.EN16931)
    second_xml = XML.replace(b"F2026-7", b"F2026-8")
    second = embed_xml(first, second_xml, Profile.EXTENDED, relationship="Source")
    with pikepdf.open(io.BytesIO(second)) as pdf:
        assert len(pdf.Root.AF) == 1
        assert len(pdf.Root.Names.EmbeddedFiles.Names) == 2
        assert pdf.Root.AF[0].AFRelationship == "/Source"
    assert extract_xml(second)[1] == second_xml


def test_base_pdf_with_unembedded_font_is_refused():
    with pytest.raises(ParseError, match="not embedded: Helvetica"):
        embed_xml(_reportlab_pdf(font="standard"), XML, Profile.EN16931)


def test_encrypted_and_javascript_pdfs_are_refused():
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(_reportlab_pdf())) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(ParseError, match="encrypted"):
        embed_xml(buffer.getvalue(), XML, Profile.EN16931)
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(_reportlab_pdf())) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.save(buffer)
    with pytest.raises(ParseError, match="JavaScript"):
        embed_xml(buffer.getvalue(), XML, Profile.EN16931)


def test_clear_errors_when_there_is_no_invoice_xml(tmp_path):
    with pytest.raises(ParseError, match="no attachment at all"):
        extract_xml(_reportlab_pdf())
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(_reportlab_pdf())) as pdf:
        pdf.attachments["conditions.txt"] = pikepdf.AttachedFileSpec(pdf, b"CGV")
        pdf.save(buffer)
    with pytest.raises(ParseError, match="holds: conditions.txt"):
        extract_xml(buffer.getvalue())
    with pytest.raises(ParseError, match="not a PDF"):
        extract_xml(b"<xml/>")


def test_zugferd_name_is_found():
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(_reportlab_pdf())) as pdf:
        pdf.attachments["ZUGFeRD-invoice.xml"] = pikepdf.AttachedFileSpec(pdf, XML)
        pdf.save(buffer)
    assert extract_xml(buffer.getvalue()) == ("ZUGFeRD-invoice.xml", XML)
