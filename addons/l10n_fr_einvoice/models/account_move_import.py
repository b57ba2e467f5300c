"""Receiving: a Factur-X PDF, UBL or CII file becomes a draft bill through Odoo's decoder hook."""

import logging
from decimal import Decimal

from markupsafe import Markup
from psycopg2 import errors as pg_errors
from stdnum import iban

from odoo import Command, fields, models
from odoo.exceptions import RedirectWarning, UserError, ValidationError
from odoo.tools import clean_context, float_compare, mute_logger

from einvoice import api as einvoice_api
from einvoice.codes import Scheme
from einvoice.detect import ROOTS, Syntax
from einvoice.errors import EInvoiceError
from einvoice.validation import validating
from einvoice.validation.engine import FATAL, Finding, Report

from .account_move_export import UOM_CODES

_logger = logging.getLogger(__name__)


#: The French chart's self-assessment purchase taxes (VAT deductible and due on the same line), by kind of supply.
SELF_ASSESSMENT_TAXES = {"goods": "tva_intra_normale_biens", "services": "tva_intra_normale_services"}
#: Categories whose VAT the buyer self-assesses: reverse charge and intra-community acquisitions.
SELF_ASSESSED_CATEGORIES = ("AE", "K")


class AccountMove(models.Model):
    _inherit = "account.move"

    l10n_fr_prepaid_amount = fields.Monetary(
        string="Amount already paid (BT-113)",
        copy=False,
        help="Amount the supplier's file states as already paid (deposit, payment at order). Once the bill "
        "is posted it is settled against the deposit bill, or the advances paid to suppliers, so that the "
        "amount due is the one of the file (BT-115).",
    )
    l10n_fr_prepaid_move_id = fields.Many2one(
        "account.move",
        string="Settlement of the amount already paid",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )

    def _get_edi_decoder(self, file_data, new=False):
        # Every CII / UBL invoice goes through the engine: it reads all profiles and validates.
        if self.env.context.get("l10n_fr_einvoice_core_decoder"):  # Odoo's own import, e.g. to compare
            return super()._get_edi_decoder(file_data, new=new)
        tree = file_data.get("xml_tree") if file_data["type"] == "xml" else None
        if tree is not None and ROOTS.get(tree.tag) in (Syntax.CII, Syntax.UBL_INVOICE, Syntax.UBL_CREDIT_NOTE):
            return self._l10n_fr_import_einvoice
        return super()._get_edi_decoder(file_data, new=new)

    # --- decoder ---------------------------------------------------------------------

    def _l10n_fr_import_einvoice(self, invoice, file_data, new=False):
        try:
            loaded = einvoice_api.load(file_data["content"], source=file_data["filename"])
        except EInvoiceError as exc:
            raise UserError(
                self.env._("%(file)s cannot be read: %(error)s", file=file_data["filename"], error=exc)
            ) from exc
        document = loaded.invoice
        journal = invoice.journal_id
        if journal.type not in ("purchase", "sale"):
            return False
        direction = "in" if journal.type == "purchase" else "out"
        move_type = f"{direction}_{'refund' if document.is_credit_note else 'invoice'}"
        if (
            not new
            and invoice.move_type != move_type
            and {invoice.move_type, move_type}
            not in (
                {"out_invoice", "out_refund"},
                {"in_invoice", "in_refund"},
            )
        ):
            return False
        # The file is validated while the bill is being made (in the helper process where there
        # is more than one processor): the official rules cost as much as the rest of the import.
        with validating(loaded.xml, facturx=bool(file_data.get("originator_pdf"))) as pending:
            party = document.seller if direction == "in" else document.buyer
            partner, matched_by = self._l10n_fr_find_partner(party, invoice.company_id)
            if not partner and direction == "in":
                partner = self._l10n_fr_find_partner_by_iban(document, invoice.company_id)
                matched_by = self.env._("IBAN") if partner else None
            created_partner = False
            if not partner:
                partner = self._l10n_fr_create_partner(party, invoice.company_id)
                created_partner = True
            self._l10n_fr_refuse_duplicate(invoice, partner, document, move_type)

            # One write: every write of a move resynchronises its dynamic lines, the costly part of an import.
            logs = []
            values = invoice._l10n_fr_bill_values(document, partner, direction, move_type, logs)
            values["l10n_fr_imported_syntax"] = (
                f"{loaded.syntax}{' (Factur-X)' if loaded.from_pdf or file_data.get('originator_pdf') else ''}"
                + (f" - {loaded.profile}" if loaded.profile else "")
            )
            # The file received stays the main attachment of the bill.
            original = file_data.get("originator_pdf") or file_data.get("attachment")
            if original:
                values["message_main_attachment_id"] = original.id
            with invoice._get_edi_creation() as move:
                # The header first, then the lines: lines created on a move that already has its
                # partner, currency and dates take them at creation, where lines written with them
                # are each given them again (partner, accounting date, fiscal position).
                lines = values.pop("invoice_line_ids")
                move.write(values)
                move.write({"invoice_line_ids": lines})
                # Within the creation block the lines are synchronised once, at its end.
                report = self._l10n_fr_received_report(pending, loaded, file_data["filename"])
                move.write(
                    {
                        "l10n_fr_einvoice_finding_ids": [Command.clear()]
                        + [Command.create(self._l10n_fr_received_finding(finding)) for finding in report.findings],
                        "l10n_fr_einvoice_state": "invalid"
                        if report.fatal
                        else ("warning" if report.findings else "valid"),
                        "l10n_fr_einvoice_checked_on": fields.Datetime.now(),
                    }
                )
        invoice._l10n_fr_align_vat_on_file(document, logs)
        invoice._l10n_fr_link_preceding(document, partner)
        invoice._l10n_fr_import_attachments(document)

        body = Markup("<p><strong>%s</strong></p>") % self.env._(
            "E-invoice received: %(syntax)s, number %(number)s.",
            syntax=invoice.l10n_fr_imported_syntax,
            number=document.number,
        )
        if created_partner:
            logs.insert(0, self.env._("No partner matched the file: %s was created from it.", partner.display_name))
        else:
            logs.insert(
                0, self.env._("Partner %(partner)s found by %(key)s.", partner=partner.display_name, key=matched_by)
            )
        logs += invoice._l10n_fr_check_totals(document)
        if report.fatal:
            logs.append(
                self.env._(
                    "The file breaks %s official rule(s): see the E-invoice tab before validating the bill.",
                    len(report.fatal),
                )
            )
        else:
            logs.append(self.env._("The file passes the official rules (%s).", ", ".join(report.rule_sets)))
        body += Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % log for log in logs)
        # A log note: nobody is notified of an import, and the followers' lookup is skipped.
        invoice._message_log(body=body)
        return True

    def _l10n_fr_received_report(self, pending, loaded, filename):
        """The validation report of a received file; a file that could not be checked says so."""
        try:
            return pending.result()
        except EInvoiceError as exc:
            # A bill whose file could not be checked must say so, not look like one without findings.
            _logger.info("%s could not be validated: %s", filename, exc)
            return Report(
                loaded.syntax,
                loaded.profile,
                [
                    Finding(
                        rule_id="NOT-VALIDATED",
                        severity=FATAL,
                        location=None,
                        bt=None,
                        message_en=f"The file could not be checked against the official rules: {exc}",
                        message_fr=f"Le fichier n'a pas pu être contrôlé selon les règles officielles : {exc}",
                        rule_set="validation",
                    )
                ],
                [],
            )

    def _l10n_fr_clean_env(self):
        """An environment without the bill's ``default_*`` keys (mail aliases set ``default_journal_id``)."""
        return self.with_context(clean_context(self.env.context)).env

    # --- partner ---------------------------------------------------------------------

    def _l10n_fr_find_partner(self, party, company):
        """The partner of the file, looked up by SIREN, SIRET, VAT, 0225 address then IBAN."""
        Partner = self.env["res.partner"].with_context(active_test=False)
        domain_company = [("company_id", "in", (False, company.id))]
        keys = []
        if party.siren:
            keys.append((self.env._("SIREN %s", party.siren), [("l10n_fr_siren", "=", party.siren)]))
        if party.siret:
            keys.append((self.env._("SIRET %s", party.siret), [("siret", "=", party.siret)]))
        if party.vat_id:
            keys.append((self.env._("VAT number %s", party.vat_id), [("vat", "=ilike", party.vat_id.replace(" ", ""))]))
        address = party.electronic_address
        if address and address.scheme == Scheme.FR_CTC_ADDRESS:
            keys.append(
                (
                    self.env._("e-invoicing address %s", address.value),
                    [("l10n_fr_electronic_address", "=", address.value)],
                )
            )
        for label, domain in keys:
            partner = Partner.search(
                domain + domain_company + [("parent_id", "=", False)], limit=1, order="active desc, id"
            )
            if partner:
                return partner, label
        return self.env["res.partner"], None

    def _l10n_fr_find_partner_by_iban(self, document, company):
        accounts = document.payment.credit_transfers if document.payment else []
        for account in accounts:
            bank = self.env["res.partner.bank"].search(
                [
                    ("sanitized_acc_number", "=", account.account_id.replace(" ", "").upper()),
                    ("company_id", "in", (False, company.id)),
                ],
                limit=1,
            )
            if bank:
                return bank.partner_id.commercial_partner_id
        return self.env["res.partner"]

    def _l10n_fr_create_partner(self, party, company):
        address = party.address
        country = (
            self.env["res.country"].search([("code", "=", address.country_code)], limit=1)
            if address and address.country_code
            else False
        )
        values = {
            "name": party.name or party.trading_name or self.env._("Unknown partner"),
            "is_company": True,
            "vat": party.vat_id or False,
            "siret": party.siret or False,
            "l10n_fr_siren": party.siren or False,
            "email": party.contact.email if party.contact and party.contact.email else False,
            "phone": party.contact.phone if party.contact and party.contact.phone else False,
        }
        if address:
            values.update(
                street=address.line1 or False,
                street2=address.line2 or False,
                city=address.city or False,
                zip=address.post_code or False,
            )
        if country:
            values["country_id"] = country.id
        if party.electronic_address and party.electronic_address.scheme == Scheme.FR_CTC_ADDRESS:
            values["l10n_fr_electronic_address"] = party.electronic_address.value
        try:
            with self.env.cr.savepoint():
                return self._l10n_fr_clean_env()["res.partner"].create(values)
        except ValidationError as exc:
            # An identifier Odoo refuses (a VAT number with a wrong key...) must not lose the bill.
            _logger.info("Partner created without its identifiers: %s", exc)
            for key in ("vat", "siret", "l10n_fr_siren", "l10n_fr_electronic_address"):
                values.pop(key, None)
            return self._l10n_fr_clean_env()["res.partner"].create(values)

    def _l10n_fr_refuse_duplicate(self, invoice, partner, document, move_type):
        """The same partner, number and year already exist: refuse, and point at the existing bill.

        A file without its number (BT-1) or issue date (BT-2) cannot be matched: it is imported
        with the findings that say what it lacks."""
        if not document.number or not document.issue_date:
            return
        year = document.issue_date.year
        existing = self.search(
            [
                ("id", "!=", invoice.id),
                ("company_id", "=", invoice.company_id.id),
                ("move_type", "=", move_type),
                ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                ("ref", "=", document.number),
                ("invoice_date", ">=", f"{year}-01-01"),
                ("invoice_date", "<=", f"{year}-12-31"),
                ("state", "!=", "cancel"),
            ],
            limit=1,
        )
        if existing:
            raise RedirectWarning(
                self.env._(
                    "Invoice %(number)s of %(partner)s (%(year)s) was already received: %(existing)s.",
                    number=document.number,
                    partner=partner.display_name,
                    year=year,
                    existing=existing.display_name,
                ),
                existing._get_records_action(),
                self.env._("Open it"),
            )

    # --- content ---------------------------------------------------------------------

    def _l10n_fr_bill_values(self, document, partner, direction, move_type, logs):
        """Values of the bill (header and lines) from the document, for one write."""
        currency = (
            self.env["res.currency"].with_context(active_test=False).search([("name", "=", document.currency)], limit=1)
        )
        values = {
            "move_type": move_type,
            "partner_id": partner.id,
            "ref": document.number,
            "invoice_date": document.issue_date,
            "l10n_fr_document_type": document.type_code
            if document.type_code in dict(self._fields["l10n_fr_document_type"].selection)
            else False,
        }
        if direction == "out":
            values["name"] = document.number
        if document.due_date:
            values["invoice_date_due"] = document.due_date
        if currency:
            values["currency_id"] = currency.id
            if not currency.active:
                logs.append(self.env._("The currency %s is not active in this database.", document.currency))
        else:
            logs.append(self.env._("Unknown currency %s: the company's currency is used.", document.currency))
        self._l10n_fr_vat_accounting_rate(document, currency, values, logs)
        prepaid = document.totals.prepaid if document.totals else None
        values["l10n_fr_prepaid_amount"] = float(prepaid) if prepaid else 0.0
        if document.payment and document.payment.remittance_info:
            values["payment_reference"] = document.payment.remittance_info
        if document.buyer_reference:
            values["l10n_fr_buyer_reference"] = document.buyer_reference
        if document.purchase_order_reference:
            values["l10n_fr_purchase_order_ref"] = document.purchase_order_reference
        if document.contract_reference:
            values["l10n_fr_contract_ref"] = document.contract_reference
        if document.period:
            values.update(l10n_fr_period_start=document.period.start, l10n_fr_period_end=document.period.end)
        if document.business_process and len(document.business_process) == 2:
            category, kind = document.business_process
            if category in "BSM" and kind in "123456789":
                values["l10n_fr_operation_category"] = category
                values["l10n_fr_frame_kind"] = kind
        if direction == "in":
            bank = self._l10n_fr_supplier_bank(document, partner, logs)
            if bank:
                values["partner_bank_id"] = bank.id
        values["invoice_line_ids"] = [Command.clear()] + [
            Command.create(line_values) for line_values in self._l10n_fr_line_values(document, direction, logs, partner)
        ]
        return values

    def _l10n_fr_vat_accounting_rate(self, document, currency, values, logs):
        """A bill in a foreign currency books the VAT in euros the file states (BT-111), not a rate of the day.

        The bill's rate is the one the seller used: VAT total (BT-110) over VAT total in the VAT
        accounting currency (BT-111), when that currency (BT-6) is the company's.
        """
        totals = document.totals
        company_currency = self.company_id.currency_id
        if not (
            totals
            and totals.tax_total
            and totals.tax_total_accounting
            and currency
            and currency != company_currency
            and document.tax_currency == company_currency.name
        ):
            return
        rate = float(totals.tax_total / totals.tax_total_accounting)
        values["invoice_currency_rate"] = rate
        logs.append(
            self.env._(
                "VAT total in %(company_currency)s (BT-111): %(amount)s; the bill converts at the rate the "
                "seller used, 1 %(company_currency)s = %(rate)s %(currency)s.",
                company_currency=company_currency.name,
                amount=totals.tax_total_accounting,
                rate=round(rate, 6),
                currency=currency.name,
            )
        )

    def _l10n_fr_supplier_bank(self, document, partner, logs):
        accounts = document.payment.credit_transfers if document.payment else []
        for account in accounts:
            number = account.account_id.replace(" ", "").upper()
            if not iban.is_valid(number):
                continue
            bank = self.env["res.partner.bank"].search(
                [("sanitized_acc_number", "=", number), ("partner_id", "=", partner.id)], limit=1
            )
            if not bank:
                try:
                    with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                        bank = self._l10n_fr_clean_env()["res.partner.bank"].create(
                            {"acc_number": number, "partner_id": partner.id}
                        )
                except pg_errors.UniqueViolation:
                    # Another import adds it at this very moment (a second worker receiving a bill
                    # of the same supplier): the bill must not be lost for it; it goes on without it.
                    logs.append(
                        self.env._(
                            "Bank account %s is being added to the partner by another import: choose it on the "
                            "bill once that import is done.",
                            number,
                        )
                    )
                    return self.env["res.partner.bank"]
                logs.append(self.env._("Bank account %s added to the partner.", number))
            return bank
        return self.env["res.partner.bank"]

    def _l10n_fr_find_tax(self, category, rate, direction, logs, kind="goods"):
        tax_use = "purchase" if direction == "in" else "sale"
        if direction == "in" and category in SELF_ASSESSED_CATEGORIES:
            return self._l10n_fr_self_assessment_tax(category, kind, logs)
        domain = [
            ("company_id", "child_of", self.company_id.root_id.id),
            ("type_tax_use", "=", tax_use),
            ("amount_type", "=", "percent"),
            ("price_include", "=", False),
            ("l10n_fr_vat_category", "=", category),
        ]
        if category != "O":
            domain.append(("amount", "=", float(rate or 0)))
        tax = self.env["account.tax"].search(domain, limit=1, order="sequence, id")
        if not tax:
            logs.append(
                self.env._(
                    "No %(use)s tax of category %(category)s at %(rate)s %% exists: lines with it have no tax.",
                    use=self.env._("purchase") if tax_use == "purchase" else self.env._("sale"),
                    category=category,
                    rate=rate if rate is not None else "-",
                )
            )
        return tax

    def _l10n_fr_self_assessment_tax(self, category, kind, logs):
        """The purchase tax with which the buyer self-assesses the VAT of an AE or K line.

        The file states 0 %: the VAT is the buyer's to book, deductible and due at once. A purchase
        tax of the company given this category wins (e.g. a domestic reverse charge for construction);
        else the chart's intra-community self-assessment tax at the standard rate.
        """
        company = self.company_id.root_id
        tax = self.env["account.tax"].search(
            [
                ("company_id", "child_of", company.id),
                ("type_tax_use", "=", "purchase"),
                ("l10n_fr_vat_category", "=", category),
                ("amount_type", "=", "percent"),
                ("amount", ">", 0),
                ("tax_scope", "in", (False, "service" if kind == "services" else "consu")),
            ],
            limit=1,
            order="sequence, id",
        )
        if not tax:
            tax = (
                self.env["account.chart.template"]
                .with_company(company)
                .ref(SELF_ASSESSMENT_TAXES[kind], raise_if_not_found=False)
                or self.env["account.tax"]
            )
        if not tax:
            logs.append(
                self.env._(
                    "No self-assessment purchase tax exists for the lines of category %(category)s: they have "
                    "no tax, book the VAT due and deductible before validating.",
                    category=category,
                )
            )
        else:
            logs.append(
                self.env._(
                    "Lines of category %(category)s: the VAT is self-assessed with the tax %(tax)s (deductible "
                    "and due); check its rate, the file states none.",
                    category=category,
                    tax=tax.display_name,
                )
            )
        return tax

    def _l10n_fr_supply_kind(self, product, document, category):
        """Goods or services, for the self-assessment tax: the product, else the operation category (BT-23)."""
        if product:
            return "services" if product.type == "service" else "goods"
        operation = (document.business_process or "")[:1]
        if operation in ("B", "S"):
            return "goods" if operation == "B" else "services"
        # Mixed or unknown: reverse charge is mostly services (construction), K mostly goods.
        return "services" if category == "AE" else "goods"

    def _l10n_fr_find_products(self, items, partner):
        """The product of each item (or an empty record), in order.

        Each item is matched by the first key that finds a product: the supplier's code in the
        partner's supplier info, the barcode (GTIN), the buyer's then the seller's code as
        internal reference, the name. One query per key for the whole file, not per line.
        """
        Product = self.env["product.product"]
        found = [Product] * len(items)

        def first_by(records, key):
            matches = {}
            for record in records:
                matches.setdefault(key(record), record)
            return matches

        def assign(keys, matches, product_of=lambda record: record):
            for index, key in enumerate(keys):
                if not found[index] and key and key in matches:
                    found[index] = product_of(matches[key])

        seller_codes = [item.seller_id or None for item in items]
        if any(seller_codes):
            infos = self.env["product.supplierinfo"].search(
                [
                    ("partner_id", "=", partner.commercial_partner_id.id),
                    ("product_code", "in", list(set(filter(None, seller_codes)))),
                ]
            )
            assign(
                seller_codes,
                first_by(infos, lambda info: info.product_code),
                lambda info: info.product_id or info.product_tmpl_id.product_variant_id,
            )
        barcodes = [item.standard_id.value if item.standard_id and item.standard_id.value else None for item in items]
        for keys, field in (
            (barcodes, "barcode"),
            ([item.buyer_id or None for item in items], "default_code"),
            (seller_codes, "default_code"),
            ([item.name or None for item in items], "name"),
        ):
            wanted = {key for index, key in enumerate(keys) if key and not found[index]}
            if wanted:
                assign(keys, first_by(Product.search([(field, "in", list(wanted))]), lambda p, f=field: p[f]))
        return found

    def _l10n_fr_line_values(self, document, direction, logs, partner):
        units = {code: xmlid for xmlid, code in UOM_CODES.items()}
        taxes = {}

        def tax_for(category, rate, product=None):
            kind = self._l10n_fr_supply_kind(product, document, category)
            key = (category, rate, kind if category in SELF_ASSESSED_CATEGORIES else None)
            if key not in taxes:
                taxes[key] = self._l10n_fr_find_tax(category, rate, direction, logs, kind=kind)
            return taxes[key]

        result = []
        uoms = {}
        products = self._l10n_fr_find_products([line.item for line in document.lines], partner)
        for line, product in zip(document.lines, products, strict=True):
            name = line.item.name
            if line.item.description:
                name = f"{name}\n{line.item.description}"
            values = {"name": name, "quantity": float(line.quantity)}
            base_quantity = line.price.base_quantity or Decimal(1)
            if line.allowances_charges or not line.quantity:
                price = line.net_amount / line.quantity if line.quantity else line.price.net / base_quantity
                values["price_unit"] = float(price)
            elif line.price.gross and line.price.discount:
                values["price_unit"] = float(line.price.gross / base_quantity)
                values["discount"] = float(line.price.discount / line.price.gross * 100)
            else:
                values["price_unit"] = float(line.price.net / base_quantity)
            if product:
                values["product_id"] = product.id
            if line.unit_code in units and line.unit_code not in uoms:
                uoms[line.unit_code] = self.env.ref(units[line.unit_code], raise_if_not_found=False)
            uom = uoms.get(line.unit_code)
            if uom and (not product or uom.category_id == product.uom_id.category_id):
                values["product_uom_id"] = uom.id
            tax = tax_for(line.vat_category, line.vat_rate, product)
            tax = tax | self._l10n_fr_charge_taxes(line, tax, direction, values)
            values["tax_ids"] = [Command.set(tax.ids)]
            result.append(values)
        if document.totals and document.totals.rounding:
            # BT-114: the amount the seller added to round the amount due; a line keeps the totals right.
            result.append(
                {
                    "name": self.env._("Rounding (BT-114)"),
                    "quantity": 1,
                    "price_unit": float(document.totals.rounding),
                    "tax_ids": [Command.clear()],
                }
            )
        for adjustment in document.allowances_charges:
            amount = float(adjustment.amount)
            label = adjustment.reason or (self.env._("Charge") if adjustment.is_charge else self.env._("Allowance"))
            tax = tax_for(adjustment.vat_category, adjustment.vat_rate)
            result.append(
                {
                    "name": label,
                    "quantity": 1,
                    "price_unit": amount if adjustment.is_charge else -amount,
                    "tax_ids": [Command.set(tax.ids)],
                }
            )
        return result

    def _l10n_fr_received_finding(self, finding):
        """A finding of a received file: the data to fix is the supplier's, the bill is where it shows."""
        return dict(self._l10n_fr_finding_base(finding), field_description=self.env._("Supplier's file"))

    def _l10n_fr_link_preceding(self, document, partner):
        if not document.preceding_invoices:
            return
        kinds = ("in_invoice",) if self.move_type.startswith("in") else ("out_invoice",)
        numbers = [ref.number for ref in document.preceding_invoices]
        field = "ref" if self.move_type.startswith("in") else "name"
        preceding = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "in", kinds),
                ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                (field, "in", numbers),
            ]
        )
        if preceding:
            self.l10n_fr_preceding_move_ids = preceding
            if self.move_type.endswith("refund"):
                self.reversed_entry_id = preceding[:1]

    def _l10n_fr_import_attachments(self, document):
        attachments = self.env["ir.attachment"]
        for attachment in document.attachments:
            if not attachment.content:
                continue
            attachments |= self._l10n_fr_clean_env()["ir.attachment"].create(
                {
                    "name": attachment.filename or attachment.id,
                    "raw": attachment.content,
                    "mimetype": attachment.mime_code or "application/octet-stream",
                    "res_model": "account.move",
                    "res_id": self.id,
                    "description": attachment.description or False,
                }
            )
        if attachments:
            self.l10n_fr_einvoice_attachment_ids = attachments

    def _l10n_fr_align_vat_on_file(self, document, logs):
        """Book the VAT amount of each rate as the file states it (BT-117), when Odoo's differs by rounding.

        The seller rounds the VAT once per category and rate (EN 16931 BR-CO-17); Odoo rounds it per
        line when the company's tax rounding says so, which can leave the bill a cent or two away
        from the amount due. A difference beyond what rounding explains (a cent per line) is a
        real one: it stays, and the totals comparison reports it.
        """
        self.ensure_one()
        currency = self.currency_id
        sign = -1 if self.is_inbound(include_receipts=True) else 1
        corrections = []
        for entry in document.vat_breakdown:
            if not entry.tax_amount or entry.category in SELF_ASSESSED_CATEGORIES:
                continue
            rate = float(entry.rate or 0)
            tax_lines = self.line_ids.filtered(
                lambda line, entry=entry, rate=rate: (
                    line.display_type == "tax"
                    and line.tax_line_id.l10n_fr_vat_category == entry.category
                    and line.tax_line_id.amount_type == "percent"
                    and float_compare(line.tax_line_id.amount, rate, precision_digits=4) == 0
                )
            )
            if not tax_lines:
                continue
            difference = currency.round(float(entry.tax_amount) - sign * sum(tax_lines.mapped("amount_currency")))
            base_lines = self.invoice_line_ids.filtered(lambda line, taxes=tax_lines.tax_line_id: line.tax_ids & taxes)
            if currency.is_zero(difference) or abs(difference) > currency.rounding * max(len(base_lines), 1) + 1e-9:
                continue
            corrections.append((tax_lines[0], difference, entry))
        if not corrections:
            return
        # In a creation block the payment term line follows the new VAT once, at its end.
        with self._get_edi_creation():
            for tax_line, difference, _entry in corrections:
                tax_line.amount_currency += sign * difference
        for _tax_line, difference, entry in corrections:
            logs.append(
                self.env._(
                    "VAT at %(rate)s %%: booked as the file states it, %(amount)s (Odoo's rounding per line "
                    "differed by %(difference)s).",
                    rate=entry.rate,
                    amount=entry.tax_amount,
                    difference=difference,
                )
            )

    def _l10n_fr_check_totals(self, document):
        """Compare the bill with the totals of the file (BT-109, 110, 112, 113, 115, and 111), one by one."""
        totals = document.totals
        if totals is None:
            return [self.env._("The file states no totals: they could not be checked.")]
        logs = []
        currency = self.currency_id
        rounding = float(totals.rounding or 0)
        prepaid = self.l10n_fr_prepaid_amount
        charges = self._l10n_fr_charge_tax_amount()  # fixed taxes: line charges of the file, not VAT
        pairs = [
            (
                self.env._("Total without VAT (BT-109)"),
                totals.tax_exclusive,
                self.amount_untaxed + charges - rounding,
                currency,
            ),
            (self.env._("VAT total (BT-110)"), totals.tax_total or Decimal(0), self.amount_tax - charges, currency),
            (self.env._("Total with VAT (BT-112)"), totals.tax_inclusive, self.amount_total - rounding, currency),
            (self.env._("Amount already paid (BT-113)"), totals.prepaid or Decimal(0), prepaid, currency),
            (self.env._("Amount due (BT-115)"), totals.due, self.amount_total - prepaid, currency),
        ]
        if totals.tax_total_accounting is not None and document.tax_currency == self.company_currency_id.name:
            pairs.append(
                (
                    self.env._("VAT total in the VAT accounting currency (BT-111)"),
                    totals.tax_total_accounting,
                    abs(self.amount_tax_signed),
                    self.company_currency_id,
                )
            )
        mismatches = 0
        for label, expected, computed, amount_currency in pairs:
            difference = float(expected) - computed
            if amount_currency.is_zero(difference):
                logs.append(
                    self.env._(
                        "%(label)s: %(amount)s in the file and on the bill.",
                        label=label,
                        amount=expected,
                    )
                )
                continue
            mismatches += 1
            logs.append(
                self.env._(
                    "%(label)s: the file says %(expected)s, the bill computes %(computed)s "
                    "(difference %(difference)s). Check the taxes and lines before validating.",
                    label=label,
                    expected=expected,
                    computed=amount_currency.round(computed),
                    difference=amount_currency.round(difference),
                )
            )
        if not mismatches:
            logs.append(
                self.env._(
                    "Totals match the file: %(total)s %(currency)s.",
                    total=totals.tax_inclusive,
                    currency=document.currency,
                )
            )
        if prepaid:
            deposits = self.l10n_fr_preceding_move_ids.filtered(self._l10n_fr_is_deposit_for)
            logs.append(
                self.env._(
                    "%(prepaid)s already paid: once the bill is posted it is settled against %(against)s, "
                    "so that %(due)s remain due.",
                    prepaid=totals.prepaid,
                    against=", ".join(deposits.mapped("display_name"))
                    or self.env._("the advances paid to the supplier"),
                    due=totals.due,
                )
            )
        return logs

    # --- amount already paid (BT-113) ------------------------------------------------

    def _l10n_fr_is_deposit_for(self, deposit):
        """A posted invoice of the same partner, currency and direction: one whose amount this one deducts."""
        return (
            deposit.state == "posted"
            and deposit.move_type == self.move_type.replace("refund", "invoice")
            and deposit.commercial_partner_id == self.commercial_partner_id
            and deposit.currency_id == self.currency_id
            and deposit.company_id == self.company_id
        )

    def button_cancel(self):
        # A cancelled invoice owes nothing: the settlement of its paid part is reversed with it.
        entries = self.l10n_fr_prepaid_move_id.filtered(lambda entry: entry.state == "posted")
        result = super().button_cancel()
        if entries:
            entries._reverse_moves(cancel=True)
            self.l10n_fr_prepaid_move_id = False
        return result

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        for move in posted.filtered(lambda m: m.is_invoice() and m.l10n_fr_prepaid_amount):
            move._l10n_fr_settle_prepaid()
        return posted

    def _l10n_fr_settle_prepaid(self):
        """Settle the amount already paid so that the residual is the amount due of the file (BT-115).

        An entry moves the paid part out of the partner's account: against the deposit invoices it
        deducts (a share of their lines, VAT tags included, since the final invoice states the whole
        VAT), else against the advances account (409100 / 419100), where the payment made before the
        invoice is booked. Its partner line is reconciled with the invoice.
        """
        self.ensure_one()
        term_lines = self.line_ids.filtered(lambda line: line.display_type == "payment_term")
        if not term_lines:
            return
        partner_account = term_lines.account_id[:1]
        total = abs(sum(term_lines.mapped("amount_currency")))
        prepaid = self.currency_id.round(min(self.l10n_fr_prepaid_amount, total))
        if self.currency_id.is_zero(prepaid):
            return
        entry = self.l10n_fr_prepaid_move_id
        if entry.state == "posted":
            settled = entry.line_ids.filtered(lambda line: line.account_id == partner_account)
            if not self.currency_id.compare_amounts(abs(sum(settled.mapped("amount_currency"))), prepaid):
                # Posted again after a reset to draft: the same settlement, reconciled again.
                (term_lines | settled).filtered(lambda line: not line.reconciled).reconcile()
                return
            entry._reverse_moves(cancel=True)
        # The sign of the partner's account on the invoice: a bill credits it, a customer invoice debits it.
        sign = 1 if sum(term_lines.mapped("balance")) > 0 else -1
        rate = self.invoice_currency_rate or 1.0
        counterparts = self._l10n_fr_prepaid_counterparts(prepaid, rate, sign)
        if counterparts is None:
            self.message_post(
                body=self.env._(
                    "%(amount)s already paid could not be settled: no advances account exists. "
                    "Reconcile the invoice with its payment by hand.",
                    amount=prepaid,
                )
            )
            return
        partner_line = {
            "name": self.env._("Amount already paid (BT-113) - %(ref)s", ref=self.ref or self.name),
            "account_id": partner_account.id,
            "partner_id": self.commercial_partner_id.id,
            "currency_id": self.currency_id.id,
            "amount_currency": -sign * prepaid,
            "balance": -sign * self.company_currency_id.round(prepaid / rate),
        }
        lines = [partner_line]
        for values in counterparts:
            values.update(partner_id=self.commercial_partner_id.id, currency_id=self.currency_id.id)
            lines.append(values)
        # Rounding of the shares goes to the last counterpart, so that the entry balances in both currencies.
        for key in ("amount_currency", "balance"):
            lines[-1][key] -= sum(line[key] for line in lines)
        journal = (
            self.env["account.journal"].search(
                [*self.env["account.journal"]._check_company_domain(self.company_id), ("type", "=", "general")], limit=1
            )
            or self.journal_id
        )
        entry = (
            self._l10n_fr_clean_env()["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": self.date,
                    "ref": self.env._("Amount already paid (BT-113) - %(ref)s", ref=self.ref or self.name),
                    "line_ids": [Command.create(values) for values in lines],
                }
            )
        )
        entry.action_post()
        self.l10n_fr_prepaid_move_id = entry
        (term_lines | entry.line_ids.filtered(lambda line: line.account_id == partner_account)).reconcile()

    def _l10n_fr_prepaid_counterparts(self, prepaid, rate, sign):
        """Lines that take the amount already paid (``sign``: the invoice's on the partner's account).

        None when no account can take it.
        """
        deposits = self.l10n_fr_preceding_move_ids.filtered(self._l10n_fr_is_deposit_for)
        deposit_total = sum(deposits.mapped("amount_total"))
        result = []
        deducted = min(prepaid, deposit_total)
        if deposits and deposit_total:
            ratio = deducted / deposit_total
            # The deposit lines are reversed in that share: the final invoice counts them again.
            for line in deposits.line_ids.filtered(lambda line: line.display_type in ("product", "tax")):
                values = {
                    "name": self.env._("Deposit %(deposit)s deducted", deposit=line.move_id.display_name),
                    "account_id": line.account_id.id,
                    "amount_currency": self.currency_id.round(-line.amount_currency * ratio),
                    "balance": self.company_currency_id.round(-line.balance * ratio),
                }
                # A tag alone on an entry is read like on a bill (not inverted): only a bill's tags reverse right.
                if line.move_id.is_purchase_document():
                    values["tax_tag_ids"] = [Command.set(line.tax_tag_ids.ids)]
                result.append(values)
        rest = self.currency_id.round(prepaid - deducted)
        if not self.currency_id.is_zero(rest):
            xml_id = "pcg_4091" if self.is_purchase_document() else "pcg_4191"
            account = (
                self.env["account.chart.template"]
                .with_company(self.company_id.root_id)
                .ref(xml_id, raise_if_not_found=False)
            )
            if not account:
                return None
            result.append(
                {
                    "name": self.env._("Amount already paid before the invoice"),
                    "account_id": account.id,
                    "amount_currency": sign * rest,
                    "balance": sign * self.company_currency_id.round(rest / rate),
                }
            )
        return result
