from odoo import api, fields, models
from odoo.exceptions import ValidationError


class EinvoicePlatform(models.Model):
    _inherit = "einvoice.platform"

    ereporting_matricule = fields.Char(
        "Platform number",
        size=4,
        help="The approved platform's registration number (matricule, 4 characters) given by the tax "
        "administration: the sender of every e-reporting transmission (TT-8).",
    )

    @api.constrains("ereporting_matricule")
    def _check_ereporting_matricule(self):
        for platform in self:
            number = platform.ereporting_matricule
            if number and (len(number) != 4 or not number.isalnum()):
                raise ValidationError(
                    self.env._(
                        "The platform number of %(platform)s must have 4 letters or digits (TT-8), not %(number)s.",
                        platform=platform.name,
                        number=number,
                    )
                )
