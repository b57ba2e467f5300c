"""The UBL written for PEPPOL BIS Billing 3.0: one document note (PEPPOL-EN16931-R002) and
PEPPOL electronic addresses (PEPPOL-EN16931-CL008), checked by the BIS 3 rules."""

import dataclasses

import pytest
from lxml import etree

from einvoice.model import Identifier, Note
from einvoice.peppol.validation import validate_bis3
from einvoice.profiles import Profile
from einvoice.testing.cases import BUYER_SIREN, BUYER_SIRET, CASES, SELLER_SIREN, buyer_german
from einvoice.ubl import CBC, build_ubl, parse_ubl

pytest.importorskip("saxonche")


def _notes(xml):
    return [node.text for node in etree.fromstring(xml).findall(f"{{{CBC}}}Note")]


def _endpoints(xml):
    return [(node.get("schemeID"), node.text) for node in etree.fromstring(xml).iter(f"{{{CBC}}}EndpointID")]


def test_french_notes_become_one_note_without_the_processing_note():
    invoice = CASES["b2b_goods_standard"]()
    assert len(invoice.notes) >= 4  # BAR, PMT, PMD, AAB
    xml = build_ubl(invoice, Profile.PEPPOL)
    notes = _notes(xml)
    assert len(notes) == 1
    texts = [note.text for note in invoice.notes if note.subject_code != "BAR"]
    assert notes[0] == "\n".join(texts)
    assert "#" not in notes[0][:1]  # BIS 3 has no note subject (BT-21)
    assert "B2B" not in notes[0].split("\n")
    report = validate_bis3(xml)
    assert report.is_valid, [(f.rule_id, f.message_en) for f in report.fatal]
    # The other profiles keep every note with its subject.
    assert len(_notes(build_ubl(invoice, Profile.EN16931))) == len(invoice.notes)


def test_no_note_at_all_when_only_the_processing_note():
    invoice = CASES["b2b_goods_standard"]()
    invoice = dataclasses.replace(invoice, notes=[n for n in invoice.notes if n.subject_code == "BAR"])
    xml = build_ubl(invoice, Profile.PEPPOL)
    assert _notes(xml) == []
    assert validate_bis3(xml).is_valid


def test_french_addresses_become_siren_or_siret_participants():
    invoice = CASES["b2b_goods_standard"]()
    buyer = dataclasses.replace(
        invoice.buyer, electronic_address=Identifier(f"{BUYER_SIREN}_{BUYER_SIRET}_SERVICE-ACHATS", "0225")
    )
    xml = build_ubl(dataclasses.replace(invoice, buyer=buyer), Profile.PEPPOL)
    assert _endpoints(xml) == [("0002", SELLER_SIREN), ("0009", BUYER_SIRET)]
    report = validate_bis3(xml)
    assert not [f for f in report.fatal if f.rule_id == "PEPPOL-EN16931-CL008"]
    assert report.is_valid, [(f.rule_id, f.message_en) for f in report.fatal]
    # Read back: the participant identifiers, not the French address.
    parsed = parse_ubl(xml)
    assert parsed.buyer.electronic_address == Identifier(BUYER_SIRET, "0009")
    assert parsed.notes == [Note("\n".join(n.text for n in invoice.notes if n.subject_code != "BAR"))]


def test_foreign_participant_kept_as_given():
    invoice = dataclasses.replace(CASES["intra_eu_supply"](), buyer=buyer_german())
    xml = build_ubl(invoice, Profile.PEPPOL)
    assert ("9930", "DE136695976") in _endpoints(xml)
    assert validate_bis3(xml).is_valid


def test_scheme_0225_is_what_the_packaged_rules_refuse():
    """Why the addresses change: written as they are, the 3.0.16 rules refuse 0225 (CL008)."""
    xml = build_ubl(CASES["b2b_goods_standard"](), Profile.EN16931)
    root = etree.fromstring(xml)
    root.find(f"{{{CBC}}}ProfileID").text = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    report = validate_bis3(etree.tostring(root))
    assert "PEPPOL-EN16931-CL008" in {f.rule_id for f in report.fatal}
    assert "PEPPOL-EN16931-R002" in {f.rule_id for f in report.fatal}


def test_capped_address_space_validates_bis3_in_the_helper_process():
    """Under Odoo's address space cap, Saxon cannot start in the process: the BIS 3 rules run in
    the validation helper, with the same findings."""
    import json
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import json, resource
        resource.setrlimit(resource.RLIMIT_AS, (2560 * 1024 * 1024, resource.RLIM_INFINITY))
        from einvoice.peppol.validation import validate_bis3
        from einvoice.profiles import Profile
        from einvoice.testing import cases
        from einvoice.ubl import build_ubl
        from einvoice.validation.isolated import needs_helper
        good = build_ubl(cases.b2b_goods_standard(), Profile.PEPPOL)
        french = build_ubl(cases.b2b_goods_standard(), Profile.EN16931)
        print(json.dumps([needs_helper(), validate_bis3(good).to_dict(), validate_bis3(french).to_dict()]))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=300)
    helper_used, good, french = json.loads(result.stdout)
    assert helper_used
    assert good["valid"] and good["rule_sets"][-1] == "PEPPOL BIS Billing 3.0 UBL"
    assert {"PEPPOL-EN16931-R002", "PEPPOL-EN16931-CL008"} <= {f["rule_id"] for f in french["findings"]}
