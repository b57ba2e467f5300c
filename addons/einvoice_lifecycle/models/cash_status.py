"""212 "Encaissée": one status per payment in money of a customer e-invoice, partial or total.

What the sources say, and what this file does with it:

- DGFiP general specification v3.2, table 8 (section 3.6.4): with 212 the seller "informe avoir
  perçu un paiement partiel ou total de la facture", under the conditions of article 290 A of
  the CGI; section 2.3.2: those payment data concern services when the company did not opt for
  VAT on debits (and does not reverse-charge them), and every operation whose VAT is due on
  receipt (deposits, farming). Hence one 212 per payment, partial or total, dated by the payment
  (the day the VAT becomes due), mandatory (reported to the administration) when a part of the
  invoice has its VAT due on receipt, with the amounts of that part only; otherwise it is still
  given, to the buyer, and is not mandatory.
- Which part: each tax's own exigibility (the French chart's "TVA collectée encaissements" taxes
  are due on payment); on a deposit invoice the VAT of goods is due on receipt too (CGI art.
  269-2-a), and that of services unless the company opted for debits.
- DGFiP annex 7 v1.9 (management rules): G7.45, the amount cashed split per VAT rate, else the
  status is rejected (REJ_ENCAISSEMENT); G7.12, MEN is the amount cashed tax included; P1.15, a
  receipt is positive and a disbursement negative; P1.17, a disbursement gives the negative net
  amount and the reason of the cancellation in the comment (MDT-126). Hence a payment cancelled
  after its 212 gives a 212 of the opposite amounts with that reason, and a credit note paid back
  in money a negative 212.
- Only money counts: a payment or a bank statement line of a bank, cash or credit card journal.
  A credit note, a write-off or an exchange difference settles the invoice without any cash.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

#: The journals whose entries are money received or paid back (those Odoo's payments use).
CASH_JOURNAL_TYPES = ("bank", "cash", "credit")
#: Prepayment (deposit) invoices, UNTDID 1001.
DEPOSIT_TYPES = ("386", "500")
#: MDT-126 of a cancelled payment. "ANNUL_ENC" is the DGFiP's reason (annex 7, table of reasons:
#: "Encaissement non réalisé ou annulation d'encaissement"); the BR-FR-CDV closed list of reason
#: codes (MDT-113) does not have it, so it travels in the comment, in French as the message does.
CANCELLED_PAYMENT_NOTE = "ANNUL_ENC - Encaissement non réalisé ou annulation d'encaissement : %s"
#: A payment's status happens on the payment's day, at an unknown time: noon keeps that day the
#: same in every French time zone, mainland and overseas (the VAT month depends on it).
PAYMENT_TIME = datetime.time(12, 0)


def _payment_timestamp(day, known=()):
    """When a payment of ``day`` is said to happen: noon (UTC) of that day, but after the statuses
    already ``known`` on the invoice that same day (its time is unknown, and it is recorded after
    them: a payment booked after this afternoon's approval must not show the invoice approved),
    within that day, and never later than now (a payment booked this morning)."""
    moment = datetime.datetime.combine(day, PAYMENT_TIME)
    later_that_day = [when for when in known if when.date() == day and when >= moment]
    if later_that_day:
        end_of_day = datetime.datetime.combine(day, datetime.time(23, 59, 59))
        moment = min(max(later_that_day) + datetime.timedelta(seconds=1), end_of_day)
    return min(moment, fields.Datetime.now())


def _dec(value, digits=None):
    """A float of the ORM as a Decimal, rounded half up to ``digits`` decimals when given."""
    value = Decimal(str(value))
    return _rounded(value, digits) if digits is not None else value


def _rounded(value, digits):
    # Half up, as EN 16931 rounds amounts.
    return value.quantize(Decimal(10) ** -digits, rounding=ROUND_HALF_UP)


def _amount_text(value, digits):
    # Adding zero turns a negative zero into zero.
    return f"{_rounded(value, digits) + 0:.{digits}f}"


class LifecycleEvent(models.Model):
    _inherit = "einvoice_lifecycle.event"

    payment_ref = fields.Char(
        string="Payment matching",
        readonly=True,
        copy=False,
        help="The matching of a payment with the invoice that a 212 reports, or cancels: each is reported once.",
    )
    payment_move_id = fields.Many2one(
        "account.move",
        string="Payment",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The payment or bank statement entry a 212 reports.",
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    payment_amount = fields.Monetary(
        string="Amount cashed",
        readonly=True,
        help="The money this 212 reports, in the invoice's currency: negative for a payment cancelled "
        "or money paid back.",
    )
    vat_due_on_receipt = fields.Boolean(
        string="VAT due on receipt",
        readonly=True,
        help="The invoice has a part whose VAT is due on receipt (services without the debits option, "
        "deposits): this 212 reports that part and goes to the administration. Otherwise it reports the "
        "whole payment, to the buyer only.",
    )

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("payment_ref_unique", "unique(move_id, payment_ref)", "This payment was already reported."),
    ]

    @api.depends("payment_ref", "vat_due_on_receipt")
    def _compute_mandatory(self):
        result = super()._compute_mandatory()
        for event in self:
            # A payment's 212 goes to the administration only when VAT is due on receipt (DSE §2.3.2).
            if event.status == "212" and event.payment_ref and not event.vat_due_on_receipt:
                event.mandatory = False
        return result


class AccountMove(models.Model):
    _inherit = "account.move"

    def _einvoice_reports_cash(self):
        """Are this move's payments reported with 212? Those of a posted customer e-invoice or credit
        note, but not through Chorus Pro (it gives "Encaissée" itself when the public buyer pays,
        DSE §2.3.7), nor for an internal credit note (no regulated flow after a refusal, §3.6.4)."""
        self.ensure_one()
        return bool(
            self.is_sale_document()
            and self.state == "posted"
            and self.l10n_fr_is_einvoice
            and not self.einvoice_internal
            and self._einvoice_channel() != "chorus_pro"
        )

    def _einvoice_vat_taxes(self, line):
        return line.tax_ids.flatten_taxes_hierarchy().filtered(lambda tax: tax.amount_type in ("percent", "division"))

    def _einvoice_line_is_service(self, line):
        """Is this line a service? A deposit line's product is the deposit product: the invoice's
        operation category then says what the deposit is for."""
        deposit_line = "is_downpayment" in line._fields and line.is_downpayment
        if line.product_id and not deposit_line:
            return line.product_id.type == "service"
        return self.l10n_fr_operation_category == "S"

    def _einvoice_line_due_on_receipt(self, line):
        """Is the VAT of this product line due on receipt?

        Its tax says so when it is due on payment (the French chart's "encaissements" taxes). On a
        deposit invoice, the VAT of goods is due on receipt too (CGI art. 269-2-a), and that of
        services unless the company opted for debits. Only a VAT the seller owes counts: exempt,
        reverse-charged, intra-EU or export lines have none to declare.
        """
        taxes = self._einvoice_vat_taxes(line)
        if not taxes or any(tax.l10n_fr_vat_category != "S" for tax in taxes):
            return False
        if any(tax.tax_exigibility == "on_payment" for tax in taxes):
            return True
        if self.l10n_fr_document_type in DEPOSIT_TYPES:
            return not (self.company_id.l10n_fr_vat_on_debits and self._einvoice_line_is_service(line))
        return False

    def _einvoice_cash_basis(self):
        """{(VAT rate, due on receipt): amount tax included} of the invoice, as its VAT breakdown has
        them: the net amounts of the product lines plus the VAT booked on the tax lines (shared by net
        amount between the lines of one tax when they fall on both sides), positive amounts."""
        self.ensure_one()
        sign = self._l10n_fr_sign()
        digits = self.currency_id.decimal_places
        basis = defaultdict(Decimal)
        net_by_tax = defaultdict(lambda: defaultdict(Decimal))
        for line in self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            rate = f"{sum(self._einvoice_vat_taxes(line).mapped('amount')):.2f}"
            key = (rate, self._einvoice_line_due_on_receipt(line))
            net = _dec(line.price_subtotal, digits)
            basis[key] += net
            for tax in line.tax_ids.flatten_taxes_hierarchy():
                net_by_tax[tax][key] += net
        for tax_line in self.line_ids.filtered(lambda line: line.display_type == "tax" and line.tax_line_id):
            shares = net_by_tax.get(tax_line.tax_line_id)
            if not shares:
                continue
            amount = _dec(tax_line.amount_currency, digits) * sign
            total = sum(shares.values())
            *firsts, last = sorted(shares)
            for key in firsts:
                part = _rounded(amount * shares[key] / total, digits) if total else Decimal(0)
                basis[key] += part
                amount -= part
            basis[last] += amount
        return dict(basis)

    def _einvoice_vat_due_on_receipt(self):
        """Has the invoice a part whose VAT is due on receipt? Then its 212 go to the administration."""
        self.ensure_one()
        return any(on_receipt for _rate, on_receipt in self._einvoice_cash_basis())

    def _einvoice_amounts_by_rate(self, on_receipt_only=False):
        """Amounts tax included per VAT rate, {rate: amount} as texts: of the whole invoice, or of its
        part whose VAT is due on receipt."""
        self.ensure_one()
        amounts = defaultdict(Decimal)
        for (rate, on_receipt), amount in self._einvoice_cash_basis().items():
            if on_receipt or not on_receipt_only:
                amounts[rate] += amount
        digits = self.currency_id.decimal_places
        return {rate: _amount_text(amount, digits) for rate, amount in amounts.items()}

    def _einvoice_cash_events(self):
        """The 212 this invoice gave for its payments (and their reversals)."""
        return (
            self.env["einvoice_lifecycle.event"]
            .sudo()
            .search([("move_id", "=", self.id), ("status", "=", "212"), ("payment_ref", "!=", False)])
        )

    def _einvoice_report_payment(self, matching, payment_move, amount):
        """The 212 of the money ``payment_move`` brings to this invoice through ``matching`` (an
        account.partial.reconcile; ``amount`` in the invoice's currency); once per matching.

        Each payment reports its share of the invoice total, per VAT rate, of the part due on
        receipt (or of the whole invoice when no part is): computed on the total cashed so far less
        what was reported already, so that the cents of the payments add up to the invoice's.
        """
        self.ensure_one()
        ref = str(matching.id)
        events = self._einvoice_cash_events()
        if ref in events.mapped("payment_ref"):
            return
        digits = self.currency_id.decimal_places
        total = _dec(self.amount_total, digits)
        if not total:
            return
        # Money paid back on a credit note is a disbursement: negative (annex 7, P1.15).
        sign = -1 if self.move_type == "out_refund" else 1
        cash = _rounded(_dec(amount, digits) * self._einvoice_cash_share(payment_move), digits)
        cashed = sign * sum((_dec(event.payment_amount, digits) for event in events), Decimal(0)) + cash
        reported = defaultdict(Decimal)
        for event in events:
            for rate, value in (event.amounts or {}).items():
                reported[rate] += sign * Decimal(value)
        basis = self._einvoice_cash_basis()
        on_receipt = any(due for _rate, due in basis)
        by_rate = defaultdict(Decimal)
        for (rate, due), value in basis.items():
            if due or not on_receipt:
                by_rate[rate] += value
        amounts = {
            rate: _amount_text(sign * (_rounded(value * cashed / total, digits) - reported[rate]), digits)
            for rate, value in by_rate.items()
        }
        self._einvoice_give_cash_status(
            payment_move,
            amounts=amounts,
            timestamp=_payment_timestamp(
                payment_move.date,
                known=self.einvoice_event_ids.filtered(lambda event: not event.payment_move_id).mapped("timestamp"),
            ),
            message_key=f"P{matching.id}",
            to_administration=on_receipt,
            event_values={
                "payment_ref": ref,
                "payment_move_id": payment_move.id,
                "payment_amount": float(sign * cash),
                "vat_due_on_receipt": on_receipt,
            },
        )

    def _einvoice_cancel_payment(self, event):
        """A payment whose 212 was given is no longer matched with the invoice: the 212 of the
        opposite amounts, now, with the reason (annex 7, P1.17); once."""
        self.ensure_one()
        ref = f"{event.payment_ref}/reversal"
        if ref in self._einvoice_cash_events().mapped("payment_ref"):
            return
        digits = self.currency_id.decimal_places
        payment = event.payment_move_id
        self._einvoice_give_cash_status(
            payment,
            amounts={rate: _amount_text(-Decimal(value), digits) for rate, value in (event.amounts or {}).items()},
            note=CANCELLED_PAYMENT_NOTE % (payment.name or event.payment_ref),
            message_key=f"P{event.payment_ref}R",
            to_administration=event.vat_due_on_receipt,
            event_values={
                "payment_ref": ref,
                "payment_move_id": payment.id,
                "payment_amount": -event.payment_amount,
                "vat_due_on_receipt": event.vat_due_on_receipt,
            },
        )

    @api.model
    def _einvoice_cash_share(self, payment_move):
        """The share of money in what a payment entry settles: below 1 when a write-off or an early
        payment discount settles part of it without cash (the VAT is due on what is received)."""
        if payment_move.origin_payment_id:
            liquidity, settled, _others = payment_move.origin_payment_id._seek_for_lines()
        elif payment_move.statement_line_id:
            liquidity, _suspense, others = payment_move.statement_line_id._seek_for_lines()
            settled = others.filtered(
                lambda line: line.account_id.account_type in ("asset_receivable", "liability_payable")
            )
        else:
            return Decimal(1)
        money = abs(_dec(sum(liquidity.mapped("balance"))))
        due = abs(_dec(sum(settled.mapped("balance"))))
        return money / due if due and money < due else Decimal(1)

    def _einvoice_give_cash_status(self, payment_move, **options):
        """Give a payment's 212. A payment is never stopped by its status: when the rules refuse it
        (a refused invoice, a message the official rules reject) the chatter says why, and an
        activity asks to act when the status was due to the administration."""
        try:
            with self.env.cr.savepoint():
                return self._einvoice_give_status("212", **options)
        except AccessError:
            raise
        except UserError as exc:
            payment = payment_move.display_name if payment_move else self.env._("a deleted payment")
            self.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Status 212 (cashed) was not given for %(payment)s: %(error)s", payment=payment, error=exc.args[0]
                ),
                subtype_xmlid="mail.mt_note",
            )
            if options.get("to_administration"):
                self.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Mandatory status 212 (cashed) not given"),
                    note=self.env._(
                        "The payment %(payment)s had to be reported to the administration: %(error)s",
                        payment=payment,
                        error=exc.args[0],
                    ),
                    user_id=(self.invoice_user_id or self.env.user).id,
                )
            return None


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def _einvoice_cash_matchings(self):
        """(matching, invoice, payment entry, amount in the invoice's currency) of the matchings of a
        customer e-invoice or credit note with money, in the order they were made."""
        for matching in self.sorted("id"):
            for own, other, amount in (
                (matching.debit_move_id, matching.credit_move_id, matching.debit_amount_currency),
                (matching.credit_move_id, matching.debit_move_id, matching.credit_amount_currency),
            ):
                move = own.move_id
                if (
                    own.display_type == "payment_term"
                    and other.journal_id.type in CASH_JOURNAL_TYPES
                    and move._einvoice_reports_cash()
                ):
                    yield matching, move, other.move_id, amount

    # EXTENDS account
    @api.model_create_multi
    def create(self, vals_list):
        matchings = super().create(vals_list)
        for matching, move, payment_move, amount in matchings._einvoice_cash_matchings():
            move.with_company(move.company_id)._einvoice_report_payment(matching, payment_move, amount)
        return matchings

    # EXTENDS account
    def unlink(self):
        # Before the matchings are gone: the 212 they gave are cancelled (annex 7, P1.17).
        if self:
            events = (
                self.env["einvoice_lifecycle.event"]
                .sudo()
                .search(
                    [
                        ("move_id", "in", (self.debit_move_id | self.credit_move_id).move_id.ids),
                        ("status", "=", "212"),
                        ("payment_ref", "in", [str(matching.id) for matching in self]),
                    ],
                    order="id",
                )
            )
            for event in events:
                move = event.move_id.with_env(self.env)
                move.with_company(move.company_id)._einvoice_cancel_payment(event)
        return super().unlink()
