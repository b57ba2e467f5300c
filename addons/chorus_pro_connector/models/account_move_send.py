from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    # EXTENDS account
    @api.model
    def _get_default_sending_method(self, move):
        if self._is_applicable_to_move("chorus_pro", move):
            return "chorus_pro"
        return super()._get_default_sending_method(move)

    # EXTENDS account
    @api.model
    def _is_applicable_to_company(self, method, company):
        if method == "chorus_pro":
            return bool(self.env["chorus.pro.account"]._for_company(company))
        return super()._is_applicable_to_company(method, company)

    # EXTENDS account
    @api.model
    def _is_applicable_to_move(self, method, move, **move_data):
        if method == "chorus_pro":
            return (
                self._is_applicable_to_company(method, move.company_id)
                and move._chorus_applies()
                and move.chorus_state in (False, "to_send", "error")
            )
        return super()._is_applicable_to_move(method, move, **move_data)

    # EXTENDS account
    @api.model
    def _call_web_service_after_invoice_pdf_render(self, invoices_data):
        result = super()._call_web_service_after_invoice_pdf_render(invoices_data)
        for invoice, invoice_data in invoices_data.items():
            if "chorus_pro" not in invoice_data["sending_methods"]:
                continue
            if invoice.chorus_state in ("sending", "deposited", "integrated"):
                continue  # sent before: Send & Print again only prints and mails
            # The PDF just rendered is the one deposited when the connection sends Factur-X.
            pdf_values = invoice_data.get("pdf_attachment_values")
            pdf = pdf_values["raw"] if pdf_values else invoice.invoice_pdf_report_id.raw or None
            error = invoice._chorus_send_now(pdf=pdf)
            if error:
                invoice_data["error"] = {
                    "error_title": self.env._("%s was not sent to Chorus Pro:", invoice.display_name),
                    "errors": [error],
                }
        return result
