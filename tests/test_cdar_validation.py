"""CDAR lifecycle messages (Flux 6): the official examples against the CDAR XSD and BR-FR-CDV rules.

The examples of the reference set predate the FNFE-MPE 1.4.0 rules they are judged by here:
their copies for the PPF name it 9998 where BR-FR-CDV-02 now wants 0238:0000, and their
211 / 212 status details carry no sequence number (BR-FR-CDV-16). The test pins exactly
those findings, and shows the same messages pass once brought up to date.
"""

import pytest
from lxml import etree

from einvoice.validation import validate

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"

#: example -> the fatal rules the current BR-FR-CDV rules find in it.
EXPECTED = {
    "UC1_F202500003_01-CDV-200_Deposee.xml": set(),
    "UC1_F202500003_01-CDV-200_Deposee_POUR_PPF.xml": {"BR-FR-CDV-02", "BR-FR-CDV-CL-01"},
    "UC1_F202500003_02-CDV-202_Recue.xml": set(),
    "UC1_F202500003_03-CDV-203_Mise_a_disposition.xml": set(),
    "UC1_F202500003_04-CDV-204_Prise_en_charge.xml": set(),
    "UC1_F202500003_05-CDV-205_Approuvee.xml": set(),
    "UC1_F202500003_06-CDV-211_Paiement_transmis.xml": {"BR-FR-CDV-16"},
    "UC1_F202500003_07-CDV-212_Encaissee.xml": {"BR-FR-CDV-16"},
    "UC1_F202500003_07-CDV-212_Encaissee_POUR_PPF.xml": {"BR-FR-CDV-02", "BR-FR-CDV-16", "BR-FR-CDV-CL-01"},
    "UC4_F202500006_04-CDV-207_En_litige.xml": set(),
    "UC5_F202500007_04-CDV-207_En_litige.xml": set(),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_examples(reference_dir, name):
    report = validate((reference_dir / "cdar-examples" / name).read_bytes())
    assert report.rule_sets == ["XSD CDAR D22B", "BR-FR-CDV"]
    assert not [f for f in report.findings if f.rule_id == "XSD"]
    assert {f.rule_id for f in report.fatal} == EXPECTED[name]


def test_sequence_number_added_makes_212_valid(reference_dir):
    path = reference_dir / "cdar-examples" / "UC1_F202500003_07-CDV-212_Encaissee.xml"
    root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    status = root.find(f".//{{{RAM}}}SpecifiedDocumentStatus")
    sequence = etree.Element(f"{{{RAM}}}SequenceNumeric")
    sequence.text = "1"
    status.insert(0, sequence)
    report = validate(etree.tostring(root))
    assert report.fatal == []


def test_unknown_status_code_is_reported(reference_dir):
    path = reference_dir / "cdar-examples" / "UC1_F202500003_05-CDV-205_Approuvee.xml"
    data = path.read_bytes().replace(b"<ram:ProcessConditionCode>205<", b"<ram:ProcessConditionCode>299<")
    findings = {(f.rule_id, f.severity) for f in validate(data).findings}
    assert ("BR-FR-CDV-CL-06", "warning") in findings  # the code list check is warning-level in 1.4.0
