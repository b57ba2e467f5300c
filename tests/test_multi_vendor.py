"""Multi-vendor (B8/S8/M8) and bidirectional (B9/S9/M9) invoices: built in CII EXTENDED-CTC-FR, Factur-X
EXTENDED and UBL EXTENDED-CTC-FR, valid against the official rules (BR-FR-MV, BR-FR-BD), read back the same."""

import dataclasses
from decimal import Decimal

import pytest
from lxml import etree

from einvoice import api, multivendor
from einvoice.cii import NSMAP, build_cii, parse_cii
from einvoice.errors import ModelError, ProfileError
from einvoice.profiles import SPECIFICATION_IDS, Profile
from einvoice.testing.cases import MULTI_VENDOR_CASES, OTHER_SELLER_SIREN, SELLER_SIREN
from einvoice.ubl import build_ubl, parse_ubl
from einvoice.validation import validate

D = Decimal


def _explain(findings):
    return "\n".join(f"{f.rule_id} [{f.rule_set}] {f.message_en} @ {f.location}" for f in findings)


def _lines(xml):
    """(LineID, sub-type, parent, AFL, seller legal id, exemption reason, net) of each CII line."""
    root = etree.fromstring(xml)
    rows = []
    for item in root.iterfind(".//ram:IncludedSupplyChainTradeLineItem", NSMAP):
        doc = item.find("ram:AssociatedDocumentLineDocument", NSMAP)
        settlement = item.find("ram:SpecifiedLineTradeSettlement", NSMAP)
        rows.append(
            (
                doc.findtext("ram:LineID", namespaces=NSMAP),
                doc.findtext("ram:LineStatusReasonCode", namespaces=NSMAP),
                doc.findtext("ram:ParentLineID", namespaces=NSMAP),
                settlement.findtext(
                    "ram:AdditionalReferencedDocument[ram:ReferenceTypeCode='AFL']/ram:IssuerAssignedID",
                    namespaces=NSMAP,
                ),
                item.findtext(
                    "ram:SpecifiedLineTradeAgreement/ram:ItemSellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID",
                    namespaces=NSMAP,
                ),
                settlement.findtext("ram:ApplicableTradeTax/ram:ExemptionReason", namespaces=NSMAP),
                settlement.findtext(
                    "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", namespaces=NSMAP
                ),
            )
        )
    return rows


BUILDS = {
    # build id: (build, parse, validate as Factur-X, the rule sets that must have run, BT-24 written)
    "cii-extended-ctc-fr": (build_cii, parse_cii, False, {"EXTENDED-CTC-FR CII", "BR-FR CII"}, Profile.EXTENDED_CTC_FR),
    "facturx-extended": (
        lambda invoice, profile: build_cii(invoice, profile, facturx=True),
        parse_cii,
        True,
        {"Factur-X EXTENDED", "BR-FR CII"},
        Profile.EXTENDED,
    ),
    "ubl-extended-ctc-fr": (build_ubl, parse_ubl, False, {"EXTENDED-CTC-FR UBL", "BR-FR UBL"}, Profile.EXTENDED_CTC_FR),
}


@pytest.mark.parametrize("build_id", sorted(BUILDS))
@pytest.mark.parametrize("name", sorted(MULTI_VENDOR_CASES))
def test_case_is_valid_and_round_trips(reference_dir, name, build_id):
    build, parse, facturx, rule_sets, written = BUILDS[build_id]
    invoice = MULTI_VENDOR_CASES[name]()
    xml = build(invoice, Profile.EXTENDED_CTC_FR)
    report = validate(xml, facturx=facturx)
    assert not report.fatal, f"{name}: {report.rule_sets}\n{_explain(report.fatal)}"
    assert rule_sets <= set(report.rule_sets)
    assert parse(xml) == dataclasses.replace(invoice, specification_id=SPECIFICATION_IDS[written])


