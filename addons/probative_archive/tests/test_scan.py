import base64
import io

import pikepdf
from PIL import Image

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.l10n_fr_einvoice.tests.common import run_verapdf

from .common import ArchiveCommon


def png_scan():
    image = Image.new("RGB", (240, 320), "white")
    for x in range(20, 220):
        image.putpixel((x, 40), (10, 20, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg_scan():
    out = io.BytesIO()
    Image.new("RGB", (200, 280), (250, 248, 240)).save(out, "JPEG", quality=90)
    return out.getvalue()


@tagged("post_install_l10n", "post_install", "-at_install")
class TestScan(ArchiveCommon):
    def setUp(self):
        super().setUp()
        self.bill = self.make_invoice(
            partner=self.customer, lines=[(self.service, 1, 100.0, self.tax_20)], move_type="in_invoice", post=False
        )

    def scan(self, data, name, checked=True):
        wizard = self.env["probative.archive.scan"].create(
            {"move_id": self.bill.id, "scan": base64.b64encode(data), "scan_name": name, "checked": checked}
        )
        wizard.action_archive()
        return self.records(kind="scan")[-1:]

    def assert_verapdf_passes(self, pdf):
        result = run_verapdf(pdf, "THE SCAN'S PDF/A-3")
        if result is not None:
            self.assertIn("PASS", result.stdout, result.stdout + result.stderr)

    def test_a_png_scan_becomes_a_sealed_pdfa3_with_the_image_unchanged(self):
        data = png_scan()
        record = self.scan(data, "facture-papier.png")
        pdf = base64.b64decode(record.file)
        self.assertEqual((record.kind, record.move_id, record.file_name), ("scan", self.bill, "facture-papier.pdf"))
        self.assertTrue(record.seal and record.token)
        self.assertIn('"source_format":"PNG"', record.metadata)
        with pikepdf.open(io.BytesIO(pdf)) as document:
            meta = document.open_metadata()
            self.assertEqual((meta.get("pdfaid:part"), meta.get("pdfaid:conformance")), ("3", "B"))
            image = next(iter(document.pages[0].get_images().values()))
            extracted = pikepdf.PdfImage(image).as_pil_image().convert("RGB")
        original = Image.open(io.BytesIO(data)).convert("RGB")
        self.assertEqual(list(extracted.getdata()), list(original.getdata()), "lossless: every pixel kept")
        self.assert_verapdf_passes(pdf)
        self.assertEqual(self.verify().verification_state, "ok")

    def test_a_jpeg_is_embedded_byte_for_byte(self):
        data = jpeg_scan()
        record = self.scan(data, "scan.jpg")
        with pikepdf.open(io.BytesIO(base64.b64decode(record.file))) as document:
            image = next(iter(document.pages[0].get_images().values()))
            self.assertEqual(image.read_raw_bytes(), data, "no re-encoding of the JPEG")

    def test_a_pdf_scan_is_kept_as_is_and_the_rules_are_told(self):
        pdf = (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
        )
        record = self.scan(pdf, "scan.pdf")
        self.assertEqual(base64.b64decode(record.file), pdf)
        self.assertIn('"pdfa_part":null', record.metadata)
        with self.assertRaisesRegex(UserError, "neither a PDF nor a PNG"):
            self.scan(b"GIF89a....", "scan.gif")
        with self.assertRaisesRegex(UserError, "matches the paper"):
            self.scan(jpeg_scan(), "again.jpg", checked=False)
        invoice = self.make_invoice(lines=[(self.service, 1, 100.0, self.tax_20)], post=False)
        wizard = self.env["probative.archive.scan"].create(
            {"move_id": invoice.id, "scan": base64.b64encode(jpeg_scan()), "scan_name": "x.jpg", "checked": True}
        )
        with self.assertRaisesRegex(UserError, "vendor bills only"):
            wizard.action_archive()
