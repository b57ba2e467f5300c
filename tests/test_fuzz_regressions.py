"""Each crash the fuzz campaign found (``bench/fuzz_campaign.py``), with its input reduced by
:func:`einvoice.testing.fuzz.reduce_xml` or by hand: the engine now returns or raises its own
error, and an input that is invalid stays invalid."""

import io

import pikepdf
import pytest

from einvoice import api
from einvoice.errors import ParseError
from einvoice.money import format_amount, format_quantity
from einvoice.show import render_text
from einvoice.testing.cases import CASES
from einvoice.testing.fuzz import facturx_seed, run_input
from einvoice.validation import validate

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
PEPPOL_BT24 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

# TypeError at einvoice/money.py:format_decimal (build): a line without quantity or amounts.
EMPTY_LINE = f"""<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}" xmlns:ram="{RAM}">
  <rsm:ExchangedDocument/>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem/>
    <ram:ApplicableHeaderTradeAgreement/>
    <ram:ApplicableHeaderTradeSettlement/>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()

# AttributeError at einvoice/render.py:render_pdf (build facturx): an invoice without BT-2.
EMPTY_CREDIT_NOTE = b'<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>'

# KeyError at einvoice/validation/engine.py:plan (check): a CII carrying the PEPPOL BT-24.
PEPPOL_CII = f"""<rsm:CrossIndustryInvoice xmlns:rsm="{RSM}" xmlns:ram="{RAM}">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>{PEPPOL_BT24}</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
</rsm:CrossIndustryInvoice>""".encode()


def _no_crash(data):
    outcome = run_input(data)
    assert not outcome.crashes, [crash.traceback for crash in outcome.crashes]
    return outcome


def test_a_line_without_quantity_or_amounts_is_written_empty_and_stays_invalid():
    loaded = api.load(EMPTY_LINE)
    line = loaded.invoice.lines[0]
    assert (line.quantity, line.net_amount, line.price.net) == (None, None, None)
    _no_crash(EMPTY_LINE)
    assert "BG-25   Invoice line" in render_text(loaded.invoice)
    cii = api.build(loaded.invoice, "cii")
    # The missing values are written as empty elements: the schema names each of them.
    assert b"<ram:BilledQuantity/>" in cii and b"<ram:LineTotalAmount/>" in cii
    report = api.check(cii)
    assert not report.is_valid and any("BilledQuantity" in f.message_en for f in report.fatal)
    ubl = api.build(loaded.invoice, "ubl")
    assert not api.check(ubl).is_valid
    assert format_amount(None) is None and format_quantity(None) is None


def test_an_invoice_without_issue_date_renders_and_its_facturx_is_invalid():
    loaded = api.load(EMPTY_CREDIT_NOTE)
    assert loaded.invoice.issue_date is None
    _no_crash(EMPTY_CREDIT_NOTE)
    facturx = api.build(loaded.invoice, "facturx")
    report = api.check(facturx)
    assert report.rule_sets[0] == "XSD Factur-X EN 16931"
    assert not report.is_valid and any(f.rule_id == "XSD" for f in report.fatal)


def test_a_cii_with_the_peppol_specification_runs_the_en16931_rules(reference_dir):
    _no_crash(PEPPOL_CII)
    report = validate(PEPPOL_CII)
    assert report.rule_sets[:2] == ["XSD CII D22B", "EN16931 CII"]
    assert not report.is_valid  # the reduced input lacks nearly everything: the XSD says so


def test_a_factur_x_with_the_peppol_specification_is_refused():
    # PEPPOL BIS is no Factur-X profile: the Factur-X EN 16931 rules refuse its BT-24.
    xml = api.build(CASES["b2b_goods_standard"](), "cii")
    xml = xml.replace(b"urn:cen.eu:en16931:2017<", PEPPOL_BT24.encode() + b"<")
    report = validate(xml, facturx=True)
    assert report.rule_sets[:2] == ["XSD Factur-X EN 16931", "Factur-X EN 16931"]
    assert not report.is_valid and "FX-SCH-A-000556" in {f.rule_id for f in report.fatal}


def _facturx_with(change):
    document = pikepdf.open(io.BytesIO(facturx_seed(CASES["b2b_goods_standard"](), "EN 16931")))
    change(document)
    out = io.BytesIO()
    document.save(out, fix_metadata_version=False)
    return out.getvalue()


def _embedded_xml_filter(document):
    # NotImplementedError at einvoice/pdf.py:_file_bytes (load and check).
    spec = document.Root.AF[0]
    spec.EF.F.Filter = pikepdf.Name("/NoSuchFilter")


def _xmp_filter(document):
    # NotImplementedError at einvoice/pdf.py:container_findings (check).
    document.Root.Metadata.Filter = pikepdf.Name("/NoSuchFilter")


def test_an_embedded_xml_in_a_filter_pypdf_lacks_is_a_parse_error():
    data = _facturx_with(_embedded_xml_filter)
    _no_crash(data)
    for entry_point in (api.load, api.check):
        with pytest.raises(ParseError, match="'factur-x.xml' cannot be decoded .*Unsupported filter /NoSuchFilter"):
            entry_point(data)


def test_xmp_metadata_that_does_not_decode_is_a_container_finding():
    data = _facturx_with(_xmp_filter)
    _no_crash(data)
    assert api.load(data).invoice.number == CASES["b2b_goods_standard"]().number
    report = api.check(data)
    pdfa = [f for f in report.fatal if f.rule_id == "FX-PDF-PDFA"]
    assert pdfa and "no readable XMP metadata" in pdfa[0].message_en
