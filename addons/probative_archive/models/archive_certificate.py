from odoo import fields, models
from odoo.exceptions import UserError

ROLES = [
    ("company", "Company seal"),
    ("internal_tsa", "Internal time source"),
    ("intermediate", "Intermediate authority"),
    ("ca", "Root authority"),
]


class ArchiveCertificate(models.Model):
    """Every certificate a company's archive was sealed or timestamped with (public part only):
    records sealed before a renewal stay verifiable, and exports carry them."""

    _name = "probative.archive.certificate"
    _description = "Probative archive certificate"
    _order = "company_id, id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    role = fields.Selection(ROLES, required=True, readonly=True)
    subject = fields.Char(readonly=True)
    not_after = fields.Datetime("Valid until", readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True, required=True)
    pem = fields.Text("Certificate (PEM)", readonly=True, required=True)

    def write(self, vals):
        if vals:
            raise UserError(
                self.env._("Archive certificates cannot be changed: a new certificate is added beside them.")
            )
        return super().write(vals)
