from odoo import fields, models

from einvoice.pdf import is_signed


class AccountMove(models.Model):
    _inherit = "account.move"

    archive_record_ids = fields.One2many("probative.archive.record", "move_id", string="Archive records")
    archive_record_count = fields.Integer("Archived files", compute="_compute_archive_record_count")

    def _compute_archive_record_count(self):
        Record = self.env["probative.archive.record"]
        if not Record.has_access("read"):
            self.archive_record_count = 0
            return
        counts = dict(Record._read_group([("move_id", "in", self.ids)], ["move_id"], ["__count"]))
        for move in self:
            move.archive_record_count = counts.get(move, 0)

    def _l10n_fr_einvoice_facturx(self, pdf, xml, profile):
        # EXTENDS l10n_fr_einvoice: sealed after the XML is embedded, so the seal covers it; a
        # Factur-X signed before (Send & Print's, deposited on Chorus Pro) is not sealed twice.
        facturx = super()._l10n_fr_einvoice_facturx(pdf, xml, profile)
        if is_signed(facturx):
            return facturx
        return self.company_id._archive_seal_pdf(facturx)

    def _l10n_fr_import_einvoice(self, invoice, file_data, new=False):
        # EXTENDS l10n_fr_einvoice: a bill imported from its e-invoice file keeps the file archived.
        result = super()._l10n_fr_import_einvoice(invoice, file_data, new=new)
        if result and invoice.l10n_fr_imported_syntax and file_data.get("content"):
            self.env["probative.archive.record"]._archive(
                invoice.company_id,
                file_data["content"],
                "invoice_received",
                invoice,
                name=file_data.get("filename"),
                mimetype="application/xml",
                metadata={"channel": "import"},
            )
        return result

    def action_view_archive_records(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Archived files"),
            "res_model": "probative.archive.record",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_archive_scan(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Archive a scanned paper invoice"),
            "res_model": "probative.archive.scan",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }
