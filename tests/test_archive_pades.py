"""The PAdES seal of a Factur-X PDF: still PDF/A-3 (veraPDF), still the same valid Factur-X,
and a valid signature for pdfsig (poppler, an implementation we did not write) and pyHanko."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from einvoice import api
from einvoice.archive import InternalTimeStampAuthority
from einvoice.errors import ArchiveError, ParseError
from einvoice.pdf import embed_xml, is_signed
from einvoice.profiles import Profile
from einvoice.testing.cases import CASES
from einvoice.testing.tsa import TestPki, TsaSimulator

pytest.importorskip("pyhanko", reason="!!! PYHANKO IS MISSING: THE PADES SEAL OF PDFS WAS NOT TESTED !!!")

from einvoice.archive.pades import seal_pdf, verify_pdf_seal
from einvoice.archive.timestamp import HttpTimeStampAuthority


@pytest.fixture(scope="module")
def pki():
    return TestPki()


@pytest.fixture(scope="module")
def facturx():
    return api.build(CASES["b2b_goods_standard"](), "facturx")


@pytest.fixture(scope="module")
def sealed(pki, facturx):
    return seal_pdf(facturx, pki.company, timestamper=InternalTimeStampAuthority(pki.company))


def test_the_seal_is_an_incremental_update_that_keeps_the_xml(facturx, sealed):
    assert sealed[: len(facturx)] == facturx
    assert api.xml_of(sealed)[0] == api.xml_of(facturx)[0]
    assert api.load(sealed).invoice.number == "F2026-0001"


def test_a_sealed_facturx_stays_valid(sealed, reference_dir):
    report = api.check(sealed)
    fatal = [finding for finding in report.findings if finding.is_fatal]
    assert fatal == []
    assert "Factur-X PDF/A-3 container" in report.rule_sets


def test_a_sealed_facturx_stays_pdfa3(verapdf, sealed, tmp_path):
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    result = subprocess.run(
        [verapdf, "-f", "3b", "--format", "text", str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.stdout.startswith("PASS "), result.stdout + result.stderr


def test_pyhanko_verifies_the_seal_and_its_timestamp(pki, sealed):
    (status,) = verify_pdf_seal(sealed, pki.trust())
    assert status.signing_cert.subject.native["common_name"] == "Atelier Dupont SARL seal"
    assert status.timestamp_validity.trusted
    assert status.coverage.name == "ENTIRE_FILE"


def test_pdfsig_verifies_the_seal(sealed, tmp_path):
    if shutil.which("pdfsig") is None:
        pytest.skip("!!! PDFSIG (POPPLER-UTILS) IS MISSING: THE PADES SEAL WAS NOT CHECKED BY POPPLER !!!")
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False).stdout
    assert "Signature Field Name: EInvoiceSeal" in output
    assert "Signature Type: ETSI.CAdES.detached" in output
    assert "Total document signed" in output
    assert "Signature Validation: Signature is Valid." in output
    # One byte changed in the signed range: poppler sees it.
    tampered = bytearray(sealed)
    offset = sealed.index(b"F2026-0001") if b"F2026-0001" in sealed else 200
    tampered[offset] ^= 0x01
    path.write_bytes(bytes(tampered))
    output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False).stdout
    assert "Signature is Valid." not in output


def test_a_tampered_pdf_or_an_unknown_signer_is_refused(pki, sealed):
    tampered = bytearray(sealed)
    tampered[200] ^= 0x01
    with pytest.raises(ArchiveError, match="does not hold"):
        verify_pdf_seal(bytes(tampered), pki.trust())
    with pytest.raises(ArchiveError, match="does not hold"):
        verify_pdf_seal(sealed, TestPki(company="Stranger").trust())


def test_a_tsa_timestamp_in_the_seal(pki, facturx):
    with TsaSimulator(pki) as tsa:
        pdf = seal_pdf(facturx, pki.company, timestamper=HttpTimeStampAuthority(tsa.url, pki.trust()))
    (status,) = verify_pdf_seal(pdf, pki.trust())
    assert status.timestamp_validity.trusted
    assert status.timestamp_validity.signing_cert.subject.native["common_name"] == "einvoice test TSA"


def test_what_is_not_a_pdf_is_refused(pki):
    with pytest.raises(ArchiveError, match="Only a PDF file"):
        seal_pdf(b"<Invoice/>", pki.company)
    with pytest.raises(ArchiveError, match="no signature"):
        verify_pdf_seal(api.build(CASES["b2b_goods_standard"](), "facturx"), pki.trust())


def test_is_signed_tells_a_sealed_pdf_and_survives_a_cyclic_form(facturx, sealed):
    assert (is_signed(facturx), is_signed(sealed)) == (False, True)
    # A form whose field is its own kid: visited once, no signature, no hang.
    writer = PdfWriter(clone_from=io.BytesIO(facturx))
    field = DictionaryObject({NameObject("/T"): TextStringObject("loop")})
    reference = writer._add_object(field)
    field[NameObject("/Kids")] = ArrayObject([reference, reference])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([reference])})
    buffer = io.BytesIO()
    writer.write(buffer)
    assert is_signed(buffer.getvalue()) is False
    with pytest.raises(ParseError):
        is_signed(b"%PDF-1.7 not really")


def test_embedding_again_in_a_sealed_pdf_is_refused_clearly(sealed):
    xml = api.xml_of(sealed)[0]
    with pytest.raises(ParseError, match="it is signed, and embedding an XML would void its signature"):
        embed_xml(sealed, xml, Profile.EN16931)


def test_a_seal_field_filled_already_is_an_archive_error(pki, sealed):
    with pytest.raises(ArchiveError, match="cannot be sealed"):
        seal_pdf(sealed, pki.company)
