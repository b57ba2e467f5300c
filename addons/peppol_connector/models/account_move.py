from odoo import api, fields, models
from odoo.exceptions import UserError

from einvoice import api as einvoice_api
from einvoice.errors import EInvoiceError
from einvoice.lifecycle import Emitter
from einvoice.model import Identifier
from einvoice.peppol.response import CUSTOMIZATION_ID, NS_AR, parse_response, to_lifecycle
from einvoice.peppol.validation import validate_bis3
from einvoice.profiles import Profile
from einvoice.xmlsafe import parse_xml

from .res_partner import PEPPOL_TARGET


def is_invoice_response(data):
    """Whether ``data`` is a PEPPOL Invoice Response (an ApplicationResponse of BIS Invoice Response 3)."""
    if not isinstance(data, bytes | bytearray) or data[:5] == b"%PDF-" or b"ApplicationResponse" not in data[:4096]:
        return False
    try:
        root = parse_xml(data)
    except EInvoiceError:
        return False
    customization = root.findtext(
        "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}CustomizationID"
    )
    return root.tag == f"{{{NS_AR}}}ApplicationResponse" and (customization or "").strip() == CUSTOMIZATION_ID


class AccountMove(models.Model):
    _inherit = "account.move"

    def _einvoice_to_peppol(self):
        """Whether this customer invoice goes to a PEPPOL participant (its customer's format)."""
        self.ensure_one()
        return self.is_sale_document() and self.partner_id._einvoice_is_peppol()

    # --- building: BIS 3 UBL, checked by the PEPPOL rules ---------------------------------------

    # EXTENDS l10n_fr_einvoice
    def _l10n_fr_einvoice_format_of(self):
        if self.is_sale_document() and self.partner_id._l10n_fr_einvoice_format() == PEPPOL_TARGET:
            return "ubl", Profile.PEPPOL
        return super()._l10n_fr_einvoice_format_of()

    # EXTENDS l10n_fr_einvoice
    def _l10n_fr_buyer_party(self):
        party = super()._l10n_fr_buyer_party()
        buyer = self.partner_id.commercial_partner_id
        if buyer._einvoice_is_peppol() and buyer.peppol_eas and buyer.peppol_endpoint:
            # BT-49: the participant the access points route the invoice to.
            party.electronic_address = Identifier(buyer.peppol_endpoint, buyer.peppol_eas)
        return party

    # EXTENDS l10n_fr_einvoice
    def _l10n_fr_seller_party(self):
        party = super()._l10n_fr_seller_party()
        seller = self.company_id.partner_id
        if self._einvoice_to_peppol() and seller.peppol_eas and seller.peppol_endpoint:
            # BT-34: the company's own PEPPOL participant, which the customer's responses go to.
            party.electronic_address = Identifier(seller.peppol_endpoint, seller.peppol_eas)
        return party

    # EXTENDS l10n_fr_einvoice
    def _l10n_fr_einvoice_xml(self, target=None, profile=None):
        """A BIS 3 invoice is checked by the XSD, EN 16931 and the PEPPOL BIS Billing 3.0 rules
        (the French rules do not apply: its process is PEPPOL's, outside the French frame)."""
        self.ensure_one()
        default_target, default_profile = self._l10n_fr_einvoice_format_of()
        if (profile or default_profile) != Profile.PEPPOL or (target or default_target) != "ubl":
            return super()._l10n_fr_einvoice_xml(target, profile)
        invoice, problems = self._l10n_fr_einvoice_model()
        try:
            xml = einvoice_api.build(invoice, "ubl", Profile.PEPPOL)
        except EInvoiceError as exc:
            problems.append(self._l10n_fr_problem("MAPPING", None, str(exc)))
            return None, None, problems
        return xml, validate_bis3(xml), problems

    # --- sending through the platform ----------------------------------------------------------

    # EXTENDS pa_connector
    def _einvoice_in_platform_scope(self):
        """A PEPPOL customer's invoice goes through the platform, which passes it to the PEPPOL network."""
        return self._einvoice_to_peppol() or super()._einvoice_in_platform_scope()

    # EXTENDS pa_connector
    def _einvoice_recipient_obstacle(self):
        if self._einvoice_to_peppol():
            return self.partner_id._einvoice_peppol_obstacle(
                self.company_id, credit_note=self.move_type == "out_refund"
            )
        return super()._einvoice_recipient_obstacle()

    # --- receiving: Invoice Responses ------------------------------------------------------------

    # EXTENDS einvoice_lifecycle
    @api.model
    def _einvoice_apply_cdar(self, data, source="platform", company=None):
        """A PEPPOL Invoice Response is applied like a CDAR status message: same statuses, its reason."""
        if is_invoice_response(data):
            return self._einvoice_apply_invoice_response(data, source=source, company=company)
        return super()._einvoice_apply_cdar(data, source=source, company=company)

    @api.model
    def _einvoice_apply_invoice_response(self, data, source="platform", company=None):
        """Apply a received Invoice Response to the customer invoice it answers; returns the event.

        The invoice is found by its number (the response's DocumentReference) among the customer
        invoices of the company the response is addressed to (its receiver's PEPPOL participant or
        ``company``); the response's id makes a second delivery harmless."""
        try:
            response = parse_response(data)
        except EInvoiceError as exc:
            raise UserError(self.env._("This Invoice Response cannot be read: %(error)s", error=exc)) from exc
        domain = [("move_type", "in", ("out_invoice", "out_refund")), ("name", "=", response.invoice_id)]
        if company:
            domain.append(("company_id", "=", company.id))
        moves = self.search(domain)
        if len(moves) > 1:
            receiver = response.receiver.endpoint
            moves = moves.filtered(
                lambda m: (
                    (f"{m.company_id.partner_id.peppol_eas}:{m.company_id.partner_id.peppol_endpoint}").lower()
                    == receiver.value.lower()
                )
            )
        if len(moves) != 1:
            raise UserError(
                self.env._(
                    "No single customer invoice %(number)s for the Invoice Response %(id)s (%(count)s found).",
                    number=response.invoice_id,
                    id=response.id,
                    count=len(moves),
                )
            )
        move = moves
        event = to_lifecycle(response)
        timestamp = fields.Datetime.to_datetime(response.effective_date or response.issue_date)
        if response.issue_time and not response.effective_date:
            timestamp = timestamp.replace(
                hour=response.issue_time.hour, minute=response.issue_time.minute, second=response.issue_time.second
            )
        # A response answers the statuses before it: one dated by its day only (IssueTime is
        # optional) must not sort before the statuses of that same day.
        latest = max(move.einvoice_event_ids.mapped("timestamp"), default=None)
        if latest and timestamp < latest:
            timestamp = latest
        # AB (202, received) is the receiving side's acknowledgement; the other statuses are the buyer's.
        emitter = Emitter.RECEIVER_PLATFORM.value if event.status == "202" else Emitter.BUYER.value
        return move._einvoice_apply_event(
            event.status,
            emitter,
            source=source,
            timestamp=timestamp,
            reason_code=event.reason_code,
            reason=event.reason,
            action_code=event.action_code,
            action_text=event.action,
            external_id=f"peppol:{response.sender.endpoint.value}:{response.id}",
            message=data,
            message_name=f"{response.id}.xml",
        )
