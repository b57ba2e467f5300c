"""The PAdES seal of outgoing Factur-X PDFs: applied after the XML is embedded, on every channel
(Send & Print, Chorus Pro), checked by pyHanko, poppler's pdfsig and veraPDF; archived sealed."""

import base64
import datetime
import io
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

from cryptography.hazmat.primitives import serialization

from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.chorus_pro_connector.tests.common import ChorusCommon
from odoo.addons.l10n_fr_einvoice.tests.common import EinvoiceCommon, run_verapdf

from einvoice import api as einvoice_api
from einvoice.archive import fingerprint, pades
from einvoice.pdf import extract_xml
from einvoice.testing.tsa import TestPki

from ..wizard.archive_export import build_export
from .common import PASSWORD, ArchiveCommon, p12_of


def check_with_pdfsig(test, pdf):
    """poppler's pdfsig, an implementation we did not write, judges the seal when it is there."""
    if shutil.which("pdfsig") is None:
        sys.stderr.write("!!! PDFSIG (POPPLER-UTILS) IS MISSING: THE PADES SEAL WAS NOT CHECKED BY POPPLER !!!\n")
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        output = subprocess.run(["pdfsig", file.name], capture_output=True, text=True, timeout=60, check=False).stdout
    test.assertIn("Signature Type: ETSI.CAdES.detached", output)
    test.assertIn("Total document signed", output)
    test.assertIn("Signature Validation: Signature is Valid.", output)


def check_with_verapdf(test, pdf):
    """veraPDF, the reference PDF/A validator: the sealed file is still PDF/A-3."""
    result = run_verapdf(pdf, "THE SEALED FACTUR-X")
    if result is not None:
        test.assertTrue(result.stdout.startswith("PASS "), result.stdout[-2000:] + result.stderr[-2000:])


def drop_certificate(company):
    """The seal certificate gone behind the form's back (the form refuses to drop it while sealing)."""
    company.env["ir.attachment"].sudo().search(
        [("res_model", "=", "res.company"), ("res_field", "=", "archive_certificate"), ("res_id", "=", company.id)]
    ).unlink()
    company.invalidate_recordset(["archive_certificate"])


def check_sealed_facturx(test, pdf, pki):
    """Sealed by the company, the Factur-X XML inside, valid by the official rules."""
    (status,) = pades.verify_pdf_seal(pdf, pki.trust())
    test.assertEqual(status.signing_cert.dump(), pki.company.certificate.public_bytes(serialization.Encoding.DER))
    test.assertTrue(status.timestamp_validity and status.timestamp_validity.trusted, "timestamped (PAdES B-T)")
    filename, xml = extract_xml(pdf)
    test.assertEqual(filename, "factur-x.xml")
    test.assertFalse(einvoice_api.check(pdf).fatal, "the sealed file is still a valid Factur-X")
    check_with_pdfsig(test, pdf)
    check_with_verapdf(test, pdf)
    return xml


