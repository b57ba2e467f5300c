from odoo import models

from odoo.addons.pa_connector.models.einvoice_flow import INVOICE_TYPES


class EinvoiceFlow(models.Model):
    _inherit = "einvoice.flow"

    # EXTENDS pa_connector
    def _refresh_recipient(self):
        """A PEPPOL customer is not in the French directory: its PEPPOL lookup is checked instead
        (done again when stale) by the recipient check that follows."""
        if self.flow_type in INVOICE_TYPES and self.move_id and self.move_id._einvoice_to_peppol():
            return None
        return super()._refresh_recipient()
