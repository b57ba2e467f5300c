"""Multi-vendor (billing frame 8) and bidirectional (frame 9) invoices.

The accountant says on each line who sells it ("Sold by", empty for the invoice's own
seller) and, for another seller, that seller's invoice number. Two line fields rather
than a per-invoice table: the lines grid is where the sale is typed, a received bill
gets the same fields back line by line, and lines of one seller under one number make
one sub-invoice without a second list to keep in step.

The e-invoice then carries one GROUP line per sub-invoice (seller, number, frame, totals)
followed by its DETAIL lines, with the VAT broken down per sub-invoice; only the
EXTENDED-CTC-FR profile (Factur-X EXTENDED inside a PDF) carries it, in CII or UBL.
"""

from decimal import Decimal

from odoo import api, fields, models

from einvoice import multivendor
from einvoice.codes import Scheme
from einvoice.errors import EInvoiceError
from einvoice.model import Identifier, Party, PrecedingInvoice, SubInvoice
from einvoice.profiles import Profile

#: Billing frame kinds whose lines have several sellers.
MULTI_SELLER_KINDS = ("8", "9")
#: Type codes whose sub-invoices each name the invoice they correct or credit (BR-FR-MV-14, BR-FR-BD-14).
PRECEDING_PER_SUB_INVOICE = {"384", "472", "381", "396", "503", "261", "471", "473", "502"}


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    l10n_fr_seller_partner_id = fields.Many2one(
        "res.partner",
        string="Sold by",
        index="btree_not_null",
        help="Multi-vendor or bidirectional invoice (billing frame 8 or 9): who sells this line, when it is "
        "not the invoice's seller (the company on a customer invoice, the vendor on a bill).",
    )
    l10n_fr_seller_invoice_ref = fields.Char(
        string="Seller's invoice no.",
        help="The number of that seller's own invoice for this line (sub-invoice number, BT-128 scheme AFL). "
        "Lines of one seller under one number make one sub-invoice.",
    )


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_fr_multi_seller = fields.Boolean(
        string="Several sellers",
        compute="_compute_l10n_fr_multi_seller",
        help="Billing frame 8 (multi-vendor) or 9 (bidirectional): each line names who sells it.",
    )

    @api.depends("partner_id", "journal_id", "invoice_line_ids.price_subtotal")
    def _compute_l10n_fr_frame_kind(self):
        # EXTENDS l10n_fr_einvoice: frames 8 and 9 are the user's choice for this invoice; editing its
        # lines or its partner does not bring it back to the partner's or journal's usual frame.
        chosen = {move: move.l10n_fr_frame_kind for move in self if move.l10n_fr_frame_kind in MULTI_SELLER_KINDS}
        result = super()._compute_l10n_fr_frame_kind()
        for move, kind in chosen.items():
            move.l10n_fr_frame_kind = kind
        return result

    @api.depends("l10n_fr_frame_kind")
    def _compute_l10n_fr_multi_seller(self):
        for move in self:
            move.l10n_fr_multi_seller = move.l10n_fr_frame_kind in MULTI_SELLER_KINDS

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # EXTENDS account: a credit note of an invoice with several sellers keeps its frame.
        default_values_list = default_values_list or [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.l10n_fr_multi_seller:
                default_values.setdefault("l10n_fr_frame_kind", move.l10n_fr_frame_kind)
        return super()._reverse_moves(default_values_list, cancel=cancel)

    # --- export -------------------------------------------------------------------------

    def _l10n_fr_einvoice_xml(self, target=None, profile=None):
        # EXTENDS l10n_fr_einvoice: sub-invoices exist in the EXTENDED-CTC-FR profile only (Factur-X
        # EXTENDED inside a PDF, UBL and CII EXTENDED-CTC-FR), whatever the customer's usual profile.
        if self.l10n_fr_multi_seller:
            profile = Profile.EXTENDED_CTC_FR
        return super()._l10n_fr_einvoice_xml(target, profile)

    def _l10n_fr_einvoice_model(self):
        # EXTENDS l10n_fr_einvoice: group the lines by seller into sub-invoices.
        invoice, problems = super()._l10n_fr_einvoice_model()
        if self.l10n_fr_multi_seller:
            self._l10n_fr_sub_invoices(invoice, problems)
        return invoice, problems

    def _l10n_fr_principal_seller(self):
        """The partner of the invoice's seller (BG-4): the company, or the supplier when self-billed."""
        if self._l10n_fr_is_self_billed():
            return self.partner_id.commercial_partner_id
        return self.company_id.partner_id

    def _l10n_fr_sub_invoices(self, invoice, problems):
        """Split the engine invoice's lines into sub-invoices, one per seller and number, then
        recompute the VAT per sub-invoice (BR-FR-MV-08/09) from the line amounts Odoo computed."""
        principal = self._l10n_fr_principal_seller()
        product_lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        subs, kinds, sellers = {}, {}, {}
        for record, line in zip(product_lines, invoice.lines, strict=True):
            partner = record.l10n_fr_seller_partner_id.commercial_partner_id or principal
            if partner == principal:
                number = invoice.number  # the principal seller's sub-invoice is the invoice (BR-FR-MV-11)
            else:
                number = (record.l10n_fr_seller_invoice_ref or "").strip()
                if not number:
                    problems.append(
                        self._l10n_fr_problem(
                            "BR-FR-MV-07",
                            "BT-128",
                            self.env._(
                                "Line %(line)s (%(name)s) is sold by %(seller)s: fill in that seller's invoice "
                                "number (Seller's invoice no.).",
                                line=line.id,
                                name=line.item.name,
                                seller=partner.display_name,
                            ),
                            "account.move",
                            self.id,
                            self.env._("Seller's invoice no."),
                        )
                    )
                    number = f"?{partner.id}"
            sub = subs.get(number)
            if sub is None:
                sub = subs[number] = SubInvoice(
                    number=number,
                    frame="",
                    seller=self._l10n_fr_line_seller_party(partner, problems),
                    name=partner.name,
                )
                sub.line_id = f"G{len(subs)}"
                kinds[number] = set()
                sellers[number] = partner
            elif sellers[number] != partner:
                problems.append(
                    self._l10n_fr_problem(
                        "BR-FR-MV-12",
                        "BT-128",
                        self.env._(
                            "Invoice number %(number)s is given for two sellers (%(first)s, %(second)s): each "
                            "seller's invoice has its own number.",
                            number=number,
                            first=sellers[number].display_name,
                            second=partner.display_name,
                        ),
                        "account.move",
                        self.id,
                        self.env._("Seller's invoice no."),
                    )
                )
            line.sub_invoice = number
            products = self._l10n_fr_ordered_products(record) or record.product_id
            kinds[number].update("S" if product.type == "service" else "B" for product in products)
        for number, sub in subs.items():
            found = kinds[number] or {self.l10n_fr_operation_category or "S"}
            sub.frame = (found.pop() if len(found) == 1 else "M") + "1"  # its own frame (AVV), never x8
        invoice.sub_invoices = list(subs.values())
        if invoice.type_code in PRECEDING_PER_SUB_INVOICE:
            self._l10n_fr_sub_invoice_preceding(invoice, sellers, principal, problems)

        # Odoo's VAT per category and rate, and the legal reasons of its 0 % taxes, carry over to the
        # per sub-invoice breakdown: BT-110 stays the VAT booked, rounded as the company rounds it.
        totals = invoice.totals
        vat_totals = {(entry.category, entry.rate): entry.tax_amount for entry in invoice.vat_breakdown}
        reasons = {
            entry.category: (entry.exemption_reason_code, entry.exemption_reason)
            for entry in invoice.vat_breakdown
            if entry.exemption_reason or entry.exemption_reason_code
        }
        exchange_rate = None
        if invoice.tax_currency and totals.tax_total:
            exchange_rate = totals.tax_total_accounting / totals.tax_total
        try:
            multivendor.compute(
                invoice,
                prepaid=totals.prepaid,
                rounding=totals.rounding,
                exchange_rate=exchange_rate or Decimal(1),
                exemption_reasons=reasons,
                keep_line_amounts=True,
                vat_totals=vat_totals,
            )
        except EInvoiceError as exc:
            problems.append(self._l10n_fr_problem("BR-FR-MV", "BT-23", str(exc)))
            return
        if totals.tax_total_accounting is not None:
            invoice.totals.tax_total_accounting = totals.tax_total_accounting

    def _l10n_fr_sub_invoice_preceding(self, invoice, sellers, principal, problems):
        """EXT-FR-FE-136/138: the invoice each sub-invoice corrects or credits, from the invoice this
        one reverses: the principal seller's is that invoice, another seller's is its own number there."""
        original = self.reversed_entry_id or self.l10n_fr_preceding_move_ids[:1]
        for sub in invoice.sub_invoices:
            partner = sellers[sub.number]
            reference = None
            if original and partner == principal:
                reference = PrecedingInvoice(original.name, original.invoice_date)
            elif original:
                refs = original.invoice_line_ids.filtered(
                    lambda line, partner=partner: line.l10n_fr_seller_partner_id.commercial_partner_id == partner
                ).mapped("l10n_fr_seller_invoice_ref")
                if refs and refs[0]:
                    reference = PrecedingInvoice(refs[0], original.invoice_date)
            if reference is None:
                problems.append(
                    self._l10n_fr_problem(
                        "BR-FR-MV-14",
                        "BT-25",
                        self.env._(
                            "Sub-invoice %(number)s of %(seller)s: a credit note or corrected invoice with several "
                            "sellers names, for each seller, the invoice it credits; reverse the original invoice "
                            "(Preceding invoices), whose lines name that seller.",
                            number=sub.number,
                            seller=partner.display_name,
                        ),
                        "account.move",
                        self.id,
                        self.env._("Preceding invoices"),
                    )
                )
            sub.preceding_invoice = reference

    def _l10n_fr_line_seller_party(self, partner, problems):
        """ItemSellerTradeParty of a seller: name, legal id (BR-FR-MV-03), VAT id and address."""
        company = self.company_id
        if partner == company.partner_id:
            own = self._l10n_fr_seller_party()
            return Party(name=own.name, legal_id=own.legal_id, vat_id=own.vat_id, address=own.address)
        party = Party(name=partner.name, vat_id=partner.vat or None, address=self._l10n_fr_address(partner))
        if partner.l10n_fr_siren:
            party.legal_id = Identifier(partner.l10n_fr_siren, Scheme.SIREN)
        elif partner.country_code != "FR" and partner.company_registry:
            party.legal_id = Identifier(partner.company_registry)
        missing = []
        if not party.legal_id:
            missing.append(
                self.env._("its SIREN")
                if partner.country_code in ("FR", False)
                else self.env._("its company registry number")
            )
        if not partner.country_id:
            missing.append(self.env._("its country"))
        if missing:
            problems.append(
                self._l10n_fr_problem(
                    "BR-FR-MV-03",
                    "BT-30",
                    self.env._(
                        "%(seller)s sells lines of this invoice: the e-invoice needs %(missing)s.",
                        seller=partner.display_name,
                        missing=self.env._(" and ").join(missing),
                    ),
                    "res.partner",
                    partner.id,
                    self.env._("Sold by"),
                )
            )
        return party

    # --- import -------------------------------------------------------------------------

    def _l10n_fr_line_values(self, document, direction, logs, partner):
        # EXTENDS l10n_fr_einvoice: each booked (DETAIL) line keeps who sold it and under which number.
        result = super()._l10n_fr_line_values(document, direction, logs, partner)
        if not document.sub_invoices:
            return result
        principal = document.seller if direction == "in" else document.buyer
        sellers = {}
        for values, line in zip(result, document.lines, strict=False):
            sub = document.sub_invoice(line.sub_invoice)
            if sub is None or sub.number == document.number or _same_party(sub.seller, principal):
                continue  # the bill's own partner sells it
            if sub.number not in sellers:
                found, _matched_by = self._l10n_fr_find_partner(sub.seller, self.company_id)
                if not found:
                    found = self._l10n_fr_create_partner(sub.seller, self.company_id)
                    logs.append(
                        self.env._(
                            "Sub-invoice %(number)s: no partner matched its seller, %(partner)s was created.",
                            number=sub.number,
                            partner=found.display_name,
                        )
                    )
                sellers[sub.number] = found
            values["l10n_fr_seller_partner_id"] = sellers[sub.number].id
            values["l10n_fr_seller_invoice_ref"] = sub.number
        logs.append(
            self.env._(
                "Invoice with several sellers: %(count)s sub-invoice(s) (%(numbers)s); their detail lines are "
                "booked, their summary lines are not.",
                count=len(document.sub_invoices),
                numbers=", ".join(sub.number for sub in document.sub_invoices),
            )
        )
        return result


def _same_party(first, second):
    """Whether two engine parties are the same business, by legal id (else by name)."""
    if first.legal_id and second.legal_id:
        return first.legal_id.value == second.legal_id.value
    return (first.name or "").strip().lower() == (second.name or "").strip().lower()
