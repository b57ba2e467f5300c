import base64
import datetime

from cryptography.hazmat.primitives import serialization

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from einvoice.archive import fingerprint
from einvoice.cdar import CdarParty, StatusMessage, build_cdar
from einvoice.testing import cases
from einvoice.testing.tsa import TsaSimulator

from .common import ArchiveCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestArchiving(ArchiveCommon):
    def test_the_policy_is_the_first_record_of_each_chain(self):
        policy = self.records(kind="policy")
        self.assertTrue(policy)
        text = base64.b64decode(policy[-1].file).decode()
        self.assertIn("Archiving policy of", text)
        self.assertIn("Internal time source", text)
        self.assertIn("Chain verified every hour", text)
        self.assertIn("CN=Vendeur SARL seal", text)
        # A change of the settings is a new version, archived after the first.
        self.company.archive_controls = "Scans checked by the accountant."
        self.assertEqual(len(self.records(kind="policy")), len(policy) + 1)
        self.assertIn(b"Scans checked by the accountant.", base64.b64decode(self.records(kind="policy")[-1].file))

    def test_the_daily_job_archives_the_policy_when_its_text_changed(self):
        versions = self.records(kind="policy")
        self.env["probative.archive.chain"]._cron_seal()
        self.assertEqual(self.records(kind="policy"), versions, "unchanged: no new version")
        # A text the software writes differently (an upgrade), the settings untouched.
        self.env.cr.execute(
            "UPDATE res_company SET archive_controls = %s WHERE id = %s", ("Contrôle mensuel.", self.company.id)
        )
        self.company.invalidate_recordset(["archive_controls"])
        self.env["probative.archive.chain"]._cron_seal()
        latest = self.records(kind="policy")[-1]
        self.assertNotIn(latest, versions)
        self.assertIn("Contrôle mensuel.", base64.b64decode(latest.file).decode())
        self.assertEqual(self.records()[-1].kind, "seal", "then the day's seal covers it")

    def test_a_sent_invoice_is_archived_sealed_and_timestamped_once(self):
        self.fast(self.platform)
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        flow = invoice.einvoice_flow_ids
        self.send_all()
        self.assertEqual(flow.state, "sent")
        record = self.records(kind="invoice_sent")
        self.assertEqual(len(record), 1)
        self.assertEqual(record.move_id, invoice)
        self.assertEqual(record.origin_ref, f"einvoice.flow,{flow.id}")
        sent = self.pa.flows[flow.platform_flow_id]["content"]
        self.assertEqual(base64.b64decode(record.file), sent, "the exact bytes that left")
        self.assertEqual(record.fingerprint, fingerprint(sent))
        self.assertTrue(record.seal and record.token)
        self.assertTrue(record.internal_timestamp, "no authority configured: the internal time source, labelled")
        self.assertEqual(record.retention_end, datetime.date(record.archived_at.year + 10, 12, 31))
        self.assertEqual(invoice.archive_record_count, 1)
        # The same bytes again (a second channel, a retry): the same record.
        self.assertEqual(self.archive(sent, origin=invoice), record)
        self.assertEqual(len(self.records(kind="invoice_sent")), 1)
        chain = self.verify()
        self.assertEqual(chain.verification_state, "ok", chain.verification_summary)
        self.assertEqual(chain.verified_sequence, record.sequence)

    def test_a_received_bill_and_the_statuses_in_and_out_are_archived(self):
        self.fast(self.buyer_platform)
        invoice = self.make_invoice(lines=[(self.service, 2, 450.0, self.tax_20)], post=False)
        xml = invoice._l10n_fr_einvoice_xml("cii")[0]
        remote = self.pa_buyer.deliver(xml, "facture.xml")
        self.env["einvoice.flow"]._cron_receive_flows()
        flow = self.env["einvoice.flow"].search([("platform_flow_id", "=", remote["flowId"])])
        bill = flow.move_id
        received = self.records(self.buyer_company, "invoice_received")
        self.assertEqual(len(received), 1, "the import and the flow archive the same bytes once")
        self.assertEqual(base64.b64decode(received.file), xml)
        self.assertEqual(received.move_id, bill)
        # The bill taken in charge: its 204 leaves as CDAR and is archived as sent.
        bill.action_post()
        self.send_all()
        out = self.records(self.buyer_company, "cdar_out")
        self.assertEqual(len(out), 1)
        self.assertEqual(out.move_id, bill)
        self.assertIn(b"204", base64.b64decode(out.file))
        self.assertEqual(self.verify(self.buyer_company).verification_state, "ok")

    def test_a_status_received_is_archived_as_received(self):
        self.fast(self.platform)
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        self.send_all()
        message = StatusMessage(
            id="APPROB-ARCH-1",
            issued_at=datetime.datetime.now().replace(microsecond=0),
            status="205",
            invoice_number=invoice.name,
            invoice_date=invoice.invoice_date,
            seller=CdarParty(id=cases.SELLER_SIREN, scheme="0002"),
            issuer=CdarParty(id=cases.BUYER_SIREN, scheme="0002", name="Client Industriel SA", role="BY"),
            recipients=[
                CdarParty(id=cases.SELLER_SIREN, scheme="0002", role="SE", uri=cases.SELLER_SIREN, uri_scheme="0225")
            ],
        )
        cdar = build_cdar(message)
        self.pa.deliver(cdar, "statut.xml", syntax="CDAR", flow_type="CustomerInvoiceLC")
        self.env["einvoice.flow"]._cron_receive_flows()
        self.assertEqual(invoice.einvoice_status, "205")
        received = self.records(kind="cdar_in").filtered(lambda r: r.fingerprint == fingerprint(cdar))
        self.assertEqual(len(received), 1, "the flow and its status archive the message once")
        self.assertEqual(base64.b64decode(received.file), cdar)
        self.assertEqual(received.move_id, invoice)
        self.assertEqual(received.origin_ref, f"einvoice_lifecycle.event,{invoice.einvoice_event_ids[-1:].id}")

    def test_a_failure_never_blocks_sending_and_the_cron_archives_later(self):
        self.fast(self.platform)
        invoice = self.make_invoice(lines=[(self.service, 1, 450.0, self.tax_20)])
        # The certificate's password broken behind the ORM's back: sealing fails.
        self.env.cr.execute(
            "UPDATE res_company SET archive_certificate_password = 'wrong' WHERE id = %s", (self.company.id,)
        )
        self.company.invalidate_recordset(["archive_certificate_password"])
        with mute_logger("odoo.addons.probative_archive.models.archive_record"):
            self.send_all()
        flow = invoice.einvoice_flow_ids
        self.assertEqual(flow.state, "sent", "the invoice left all the same")
        self.assertFalse(self.records(kind="invoice_sent"))
        pending = self.env["probative.archive.pending"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(pending), 1)
        self.assertIn("PKCS#12", pending.error)
        self.assertTrue(any("could not be archived now" in body for body in invoice.message_ids.mapped("body")))
        self.company.archive_certificate_password = "archive-test-secret"
        self.env["probative.archive.pending"]._cron_retry()
        self.assertFalse(pending.exists())
        record = self.records(kind="invoice_sent")
        self.assertEqual(base64.b64decode(record.file), self.pa.flows[flow.platform_flow_id]["content"])
        self.assertEqual(record.move_id, invoice)

    def test_daily_seal_and_a_resumable_verification(self):
        for number in range(5):
            self.archive(f"<Invoice n='{number}'/>".encode(), origin=f"test,{number}")
        chain = self.chain()
        self.Chain._cron_seal()
        seal = self.records(kind="seal")
        self.assertEqual(len(seal), 1)
        self.assertEqual(seal.sequence, chain.sequence)
        self.assertIn(f'"sealed_sequence":{seal.sequence - 1}', seal.metadata)
        self.Chain._cron_seal()
        self.assertEqual(len(self.records(kind="seal")), 1, "a head that is a seal is not sealed again")
        # Verified two records at a time, from where the last run stopped.
        chain.write({"verified_sequence": 0, "verification_state": "never"})
        done = chain._verify(batch=2, max_batches=1)
        self.assertFalse(done)
        self.assertEqual(chain.verified_sequence, 2)
        chain._verify(batch=2, max_batches=1)
        self.assertEqual(chain.verified_sequence, 4)
        self.assertTrue(chain._verify(batch=2))
        self.assertEqual((chain.verified_sequence, chain.verification_state), (seal.sequence, "ok"))
        # A day later the hourly job verifies the whole chain again.
        chain.write({"verified_at": "2020-01-01 00:00:00"})
        self.Chain._cron_verify()
        self.assertEqual((chain.verified_sequence, chain.verification_state), (seal.sequence, "ok"))
        self.assertGreater(chain.verified_at, fields.Datetime.to_datetime("2020-01-02"))

    def test_a_time_stamping_authority_and_its_fallback(self):
        with TsaSimulator(pki=self.pki) as tsa:
            ca = self.pki.ca_certificate.public_bytes(serialization.Encoding.PEM)
            self.company.write({"archive_tsa_url": tsa.url, "archive_tsa_ca": ca.decode()})
            record = self.archive(b"<Invoice>TSA</Invoice>", origin="test,tsa")
            self.assertFalse(record.internal_timestamp)
            self.assertEqual(record.timestamp_authority, tsa.url)
            self.assertEqual(len(tsa.issued), 2, "the new policy and this record")
            tsa.fail("rejection")
            fallback = self.archive(b"<Invoice>TSA down</Invoice>", origin="test,tsa2")
            self.assertTrue(fallback.internal_timestamp)
        self.assertEqual(self.verify().verification_state, "ok")
