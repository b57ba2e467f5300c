import json

from odoo import models

#: The kind of archive record of a flow's file, by flow type; the others (e-reporting) are flows.
OUT_KINDS = {
    "CustomerInvoice": "invoice_sent",
    "SupplierInvoice": "invoice_sent",
    "CustomerInvoiceLC": "cdar_out",
    "SupplierInvoiceLC": "cdar_out",
}
IN_KINDS = {
    "CustomerInvoice": "invoice_received",
    "SupplierInvoice": "invoice_received",
    "CustomerInvoiceLC": "cdar_in",
    "SupplierInvoiceLC": "cdar_in",
}


class EinvoiceFlow(models.Model):
    _inherit = "einvoice.flow"

    def _archive_file(self, kind):
        attachment = self.attachment_id.sudo()
        if not attachment:
            return
        self.env["probative.archive.record"]._archive(
            self.company_id,
            attachment.raw,
            kind,
            self,
            name=attachment.name,
            mimetype=attachment.mimetype,
            move=self.move_id,
            metadata={
                "flow": self.platform_flow_id or "",
                "platform": self.platform_id.name or "",
                "flow_type": self.flow_type,
            },
        )

    def _send(self, client, maybe_sent):
        # EXTENDS pa_connector: the file that left is archived once the platform took it.
        result = super()._send(client, maybe_sent)
        if self.state in ("sent", "accepted", "rejected"):
            self._archive_file(OUT_KINDS.get(self.flow_type, "ereporting_flow"))
        return result

    def _process_incoming(self):
        # EXTENDS pa_connector: every file received is archived as received, read or not (after
        # reading it, to link it to the bill or invoice it became; a status's message or a bill
        # imported was archived then already, and is not archived twice).
        result = super()._process_incoming()
        if self.direction == "in":
            self._archive_file(IN_KINDS.get(self.flow_type, "invoice_received"))
        return result

    def _apply_acknowledgement(self, remote):
        # EXTENDS pa_connector: the administration's answer to an e-reporting flow is archived.
        result = super()._apply_acknowledgement(remote)
        if "ereporting_report_id" in self._fields and self.ereporting_report_id:
            answer = json.dumps(remote.get("acknowledgement") or {}, sort_keys=True, ensure_ascii=False).encode()
            self.env["probative.archive.record"]._archive(
                self.company_id,
                answer,
                "ereporting_answer",
                self,
                name=f"{self.name or 'flow'}-answer.json",
                mimetype="application/json",
                metadata={"flow": self.platform_flow_id or ""},
            )
        return result
