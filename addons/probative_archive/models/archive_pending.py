import base64
import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models, modules

from einvoice.errors import EInvoiceError

_logger = logging.getLogger(__name__)

#: Retries of a file waiting to be archived, one per cron run, before it only waits for a look.
MAX_ATTEMPTS = 20


def _commits(env):
    return not modules.module.current_test


class ArchivePending(models.Model):
    """A file whose archiving failed (the sending went on): the cron archives it later."""

    _name = "probative.archive.pending"
    _description = "File waiting to be archived"
    _order = "id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    kind = fields.Char(required=True, readonly=True)
    origin_ref = fields.Char(required=True, readonly=True)
    move_id = fields.Many2one("account.move", readonly=True, ondelete="set null")
    data = fields.Binary(attachment=True, readonly=True)
    file_name = fields.Char(readonly=True)
    mimetype = fields.Char(readonly=True)
    metadata = fields.Json(readonly=True)
    attempts = fields.Integer(readonly=True, default=0)
    error = fields.Text(readonly=True)

    @api.model
    def _cron_retry(self, limit=200):
        for pending in self.sudo().search([("attempts", "<", MAX_ATTEMPTS)], limit=limit):
            pending._retry()
            if _commits(self.env):
                # Each archived file kept before the next.
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _retry(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                chain = self.env["probative.archive.chain"]._chain_of(self.company_id)
                chain._append(
                    base64.b64decode(self.data),
                    self.kind,
                    self.origin_ref,
                    name=self.file_name,
                    mimetype=self.mimetype,
                    move=self.move_id,
                    metadata=self.metadata or {},
                )
        except (EInvoiceError, pg_errors.SerializationFailure, pg_errors.LockNotAvailable, ValueError) as exc:
            self.write({"attempts": self.attempts + 1, "error": f"{type(exc).__name__}: {exc}"[:1000]})
            return False
        self.unlink()
        return True
