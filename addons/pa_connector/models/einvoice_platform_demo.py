from odoo import Command, api, fields, models

from odoo.addons.l10n_fr_einvoice.language import in_company_lang

#: The buyer's refusal in the demo, and the company's refusal of a supplier invoice.
DEMO_CUSTOMER_REFUSAL = ("CMD_ERR", "Numéro de bon de commande absent : merci de rappeler la commande PO-4500012399")
DEMO_SUPPLIER_REFUSAL = ("CMD_ERR", "Prestation non commandée : aucune commande ne correspond à CMD-2026-0002")


class EinvoicePlatform(models.Model):
    _inherit = "einvoice.platform"

    @api.model
    def _pa_connector_load_demo(self, company_id):
        """The reform's story on the demo company, through its sandbox, within the install's transaction.

        Customer invoices are sent and answered by the sandbox's buyer (one approved, one refused
        with its reason, one paid, whose 212 leaves as CDAR); three supplier Factur-X invoices
        arrive as draft bills (one approved, one refused with its reason, one paid with its 211);
        an invoice to an EU company stays out of the platform. The sending and receiving steps
        are those of the scheduled actions, without their commits (the registry is loading: the
        sandbox is reached in-process, Odoo commits the module whole).
        """
        company = self.env["res.company"].browse(company_id)
        env = in_company_lang(self.with_company(company).with_context(allowed_company_ids=company.ids), company).env
        Platform = env["einvoice.platform"]
        if Platform.with_context(active_test=False).search_count([("company_id", "=", company.id)]):
            return
        sandbox = Platform.create({"name": env._("Sandbox"), "environment": "sandbox", "company_id": company.id})
        flows = env["einvoice.flow"]
        tax = env["account.chart.template"].with_company(company).ref
        ref = env.ref
        today = fields.Date.context_today(sandbox)

        def post_invoice(partner, lines, **values):
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
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
            return move

        def send(move=None, answer="approve", reason=(None, None)):
            """The sending cron's steps for the flows queued on the sandbox (of one move, if given)."""
            sandbox.write(
                {
                    "sandbox_buyer_answer": answer,
                    "sandbox_reason_code": reason[0] or "CMD_ERR",
                    "sandbox_reason": reason[1],
                }
            )
            client = sandbox._clients()[0]
            domain = [("platform_id", "=", sandbox.id), ("direction", "=", "out"), ("state", "=", "queued")]
            for flow in flows.search(domain + ([("move_id", "=", move.id)] if move else []), order="id"):
                flow._refresh_recipient()
                flow._send(client, maybe_sent=False)

        def receive():
            """The receiving cron's steps: the platform's acknowledgements, then the incoming flows."""
            client = sandbox._clients()[0]
            flows._read_acknowledgements(sandbox, client)
            flows._receive(sandbox, client)

        def pay(move):
            env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
                {"payment_date": today}
            )._create_payments()

        chair = ref("l10n_fr_einvoice.demo_product_chair")
        maintenance = ref("l10n_fr_einvoice.demo_product_maintenance")
        b2b = ref("l10n_fr_einvoice.demo_customer_b2b")

        # Customer invoices: the buyer approves one, refuses one; the third, services paid, gets its 212.
        approved = post_invoice(b2b, [(chair, 6, 89.90, "tva_normale")])
        refused = post_invoice(b2b, [(maintenance, 2, 450.0, "tva_normale_encaissement")])
        cashed = post_invoice(b2b, [(maintenance, 1, 450.0, "tva_normale_encaissement")])
        send(approved)
        send(refused, "refuse", DEMO_CUSTOMER_REFUSAL)
        send(cashed)
        # An EU company has no SIREN: the directory does not know it, its invoice stays out of the platform.
        post_invoice(ref("l10n_fr_einvoice.demo_customer_eu"), [(chair, 10, 89.90, "tva_sale_good_intra_0")])
        receive()
        pay(cashed)

        # Supplier invoices: three Factur-X files of the sandbox's supplier become draft bills.
        buyer = sandbox._sandbox_buyer_party()
        for _n in range(3):
            sandbox._sandbox_run(lambda simulator: simulator.deliver_supplier_invoice(buyer, today))
        receive()
        bills = flows.search(
            [("platform_id", "=", sandbox.id), ("flow_type", "=", "SupplierInvoice"), ("state", "=", "done")],
            order="id",
        ).move_id
        bill_approved, bill_refused, bill_paid = bills
        bill_approved.action_post()  # taken in charge (204)
        bill_approved.action_einvoice_approve()
        bill_refused.action_einvoice_take_charge()
        bill_refused._einvoice_give_status(
            "210", reason_code=DEMO_SUPPLIER_REFUSAL[0], reason=DEMO_SUPPLIER_REFUSAL[1], action_code="CNF"
        )
        bill_paid.action_post()
        bill_paid.action_einvoice_approve()
        pay(bill_paid)
        bill_paid.action_einvoice_payment_sent()

        # Our statuses leave as CDAR; the platform's acknowledgements come back.
        send()
        receive()
        sandbox.write({"sandbox_buyer_answer": "approve", "sandbox_reason_code": "CMD_ERR", "sandbox_reason": False})