def test_two_sellers_structure_and_amounts():
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    xml = build_cii(invoice, Profile.EXTENDED_CTC_FR)
    own, other = "F2026-0800", "MM-2026-0042"
    assert _lines(xml) == [
        ("G1", "GROUP", None, own, SELLER_SIREN, None, "1026.00"),
        ("1", "DETAIL", "G1", own, SELLER_SIREN, f"#{own}#", "900.00"),
        ("2", "DETAIL", "G1", own, SELLER_SIREN, f"#{own}#", "126.00"),
        ("G2", "GROUP", None, other, OTHER_SELLER_SIREN, None, "1420.00"),
        ("3", "DETAIL", "G2", other, OTHER_SELLER_SIREN, f"#{other}#", "1200.00"),
        ("4", "DETAIL", "G2", other, OTHER_SELLER_SIREN, f"#{other}#", "220.00"),
    ]
    # One VAT breakdown entry per sub-invoice and rate, its reason opening with "#<AFL>#".
    assert [
        (v.exemption_reason, v.category, v.rate, v.taxable_amount, v.tax_amount) for v in invoice.vat_breakdown
    ] == [
        (f"#{own}#", "S", D(20), D("900.00"), D("180.00")),
        (f"#{own}#", "S", D("5.5"), D("126.00"), D("6.93")),
        (f"#{other}#", "S", D(20), D("1200.00"), D("240.00")),
        (f"#{other}#", "S", D(10), D("220.00"), D("22.00")),
    ]
    own_sub, other_sub = invoice.sub_invoices
    assert (own_sub.net_amount, own_sub.tax_amount, own_sub.gross_amount) == (D("1026.00"), D("186.93"), D("1212.93"))
    assert (other_sub.net_amount, other_sub.tax_amount, other_sub.gross_amount) == (
        D("1420.00"),
        D("262.00"),
        D("1682.00"),
    )
    assert (own_sub.frame, other_sub.frame) == ("B1", "M1")
    # The totals count the DETAIL lines once; the GROUP lines only sum them.
    totals = invoice.totals
    assert (totals.line_total, totals.tax_total, totals.tax_inclusive, totals.due) == (
        D("2446.00"),
        D("448.93"),
        D("2894.93"),
        D("2894.93"),
    )
    parsed = parse_cii(xml)
    assert [line.id for line in parsed.lines] == ["1", "2", "3", "4"]
    assert [parsed.line_seller(line).legal_id.value for line in parsed.lines] == [SELLER_SIREN] * 2 + [
        OTHER_SELLER_SIREN
    ] * 2


def test_credit_note_names_each_credited_sub_invoice():
    xml = build_cii(MULTI_VENDOR_CASES["multi_vendor_credit_note"](), Profile.EXTENDED_CTC_FR)
    root = etree.fromstring(xml)
    refs = root.xpath(
        "//ram:IncludedSupplyChainTradeLineItem[ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode='GROUP']"
        "/ram:SpecifiedLineTradeSettlement/ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()",
        namespaces=NSMAP,
    )
    assert refs == ["F2026-0800", "MM-2026-0042"]
    # Without them, BR-FR-MV-14 rejects the credit note.
    for ref in root.xpath("//ram:SpecifiedLineTradeSettlement/ram:InvoiceReferencedDocument", namespaces=NSMAP):
        ref.getparent().remove(ref)
    ids = {f.rule_id for f in validate(etree.tostring(root)).fatal}
    assert "BR-FR-MV-14" in ids


def test_bidirectional_has_one_group_per_party():
    invoice = MULTI_VENDOR_CASES["bidirectional_self_billed"]()
    assert invoice.type_code == "389" and invoice.business_process == "B9"
    groups = [row for row in _lines(build_cii(invoice, Profile.EXTENDED_CTC_FR)) if row[1] == "GROUP"]
    assert [row[4] for row in groups] == [invoice.seller.legal_id.value, invoice.buyer.legal_id.value]


def test_official_rules_catch_a_principal_sub_invoice_not_numbered_bt1(reference_dir):
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    own = b"<ram:IssuerAssignedID>F2026-0800</ram:IssuerAssignedID>"  # the AFL references, not BT-1
    xml = build_cii(invoice, Profile.EXTENDED_CTC_FR).replace(own, own.replace(b"0800", b"0899"))
    assert "BR-FR-MV-11" in {f.rule_id for f in validate(xml).fatal}


def test_facturx_pdf_end_to_end(reference_dir):
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    pdf = api.build(invoice, "facturx", Profile.EXTENDED_CTC_FR)
    report = api.check(pdf)
    assert not report.fatal, _explain(report.fatal)
    loaded = api.load(pdf)
    assert [sub.number for sub in loaded.invoice.sub_invoices] == ["F2026-0800", "MM-2026-0042"]
    assert loaded.invoice.totals == invoice.totals


def test_en16931_refuses_sub_invoices():
    with pytest.raises(ProfileError, match="EXT-FR-FE-163"):
        build_cii(MULTI_VENDOR_CASES["multi_vendor_two_sellers"](), Profile.EN16931)


def test_ubl_en16931_refuses_sub_invoices():
    with pytest.raises(ProfileError, match="EXT-FR-FE-163"):
        build_ubl(MULTI_VENDOR_CASES["multi_vendor_two_sellers"](), Profile.EN16931)


