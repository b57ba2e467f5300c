from odoo import Command, api, fields, models

from ..language import in_company_lang


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def _l10n_fr_einvoice_load_demo(self, company_id):
        """The demo company's chart, bank account and a few invoices in each case, checked."""
        company = self.env["res.company"].browse(company_id)
        env = in_company_lang(self.with_company(company).with_context(allowed_company_ids=company.ids), company).env
        if not company.partner_id.bank_ids:
            env["res.partner.bank"].create(
                {
                    "acc_number": "FR7630006000011234567890189",
                    "partner_id": company.partner_id.id,
                    "allow_out_payment": True,
                }
            )
        tax = env["account.chart.template"].with_company(company).ref
        ref = env.ref
        today = fields.Date.context_today(self)

        def invoice(partner, lines, move_type="out_invoice", **values):
            move = env["account.move"].create(
                {
                    "move_type": move_type,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "invoice_date": today,
                    "invoice_payment_term_id": ref("account.account_payment_term_30days").id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [Command.set(tax(tax_id).ids)],
                            }
                        )
                        for product, quantity, price, tax_id in lines
                    ],
                    **values,
                }
            )
            move.action_post()
            move.action_l10n_fr_check_einvoice()
            return move

        chair = ref("l10n_fr_einvoice.demo_product_chair")
        maintenance = ref("l10n_fr_einvoice.demo_product_maintenance")
        study = ref("l10n_fr_einvoice.demo_product_study")
        b2b = ref("l10n_fr_einvoice.demo_customer_b2b")
        goods = invoice(b2b, [(chair, 4, 89.90, "tva_normale")])
        invoice(b2b, [(maintenance, 1, 450.0, "tva_normale_encaissement"), (chair, 2, 89.90, "tva_normale")])
        invoice(
            ref("l10n_fr_einvoice.demo_customer_public"),
            [(study, 1, 12500.0, "tva_normale_encaissement")],
            ref="EJ-1000234567",
            l10n_fr_contract_ref="MARCHE-2026-017",
        )
        invoice(ref("l10n_fr_einvoice.demo_customer_consumer"), [(chair, 1, 89.90, "tva_normale")])
        invoice(ref("l10n_fr_einvoice.demo_customer_to_fix"), [(maintenance, 1, 450.0, "tva_normale_encaissement")])
        refund = goods._reverse_moves([{"invoice_date": today, "ref": goods.name}])
        refund.action_post()
        refund.action_l10n_fr_check_einvoice()
