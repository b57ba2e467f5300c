"""Appends of one company from several transactions at once: one chain, no gap, no fork.

The other tests run in the test's single transaction; here real cursors of their own
connections, in threads, append as workers would, on a company committed for the time of
the test, its archive rows removed and the company archived afterwards (the trigger switched off
for the cleanup only).
"""

import threading

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

THREADS, PER_THREAD = 4, 5


@tagged("post_install_l10n", "post_install", "-at_install")
class TestConcurrentAppends(TransactionCase):
    def environment(self, cr):
        if getattr(cr, "transaction", None) is None:
            cr.transaction = api.Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})

    def cursor(self):
        return db_connect(self.env.cr.dbname).cursor()

    def setUp(self):
        super().setUp()
        with self.cursor() as cr:
            self.company_id = self.environment(cr)["res.company"].create({"name": "Archive concurrency test"}).id
        self.addCleanup(self.remove_company)

    def remove_company(self):
        with self.cursor() as cr:
            cr.execute("ALTER TABLE probative_archive_record DISABLE TRIGGER probative_archive_record_immutable")
            cr.execute(
                "DELETE FROM ir_attachment WHERE res_model = 'probative.archive.record' AND res_id IN "
                "(SELECT id FROM probative_archive_record WHERE company_id = %s)",
                (self.company_id,),
            )
            for table in ("probative_archive_record", "probative_archive_chain", "probative_archive_pending"):
                cr.execute(f"DELETE FROM {table} WHERE company_id = %s", (self.company_id,))
            cr.execute("ALTER TABLE probative_archive_record ENABLE TRIGGER probative_archive_record_immutable")
            # The company itself stays, archived: with stock installed a new company gets warehouses
            # and picking types that a plain unlink cannot remove.
            self.environment(cr)["res.company"].browse(self.company_id).write(
                {"active": False, "name": f"Archive concurrency test {self.company_id} (removed)"}
            )

    def worker(self, tag, errors):
        done = 0
        while done < PER_THREAD:
            try:
                with self.cursor() as cr:
                    env = self.environment(cr)
                    company = env["res.company"].browse(self.company_id)
                    env["probative.archive.chain"]._chain_of(company)._append(
                        f"<Invoice>{tag}-{done}</Invoice>".encode(), "invoice_sent", f"test,{tag}{done}"
                    )
                done += 1
            except (pg_errors.SerializationFailure, pg_errors.UniqueViolation):
                continue  # another worker moved the head first: as Odoo retries a request, try again
            except Exception as exc:  # noqa: BLE001 (reported by the test thread)
                errors.append(exc)
                return

    def test_concurrent_appends_make_one_chain_without_gap_or_fork(self):
        errors = []
        threads = [threading.Thread(target=self.worker, args=(f"w{n}-", errors)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(errors, [])
        with self.cursor() as cr:
            env = self.environment(cr)
            records = env["probative.archive.record"].search([("company_id", "=", self.company_id)], order="sequence")
            self.assertEqual(records.mapped("sequence"), list(range(1, THREADS * PER_THREAD + 1)), "no gap")
            self.assertEqual(len(set(records.mapped("previous_hash"))), len(records), "no fork")
            chain = env["probative.archive.chain"]._chain_of(env["res.company"].browse(self.company_id))
            self.assertTrue(chain._verify(restart=True), chain.verification_summary)