@unittest.skipUnless(pades.available(), "!!! PYHANKO IS MISSING: THE PADES SEAL OF FACTUR-X PDFS WAS NOT TESTED !!!")
@tagged("post_install_l10n", "post_install", "-at_install")
class TestSealedSendAndPrint(EinvoiceCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = TestPki(company="Vendeur SARL")
        cls.company.write(
            {"archive_certificate": base64.b64encode(p12_of(cls.pki)), "archive_certificate_password": PASSWORD}
        )

    def send_and_print(self, move):
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids, force_report_rendering=True)
            .create({})
        )
        self.assertEqual(wizard.invoice_edi_format, "fr_facturx")
        # Debian's wkhtmltopdf (unpatched Qt) makes Odoo warn about header switches it ignores.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            return wizard.action_send_and_print()

    def test_send_and_print_seals_the_facturx_and_archives_it_sealed(self):
        self.company.archive_pades_seal = True
        move = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.send_and_print(move)
        pdf = move.invoice_pdf_report_id.raw
        if not pdf.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        xml = check_sealed_facturx(self, pdf, self.pki)
        self.assertIn(move.name.encode(), xml)
        record = move.archive_record_ids
        self.assertEqual(record.fingerprint, fingerprint(pdf), "the archive holds the sealed file, as it left")
        # The reversibility export hands the signed PDF over, as it left.
        export = build_export(
            self.env,
            self.company,
            self.env["probative.archive.record"].search([("company_id", "=", self.company.id)]),
            "reversibility",
        )
        with zipfile.ZipFile(io.BytesIO(export)) as archive:
            [name] = [n for n in archive.namelist() if n.startswith(f"files/{record.sequence}-")]
            self.assertEqual(archive.read(name), pdf)
            self.assertIn(record.fingerprint, archive.read("manifest.csv").decode())

    def test_without_the_option_the_facturx_is_not_signed(self):
        move = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.send_and_print(move)
        pdf = move.invoice_pdf_report_id.raw
        if not pdf.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        self.assertNotIn(b"/ETSI.CAdES.detached", pdf)
        self.assertTrue(extract_xml(pdf)[1])

    def test_a_seal_that_cannot_be_applied_stops_the_sending_and_says_why(self):
        self.company.archive_pades_seal = True
        drop_certificate(self.company)
        move = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        with (
            mute_logger("odoo.addons.base.models.ir_actions_report"),
            self.assertRaisesRegex(UserError, "seals its Factur-X PDFs but has no seal certificate"),
        ):
            self.env["account.move.send"].with_context(force_report_rendering=True)._generate_and_send_invoices(
                move, sending_methods=["manual"]
            )
        self.assertFalse(move.invoice_pdf_report_id, "no unsealed Factur-X became the invoice's document")
        self.assertFalse(move.archive_record_ids, "nothing archived as sent")
        self.assertFalse(move.is_move_sent)

    def test_an_expired_certificate_seals_nothing_and_says_so(self):
        expired = TestPki(
            company="Vendeur SARL", now=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=4000)
        )
        self.company.write(
            {
                "archive_certificate": base64.b64encode(p12_of(expired)),
                "archive_certificate_password": PASSWORD,
                "archive_pades_seal": True,
            }
        )
        move = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        with (
            mute_logger("odoo.addons.base.models.ir_actions_report"),
            self.assertRaisesRegex(UserError, "renew it before sealing"),
        ):
            self.env["account.move.send"].with_context(force_report_rendering=True)._generate_and_send_invoices(
                move, sending_methods=["manual"]
            )
        self.assertFalse(move.invoice_pdf_report_id)

    def test_the_option_needs_a_certificate(self):
        company = self.env["res.company"].create({"name": "Sans certificat SAS"})
        with self.assertRaisesRegex(ValidationError, "needs the seal certificate"):
            company.archive_pades_seal = True

    def test_the_policy_says_whether_pdfs_are_sealed(self):
        self.assertIn(b"Outgoing Factur-X PDFs: not sealed", self.company._archive_policy_text())
        self.company.archive_pades_seal = True
        self.assertIn(b"Outgoing Factur-X PDFs: sealed (PAdES)", self.company._archive_policy_text())


