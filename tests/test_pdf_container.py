"""The PDF around the XML: embedding makes a base PDF/A-3 conformant or refuses it clearly, and
validating a PDF checks its container as well as its XML."""

import io
import shutil
import subprocess

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter

from einvoice import api, pdf
from einvoice.errors import ParseError
from einvoice.testing.cases import CASES


def _xml():
    return api.build(CASES["b2b_goods_standard"](), "cii")


def _plain_pdf(draw=None):
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    (draw or (lambda c: None))(page)
    page.showPage()
    page.save()
    return out.getvalue()


def _fatal_ids(report):
    return {f.rule_id for f in report.fatal}


def test_a_plain_pdf_with_an_xml_attached_is_not_a_valid_factur_x():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_plain_pdf(lambda c: c.drawString(100, 700, "Facture")))))
    writer.add_attachment("factur-x.xml", _xml())
    out = io.BytesIO()
    writer.write(out)
    report = api.check(out.getvalue())
    assert not report.is_valid
    assert {"FX-PDF-PDFA", "FX-PDF-INTENT", "FX-PDF-FONTS", "FX-PDF-AF", "FX-PDF-LEVEL"} <= _fatal_ids(report)
    assert "Factur-X PDF/A-3 container" in report.rule_sets
    # The XML itself is fine: only the container findings make the file invalid.
    assert all(f.rule_set == "Factur-X PDF/A-3 container" for f in report.fatal)


def test_an_xmp_level_that_contradicts_bt24_is_found():
    document = pikepdf.open(io.BytesIO(api.build(CASES["b2b_goods_standard"](), "facturx")))
    xmp = bytes(document.Root.Metadata.read_bytes()).replace(
        b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>", b"<fx:ConformanceLevel>MINIMUM</fx:ConformanceLevel>"
    )
    document.Root.Metadata = pikepdf.Stream(document, xmp)
    out = io.BytesIO()
    document.save(out)
    report = api.check(out.getvalue())
    level = [f for f in report.fatal if f.rule_id == "FX-PDF-LEVEL"]
    assert level and "MINIMUM" in level[0].message_en and "EN 16931" in level[0].message_fr


def test_what_the_engine_writes_passes_its_container_checks():
    report = api.check(api.build(CASES["b2b_services"](), "facturx"))
    assert report.is_valid and not [f for f in report.findings if f.rule_id.startswith("FX-PDF")]


def _with_annotation(annotation):
    document = pikepdf.open(io.BytesIO(api.build(CASES["b2b_goods_standard"](), "facturx")))
    document.pages[0].Annots = document.make_indirect(pikepdf.Array([document.make_indirect(annotation)]))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_link_annotations_get_the_print_flag():
    base = _with_annotation(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[10, 10, 100, 30],
            F=2,  # hidden
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI="https://www.example.com"),
        )
    )
    result = pikepdf.open(io.BytesIO(pdf.embed_xml(base, _xml(), "EN 16931")))
    flags = int(result.pages[0].Annots[0].F)
    assert flags & 4 and not flags & 2


@pytest.mark.parametrize(
    "annotation, message",
    [
        (
            pikepdf.Dictionary(
                Subtype=pikepdf.Name.Link, Rect=[0, 0, 9, 9], A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F="calc")
            ),
            "Launch action",
        ),
        (pikepdf.Dictionary(Subtype=pikepdf.Name.Widget, Rect=[0, 0, 9, 9], FT=pikepdf.Name.Tx), "no appearance"),
    ],
)
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_annotations_that_cannot_be_made_conformant_are_refused(annotation, message):
    with pytest.raises(ParseError, match=message):
        pdf.embed_xml(_with_annotation(annotation), _xml(), "EN 16931")


def test_device_cmyk_without_a_cmyk_intent_is_refused():
    base = _plain_pdf(lambda c: (c.setFillColorCMYK(0, 1, 1, 0), c.rect(10, 10, 50, 50, fill=1)))
    # The standard-14 font of a reportlab page is not the point here: nothing is written.
    with pytest.raises(ParseError, match="DeviceCMYK"):
        pdf.embed_xml(base, _xml(), "EN 16931", allow_unembedded_fonts=True)


