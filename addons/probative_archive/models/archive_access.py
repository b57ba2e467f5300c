from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

ACTIONS = [
    ("view", "Viewed"),
    ("download", "Downloaded"),
    ("export", "Exported"),
    ("verify", "Verified"),
    ("scan", "Scan archived"),
]


class ArchiveAccess(models.Model):
    """Who viewed or exported what: the archive's journal, append-only like the archive."""

    _name = "probative.archive.access"
    _description = "Probative archive access journal"
    _order = "id desc"

    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="restrict")
    action = fields.Selection(ACTIONS, required=True, readonly=True)
    record_ids = fields.Many2many("probative.archive.record", string="Records", readonly=True)
    detail = fields.Char(readonly=True)
    create_date = fields.Datetime("When", readonly=True)

    @api.model
    def _log(self, action, company, records=None, detail=None):
        return (
            self.sudo()
            .with_context(probative_archive_append=True)
            .create(
                {
                    "user_id": self.env.uid,
                    "company_id": company.id,
                    "action": action,
                    "record_ids": [(6, 0, records.ids)] if records else False,
                    "detail": (detail or "")[:500] or False,
                }
            )
        )

    @api.model
    def _check_manager(self):
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(self.env._("Only accounting administrators verify, seal or export the archive."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("probative_archive_append"):
            raise UserError(self.env._("The access journal is written by the archive itself."))
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(self.env._("The access journal cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The access journal cannot be deleted."))
