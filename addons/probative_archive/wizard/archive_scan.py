import base64
import io
import os
import tempfile

from odoo import fields, models
from odoo.exceptions import UserError

from einvoice.pdf import is_pdf, srgb_icc_profile

#: What a scan may be: PDF or a lossless / as-scanned image that img2pdf embeds without re-encoding.
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}
MAX_SCAN_SIZE = 50 * 1024 * 1024


def _image_kind(data):
    return next((kind for magic, kind in IMAGE_SIGNATURES.items() if data.startswith(magic)), None)


def _pdfa_part(data):
    """The PDF/A part a PDF declares in its XMP (``pdfaid:part``), or None."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            meta = pdf.open_metadata()
            return meta.get("pdfaid:part")
    except pikepdf.PdfError:
        return None


def image_to_pdfa3(data):
    """A PDF/A-3b holding the scanned image as it is: img2pdf embeds JPEG and JPEG 2000 bytes
    unchanged and PNG / TIFF losslessly (no resampling, no colour change), with the sRGB output
    intent; the PDF/A identification is then raised from part 1 to part 3 (the same file
    otherwise: pikepdf rewrites no stream)."""
    import img2pdf
    import pikepdf

    with tempfile.TemporaryDirectory() as folder:
        icc = os.path.join(folder, "sRGB.icc")
        with open(icc, "wb") as file:
            file.write(srgb_icc_profile())
        pdf_bytes = img2pdf.convert(data, pdfa=icc, rotation=img2pdf.Rotation.ifvalid)
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:part"] = "3"
            meta["pdfaid:conformance"] = "B"
        pdf.save(out, compress_streams=False, recompress_flate=False, deterministic_id=True)
    return out.getvalue()


class ArchiveScan(models.TransientModel):
    _name = "probative.archive.scan"
    _description = "Archive a scanned paper invoice"

    move_id = fields.Many2one("account.move", string="Vendor bill", required=True)
    scan = fields.Binary("Scan", required=True, attachment=False)
    scan_name = fields.Char()
    checked = fields.Boolean(
        "The copy matches the paper",
        help="The person archiving checked that the scan is complete and legible, identical to the paper invoice.",
    )

    def action_archive(self):
        self.ensure_one()
        move = self.move_id
        if not move.is_purchase_document(include_receipts=True):
            raise UserError(self.env._("Scans of paper invoices are archived on vendor bills only."))
        if not self.checked:
            raise UserError(
                self.env._("Tick “The copy matches the paper” once you checked the scan against the paper invoice.")
            )
        scanners = move.company_id.sudo().archive_scan_user_ids
        if scanners and self.env.user not in scanners:
            raise UserError(
                self.env._(
                    "The archiving policy of %(company)s names who archives scans: ask one of %(users)s.",
                    company=move.company_id.name,
                    users=", ".join(scanners.mapped("name")),
                )
            )
        data = base64.b64decode(self.scan)
        if len(data) > MAX_SCAN_SIZE:
            raise UserError(self.env._("The scan is larger than 50 MB."))
        name = (self.scan_name or "scan").rsplit(".", 1)[0]
        if is_pdf(data):
            # Kept byte for byte: converting a PDF would re-render it. The arrêté of 22 March 2017
            # accepts a PDF; whether it declares PDF/A is written in the record.
            pdf, source, pdfa = data, "PDF", _pdfa_part(data)
        else:
            source = _image_kind(data)
            if source is None:
                raise UserError(
                    self.env._(
                        "%(file)s is neither a PDF nor a PNG, TIFF or JPEG image.", file=self.scan_name or "scan"
                    )
                )
            try:
                pdf = image_to_pdfa3(data)
            except Exception as exc:
                raise UserError(
                    self.env._(
                        "%(file)s cannot be turned into PDF/A-3 without re-encoding: %(error)s",
                        file=self.scan_name or "scan",
                        error=exc,
                    )
                ) from exc
            pdfa = "3"
        record = self.env["probative.archive.record"]._archive(
            move.company_id,
            pdf,
            "scan",
            move,
            name=f"{name}.pdf",
            mimetype="application/pdf",
            metadata={
                "source_format": source,
                "pdfa_part": str(pdfa) if pdfa else None,
                "scanned_by": self.env.user.name,
                "checked_against_paper": True,
                "bill": move.name or move.ref or "",
            },
        )
        if not record:
            raise UserError(self.env._("The scan could not be archived now: it waits for the archive's job."))
        self.env["probative.archive.access"]._log("scan", move.company_id, records=record)
        move.message_post(
            body=self.env._("Scanned paper invoice archived as record %(record)s.", record=record.display_name)
        )
        return {"type": "ir.actions.act_window_close"}