@unittest.skipUnless(pades.available(), "!!! PYHANKO IS MISSING: THE PADES SEAL OF FACTUR-X PDFS WAS NOT TESTED !!!")
@tagged("post_install_l10n", "post_install", "-at_install")
class TestSealedChorusDeposit(ChorusCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = TestPki(company="Atelier d'architecture")
        cls.company.write(
            {
                "archive_certificate": base64.b64encode(p12_of(cls.pki)),
                "archive_certificate_password": PASSWORD,
                "archive_pades_seal": True,
            }
        )

    def test_chorus_pro_receives_the_signed_facturx(self):
        self.account.syntax = "facturx"
        invoice = self.public_invoice()
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            self.send_all()
        [numero_flux] = self.deposits()
        deposited = self.sim.invoice_by_number(invoice.name)["content"]
        if not deposited.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        xml = check_sealed_facturx(self, deposited, self.pki)
        self.assertIn(b"SERV-ACHATS", xml)
        self.assertEqual(invoice.archive_record_ids.fingerprint, fingerprint(deposited))
        self.assertTrue(numero_flux)


@unittest.skipUnless(pades.available(), "!!! PYHANKO IS MISSING: THE PADES SEAL OF FACTUR-X PDFS WAS NOT TESTED !!!")
@tagged("post_install_l10n", "post_install", "-at_install")
class TestSealedPlatformFlow(ArchiveCommon, HttpCase):
    def test_the_platform_receives_the_signed_facturx_and_a_bad_seal_keeps_the_flow_here(self):
        self.company.archive_pades_seal = True
        self.fast(self.platform)
        self.customer.invoice_edi_format = "fr_facturx"
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        flow = invoice.einvoice_flow_ids
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            self.send_all()
        self.assertEqual(flow.state, "sent", flow.error)
        stored = self.pa.flows[flow.platform_flow_id]["content"]
        if not stored.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        check_sealed_facturx(self, stored, self.pki)
        sent = invoice.archive_record_ids.filtered(lambda record: record.kind == "invoice_sent")
        self.assertEqual(sent.fingerprint, fingerprint(stored), "archived as it left")
        # The certificate gone: the next invoice waits here with the reason, nothing unsealed leaves.
        drop_certificate(self.company)
        second = self.make_invoice(lines=[(self.service, 1, 120.0, self.tax_20)])
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            self.send_all()
        self.assertEqual(second.einvoice_flow_ids.state, "error")
        self.assertIn("no seal certificate", second.einvoice_flow_ids.error)
        self.assertEqual(len(self.pa.submissions()), 1, "only the sealed invoice reached the platform")

    def test_the_platform_gets_the_facturx_send_and_print_sealed(self):
        self.company.archive_pades_seal = True
        self.fast(self.platform)
        self.customer.invoice_edi_format = "fr_facturx"
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        # The directory's answer first (the flow refreshes it before sending: an address it makes more
        # precise changes the XML, and then the platform gets a Factur-X of its own).
        invoice.einvoice_flow_ids._refresh_recipient()
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            self.env["account.move.send"].with_context(force_report_rendering=True)._generate_and_send_invoices(
                invoice, sending_methods=["manual"]
            )
            self.send_all()
        printed = invoice.invoice_pdf_report_id.raw
        if not printed.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "sent", flow.error)
        self.assertEqual(self.pa.flows[flow.platform_flow_id]["content"], printed, "one original, sealed once")
        check_sealed_facturx(self, printed, self.pki)


@unittest.skipUnless(pades.available(), "!!! PYHANKO IS MISSING: THE PADES SEAL OF FACTUR-X PDFS WAS NOT TESTED !!!")
@tagged("post_install_l10n", "post_install", "-at_install")
class TestSealedChorusSendAndPrint(ChorusCommon, HttpCase):
    def test_send_and_print_deposits_the_facturx_it_sealed_sealed_once(self):
        self.pki = TestPki(company="Atelier d'architecture")
        self.company.write(
            {
                "archive_certificate": base64.b64encode(p12_of(self.pki)),
                "archive_certificate_password": PASSWORD,
                "archive_pades_seal": True,
            }
        )
        self.account.write({"syntax": "facturx", "auto_send": False})
        invoice = self.public_invoice()
        invoice.commercial_partner_id.invoice_edi_format = "fr_facturx"
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids, force_report_rendering=True)
            .create({})
        )
        self.assertEqual(wizard.sending_methods, ["chorus_pro"])
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            wizard.action_send_and_print()
        self.assertEqual(invoice.chorus_state, "deposited", invoice.chorus_error)
        deposited = self.sim.invoice_by_number(invoice.name)["content"]
        if not deposited.startswith(b"%PDF"):
            self.skipTest("no wkhtmltopdf on this machine: the invoice report is HTML")
        check_sealed_facturx(self, deposited, self.pki)  # one signature, intact
        self.assertEqual(deposited, invoice.invoice_pdf_report_id.raw, "the PDF the customer gets, as sealed")
