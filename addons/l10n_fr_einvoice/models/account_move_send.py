from odoo import api, models
from odoo.exceptions import UserError

from einvoice.errors import EInvoiceError
from einvoice.pdf import embed_xml, is_pdf

from ..language import in_company_lang
from .account_move_export import PROFILES
from .res_partner import EINVOICE_FORMATS

EXTENSIONS = {"facturx": "facturx", "cii": "cii", "ubl": "ubl"}


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _l10n_fr_target(self, move, invoice_edi_format):
        """(target, Profile) when the format is one of ours and the move is a customer document."""
        if not move.is_sale_document() or invoice_edi_format not in EINVOICE_FORMATS:
            return None
        target, profile = EINVOICE_FORMATS[invoice_edi_format]
        return target, PROFILES[profile]

    @api.model
    def _l10n_fr_consumer_target(self, move, invoice_edi_format):
        """(target, Profile) for a French company's consumer left on core's Factur-X or on no format.

        Core embeds its own Factur-X in every PDF, which breaks the EN 16931 and French rules: the
        consumer's PDF carries ours instead, or no file when ours would not pass.
        """
        if (
            not move.is_sale_document()
            or move.company_id.country_code != "FR"
            or move.commercial_partner_id.is_company
            or invoice_edi_format not in (False, None, "facturx")
        ):
            return None
        return "facturx", PROFILES["EN16931"]

    @api.model
    def _l10n_fr_filename(self, move, target):
        return f"{move.name.replace('/', '_')}_{EXTENSIONS[target]}.xml"

    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        ours = moves.filtered(lambda m: self._l10n_fr_target(m, moves_data[m]["invoice_edi_format"]))
        partners = ours.partner_id.commercial_partner_id.filtered("l10n_fr_einvoice_has_issue")
        partners |= ours.company_id.partner_id.filtered("l10n_fr_einvoice_has_issue")
        if partners:
            alerts["l10n_fr_einvoice_partner_data"] = {
                "level": "warning",
                "message": self.env._(
                    "Some partners have data that will get their e-invoices rejected (SIREN, SIRET): %s",
                    ", ".join(partners.mapped("display_name")),
                ),
                "action_text": self.env._("View Partner(s)"),
                "action": partners._get_records_action(name=self.env._("Partners to fix")),
            }
        return alerts

    def _get_placeholder_mail_attachments_data(self, move, invoice_edi_format=None, extra_edis=None):
        results = super()._get_placeholder_mail_attachments_data(
            move, invoice_edi_format=invoice_edi_format, extra_edis=extra_edis
        )
        found = self._l10n_fr_target(move, invoice_edi_format)
        consumer = not found and self._l10n_fr_consumer_target(move, invoice_edi_format)
        if consumer:
            if invoice_edi_format and move._need_ubl_cii_xml(invoice_edi_format):
                # Core's file will not be attached: ours takes its place.
                builder = move.partner_id.commercial_partner_id._get_edi_builder(invoice_edi_format)
                core_name = builder._export_invoice_filename(move)
                results = [result for result in results if result.get("name") != core_name]
            found = consumer
        if found:
            filename = self._l10n_fr_filename(move, found[0])
            results.append(
                {"id": f"placeholder_{filename}", "name": filename, "mimetype": "application/xml", "placeholder": True}
            )
        return results

    def _hook_invoice_document_before_pdf_report_render(self, invoice, invoice_data):
        super()._hook_invoice_document_before_pdf_report_render(invoice, invoice_data)
        found = self._l10n_fr_target(invoice, invoice_data["invoice_edi_format"])
        consumer = not found and self._l10n_fr_consumer_target(invoice, invoice_data["invoice_edi_format"])
        if consumer:
            found = consumer
            # Core's CII (and its own errors about it) make way for ours.
            invoice_data.pop("ubl_cii_xml_attachment_values", None)
            invoice_data.pop("ubl_cii_xml_options", None)
            if invoice_data.pop("error_but_continue", None):
                invoice_data.pop("error", None)
            invoice_data["l10n_fr_einvoice"] = {"target": None}
        if not found or invoice.ubl_cii_xml_id:
            return
        target, profile = found
        # Sending in the background (Odoo's sending job) has no user: the company's language.
        invoice = in_company_lang(invoice, invoice.company_id)
        xml, report, problems = invoice._l10n_fr_einvoice_xml(target, profile)
        if not invoice._l10n_fr_store_findings(report, problems):
            if consumer:
                return  # a consumer's invoice is not an e-invoice: it leaves as a plain PDF
            blocking = invoice.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.severity == "fatal")
            invoice_data["error"] = {
                "error_title": invoice.env._(
                    "The e-invoice of %s breaks the official rules and cannot be sent:", invoice.display_name
                ),
                "errors": [
                    f"[{finding.rule_id}] {finding.message}"
                    + (f" ({finding.fix_display_name})" if finding.fix_display_name else "")
                    for finding in blocking
                ],
            }
            return
        invoice_data["l10n_fr_einvoice"] = {"target": target, "profile": profile, "xml": xml}
        invoice_data["ubl_cii_xml_attachment_values"] = {
            "name": self._l10n_fr_filename(invoice, target),
            "raw": xml,
            "mimetype": "application/xml",
            "res_model": invoice._name,
            "res_id": invoice.id,
            "res_field": "ubl_cii_xml_file",
        }

    def _hook_invoice_document_after_pdf_report_render(self, invoice, invoice_data):
        data = invoice_data.get("l10n_fr_einvoice")
        if not data:
            return super()._hook_invoice_document_after_pdf_report_render(invoice, invoice_data)
        # Our formats replace core's: its hook would embed a second, unvalidated CII in the PDF.
        if data["target"] != "facturx":
            return None
        pdf_values = invoice_data.get("pdf_attachment_values")
        if pdf_values and is_pdf(pdf_values["raw"]):
            try:
                pdf_values["raw"] = invoice._l10n_fr_einvoice_facturx(pdf_values["raw"], data["xml"], data["profile"])
            except (UserError, EInvoiceError) as exc:
                # Not linked, not sent: the user sees why (a seal that cannot be applied, say). The
                # PDF goes too: a fallback would link it as the invoice's document, and would come
                # back here with it instead of the proforma.
                invoice_data.pop("pdf_attachment_values", None)
                invoice_data["error"] = {
                    "error_title": invoice.env._("The Factur-X of %s could not be made:", invoice.display_name),
                    "errors": [str(exc)],
                }
            return None
        proforma_values = invoice_data.get("proforma_pdf_attachment_values")
        if proforma_values and is_pdf(proforma_values["raw"]):
            # A proforma is no invoice that leaves: the XML only, never a seal.
            proforma_values["raw"] = embed_xml(proforma_values["raw"], data["xml"], data["profile"])
        return None
