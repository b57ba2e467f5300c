from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _link_invoice_documents(self, invoices_data):
        # EXTENDS account: the e-invoice as Send & Print made it (the Factur-X PDF, or the XML
        # beside the PDF) is archived when it becomes the invoice's document.
        result = super()._link_invoice_documents(invoices_data)
        Record = self.env["probative.archive.record"]
        for invoice, invoice_data in invoices_data.items():
            data = invoice_data.get("l10n_fr_einvoice")
            if not data or not data.get("target"):
                continue
            if data["target"] == "facturx":
                values = invoice_data.get("pdf_attachment_values") or {}
            else:
                values = invoice_data.get("ubl_cii_xml_attachment_values") or {}
            if values.get("raw"):
                Record._archive(
                    invoice.company_id,
                    values["raw"],
                    "invoice_sent",
                    invoice,
                    name=values.get("name"),
                    mimetype=values.get("mimetype")
                    or ("application/pdf" if data["target"] == "facturx" else "application/xml"),
                    metadata={"invoice": invoice.name or "", "format": data["target"], "channel": "send_and_print"},
                )
        return result
