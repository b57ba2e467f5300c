from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ArchiveCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestRights(ArchiveCommon):
    def setUp(self):
        super().setUp()
        self.seller_record = self.archive(b"<Invoice>seller</Invoice>", origin="test,1")
        self.buyer_record = self.archive(b"<Invoice>buyer</Invoice>", origin="test,2", company=self.buyer_company)

    def make_user(self, login, groups, companies=None):
        companies = companies or self.company
        return new_test_user(
            self.env, login=login, groups=groups, company_id=companies[0].id, company_ids=[(6, 0, companies.ids)]
        )

    def test_only_accountants_see_and_only_advisers_export(self):
        clerk = self.make_user("archive_clerk", "account.group_account_invoice")
        with self.assertRaises(AccessError):
            self.Record.with_user(clerk).search([])
        accountant = self.make_user("archive_accountant", "account.group_account_user")
        self.assertEqual(
            self.Record.with_user(accountant).search([("id", "in", (self.seller_record | self.buyer_record).ids)]),
            self.seller_record,
        )
        with self.assertRaises(AccessError):
            self.env["probative.archive.export"].with_user(accountant).create(
                {"date_from": "2026-01-01", "date_to": "2026-12-31"}
            )
        with self.assertRaises(AccessError):
            self.Chain.with_user(accountant).browse(self.chain().id).action_verify()
        with self.assertRaises(AccessError):
            self.env["probative.archive.access"].with_user(accountant).search([])
        adviser = self.make_user("archive_adviser", "account.group_account_manager")
        self.Chain.with_user(adviser).browse(self.chain().id).action_verify()
        journal = self.env["probative.archive.access"].with_user(adviser).search([("action", "=", "verify")])
        self.assertEqual(journal.user_id, adviser)

    def test_each_company_sees_its_own_archive(self):
        both = self.make_user("archive_both", "account.group_account_manager", self.company | self.buyer_company)
        Record = self.Record.with_user(both).with_context(allowed_company_ids=self.buyer_company.ids)
        self.assertEqual(Record.search([("id", "in", (self.seller_record | self.buyer_record).ids)]), self.buyer_record)
        self.assertNotEqual(self.seller_record.chain_identifier, self.buyer_record.chain_identifier)
        self.assertEqual(self.seller_record.company_id, self.company)

    def test_viewing_a_record_is_journalled(self):
        accountant = self.make_user("archive_viewer", "account.group_account_user")
        self.seller_record.with_user(accountant).web_read({"file": {}, "fingerprint": {}})
        journal = self.env["probative.archive.access"].search(
            [("action", "=", "view"), ("user_id", "=", accountant.id)]
        )
        self.assertEqual(journal.record_ids, self.seller_record)
