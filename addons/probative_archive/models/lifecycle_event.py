from odoo import api, models

#: Statuses recorded from a message received (the others were given here and left).
RECEIVED_SOURCES = ("platform", "chorus_pro", "peppol")


class LifecycleEvent(models.Model):
    _inherit = "einvoice_lifecycle.event"

    def _archive_message(self):
        for event in self.filtered("attachment_id"):
            attachment = event.attachment_id.sudo()
            self.env["probative.archive.record"]._archive(
                event.move_id.company_id,
                attachment.raw,
                "cdar_in" if event.source in RECEIVED_SOURCES else "cdar_out",
                event,
                name=attachment.name,
                mimetype=attachment.mimetype or "application/xml",
                move=event.move_id,
                metadata={"status": event.status, "invoice": event.move_id.name or ""},
            )

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS einvoice_lifecycle: the CDAR message of a status, applied or given, is archived.
        events = super().create(vals_list)
        events._archive_message()
        return events

    def write(self, vals):
        # EXTENDS einvoice_lifecycle: a message attached later (a connector built it) too.
        result = super().write(vals)
        if vals.get("attachment_id"):
            self._archive_message()
        return result
