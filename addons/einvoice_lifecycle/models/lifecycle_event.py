from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.l10n_fr_einvoice.language import selection_label

from einvoice.lifecycle import STATUSES, Emitter

#: The reform's statuses; French users see the official labels (MDT-106) through the translations.
STATUS_SELECTION = [(code, f"{code} - {status.label_en}") for code, status in STATUSES.items()]
#: The invoice's own statuses, without the administration's answers.
INVOICE_STATUS_SELECTION = [item for item in STATUS_SELECTION if not STATUSES[item[0]].from_administration]
#: The administration's answers on what the platforms sent it about the invoice.
ADMINISTRATION_STATUS_SELECTION = [item for item in STATUS_SELECTION if STATUSES[item[0]].from_administration]
EMITTER_SELECTION = [
    (Emitter.ISSUER_PLATFORM.value, "Issuing platform"),
    (Emitter.RECEIVER_PLATFORM.value, "Receiving platform"),
    (Emitter.BUYER.value, "Buyer"),
    (Emitter.SELLER.value, "Seller"),
    (Emitter.ADMINISTRATION.value, "Tax administration"),
]
SOURCE_SELECTION = [
    ("platform", "Platform"),
    ("chorus_pro", "Chorus Pro"),
    ("peppol", "PEPPOL"),
    ("manual", "Manual"),
    ("automatic", "Automatic"),
]


class LifecycleEvent(models.Model):
    """One lifecycle status of an invoice or bill; events are never changed nor deleted."""

    _name = "einvoice_lifecycle.event"
    _description = "E-invoice lifecycle event"
    _order = "timestamp, id"

    move_id = fields.Many2one("account.move", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    status = fields.Selection(STATUS_SELECTION, required=True, readonly=True)
    timestamp = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    emitter = fields.Selection(EMITTER_SELECTION, required=True, readonly=True)
    reason_code = fields.Char(string="Reason code", readonly=True, help="MDT-113")
    reason = fields.Char(readonly=True, help="MDT-114")
    action_code = fields.Char(string="Requested action", readonly=True, help="MDT-121")
    action_text = fields.Char(string="Requested action text", readonly=True, help="MDT-122")
    amounts = fields.Json(readonly=True, help="Cashed amounts per VAT rate (212): {rate: amount}")
    source = fields.Selection(SOURCE_SELECTION, required=True, readonly=True, default="manual")
    external_id = fields.Char(
        string="Message id", readonly=True, index=True, help="MDT-4 of the CDAR message, to record an event once"
    )
    attachment_id = fields.Many2one("ir.attachment", string="Message", readonly=True, help="The CDAR message")
    mandatory = fields.Boolean(compute="_compute_mandatory", store=True)
    company_reports = fields.Boolean(
        string="Reported by the company",
        compute="_compute_company_reports",
        store=True,
        help="A mandatory status the company gives itself (the seller on its invoice, the buyer on its bill), "
        "that its platform must report to the administration within 24 hours. The platforms report theirs "
        "(200, 213), and Chorus Pro those of public invoices.",
    )
    reported_at = fields.Datetime(
        string="Reported to the administration", readonly=True, help="Set by the connector that sent it"
    )
    deadline_warned = fields.Boolean(
        string="24-hour warning given",
        readonly=True,
        help="An activity already asked to report this status before the 24-hour limit.",
    )

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("external_id_unique", "unique(move_id, external_id)", "This lifecycle message was already recorded."),
    ]

    @api.depends("status")
    def _compute_mandatory(self):
        for event in self:
            event.mandatory = bool(event.status and STATUSES[event.status].mandatory)

    @api.depends("mandatory", "emitter", "source", "move_id.move_type")
    def _compute_company_reports(self):
        for event in self:
            move = event.move_id
            own_side = (move.is_sale_document() and event.emitter == Emitter.SELLER) or (
                move.is_purchase_document() and event.emitter == Emitter.BUYER
            )
            event.company_reports = bool(event.mandatory and own_side and event.source != "chorus_pro")

    @api.depends("status")
    def _compute_display_name(self):
        for event in self:
            event.display_name = selection_label(event, "status", event.status)

    def write(self, vals):
        # Append-only, but the connectors record when they reported a status, and the deadline
        # job that it warned about it.
        if set(vals) - {"reported_at", "attachment_id", "deadline_warned"}:
            raise UserError(self.env._("Lifecycle events cannot be changed: record a new status instead."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.context.get("einvoice_lifecycle_purge"):
            raise UserError(self.env._("Lifecycle events cannot be deleted: they are the invoice's history."))
