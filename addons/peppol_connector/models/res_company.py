from odoo import fields, models

from einvoice.peppol.sml import SML_PRODUCTION

#: Days a PEPPOL lookup is trusted before an invoice leaves: SMP metadata changes when a
#: customer moves to another access point.
DEFAULT_MAX_AGE = 7


class ResCompany(models.Model):
    _inherit = "res.company"

    einvoice_peppol_sml_zone = fields.Char(
        "PEPPOL SML zone",
        default=SML_PRODUCTION,
        help="DNS zone of the PEPPOL Service Metadata Locator: edelivery.tech.ec.europa.eu in production, "
        "acc.edelivery.tech.ec.europa.eu for the test network.",
    )
    einvoice_peppol_nameservers = fields.Char(
        "DNS servers for PEPPOL",
        help="IP addresses of the DNS servers asked for PEPPOL participants, separated by commas; empty: the "
        "server's own resolver.",
    )
    einvoice_peppol_smp_ca = fields.Text(
        "SMP CA certificates",
        groups="base.group_system",
        help="The PEPPOL SMP CA certificates (PEM) that the signed service metadata must chain to: the "
        "OpenPeppol production SMP CA, or the test one for the test network.",
    )
    einvoice_peppol_max_age = fields.Integer(
        "PEPPOL lookup kept (days)",
        default=DEFAULT_MAX_AGE,
        help="A customer's PEPPOL lookup older than this is done again before an invoice leaves.",
    )
    einvoice_peppol_smp_url = fields.Char(
        "Fixed SMP",
        help="URL of one SMP asked for every participant instead of finding each participant's SMP in the "
        "SML (DNS): a test network, or a closed group. Leave empty on the PEPPOL network.",
    )
