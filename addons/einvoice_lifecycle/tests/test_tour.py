from odoo.tests import HttpCase, tagged

from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon

from einvoice import api as einvoice_api
from einvoice.testing import cases


@tagged("post_install_l10n", "post_install", "-at_install")
class TestRefuseTour(EinvoiceCommon, HttpCase):
    def test_refuse_a_bill_in_the_browser(self):
        bill = self.import_bill(einvoice_api.build(cases.b2b_services(), "cii"), "facture.xml")
        bill.action_post()
        self.env.user.company_ids |= self.buyer_company
        self.start_tour(
            f"/odoo/action-account.action_move_in_invoice_type/{bill.id}?cids={self.buyer_company.id}",
            "einvoice_lifecycle_refuse_bill",
            login=self.env.user.login,
        )
        self.assertEqual(bill.einvoice_status, "210")
        self.assertEqual(bill.einvoice_event_ids[-1].reason_code, "DOUBLON")
