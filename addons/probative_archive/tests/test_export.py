import base64
import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile

from odoo import fields
from odoo.tests import tagged

from .common import ArchiveCommon


@tagged("post_install_l10n", "post_install", "-at_install")
class TestExport(ArchiveCommon):
    def setUp(self):
        super().setUp()
        if not (shutil.which("bash") and shutil.which("openssl") and shutil.which("sha256sum")):
            self.skipTest("bash, openssl and sha256sum are needed to run the export's verify.sh")
        self.archived = self.Record
        for number in range(3):
            self.archived |= self.archive(
                f"<Invoice><ID>F-{number}</ID></Invoice>".encode(),
                origin=f"account.move,{9100 + number}",
                name=f"F {number}.xml",
            )
        self.Chain._cron_seal()

    def export(self, export_type="auditor"):
        today = fields.Date.context_today(self.env.user)
        wizard = self.env["probative.archive.export"].create(
            {"company_id": self.company.id, "date_from": today, "date_to": today, "export_type": export_type}
        )
        action = wizard.action_export()
        self.assertIn(f"/web/content/probative.archive.export/{wizard.id}/file/", action["url"])
        return zipfile.ZipFile(io.BytesIO(base64.b64decode(wizard.file)))

    def run_verify(self, zip_file, tamper=None):
        with tempfile.TemporaryDirectory() as folder:
            zip_file.extractall(folder)
            if tamper:
                tamper(folder)
            # Only bash, sha256sum and openssl (and the shell's own builtins) on the PATH.
            bin_dir = os.path.join(folder, ".bin")
            os.mkdir(bin_dir)
            for tool in ("bash", "openssl", "sha256sum"):
                os.symlink(shutil.which(tool), os.path.join(bin_dir, tool))
            return subprocess.run(
                ["bash", os.path.join(folder, "verify.sh")],
                capture_output=True,
                text=True,
                timeout=120,
                env={"PATH": bin_dir},
                check=False,
            )

    def test_the_auditor_export_verifies_with_openssl_and_sha256sum_alone(self):
        records = self.records()
        zip_file = self.export()
        names = set(zip_file.namelist())
        for expected in (
            "README.txt",
            "verify.sh",
            "manifest.csv",
            "manifest.json",
            "index.txt",
            "anchor.txt",
            "head.txt",
            "certificates/ca-bundle.pem",
            "certificates/company-1.pem",
            "certificates/internal-tsa-1.pem",
        ):
            self.assertIn(expected, names)
        manifest = json.loads(zip_file.read("manifest.json"))
        self.assertEqual([row["sequence"] for row in manifest], records.mapped("sequence"))
        by_sequence = {row["sequence"]: row for row in manifest}
        for record in records:
            row = by_sequence[record.sequence]
            self.assertEqual((row["fingerprint"], row["chain_hash"]), (record.fingerprint, record.chain_hash))
            if row["kind"] != "seal":
                self.assertEqual(zip_file.read(row["file"]), record._raw())
        self.assertEqual(manifest[-1]["kind"], "seal", "the day's seal closes the export")
        rows = list(csv.DictReader(io.StringIO(zip_file.read("manifest.csv").decode())))
        self.assertEqual([int(row["sequence"]) for row in rows], records.mapped("sequence"))
        self.assertIn("openssl ts -verify", zip_file.read("README.txt").decode())
        result = self.run_verify(zip_file)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn(f"OK: {len(records)} record(s) verified, head {records[-1].chain_hash}", result.stdout)
        # The export is journalled and archived itself.
        journal = self.env["probative.archive.access"].search([("action", "=", "export")], limit=1)
        self.assertEqual((journal.user_id, journal.record_ids), (self.env.user, records))
        self.assertEqual(self.records(kind="export")[-1:].file_name.endswith(".zip"), True)

    def test_a_tampered_export_fails_naming_the_record(self):
        zip_file = self.export()
        manifest = json.loads(zip_file.read("manifest.json"))
        target = next(row for row in manifest if row["file"] and row["file"].endswith("F_1.xml"))

        def flip(folder):
            path = os.path.join(folder, target["file"])
            with open(path, "r+b") as file:
                data = bytearray(file.read())
                data[3] ^= 0x01
                file.seek(0)
                file.write(bytes(data))

        result = self.run_verify(zip_file, flip)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        name = f"FAILED record {target['sequence']} ({target['kind']} {target['origin']}): "
        self.assertIn(name + "fingerprint", result.stdout)
        self.assertIn(name + "seal", result.stdout)
        self.assertNotIn("OK:", result.stdout)

    def test_a_record_text_edited_or_a_token_swapped_fails(self):
        zip_file = self.export()
        manifest = json.loads(zip_file.read("manifest.json"))
        first, second = manifest[1], manifest[2]

        def swap_tokens(folder):
            a, b = (os.path.join(folder, row["timestamp_token"]) for row in (first, second))
            os.rename(a, a + ".tmp")
            os.rename(b, a)
            os.rename(a + ".tmp", b)

        result = self.run_verify(zip_file, swap_tokens)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"FAILED record {first['sequence']} ({first['kind']} {first['origin']}): token", result.stdout)

        def edit_record(folder):
            path = os.path.join(folder, f"records/{second['sequence']}.txt")
            with open(path, encoding="utf-8") as file:
                text = file.read()
            with open(path, "w", encoding="utf-8") as file:
                file.write(text.replace("origin:account.move,", "origin:account.move,1"))

        result = self.run_verify(zip_file, edit_record)
        self.assertEqual(result.returncode, 1)
        self.assertIn(
            f"FAILED record {second['sequence']} ({second['kind']} {second['origin']}): chain hash", result.stdout
        )

    def test_the_reversibility_export_holds_the_history_as_xml(self):
        zip_file = self.export("reversibility")
        xml = zip_file.read("records.xml")
        self.assertIn(b"<kind>seal</kind>", xml)
        for record in self.archived:
            self.assertIn(record.chain_hash.encode(), xml)
        self.assertEqual(self.run_verify(zip_file).returncode, 0)