def test_ubl_structure(reference_dir):
    """UBL carries the sub-type and parent in a line billing reference to the invoice itself, the seller as
    the item's manufacturer party, the AFL / AVV numbers as line document references (French UBL rules)."""
    ns = {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    }
    root = etree.fromstring(build_ubl(MULTI_VENDOR_CASES["multi_vendor_two_sellers"](), Profile.EXTENDED_CTC_FR))
    rows = [
        (
            line.findtext("cbc:ID", namespaces=ns),
            line.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:DocumentStatusCode", namespaces=ns),
            line.findtext("cac:BillingReference/cac:BillingReferenceLine/cbc:ID", namespaces=ns),
            line.findtext("cac:DocumentReference/cbc:ID[@schemeID='AFL']", namespaces=ns),
            line.findtext("cac:Item/cac:ManufacturerParty/cac:PartyLegalEntity/cbc:CompanyID", namespaces=ns),
            line.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=ns),
        )
        for line in root.iterfind("cac:InvoiceLine", ns)
    ]
    own, other = "F2026-0800", "MM-2026-0042"
    assert rows == [
        ("G1", "GROUP", None, own, SELLER_SIREN, "186.93"),
        ("1", "DETAIL", "G1", own, SELLER_SIREN, None),
        ("2", "DETAIL", "G1", own, SELLER_SIREN, None),
        ("G2", "GROUP", None, other, OTHER_SELLER_SIREN, "262.00"),
        ("3", "DETAIL", "G2", other, OTHER_SELLER_SIREN, None),
        ("4", "DETAIL", "G2", other, OTHER_SELLER_SIREN, None),
    ]


def test_ubl_credit_note_without_credited_sub_invoices_is_caught(reference_dir):
    ns = {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    }
    root = etree.fromstring(build_ubl(MULTI_VENDOR_CASES["multi_vendor_credit_note"](), Profile.EXTENDED_CTC_FR))
    for ref in root.xpath(
        "//cac:CreditNoteLine/cac:BillingReference[cac:InvoiceDocumentReference/cbc:IssueDate]", namespaces=ns
    ):
        ref.getparent().remove(ref)
    assert "BR-FR-MV-14" in {f.rule_id for f in validate(etree.tostring(root)).fatal}


def test_builders_refuse_sub_invoices_outside_x8_x9():
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    invoice.business_process = "B1"
    for build in (build_cii, build_ubl):
        with pytest.raises(ModelError, match="BT-23"):
            build(invoice, Profile.EXTENDED_CTC_FR)


def test_compute_refuses_a_line_without_sub_invoice():
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    invoice.lines[2].sub_invoice = None
    with pytest.raises(ModelError, match=r"BT-128 \(AFL\): line '3'"):
        multivendor.compute(invoice)


def test_compute_refuses_a_multi_vendor_frame_as_sub_invoice_frame():
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    invoice.sub_invoices[1].frame = "B8"
    with pytest.raises(ModelError, match=r"BT-128 \(AVV\)"):
        multivendor.compute(invoice)


def test_exempt_line_reason_keeps_its_legal_basis_after_the_prefix():
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    line = invoice.lines[3]
    line.vat_category, line.vat_rate, line.vat_exemption_reason = "E", D(0), "Exonération, article 261 du CGI"
    line.vat_exemption_reason_code = "VATEX-EU-132"
    multivendor.compute(invoice)
    assert line.vat_exemption_reason == "#MM-2026-0042#Exonération, article 261 du CGI"
    exempt = [v for v in invoice.vat_breakdown if v.category == "E"]
    assert [(v.exemption_reason, v.exemption_reason_code, v.taxable_amount) for v in exempt] == [
        ("#MM-2026-0042#Exonération, article 261 du CGI", "VATEX-EU-132", D("220.00"))
    ]
    # Computing twice does not stack the prefix.
    multivendor.compute(invoice)
    assert line.vat_exemption_reason == "#MM-2026-0042#Exonération, article 261 du CGI"


def test_books_vat_rounding_goes_to_the_last_sub_invoice(reference_dir):
    """Rounded per sub-invoice, 2 x (0.03 at 20 %) makes 0.02 of VAT; rounded over the invoice, 0.01."""
    invoice = MULTI_VENDOR_CASES["multi_vendor_two_sellers"]()
    invoice.lines = [invoice.lines[0], invoice.lines[2]]
    for line in invoice.lines:
        line.quantity, line.price.net = D(1), D("0.03")
    multivendor.compute(invoice, vat_totals={("S", D(20)): D("0.01")})
    assert [(v.exemption_reason, v.tax_amount) for v in invoice.vat_breakdown] == [
        ("#F2026-0800#", D("0.01")),
        ("#MM-2026-0042#", D("0.00")),
    ]
    assert [sub.tax_amount for sub in invoice.sub_invoices] == [D("0.01"), D("0.00")]
    assert (invoice.totals.tax_total, invoice.totals.due) == (D("0.01"), D("0.07"))
    report = validate(build_cii(invoice, Profile.EXTENDED_CTC_FR))
    assert not report.fatal, _explain(report.fatal)
