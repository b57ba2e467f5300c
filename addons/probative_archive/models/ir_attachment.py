import base64
import hashlib

from odoo import api, models
from odoo.exceptions import UserError

ARCHIVE_MODEL = "probative.archive.record"


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _archive_files(self):
        return self.sudo().filtered(lambda a: a.res_model == ARCHIVE_MODEL and a.res_field)

    def write(self, vals):
        # EXTENDS base: an archived file is never replaced nor moved; moving it to another
        # storage (the same bytes) stays possible.
        archived = self._archive_files() if set(vals) & {"raw", "datas", "res_model", "res_id", "res_field"} else None
        if archived:
            if set(vals) & {"res_model", "res_id", "res_field"}:
                raise UserError(self.env._("An archived file cannot be moved to another record."))
            content = vals.get("raw")
            if content is None and vals.get("datas"):
                content = base64.b64decode(vals["datas"])
            if isinstance(content, str):
                content = content.encode()
            if content is not None and any(hashlib.sha1(content).hexdigest() != a.checksum for a in archived):
                raise UserError(self.env._("An archived file cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_archived(self):
        if self._archive_files():
            raise UserError(self.env._("An archived file cannot be deleted."))
