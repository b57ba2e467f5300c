from odoo.tests import tagged

from .common import EinvoiceCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestRejections(EinvoiceCommon):
    """Each way an invoice gets rejected shows on the form and blocks sending."""

    def send(self, move):
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({})
        )
        return wizard.action_send_and_print()

    def assert_blocked(self, move, rule_ids, fix_record):
        move.action_l10n_fr_check_einvoice()
        self.assertEqual(move.l10n_fr_einvoice_state, "invalid")
        fatal = move.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.severity == "fatal")
        self.assertTrue(
            set(fatal.mapped("rule_id")) & set(rule_ids), f"{fatal.mapped('rule_id')} {fatal.mapped('message')}"
        )
        finding = fatal.filtered(lambda f: f.rule_id in rule_ids)[:1]
        self.assertEqual((finding.fix_model, finding.fix_res_id), (fix_record._name, fix_record.id))
        action = finding.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), (fix_record._name, fix_record.id))
        # Sending from the form is refused, with the findings kept on the invoice.
        result = self.send(move)
        self.assertEqual(result["params"]["type"], "danger")
        self.assertFalse(move.ubl_cii_xml_id)
        self.assertFalse(move.is_move_sent)
        self.assertTrue(move.l10n_fr_einvoice_finding_ids)
        # Batch sending (the cron) refuses too and says why in the chatter.
        move.sending_data = {"author_user_id": self.env.user.id, "author_partner_id": self.env.user.partner_id.id}
        self.env["account.move.send"]._generate_and_send_invoices(move, from_cron=True)
        self.assertFalse(move.ubl_cii_xml_id)
        self.assertIn("breaks the official rules", move.message_ids[0].body)
        return finding

    def test_missing_buyer_siren(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Sans SIREN SARL",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
                "street": "1 rue Haute",
                "zip": "33000",
                "city": "Bordeaux",
            }
        )
        move = self.make_invoice(partner=customer, lines=[(self.goods, 1, 89.90, self.tax_20)])
        self.assert_blocked(move, ["BR-FR-10", "BR-FR-11", "BR-FR-12", "BR-FR-21", "BR-FR-22", "BR-FR-CO-10"], customer)
        # Fixed: the findings go away and the invoice can be sent.
        customer.siret = "55208131700018"
        move.action_l10n_fr_check_einvoice()
        self.assertFalse(move.l10n_fr_einvoice_finding_ids.filtered(lambda f: f.severity == "fatal"))
        self.assertIn(move.l10n_fr_einvoice_state, ("valid", "warning"))

    def test_invalid_siret(self):
        customer = self.env["res.partner"].create(
            {
                "name": "SIRET faux SAS",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
                "siret": "55208131700019",
                "l10n_fr_siren": "552081317",
                "vat": "FR03552081317",
                "street": "1 rue Basse",
                "zip": "33000",
                "city": "Bordeaux",
            }
        )
        move = self.make_invoice(partner=customer, lines=[(self.goods, 1, 89.90, self.tax_20)])
        self.assert_blocked(move, ["IDENTIFIER"], customer)

    def test_missing_bank_account(self):
        move = self.make_invoice(lines=[(self.goods, 1, 89.90, self.tax_20)], post=False)
        move.partner_bank_id = False
        move.action_post()
        self.assert_blocked(move, ["BR-61"], move)

    def test_wrong_tax_configuration(self):
        tax = self.tax_exempt.copy(
            {"name": "0% exonéré sans motif", "l10n_fr_exemption_reason_code": False, "l10n_fr_exemption_reason": False}
        )
        move = self.make_invoice(lines=[("Formation", 1, 700.0, tax)])
        self.assert_blocked(move, ["BR-E-10"], tax)
