import base64
import os
import resource
import shutil
import subprocess
import sys
import tempfile

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from einvoice.testing import cases

ISSUE_DATE = fields.Date.to_date("2026-09-15")


@tagged("post_install_l10n", "post_install", "-at_install")
def run_verapdf(pdf, what):
    """veraPDF's verdict on ``pdf`` as PDF/A-3B (the CompletedProcess), or None, said loudly, when
    veraPDF (VERAPDF) or Java is missing; ``what`` names the PDF in that message."""
    command = os.environ.get("VERAPDF")
    if not command or not os.path.isfile(command) or not shutil.which("java"):
        sys.stderr.write(f"!!! VERAPDF OR JAVA IS MISSING: {what} WAS NOT CHECKED BY VERAPDF !!!\n")
        return None

    def lift_address_space_limit():
        # Odoo caps its own address space (limit_memory_hard); the Java VM needs more.
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            [command, "-f", "3b", "--format", "text", file.name],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            preexec_fn=lift_address_space_limit,
        )


class EinvoiceCommon(AccountTestInvoicingCommon):
    """A French seller with the French chart, its customers, and a second French company that buys."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        france = cls.env.ref("base.fr")
        cls.company.write(
            {
                "name": "Atelier Dupont Essais SARL",
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "country_id": france.id,
                "vat": cases.SELLER_VAT,
                "siret": cases.SELLER_SIRET,
                "email": "facturation@atelier-dupont.fr",
                "phone": "+33 1 23 45 67 89",
                "company_registry": "RCS Paris 732 829 320",
            }
        )
        bank = cls.env["res.bank"].create({"name": "Crédit Agricole", "bic": cases.SELLER_BIC})
        cls.bank_account = cls.env["res.partner.bank"].create(
            {
                "acc_number": cases.SELLER_IBAN,
                "partner_id": cls.company.partner_id.id,
                "bank_id": bank.id,
                "allow_out_payment": True,
            }
        )
        cls.customer = cls._french_company(
            "Client Industriel SA", cases.BUYER_SIRET, cases.BUYER_VAT, "1 avenue de Lyon", "69001", "Lyon"
        )
        cls.public_customer = cls._french_company(
            "Mairie de Paris - Direction des achats",
            cases.PUBLIC_SIRET,
            cases.PUBLIC_VAT,
            "4 rue de Lobau",
            "75004",
            "Paris",
            l10n_fr_routing_code="SERV-ACHATS",
        )
        cls.german_customer = cls.env["res.partner"].create(
            {
                "name": "Maschinenbau Müller GmbH",
                "is_company": True,
                "vat": "DE136695976",
                "street": "Hauptstraße 5",
                "zip": "10115",
                "city": "Berlin",
                "country_id": cls.env.ref("base.de").id,
                "invoice_edi_format": "fr_facturx",
            }
        )
        cls.american_customer = cls.env["res.partner"].create(
            {
                "name": "Acme Trading Inc.",
                "is_company": True,
                "street": "500 Fifth Avenue",
                "zip": "10110",
                "city": "New York",
                "country_id": cls.env.ref("base.us").id,
                "email": "ap@acme.example.com",
                "invoice_edi_format": "fr_facturx",
            }
        )
        cls.consumer = cls.env["res.partner"].create(
            {
                "name": "Jeanne Martin",
                "street": "8 rue des Lilas",
                "zip": "44000",
                "city": "Nantes",
                "country_id": france.id,
                "email": "jeanne.martin@example.com",
                "invoice_edi_format": "fr_facturx",
            }
        )
        cls.tax_20 = cls._tax("tva_normale")
        cls.tax_10 = cls._tax("tva_intermediaire")
        cls.tax_5_5 = cls._tax("tva_reduite")
        cls.tax_20_included = cls._tax("tva_normale_ttc")
        cls.tax_intra = cls._tax("tva_sale_good_intra_0")
        cls.tax_export = cls._tax("tva_sale_good_export_0")
        cls.tax_exempt = cls._tax("tva_sale_service_0")
        cls.tax_exempt.write(
            {
                "l10n_fr_exemption_reason_code": "VATEX-FR-CGI261-4",
                "l10n_fr_exemption_reason": "Exonération de TVA, article 261-4-4° du CGI (formation professionnelle)",
            }
        )
        cls.tax_reverse_charge = cls.tax_exempt.copy(
            {
                "name": "0% autoliquidation (sous-traitance BTP)",
                "l10n_fr_vat_category": "AE",
                "l10n_fr_exemption_reason_code": "VATEX-EU-AE",
                "l10n_fr_exemption_reason": "Autoliquidation - article 283-2 nonies du CGI",
            }
        )
        cls.goods = cls._create_product(
            name="Chaise de bureau",
            type="consu",
            default_code="CH-01",
            barcode="3760000000017",
            lst_price=89.90,
            taxes_id=[Command.set(cls.tax_20.ids)],
        )
        cls.lamp = cls._create_product(
            name="Lampe", type="consu", default_code="LP-02", lst_price=35.0, taxes_id=[Command.set(cls.tax_20.ids)]
        )
        cls.service = cls._create_product(
            name="Maintenance mensuelle",
            type="service",
            default_code="MAINT",
            lst_price=450.0,
            taxes_id=[Command.set(cls.tax_20.ids)],
        )
        # The buyer: a second French company that receives the e-invoices as vendor bills.
        cls.buyer_data = cls.setup_other_company(
            name="Client Industriel Essais SA",
            vat=cases.BUYER_VAT,
            street="1 avenue de Lyon",
            zip="69001",
            city="Lyon",
        )
        cls.buyer_company = cls.buyer_data["company"]
        cls.buyer_company.siret = cases.BUYER_SIRET

    @classmethod
    def _tax(cls, xml_id):
        return cls.env["account.chart.template"].with_company(cls.company).ref(xml_id)

    @classmethod
    def _french_company(cls, name, siret, vat, street, zip_code, city, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "siret": siret,
                "vat": vat,
                "street": street,
                "zip": zip_code,
                "city": city,
                "country_id": cls.env.ref("base.fr").id,
                "email": "comptabilite@" + name.split()[0].lower() + ".example.fr",
                **values,
            }
        )

    @classmethod
    def make_invoice(cls, partner=None, lines=(), move_type="out_invoice", post=True, **values):
        """lines: (product or name, quantity, price, taxes[, discount])."""
        line_commands = []
        for spec in lines:
            product, quantity, price, taxes = spec[:4]
            line = {"quantity": quantity, "price_unit": price, "tax_ids": [Command.set(taxes.ids)]}
            if isinstance(product, str):
                line["name"] = product
            else:
                line["product_id"] = product.id
            if len(spec) > 4:
                line["discount"] = spec[4]
            line_commands.append(Command.create(line))
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or cls.customer).id,
                "invoice_date": ISSUE_DATE,
                "invoice_payment_term_id": cls.env.ref("account.account_payment_term_30days").id,
                "invoice_line_ids": line_commands,
                **values,
            }
        )
        if post:
            move.action_post()
        return move

    def assert_valid(self, move, target=None, profile=None):
        """Build and validate the e-invoice; fail with the findings when one is fatal."""
        xml, report, problems = move._l10n_fr_einvoice_xml(target, profile)
        self.assertFalse(problems, f"mapping problems: {problems}")
        self.assertIsNotNone(xml)
        fatal = [f"{f.rule_id} {f.bt}: {f.message_en}" for f in report.fatal]
        self.assertEqual(fatal, [], "\n".join(fatal))
        return xml, report

    def import_bill(self, content, filename, company_data=None):
        """Drop a file on the purchase journal of the buyer company, as a user does."""
        company_data = company_data or self.buyer_data
        attachment = self.env["ir.attachment"].create({"name": filename, "raw": content})
        journal = company_data["default_journal_purchase"]
        return (
            journal.with_company(company_data["company"])
            .with_context(default_move_type="in_invoice", allowed_company_ids=company_data["company"].ids)
            ._create_document_from_attachment(attachment.ids)
        )

    @staticmethod
    def b64(data):
        return base64.b64encode(data)
