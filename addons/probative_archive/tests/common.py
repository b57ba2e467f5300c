import base64

from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from odoo.addons.pa_connector.tests.common import PlatformCommon

from einvoice.testing.tsa import TestPki

PASSWORD = "archive-test-secret"


def p12_of(pki):
    return pkcs12.serialize_key_and_certificates(
        b"seal",
        pki.company.private_key,
        pki.company.certificate,
        [pki.ca_certificate],
        BestAvailableEncryption(PASSWORD.encode()),
    )


class ArchiveCommon(PlatformCommon):
    """The seller and the buyer, each with its platform and its own seal certificate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = TestPki(company="Vendeur SARL")
        cls.buyer_pki = TestPki(company="Client Industriel SA")
        for company, pki in ((cls.company, cls.pki), (cls.buyer_company, cls.buyer_pki)):
            company.write(
                {
                    "archive_certificate": base64.b64encode(p12_of(pki)),
                    "archive_certificate_password": PASSWORD,
                    "archive_controls": "Chain verified every hour; scans checked against the paper the same day.",
                }
            )
        cls.Record = cls.env["probative.archive.record"]
        cls.Chain = cls.env["probative.archive.chain"]

    def records(self, company=None, kind=None):
        domain = [("company_id", "=", (company or self.company).id)]
        if kind:
            domain.append(("kind", "=", kind))
        return self.Record.search(domain, order="sequence")

    def chain(self, company=None):
        return self.Chain._chain_of(company or self.company)

    def verify(self, company=None):
        chain = self.chain(company)
        chain._verify(restart=True)
        return chain

    def archive(self, data, kind="invoice_sent", origin=None, company=None, **kwargs):
        return self.Record._archive(company or self.company, data, kind, origin or (company or self.company), **kwargs)
