import base64
import csv
import io
import json
import re
import zipfile

from lxml import etree

from odoo import fields, models
from odoo.exceptions import UserError

from einvoice.archive import ArchiveKind, seal_statement

EXPORT_TYPES = [
    ("auditor", "Auditor export"),
    ("reversibility", "Reversibility export"),
]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

VERIFY_SH = r"""#!/usr/bin/env bash
# Checks this archive export with bash, sha256sum and openssl only (see README.txt).
# Exit status 0: every record holds; 1: each FAILED line names a broken record.
set -u
case $0 in */*) cd "${0%/*}" || exit 2 ;; esac
bundle=certificates/ca-bundle.pem
failed=0
checked=0
fail() { echo "FAILED record $1: $2"; failed=1; }
sha() { local digest rest; read -r digest rest < <(sha256sum "$1"); echo "$digest"; }
read -r previous < anchor.txt
read -r head < head.txt
expected=""
while read -r seq kind origin listed record content seal token; do
    name="$seq ($kind $origin)"
    checked=$((checked + 1))
    if [ ! -f "$record" ]; then fail "$name" "its record file $record is missing"; continue; fi
    mapfile -t line < "$record"
    hash=$(sha "$record")
    [ "$hash" = "$listed" ] || fail "$name" "chain hash: its record recomputes to $hash, the manifest says $listed"
    [ "${line[1]}" = "sequence:$seq" ] || fail "$name" "sequence: the record does not say sequence $seq"
    if [ -n "$expected" ] && [ "$seq" != "$expected" ]; then
        fail "$name" "sequence: $seq comes where $expected was expected (a record is missing, added or moved)"
    fi
    [ "${line[2]}" = "previous:$previous" ] \
        || fail "$name" "link: its previous chain hash is not the chain hash of the record before"
    fingerprint=${line[3]#fingerprint:}
    metadata=${line[8]}
    if [ "$kind" = "seal" ]; then
        [ "$seal" != "-" ] && [ "$(sha "$seal")" = "$fingerprint" ] \
            || fail "$name" "fingerprint: the seal file is not the one fingerprinted"
    elif [ "$content" != "-" ] && [ -f "$content" ]; then
        actual=$(sha "$content")
        [ "$actual" = "$fingerprint" ] \
            || fail "$name" "fingerprint: $content has SHA-256 $actual, the record says $fingerprint"
    else
        fail "$name" "fingerprint: its file is missing from the export"
    fi
    if [[ $metadata == *'"sealed":true'* ]] && [ "$seal" = "-" ]; then
        fail "$name" "seal: the record was sealed but its seal is missing"
    fi
    if [[ $metadata == *'"timestamped":true'* || $kind == seal ]] && [ "$token" = "-" ]; then
        fail "$name" "token: the record was timestamped but its token is missing"
    fi
    if [ "$seal" != "-" ] && [ "$content" != "-" ]; then
        openssl cms -verify -binary -inform DER -in "$seal" -content "$content" -CAfile "$bundle" \
            -out /dev/null >/dev/null 2>&1 || fail "$name" "seal: openssl cms -verify refuses the seal $seal"
    fi
    if [ "$token" != "-" ]; then
        openssl ts -verify -token_in -in "$token" -data "$record" -CAfile "$bundle" >/dev/null 2>&1 \
            || fail "$name" "token: openssl ts -verify refuses the timestamp $token"
    fi
    previous=$hash
    expected=$((seq + 1))
done < index.txt
if [ "$head" != "$previous" ]; then
    echo "FAILED chain: the last record's chain hash is not the head named in head.txt"
    failed=1
fi
if [ "$failed" = 0 ]; then
    echo "OK: $checked record(s) verified, head $previous"
fi
exit "$failed"
"""


