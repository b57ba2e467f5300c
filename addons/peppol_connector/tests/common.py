from odoo.addons.pa_connector.tests.common import PlatformCommon

from einvoice.peppol.smp import BIS3_CREDIT_NOTE, BIS3_INVOICE, INVOICE_RESPONSE
from einvoice.testing.smp import SmlStub, SmpSimulator, TestPki, pem

#: A Belgian company on PEPPOL: its enterprise number (KBO/BCE, scheme 0208) and VAT number.
BELGIAN_KBO, BELGIAN_VAT = "0403019261", "BE0403019261"
ACCESS_POINT = "https://ap.example.test/as4"


class PeppolCommon(PlatformCommon):
    """The seller company with its platform, a Belgian customer on PEPPOL, the SML and an SMP simulated."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = TestPki()
        cls.smp = cls.enterClassContext(SmpSimulator(cls.pki))
        cls.sml = SmlStub()
        # The test network's DNS: every lookup of these tests goes through the SML stub.
        cls.env = cls.env(context=dict(cls.env.context, einvoice_peppol_resolver=cls.sml))
        cls.company.write({"einvoice_peppol_smp_ca": pem(cls.pki.ca).decode()})
        cls.belgian = cls.env["res.partner"].create(
            {
                "name": "Brasserie Bruxelloise SA",
                "is_company": True,
                "vat": BELGIAN_VAT,
                "company_registry": BELGIAN_KBO,
                "street": "Rue de la Loi 16",
                "zip": "1000",
                "city": "Bruxelles",
                "country_id": cls.env.ref("base.be").id,
                "email": "factures@brasserie.example.be",
                "invoice_edi_format": "fr_peppol_bis3",
            }
        )

    def setUp(self):
        super().setUp()
        self.smp.participants.clear()
        self.smp.tamper = False
        self.sml.records.clear()

    def register_belgian(self, documents=(BIS3_INVOICE, BIS3_CREDIT_NOTE, INVOICE_RESPONSE)):
        participant = f"0208:{BELGIAN_KBO}"
        self.sml.register(participant, self.smp.url)
        for document in documents:
            self.smp.register(participant, document, ACCESS_POINT)