def test_the_output_intent_of_a_pdfa_base_is_kept():
    first = pikepdf.open(io.BytesIO(api.build(CASES["b2b_goods_standard"](), "facturx")))
    intent = first.Root.OutputIntents[0]
    intent.OutputConditionIdentifier = "Custom RGB"
    out = io.BytesIO()
    first.save(out)
    again = pikepdf.open(io.BytesIO(pdf.embed_xml(out.getvalue(), _xml(), "EN 16931")))
    assert [str(i.OutputConditionIdentifier) for i in again.Root.OutputIntents] == ["Custom RGB"]


def test_an_unembedded_font_of_a_form_field_is_refused():
    document = pikepdf.open(io.BytesIO(api.build(CASES["b2b_goods_standard"](), "facturx")))
    helvetica = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    document.Root.AcroForm = pikepdf.Dictionary(
        Fields=[], DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=helvetica))
    )
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(ParseError, match="Helvetica"):
        pdf.embed_xml(out.getvalue(), _xml(), "EN 16931")


@pytest.mark.skipif(not shutil.which("wkhtmltopdf"), reason="wkhtmltopdf is not installed")
def test_a_wkhtmltopdf_base_with_links_becomes_pdfa3(verapdf, tmp_path):
    from test_pdfa_verapdf import verapdf_verdicts

    page = tmp_path / "invoice.html"
    page.write_text(
        '<html><head><meta charset="utf-8"></head><body><h1>Facture F-1</h1>'
        '<p>Société Dvořák — <a href="https://www.example.com">www.example.com</a></p></body></html>',
        encoding="utf-8",
    )
    base = tmp_path / "base.pdf"
    subprocess.run(["wkhtmltopdf", "-q", str(page), str(base)], check=True, capture_output=True, timeout=120)
    assert b"/Link" in base.read_bytes()
    result = tmp_path / "facturx.pdf"
    result.write_bytes(pdf.embed_xml(base.read_bytes(), _xml(), "EN 16931"))
    assert verapdf_verdicts(verapdf, [result]) == {"facturx.pdf": "PASS"}


def test_an_extended_ctc_fr_factur_x_says_factur_x_extended_and_meets_both_rule_sets():
    from einvoice.profiles import SPECIFICATION_IDS, Profile

    invoice = CASES["b2b_goods_standard"]()
    document = api.build(invoice, "facturx", profile=Profile.EXTENDED_CTC_FR)
    _name, xml = pdf.extract_xml(document)
    assert SPECIFICATION_IDS[Profile.EXTENDED].encode() in xml
    assert SPECIFICATION_IDS[Profile.EXTENDED_CTC_FR].encode() not in xml
    report = api.check(document, profile=Profile.EXTENDED_CTC_FR)
    assert report.is_valid, [(f.rule_id, f.message_en) for f in report.fatal]
    assert report.rule_sets[:3] == ["XSD Factur-X EXTENDED", "Factur-X EXTENDED", "EXTENDED-CTC-FR CII"]
    # The plain CII flow keeps the French CIUS identifier.
    assert SPECIFICATION_IDS[Profile.EXTENDED_CTC_FR].encode() in api.build(invoice, "cii", Profile.EXTENDED_CTC_FR)


def test_a_factur_x_carrying_the_ctc_fr_identifier_is_refused_as_its_receiver_would():
    from einvoice.cii import build_cii
    from einvoice.profiles import Profile

    xml = build_cii(CASES["b2b_goods_standard"](), Profile.EXTENDED_CTC_FR)  # the CIUS identifier
    document = pdf.embed_xml(api.build(CASES["b2b_goods_standard"](), "facturx"), xml, Profile.EXTENDED_CTC_FR)
    report = api.check(document)
    assert "FX-SCH-A-000636" in _fatal_ids(report)