def _readme(env, company, records, anchor, head):
    _ = env._
    lines = [
        _("Probative archive export of %(company)s", company=company.name),
        _(
            "Records %(first)s to %(last)s, archived from %(start)s to %(end)s.",
            first=records[0].sequence,
            last=records[-1].sequence,
            start=records[0].archived_at_text,
            end=records[-1].archived_at_text,
        ),
        "",
        _("Check everything with one command (bash, sha256sum and openssl only): bash verify.sh"),
        "",
        _("What verify.sh checks, record by record (index.txt lists them in order):"),
        _("1. records/N.txt is the record's canonical text (nine lines); its SHA-256 is the record's chain hash:"),
        "   sha256sum records/N.txt",
        _(
            "2. Its line 'previous:' is the chain hash of the record before (anchor.txt for the first one of this "
            "export), its line 'sequence:' follows the one before: nothing was removed, added or moved."
        ),
        _("3. Its line 'fingerprint:' is the SHA-256 of the archived file: sha256sum files/N-..."),
        _("4. The seal (CMS, detached) of the file, with the company's certificate:"),
        (
            "   openssl cms -verify -binary -inform DER -in seals/N.p7s -content files/N-... "
            "-CAfile certificates/ca-bundle.pem -out /dev/null"
        ),
        _("   For a daily seal record, the content signed is statements/N.txt (the chain head it seals)."),
        _("5. The RFC 3161 timestamp over the record's chain hash:"),
        "   openssl ts -verify -token_in -in tokens/N.tsr -data records/N.txt -CAfile certificates/ca-bundle.pem",
        _(
            "   openssl ts -reply -token_in -in tokens/N.tsr -text shows its time and authority. A token of the "
            "company's internal time source (manifest column internal_timestamp) is signed by the company's own key: "
            "certificates/internal-tsa-*.pem; compare its key with the company's certificate:"
        ),
        (
            "   openssl x509 -in certificates/internal-tsa-1.pem -noout -pubkey; "
            "openssl x509 -in certificates/company-1.pem -noout -pubkey"
        ),
        _("6. head.txt is the chain hash of the last record of this export: %(head)s", head=head),
        "",
        _(
            "anchor.txt: %(anchor)s (the chain hash of the record before this export, zeros when it starts the chain).",
            anchor=anchor,
        ),
        _(
            "manifest.csv and manifest.json list every record: fingerprint, chain hashes, time, seal and "
            "timestamp files."
        ),
        _("Revocation (CRL, OCSP) of the certificates is not checked by verify.sh."),
    ]
    return ("\n".join(lines) + "\n").encode()


def build_export(env, company, records, export_type="auditor"):
    """The ZIP of ``records`` (consecutive, in sequence order) with everything to check them."""
    records = records.sorted("sequence")
    if not records:
        raise UserError(env._("No archive record in this period."))
    certificates = company.sudo().archive_certificate_ids
    buffer = io.BytesIO()
    manifest, index = [], []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        bundle = []
        counters = {}
        for certificate in certificates:
            counters[certificate.role] = counters.get(certificate.role, 0) + 1
            name = f"certificates/{certificate.role.replace('_', '-')}-{counters[certificate.role]}.pem"
            archive.writestr(name, certificate.pem)
            if certificate.role in ("ca", "internal_tsa"):
                bundle.append(certificate.pem)
        if company.sudo().archive_tsa_ca:
            archive.writestr("certificates/tsa-roots.pem", company.sudo().archive_tsa_ca)
            bundle.append(company.sudo().archive_tsa_ca)
        for certificate in certificates.filtered(lambda c: c.role == "company"):
            if "ca" not in counters:  # a self-signed company certificate is its own root
                bundle.append(certificate.pem)
        archive.writestr("certificates/ca-bundle.pem", "".join(bundle))
        for record in records:
            engine = record._engine_record()
            seq = record.sequence
            record_file = f"records/{seq}.txt"
            archive.writestr(record_file, engine.canonical())
            content_file = seal_file = token_file = "-"
            if record.kind == ArchiveKind.SEAL:
                meta = engine.metadata_dict
                content_file = f"statements/{seq}.txt"
                archive.writestr(
                    content_file,
                    seal_statement(engine.company, meta["date"], meta["sealed_sequence"], meta["sealed_chain_hash"]),
                )
            else:
                data = record._raw()
                if data is not None:
                    safe = _UNSAFE.sub("_", record.file_name or "file")[:80]
                    content_file = f"files/{seq}-{safe}"
                    archive.writestr(content_file, data)
            if engine.seal:
                seal_file = f"seals/{seq}.p7s"
                archive.writestr(seal_file, engine.seal)
            if engine.token:
                token_file = f"tokens/{seq}.tsr"
                archive.writestr(token_file, engine.token)
            index.append(
                " ".join(
                    (
                        str(seq),
                        record.kind,
                        record.origin_ref.replace(" ", "_"),
                        record.chain_hash,
                        record_file,
                        content_file,
                        seal_file,
                        token_file,
                    )
                )
            )
            manifest.append(
                {
                    "sequence": seq,
                    "kind": record.kind,
                    "origin": record.origin_ref,
                    "file": content_file if content_file != "-" else None,
                    "file_name": record.file_name or None,
                    "fingerprint": record.fingerprint,
                    "archived_at": record.archived_at_text,
                    "previous_chain_hash": record.previous_hash,
                    "chain_hash": record.chain_hash,
                    "seal": seal_file if seal_file != "-" else None,
                    "timestamp_token": token_file if token_file != "-" else None,
                    "internal_timestamp": record.internal_timestamp,
                    "timestamp_authority": record.timestamp_authority or None,
                    "retention_end": fields.Date.to_string(record.retention_end) if record.retention_end else None,
                    "metadata": json.loads(record.metadata or "{}"),
                }
            )
        anchor, head = records[0].previous_hash, records[-1].chain_hash
        archive.writestr("anchor.txt", anchor + "\n")
        archive.writestr("head.txt", head + "\n")
        archive.writestr("index.txt", "\n".join(index) + "\n")
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
        columns = [key for key in manifest[0] if key != "metadata"] + ["metadata"]
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in manifest:
            writer.writerow({**row, "metadata": json.dumps(row["metadata"], sort_keys=True, ensure_ascii=False)})
        archive.writestr("manifest.csv", text.getvalue())
        info = zipfile.ZipInfo("verify.sh")
        info.external_attr = 0o755 << 16
        archive.writestr(info, VERIFY_SH)
        archive.writestr("README.txt", _readme(env, company, records, anchor, head))
        if export_type == "reversibility":
            archive.writestr("records.xml", _records_xml(manifest))
    return buffer.getvalue()


