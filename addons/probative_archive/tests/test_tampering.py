from contextlib import contextmanager

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ArchiveCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestTampering(ArchiveCommon):
    def setUp(self):
        super().setUp()
        self.files = [f"<Invoice><ID>F-{n}</ID></Invoice>".encode() for n in range(4)]
        self.archived = self.Record
        for number, data in enumerate(self.files):
            self.archived |= self.archive(data, origin=f"account.move,{9000 + number}", name=f"F-{number}.xml")
        self.assertEqual(self.verify().verification_state, "ok")

    @contextmanager
    def trigger_disabled(self):
        """An administrator with SQL access: the trigger switched off, the chain must tell."""
        self.env.flush_all()
        self.env.cr.execute("ALTER TABLE probative_archive_record DISABLE TRIGGER probative_archive_record_immutable")
        try:
            yield
        finally:
            self.env.cr.execute(
                "ALTER TABLE probative_archive_record ENABLE TRIGGER probative_archive_record_immutable"
            )
            self.env.invalidate_all()

    def verify(self, company=None):
        with mute_logger("odoo.addons.probative_archive.models.archive_chain"):
            return super().verify(company)

    def assertBroken(self, record, code):
        chain = self.verify()
        self.assertEqual(chain.verification_state, "broken")
        self.assertEqual(chain.broken_record_id, record, chain.verification_summary)
        self.assertIn(f"record {record.sequence} ({record.kind} {record.origin_ref})", chain.verification_summary)
        self.assertIn(f"[{code}]", chain.verification_summary)
        return chain

    def test_the_orm_refuses_to_change_or_delete(self):
        record = self.archived[1]
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            record.write({"fingerprint": "0" * 64})
        with self.assertRaises(AccessError):
            record.unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            record.sudo().unlink()
        with self.assertRaisesRegex(UserError, "only added by the archive"):
            self.Record.sudo().create({"company_id": self.company.id})
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "probative.archive.record"), ("res_id", "=", record.id), ("res_field", "=", "file")]
        )
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            attachment.write({"raw": b"<Invoice>forged</Invoice>"})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            attachment.sudo().unlink()

    def test_the_database_refuses_update_and_delete(self):
        record = self.archived[1]
        self.env.flush_all()
        for statement in (
            "UPDATE probative_archive_record SET metadata = '{}' WHERE id = %s",
            "DELETE FROM probative_archive_record WHERE id = %s",
        ):
            with (
                self.assertRaisesRegex(psycopg2.Error, "immutable"),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(statement, (record.id,))
        with self.assertRaisesRegex(psycopg2.Error, "immutable"), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute("TRUNCATE probative_archive_record CASCADE")

    def test_an_altered_row_is_named(self):
        record = self.archived[2]
        with self.trigger_disabled():
            self.env.cr.execute(
                "UPDATE probative_archive_record SET origin_ref = 'account.move,1' WHERE id = %s", (record.id,)
            )
        record.invalidate_recordset()
        self.assertBroken(record, "chain_hash")

    def test_a_deleted_row_is_named(self):
        record = self.archived[1]
        with self.trigger_disabled():
            self.env.cr.execute("DELETE FROM probative_archive_record WHERE id = %s", (record.id,))
        chain = self.verify()
        self.assertEqual(chain.verification_state, "broken")
        self.assertEqual(chain.broken_record_id, self.archived[2])
        self.assertIn("[sequence]", chain.verification_summary)
        self.assertIn(f"follows {self.archived[0].sequence}", chain.verification_summary)

    def test_the_last_row_deleted_is_seen_by_the_head(self):
        with self.trigger_disabled():
            self.env.cr.execute("DELETE FROM probative_archive_record WHERE id = %s", (self.archived[-1].id,))
        chain = self.verify()
        self.assertEqual(chain.verification_state, "broken")
        self.assertIn("[head]", chain.verification_summary)

    def test_a_reordered_chain_is_named(self):
        first, second = self.archived[1], self.archived[2]
        with self.trigger_disabled():
            self.env.cr.execute(
                "UPDATE probative_archive_record SET sequence = -1 WHERE id = %s;"
                "UPDATE probative_archive_record SET sequence = %s WHERE id = %s;"
                "UPDATE probative_archive_record SET sequence = %s WHERE id = %s",
                (first.id, first.sequence, second.id, second.sequence, first.id),
            )
        chain = self.verify()
        self.assertEqual(chain.verification_state, "broken")
        self.assertEqual(chain.broken_record_id, second, chain.verification_summary)

    def replace_from(self, column, record, other):
        with self.trigger_disabled():
            self.env.cr.execute(
                f"UPDATE probative_archive_record SET {column} = "
                f"(SELECT {column} FROM probative_archive_record WHERE id = %s) WHERE id = %s",
                (other.id, record.id),
            )

    def test_a_token_replaced_is_named(self):
        self.replace_from("token", self.archived[1], self.archived[2])
        self.assertBroken(self.archived[1], "token")

    def test_a_seal_replaced_is_named(self):
        self.replace_from("seal", self.archived[2], self.archived[1])
        self.assertBroken(self.archived[2], "seal")

    def test_a_seal_or_token_removed_is_named(self):
        record = self.archived[1]
        with self.trigger_disabled():
            self.env.cr.execute(
                "UPDATE probative_archive_record SET seal = NULL, token = NULL WHERE id = %s", (record.id,)
            )
        chain = self.assertBroken(record, "seal")
        self.assertIn("its seal is missing", chain.verification_summary)

    def test_one_byte_flipped_in_a_stored_file_is_named(self):
        record = self.archived[2]
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [("res_model", "=", "probative.archive.record"), ("res_id", "=", record.id), ("res_field", "=", "file")]
            )
        )
        path = attachment._full_path(attachment.store_fname)
        with open(path, "rb") as file:
            original = file.read()
        flipped = bytearray(original)
        flipped[5] ^= 0x01
        try:
            with open(path, "wb") as file:
                file.write(bytes(flipped))
            self.env.invalidate_all()
            chain = self.assertBroken(record, "fingerprint")
            self.assertIn("the bytes' SHA-256", chain.verification_summary)
        finally:
            with open(path, "wb") as file:
                file.write(original)
        self.env.invalidate_all()
        self.assertEqual(self.verify().verification_state, "ok")
