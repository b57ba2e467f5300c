"""Every Factur-X the engine writes is PDF/A-3B, as veraPDF (the reference validator) judges it.

Run when veraPDF and Java are present (``VERAPDF`` names its launcher); the session summary
says so in capitals when they are not.
"""

import subprocess
from pathlib import Path

from einvoice import api
from einvoice.errors import ProfileError
from einvoice.profiles import Profile
from einvoice.testing.cases import CASES

FACTURX_PROFILES = [
    Profile.MINIMUM,
    Profile.BASIC_WL,
    Profile.BASIC,
    Profile.EN16931,
    Profile.EXTENDED,
    Profile.EXTENDED_CTC_FR,
]


def verapdf_verdicts(command, files):
    """``{file name: "PASS" | "FAIL"}`` for the PDF/A-3B profile, one veraPDF run for them all."""
    result = subprocess.run(
        [command, "-f", "3b", "--format", "text", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    verdicts = {}
    for line in result.stdout.splitlines():
        verdict, _sep, rest = line.partition(" ")
        if verdict in ("PASS", "FAIL"):
            verdicts[Path(rest.rsplit(" ", 1)[0]).name] = verdict
    assert len(verdicts) == len(files), result.stdout[-2000:] + result.stderr[-2000:]
    return verdicts


def _write_every_profile(invoice, stem, folder):
    written = []
    for profile in FACTURX_PROFILES:
        try:
            pdf = api.build(invoice, "facturx", profile=profile)
        except ProfileError:
            continue  # a profile that cannot carry this invoice's terms refuses it (tested elsewhere)
        path = folder / f"{stem}--{profile.name}.pdf"
        path.write_bytes(pdf)
        written.append(path)
    return written


def test_factur_x_of_every_official_example_and_case_is_pdfa3(verapdf, reference_dir, tmp_path):
    files = []
    for source in sorted((reference_dir / "en16931").glob("*/*")):
        invoice = api.load(source.read_bytes()).invoice
        files += _write_every_profile(invoice, source.stem.replace(" ", "_"), tmp_path)
    for name, factory in CASES.items():
        files += _write_every_profile(factory(), name, tmp_path)
    profiles = {path.stem.rsplit("--", 1)[1] for path in files}
    assert {"EN16931", "EXTENDED", "EXTENDED_CTC_FR", "BASIC"} <= profiles
    failed = [name for name, verdict in verapdf_verdicts(verapdf, files).items() if verdict != "PASS"]
    assert failed == [], f"{len(failed)} of {len(files)} fail PDF/A-3B"


def test_text_the_fonts_lack_still_gives_pdfa3(verapdf, tmp_path):
    invoice = CASES["b2b_goods_standard"]()
    invoice.seller.name = "Atelier Dvořák\u202fet fils\tSARL"
    invoice.lines[0].item.name = "Κρασί / Вино / \u1e9e / 😀 / \u0085\u2028\u200b cloche"
    invoice.notes[0].text = "Ligne 1\nLigne 2\r\nLigne 3 " + "très longue " * 40
    path = tmp_path / "hard-text.pdf"
    path.write_bytes(api.build(invoice, "facturx"))
    assert verapdf_verdicts(verapdf, [path]) == {"hard-text.pdf": "PASS"}


def test_the_validator_finds_a_non_conformant_pdf(verapdf, tmp_path):
    # A plain reportlab PDF with a standard-14 font: not embedded, no XMP, no output intent.
    from reportlab.pdfgen import canvas

    path = tmp_path / "plain.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(100, 700, "Facture")
    pdf.save()
    assert verapdf_verdicts(verapdf, [path]) == {"plain.pdf": "FAIL"}