def _records_xml(manifest):
    root = etree.Element("archive", version="1")
    for row in manifest:
        element = etree.SubElement(root, "record")
        for key, value in row.items():
            child = etree.SubElement(element, key)
            if isinstance(value, dict):
                child.text = json.dumps(value, sort_keys=True, ensure_ascii=False)
            elif value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class ArchiveExport(models.TransientModel):
    _name = "probative.archive.export"
    _description = "Probative archive export"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    date_from = fields.Date("From", required=True)
    date_to = fields.Date("To", required=True)
    export_type = fields.Selection(EXPORT_TYPES, required=True, default="auditor")
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def _records(self):
        self.ensure_one()
        Record = self.env["probative.archive.record"]
        start = fields.Datetime.to_datetime(self.date_from)
        end = fields.Datetime.to_datetime(fields.Date.add(self.date_to, days=1))
        found = Record.search(
            [("company_id", "=", self.company_id.id), ("archived_at", ">=", start), ("archived_at", "<", end)],
            order="sequence",
        )
        if not found:
            return found
        first, last = found[0].sequence, found[-1].sequence
        following = Record.search([("company_id", "=", self.company_id.id), ("sequence", "=", last + 1)])
        if following.kind == ArchiveKind.SEAL:
            last += 1  # the daily seal of the period's last record belongs with it
        return Record.search(
            [("company_id", "=", self.company_id.id), ("sequence", ">=", first), ("sequence", "<=", last)],
            order="sequence",
        )

    def action_export(self):
        self.ensure_one()
        Access = self.env["probative.archive.access"]
        Access._check_manager()
        if self.date_from > self.date_to:
            raise UserError(self.env._("The period ends before it starts."))
        records = self._records()
        data = build_export(self.env, self.company_id, records, self.export_type)
        name = (
            f"archive-{_UNSAFE.sub('_', self.company_id.name)}-{self.date_from}-{self.date_to}-{self.export_type}.zip"
        )
        self.write({"file": base64.b64encode(data), "file_name": name})
        Access._log(
            "export",
            self.company_id,
            records=records,
            detail=self.env._(
                "%(type)s %(start)s to %(end)s, records %(first)s to %(last)s",
                type=dict(EXPORT_TYPES)[self.export_type],
                start=self.date_from,
                end=self.date_to,
                first=records[0].sequence,
                last=records[-1].sequence,
            ),
        )
        # The export itself is archived: what the auditor was given is proven too.
        self.env["probative.archive.record"]._archive(
            self.company_id,
            data,
            "export",
            self,
            name=name,
            mimetype="application/zip",
            metadata={"type": self.export_type, "first": records[0].sequence, "last": records[-1].sequence},
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{name}?download=true",
        }
