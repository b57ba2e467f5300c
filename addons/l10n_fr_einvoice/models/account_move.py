from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .account_tax import ECO_CONTRIBUTION_REASON_CODE
from .res_company import FRAME_CATEGORIES, FRAME_KINDS

DOCUMENT_TYPES = [
    ("380", "380 - Invoice"),
    ("381", "381 - Credit note"),
    ("384", "384 - Corrected invoice"),
    ("386", "386 - Prepayment (deposit) invoice"),
    ("389", "389 - Self-billed invoice"),
    ("261", "261 - Self-billed credit note"),
    ("262", "262 - Consolidated credit note (global rebate)"),
    ("393", "393 - Factored invoice"),
    ("396", "396 - Factored credit note"),
    ("471", "471 - Self-billed corrected invoice"),
    ("472", "472 - Factored corrected invoice"),
    ("473", "473 - Self-billed factored corrected invoice"),
    ("500", "500 - Self-billed prepayment invoice"),
    ("501", "501 - Self-billed factored invoice"),
    ("502", "502 - Self-billed factored credit note"),
    ("503", "503 - Prepayment credit note"),
]
#: Credit note types (G1.01, UNTDID 1001): refunds in Odoo, a CreditNote document in UBL.
#: 262 credits a global rebate over several invoices of a contract and period (BR-FR-CO-03).
CREDIT_NOTE_TYPES = {"381", "261", "262", "396", "502", "503"}
#: Self-billed types (G1.01): the buyer issues them in its supplier's name, from its vendor bills.
SELF_BILLED_INVOICE_TYPES = {"389", "471", "473", "500", "501"}
SELF_BILLED_CREDIT_NOTE_TYPES = {"261", "502"}
SELF_BILLED_TYPES = SELF_BILLED_INVOICE_TYPES | SELF_BILLED_CREDIT_NOTE_TYPES
#: Corrected invoices: they name exactly one preceding invoice, the one they correct (BR-FR-CO-04).
CORRECTED_TYPES = {"384", "471", "472", "473"}
#: Deposit invoices and their credit note: never a final invoice after deposits (frame 4, BR-FR-CO-08).
DEPOSIT_TYPES = {"386", "500", "503"}


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_fr_operation_category = fields.Selection(
        [("B", "Goods"), ("S", "Services"), ("M", "Goods and services")],
        string="Operation category",
        copy=False,
        compute="_compute_l10n_fr_operation_category",
        store=True,
        readonly=False,
        help="Goods, services or both, from the products of the lines; first letter of the billing frame (BT-23).",
    )
    l10n_fr_frame_kind = fields.Selection(
        FRAME_KINDS,
        string="Billing frame",
        compute="_compute_l10n_fr_frame_kind",
        copy=False,
        store=True,
        readonly=False,
    )
    l10n_fr_billing_frame = fields.Char(
        string="Billing frame code",
        compute="_compute_l10n_fr_billing_frame",
        store=True,
        help="BT-23 business process type: operation category and frame (B1, S4, M2...).",
    )
    l10n_fr_document_type = fields.Selection(
        DOCUMENT_TYPES,
        string="Document type",
        copy=False,
        compute="_compute_l10n_fr_document_type",
        store=True,
        readonly=False,
        help="BT-3 invoice type code (UNTDID 1001).",
    )
    l10n_fr_buyer_reference = fields.Char(
        string="Buyer reference",
        compute="_compute_l10n_fr_buyer_reference",
        store=True,
        readonly=False,
        help="BT-10: the reference the buyer asked for; the service code for public buyers.",
    )
    l10n_fr_purchase_order_ref = fields.Char(
        string="Purchase order",
        compute="_compute_l10n_fr_purchase_order_ref",
        store=True,
        readonly=False,
        help="BT-13: the buyer's purchase order (commitment number for public buyers).",
    )
    l10n_fr_contract_ref = fields.Char(string="Contract", help="BT-12: the contract the invoice is issued under.")
    l10n_fr_period_start = fields.Date(
        string="Invoicing period from",
        copy=False,
        help="BG-14: first day of the period invoiced; required with the end for a global rebate credit note (262).",
    )
    l10n_fr_period_end = fields.Date(string="Invoicing period to", copy=False, help="BG-14: last day of the period.")
    l10n_fr_preceding_move_ids = fields.Many2many(
        "account.move",
        "l10n_fr_einvoice_preceding_rel",
        "move_id",
        "preceding_id",
        string="Preceding invoices",
        copy=False,
        compute="_compute_l10n_fr_preceding_move_ids",
        store=True,
        readonly=False,
        help="BG-3: the invoices this one corrects, credits or deducts (deposits).",
    )
    l10n_fr_einvoice_attachment_ids = fields.Many2many(
        "ir.attachment",
        "l10n_fr_einvoice_attachment_rel",
        "move_id",
        "attachment_id",
        string="Supporting documents",
        help="Documents embedded in the e-invoice (BG-24).",
    )
    l10n_fr_einvoice_finding_ids = fields.One2many(
        "l10n_fr_einvoice.finding", "move_id", string="E-invoice findings", copy=False
    )
    l10n_fr_einvoice_state = fields.Selection(
        [("valid", "Valid"), ("warning", "Valid with warnings"), ("invalid", "Blocking problems")],
        string="E-invoice check",
        copy=False,
        readonly=True,
    )
    l10n_fr_einvoice_checked_on = fields.Datetime(string="E-invoice checked on", copy=False, readonly=True)
    l10n_fr_is_einvoice = fields.Boolean(compute="_compute_l10n_fr_is_einvoice")
    l10n_fr_imported_syntax = fields.Char(string="Received format", copy=False, readonly=True)

    # --- computes ------------------------------------------------------------------------

    @api.depends("invoice_line_ids.product_id.type", "invoice_line_ids.display_type")
    def _compute_l10n_fr_operation_category(self):
        for move in self:
            if move.l10n_fr_imported_syntax and move.l10n_fr_operation_category:
                # A received document keeps the category its issuer declared (BT-23).
                move.l10n_fr_operation_category = move.l10n_fr_operation_category
                continue
            kinds = set()
            for line in move.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
                products = move._l10n_fr_ordered_products(line) or line.product_id
                kinds.update("S" if product.type == "service" else "B" for product in products)
            if not kinds:
                move.l10n_fr_operation_category = move.l10n_fr_operation_category or "S"
            else:
                move.l10n_fr_operation_category = kinds.pop() if len(kinds) == 1 else "M"

    @api.depends("partner_id", "journal_id", "invoice_line_ids.price_subtotal")
    def _compute_l10n_fr_frame_kind(self):
        for move in self:
            if move.l10n_fr_imported_syntax and move.l10n_fr_frame_kind:
                move.l10n_fr_frame_kind = move.l10n_fr_frame_kind  # the issuer's frame, as received
                continue
            if move._l10n_fr_deducted_deposit_lines():
                move.l10n_fr_frame_kind = "4"
                continue
            partner = move.partner_id.commercial_partner_id.with_company(move.company_id)
            move.l10n_fr_frame_kind = partner.l10n_fr_frame_kind or move.journal_id.l10n_fr_frame_kind or "1"

    def _l10n_fr_ordered_products(self, line):
        """Products of the order behind a down payment line (sale installed), else nothing.

        A down payment line has no product of its own (it read as services): a deposit is
        framed by what its order sells, goods, services or both.
        """
        products = self.env["product.product"]
        if "is_downpayment" not in line._fields or not line.is_downpayment:
            return products
        # Only the product types are read: an invoicing user need not have access to sales.
        orders = line.sudo().sale_line_ids.order_id
        for order_line in orders.order_line:
            if not order_line.is_downpayment and not order_line.display_type:
                products |= order_line.product_id
        return products

    def _l10n_fr_deducted_deposit_lines(self):
        """Lines of a final invoice that deduct deposits already invoiced (sale's down payments)."""
        self.ensure_one()
        if "is_downpayment" not in self.env["account.move.line"]._fields:
            return self.env["account.move.line"]
        return self.invoice_line_ids.filtered(lambda line: line.is_downpayment and line.price_subtotal < 0)

    @api.depends("l10n_fr_operation_category", "l10n_fr_frame_kind")
    def _compute_l10n_fr_billing_frame(self):
        for move in self:
            if move.l10n_fr_operation_category and move.l10n_fr_frame_kind:
                move.l10n_fr_billing_frame = move.l10n_fr_operation_category + move.l10n_fr_frame_kind
            else:
                move.l10n_fr_billing_frame = False

    @api.constrains("l10n_fr_operation_category", "l10n_fr_frame_kind")
    def _check_l10n_fr_billing_frame(self):
        for move in self:
            allowed = FRAME_CATEGORIES.get(move.l10n_fr_frame_kind)
            if allowed and move.l10n_fr_operation_category and move.l10n_fr_operation_category not in allowed:
                raise ValidationError(
                    self.env._(
                        "Billing frame: %(frame)s does not exist; frame %(kind)s applies to %(categories)s only.",
                        frame=move.l10n_fr_billing_frame,
                        kind=move.l10n_fr_frame_kind,
                        categories=self.env._("services") if allowed == "S" else self.env._("goods or services"),
                    )
                )

    @api.constrains("l10n_fr_frame_kind", "l10n_fr_document_type")
    def _check_l10n_fr_final_invoice_type(self):
        for move in self:
            if move.l10n_fr_frame_kind == "4" and move.l10n_fr_document_type in DEPOSIT_TYPES:
                raise ValidationError(
                    self.env._(
                        "Billing frame: %(frame)s is a final invoice after deposits; a deposit document "
                        "(type %(type)s) cannot have it (BR-FR-CO-08).",
                        frame=move.l10n_fr_billing_frame,
                        type=move.l10n_fr_document_type,
                    )
                )

    @api.depends("move_type", "invoice_line_ids.price_subtotal", "partner_id")
    def _compute_l10n_fr_document_type(self):
        has_downpayment = "is_downpayment" in self.env["account.move.line"]._fields
        for move in self:
            # A bill received from the supplier keeps its type: the company did not issue it.
            issued_here = not move.l10n_fr_imported_syntax
            if move.move_type in ("in_invoice", "in_refund") and issued_here and move._l10n_fr_self_billing_agreed():
                credit = move.move_type == "in_refund"
                kept = SELF_BILLED_CREDIT_NOTE_TYPES if credit else SELF_BILLED_INVOICE_TYPES
                if move.l10n_fr_document_type not in kept:
                    move.l10n_fr_document_type = "261" if credit else "389"
            elif move.move_type in ("out_refund", "in_refund"):
                # A credit note type the user chose (396, 262, 503...) stays; a self-billed one only if received.
                kept = CREDIT_NOTE_TYPES - (SELF_BILLED_TYPES if issued_here else set())
                if move.l10n_fr_document_type not in kept:
                    move.l10n_fr_document_type = "381"
            elif move.move_type in ("out_invoice", "in_invoice"):
                lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
                excluded = CREDIT_NOTE_TYPES | (SELF_BILLED_TYPES if issued_here else set())
                if has_downpayment and lines and all(line.is_downpayment and line.price_subtotal > 0 for line in lines):
                    move.l10n_fr_document_type = "386"
                elif move.l10n_fr_document_type and move.l10n_fr_document_type not in excluded:
                    move.l10n_fr_document_type = move.l10n_fr_document_type
                else:
                    move.l10n_fr_document_type = "380"
            else:
                move.l10n_fr_document_type = False

    def _l10n_fr_self_billing_agreed(self):
        """Whether the company issues this vendor bill's supplier's invoices itself (self-billing)."""
        self.ensure_one()
        supplier = self.partner_id.commercial_partner_id.with_company(self.company_id)
        return bool(supplier and supplier.l10n_fr_self_billing)

    def _l10n_fr_is_self_billed(self):
        """A vendor bill the company issues as its supplier's self-billed invoice or credit note."""
        self.ensure_one()
        return (
            self.move_type in ("in_invoice", "in_refund")
            and self.l10n_fr_document_type in SELF_BILLED_TYPES
            and not self.l10n_fr_imported_syntax
        )

    @api.constrains("l10n_fr_document_type", "move_type", "partner_id", "l10n_fr_imported_syntax")
    def _check_l10n_fr_self_billed_type(self):
        for move in self:
            code = move.l10n_fr_document_type
            # A received document keeps the type its issuer gave it: a customer's self-billed
            # invoice arrives as one of our sales, a supplier's as one of our bills.
            if code not in SELF_BILLED_TYPES or move.l10n_fr_imported_syntax:
                continue
            if move.move_type not in ("in_invoice", "in_refund"):
                raise ValidationError(
                    self.env._(
                        "Document type: %(type)s is a self-billed type, issued by the buyer from its vendor bill; "
                        "a customer invoice or credit note the company issues as the seller cannot have it.",
                        type=code,
                    )
                )
            if not move._l10n_fr_self_billing_agreed():
                raise ValidationError(
                    self.env._(
                        "Document type: %(type)s is a self-billed type, and %(supplier)s has no self-billing "
                        "agreement; tick Self-billing agreement on the supplier first.",
                        type=code,
                        supplier=move.partner_id.commercial_partner_id.display_name,
                    )
                )
            credit = move.move_type == "in_refund"
            if credit != (code in SELF_BILLED_CREDIT_NOTE_TYPES):
                raise ValidationError(
                    self.env._(
                        "Document type: %(type)s is a self-billed %(kind)s type; use %(credit_types)s on a vendor "
                        "refund and %(invoice_types)s on a vendor bill.",
                        type=code,
                        kind=self.env._("credit note")
                        if code in SELF_BILLED_CREDIT_NOTE_TYPES
                        else self.env._("invoice"),
                        credit_types=self._l10n_fr_either(SELF_BILLED_CREDIT_NOTE_TYPES),
                        invoice_types=self._l10n_fr_either(SELF_BILLED_INVOICE_TYPES),
                    )
                )

    def _l10n_fr_either(self, codes):
        """'389, 471, 473, 500 or 501': codes for a message."""
        codes = sorted(codes)
        if len(codes) == 1:
            return codes[0]
        return self.env._("%(codes)s or %(last)s", codes=", ".join(codes[:-1]), last=codes[-1])

    @api.constrains("l10n_fr_document_type", "move_type")
    def _check_l10n_fr_credit_note_type(self):
        """A credit note type on a refund, an invoice type on an invoice: UBL and the amounts' sign follow it."""
        for move in self:
            code = move.l10n_fr_document_type
            if not code or move.move_type not in ("out_invoice", "out_refund", "in_invoice", "in_refund"):
                continue
            if code in SELF_BILLED_TYPES and not move.l10n_fr_imported_syntax:
                continue  # _check_l10n_fr_self_billed_type says what fits where
            refund = move.move_type.endswith("refund")
            if refund != (code in CREDIT_NOTE_TYPES):
                raise ValidationError(
                    self.env._(
                        "Document type: %(type)s is a credit note type, for a credit note or refund only.",
                        type=code,
                    )
                    if not refund
                    else self.env._(
                        "Document type: %(type)s is an invoice type; a credit note takes a credit note type "
                        "(%(types)s).",
                        type=code,
                        types=", ".join(sorted(CREDIT_NOTE_TYPES)),
                    )
                )

    @api.constrains("l10n_fr_document_type", "l10n_fr_preceding_move_ids", "state")
    def _check_l10n_fr_corrected_invoice(self):
        """A corrected invoice the company posts names the one invoice it corrects (BR-FR-CO-04)."""
        for move in self:
            if (
                move.state == "posted"
                and move.l10n_fr_document_type in CORRECTED_TYPES
                and not move.l10n_fr_imported_syntax
                and len(move.l10n_fr_preceding_move_ids) != 1
            ):
                raise ValidationError(
                    self.env._(
                        "Preceding invoices: a corrected invoice (type %(type)s) names exactly one invoice, the one "
                        "it corrects; %(move)s names %(count)s.",
                        type=move.l10n_fr_document_type,
                        move=move.display_name,
                        count=len(move.l10n_fr_preceding_move_ids),
                    )
                )

    @api.constrains("l10n_fr_period_start", "l10n_fr_period_end")
    def _check_l10n_fr_period(self):
        for move in self:
            start, end = move.l10n_fr_period_start, move.l10n_fr_period_end
            if start and end and end < start:
                raise ValidationError(
                    self.env._(
                        "Invoicing period: it ends on %(end)s, before it starts (%(start)s) (BR-29).",
                        start=start,
                        end=end,
                    )
                )

    def _l10n_fr_charge_taxes(self, line, vat_tax, direction, values):
        """Fixed taxes of the company that give back a received line's eco-contribution charges.

        A line charge coded AEO (collection and recycling, BG-28) is how an eco-contribution
        travels; booked with the company's matching fixed tax, the bill keeps it apart as its
        supplier did, and ``values`` gets the price without it. Without such a tax the charge stays
        in the line's price (as the caller computed it): the bill's total equals the file's either way.
        """
        taxes = self.env["account.tax"]
        charges = line.allowances_charges
        if not charges or not line.quantity or len(vat_tax) != 1:
            return taxes
        if any(not charge.is_charge or charge.reason_code != ECO_CONTRIBUTION_REASON_CODE for charge in charges):
            return taxes
        price = (line.net_amount - sum(charge.amount for charge in charges)) / line.quantity
        tax_use = "purchase" if direction == "in" else "sale"
        for charge in charges:
            tax = taxes._l10n_fr_find_charge_tax(self.company_id, tax_use, vat_tax, line.quantity, price, charge.amount)
            if not tax or tax in taxes:
                return self.env["account.tax"]
            taxes |= tax
        values["price_unit"] = float(price)
        values.pop("discount", None)
        return taxes

    @api.depends("partner_id")
    def _compute_l10n_fr_buyer_reference(self):
        for move in self:
            if not move.l10n_fr_buyer_reference:
                move.l10n_fr_buyer_reference = move.partner_id.l10n_fr_routing_code or False

    @api.depends("ref")
    def _compute_l10n_fr_purchase_order_ref(self):
        for move in self:
            if move.is_sale_document() and not move.l10n_fr_purchase_order_ref:
                move.l10n_fr_purchase_order_ref = move.ref or False

    @api.depends("reversed_entry_id")
    def _compute_l10n_fr_preceding_move_ids(self):
        for move in self:
            preceding = move.l10n_fr_preceding_move_ids | move.reversed_entry_id
            for line in move._l10n_fr_deducted_deposit_lines():
                if "sale_line_ids" in line._fields:
                    preceding |= line.sale_line_ids.invoice_lines.move_id.filtered(
                        lambda deposit, move=move: deposit != move and deposit.state == "posted"
                    )
            move.l10n_fr_preceding_move_ids = preceding

    @api.depends("partner_id.invoice_edi_format", "move_type", "l10n_fr_document_type")
    def _compute_l10n_fr_is_einvoice(self):
        for move in self:
            move.l10n_fr_is_einvoice = bool(
                move.l10n_fr_einvoice_finding_ids
                or move.l10n_fr_einvoice_state
                or (move.is_sale_document() and move.partner_id._l10n_fr_einvoice_format())
                or move._l10n_fr_is_self_billed()
            )
