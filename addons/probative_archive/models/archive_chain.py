import base64
import logging

from odoo import api, fields, models, modules
from odoo.exceptions import UserError

from einvoice.archive import ArchiveChain, ArchiveKind, ArchiveRecord, fingerprint
from einvoice.archive.record import GENESIS
from einvoice.archive.verify import ArchiveFinding, verify_record
from einvoice.errors import EInvoiceError

_logger = logging.getLogger(__name__)

#: Records verified per batch (and per commit, in the cron).
VERIFY_BATCH = 500
VERIFICATION_STATES = [("never", "Never verified"), ("ok", "Verified"), ("broken", "Broken")]
RECORD_COLUMNS = (
    "id, sequence, chain_identifier, kind, origin_ref, fingerprint, archived_at_text, metadata, previous_hash, "
    "chain_hash, seal, token"
)


def _commits(env):
    """Whether the cron commits as it goes: not in a test (one transaction)."""
    return not modules.module.current_test


class _RecordingStamper:
    """Keeps the last token given, to know which authority gave it (the TSA or the internal one)."""

    def __init__(self, inner):
        self.inner = inner
        self.last = None

    def timestamp(self, digest):
        self.last = self.inner.timestamp(digest)
        return self.last


def _from_row(row):
    return ArchiveRecord(
        sequence=row[1],
        company=row[2],
        kind=row[3],
        origin=row[4],
        fingerprint=row[5],
        timestamp=row[6],
        metadata=row[7] or "{}",
        previous=row[8],
        chain_hash=row[9],
        seal=base64.b64decode(bytes(row[10])) if row[10] else None,
        token=base64.b64decode(bytes(row[11])) if row[11] else None,
    )


class ArchiveChainHead(models.Model):
    """The head of a company's chain: its lock (one append at a time, so no gap and no fork),
    and the state of its verification."""

    _name = "probative.archive.chain"
    _description = "Probative archive chain"
    _rec_name = "company_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="restrict")
    identifier = fields.Char(readonly=True, required=True, help="The company as named in every record of its chain.")
    sequence = fields.Integer("Head sequence", readonly=True, default=0)
    chain_hash = fields.Char("Head chain hash", readonly=True, default=GENESIS)
    last_seal_at = fields.Datetime("Last daily seal", readonly=True)
    verified_sequence = fields.Integer("Verified up to", readonly=True, default=0)
    verified_hash = fields.Char(readonly=True)
    verified_at = fields.Datetime("Last verification", readonly=True)
    verification_state = fields.Selection(VERIFICATION_STATES, readonly=True, default="never", required=True)
    verification_summary = fields.Text(readonly=True)
    broken_record_id = fields.Many2one("probative.archive.record", "First broken record", readonly=True)
    record_count = fields.Integer(compute="_compute_counts")
    pending_count = fields.Integer("Waiting to be archived", compute="_compute_counts")
    unsealed_count = fields.Integer("After the last seal", compute="_compute_counts")
    certificate_state = fields.Char(compute="_compute_certificate_state", string="Seal certificate")
    time_source = fields.Char(compute="_compute_certificate_state")

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("company_unique", "unique(company_id)", "A company has one archive chain."),
    ]

    def _compute_counts(self):
        Pending = self.env["probative.archive.pending"].sudo()
        for chain in self:
            chain.record_count = chain.sequence
            chain.pending_count = Pending.search_count([("company_id", "=", chain.company_id.id)])
            last_seal = (
                self.env["probative.archive.record"]
                .sudo()
                .search(
                    [("company_id", "=", chain.company_id.id), ("kind", "=", ArchiveKind.SEAL.value)],
                    order="sequence desc",
                    limit=1,
                )
            )
            chain.unsealed_count = chain.sequence - (last_seal.sequence or 0)

    def _compute_certificate_state(self):
        for chain in self:
            company = chain.company_id.sudo()
            chain.certificate_state = (
                self.env._("Configured")
                if company.archive_certificate
                else self.env._("None: records are chained, not sealed")
            )
            chain.time_source = company._archive_time_source_label()

    @api.model
    def _chain_of(self, company):
        chain = self.sudo().search([("company_id", "=", company.id)], limit=1)
        if not chain:
            siren = company.partner_id.l10n_fr_siren if "l10n_fr_siren" in company.partner_id._fields else None
            identifier = f"FR-{siren}" if siren else f"company-{company.id}"
            self.env.cr.execute(
                "INSERT INTO probative_archive_chain (company_id, identifier, sequence, chain_hash, verified_sequence, "
                "verification_state, create_uid, create_date, write_uid, write_date) "
                "VALUES (%s, %s, 0, %s, 0, 'never', %s, now() at time zone 'UTC', %s, now() at time zone 'UTC') "
                "ON CONFLICT (company_id) DO NOTHING",
                (company.id, identifier, GENESIS, self.env.uid, self.env.uid),
                log_exceptions=False,  # a concurrent first append: the caller retries
            )
            chain = self.sudo().search([("company_id", "=", company.id)], limit=1)
        return chain

    def _lock(self):
        """Hold the head row: appends of one company follow each other (FOR UPDATE; another
        transaction that moved the head since this one began fails to serialize and retries)."""
        self.ensure_one()
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT sequence, chain_hash FROM probative_archive_chain WHERE id = %s FOR UPDATE",
            (self.id,),
            log_exceptions=False,  # a serialization failure is the caller's to retry
        )
        self.invalidate_recordset(["sequence", "chain_hash"])
        return self.env.cr.fetchone()

    def _head_record(self, sequence):
        if not sequence:
            return None
        self.env.cr.execute(
            f"SELECT {RECORD_COLUMNS} FROM probative_archive_record WHERE company_id = %s AND sequence = %s",
            (self.company_id.id, sequence),
        )
        row = self.env.cr.fetchone()
        if row is None:
            raise UserError(
                self.env._(
                    "The archive of %(company)s has lost its head record %(sequence)s: run a verification.",
                    company=self.company_id.name,
                    sequence=sequence,
                )
            )
        return _from_row(row)

    def _engine_chain(self, sequence):
        company = self.company_id.sudo()
        sealer = company._archive_identity()
        stamper = company._archive_timestamper(sealer)
        recording = _RecordingStamper(stamper) if stamper else None
        chain = ArchiveChain(
            self.identifier,
            head=self._head_record(sequence),
            sealer=sealer,
            timestamper=recording,
            seal_records=company.archive_seal_each_record,
        )
        return chain, recording, sealer

    def _append(self, data, kind, origin_ref, name=None, mimetype=None, move=None, metadata=None):
        """Append exact bytes to this chain (the head row held); returns the record, or the one
        that already holds the same bytes of the same kind."""
        self.ensure_one()
        Record = self.env["probative.archive.record"].sudo()
        sequence, _head_hash = self._lock()
        digest = fingerprint(data)
        existing = Record.search(
            [("company_id", "=", self.company_id.id), ("fingerprint", "=", digest), ("kind", "=", kind)], limit=1
        )
        if existing:
            return existing
        chain, recording, sealer = self._engine_chain(sequence)
        meta = dict(metadata or {})
        # Part of the chain hash: a seal or token removed later cannot pass for one never made.
        meta["sealed"] = bool(sealer and chain.seal_records)
        meta["timestamped"] = bool(recording)
        if name:
            meta["file_name"] = name
        record = chain.append(data, kind, origin_ref, meta)
        return self._store(record, data, name, mimetype, move, recording)

    def _store(self, record, data, name, mimetype, move, recording):
        token = recording.last if recording else None
        values = self.env["probative.archive.record"]._values_from_engine(
            record,
            self.company_id,
            data=data,
            name=name,
            mimetype=mimetype,
            move=move,
            internal=bool(token and token.internal),
            authority=token.authority if token else None,
        )
        stored = self.env["probative.archive.record"].sudo().with_context(probative_archive_append=True).create(values)
        self.write({"sequence": record.sequence, "chain_hash": record.chain_hash})
        return stored

    def _seal(self, day=None):
        """Seal the head of this chain (a seal record), unless the head is already a seal."""
        self.ensure_one()
        sequence, _head_hash = self._lock()
        chain, recording, sealer = self._engine_chain(sequence)
        if not sealer or chain.head is None or chain.head.kind == ArchiveKind.SEAL:
            return self.env["probative.archive.record"]
        record = chain.seal_head(day)
        stored = self._store(record, None, None, None, None, recording)
        self.write({"last_seal_at": fields.Datetime.now()})
        return stored

    @api.model
    def _cron_seal(self):
        """Once a day: seal the head of each company's chain (NF Z42-013: a daily sealed log)."""
        for company in self.env["res.company"].sudo().search([("archive_certificate", "!=", False)]):
            chain = self._chain_of(company)
            try:
                with self.env.cr.savepoint():
                    # The policy as the software now writes it (an upgrade may have changed its text):
                    # a new version when it differs, so the archive holds the policy that applies.
                    company._archive_policy()
                    chain._seal()
            except (UserError, EInvoiceError) as exc:
                _logger.warning("Archive of company %s: the daily seal failed: %s", company.id, exc)
            if _commits(self.env):
                # One company's seal kept before the next.
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def action_seal(self):
        self.env["probative.archive.access"]._check_manager()
        for chain in self:
            if not chain._seal():
                raise UserError(
                    self.env._("Nothing to seal: no certificate, an empty chain, or its head is already a seal.")
                )

    # --- verification -------------------------------------------------------------------------

    def _trust(self):
        return self.company_id.sudo()._archive_trust()

    def _files_of(self, record_ids):
        """The bytes of the records' files by record id, as ``ir.attachment.raw`` gives them.
        One query and a ``_file_read`` per file: the ORM's search and ``raw`` cost more than
        reading the files (about 40 % of the verification of a long chain)."""
        Attachment = self.env["ir.attachment"].sudo()
        Attachment.flush_model(["res_model", "res_field", "res_id", "store_fname", "db_datas"])
        # Newest first, as the ORM's order: with two attachments of one record, the oldest wins.
        self.env.cr.execute(
            "SELECT res_id, store_fname, db_datas FROM ir_attachment "
            "WHERE res_model = %s AND res_field = %s AND res_id = ANY(%s) ORDER BY id DESC",
            ("probative.archive.record", "file", list(record_ids)),
        )
        files = {}
        for res_id, store_fname, db_datas in self.env.cr.fetchall():
            if store_fname:
                files[res_id] = Attachment._file_read(store_fname)
            else:
                files[res_id] = bytes(db_datas) if db_datas is not None else False
        return files

    def _finding_of(self, record, previous, data, trust):
        """verify_record's findings, proofs checked when the record says it was sealed."""
        findings = []

        def finding(code, message):
            findings.append(ArchiveFinding(record.sequence, record.kind, record.origin, code, message))

        if record.kind != ArchiveKind.SEAL and data is None:
            finding("fingerprint", "its file is missing")
        try:
            meta = record.metadata_dict
        except ValueError:
            meta = {"sealed": True, "timestamped": True}
        is_seal = record.kind == ArchiveKind.SEAL
        sealed = is_seal or bool(meta.get("sealed"))
        stamped = is_seal or bool(meta.get("timestamped"))
        if sealed and not is_seal and record.seal is None:
            finding("seal", "it was sealed, its seal is missing")
        findings.extend(verify_record(record, data, previous, trust, signatures=bool(stamped and trust)))
        if stamped and trust is None:
            finding("seal", "sealed, but no certificate is configured to check it")
        return findings

    def _check_records(self, records):
        """Findings on some records, each against its predecessor."""
        trust = self._trust()
        findings = []
        for record in records:
            engine = record._engine_record()
            previous = self._head_record(record.sequence - 1) if record.sequence > 1 else None
            findings.extend(self._finding_of(engine, previous, record._raw(), trust))
        return findings

    def _verify(self, batch=VERIFY_BATCH, max_batches=None, restart=False):
        """Verify the chain from the last verified record on (from the first with ``restart``),
        streamed from SQL in sequence order, one batch in memory; stops at the first broken link.
        Returns True when the whole chain was verified now."""
        self.ensure_one()
        trust = self._trust()
        start = 0 if restart else self.verified_sequence
        previous = None
        if start:
            previous = self._head_record(start)
            if previous.chain_hash != self.verified_hash or previous.compute_chain_hash() != previous.chain_hash:
                # The part verified before changed since: everything again.
                start, previous = 0, None
        batches = 0
        while max_batches is None or batches < max_batches:
            self.env.cr.execute(
                f"SELECT {RECORD_COLUMNS} FROM probative_archive_record "
                "WHERE company_id = %s AND sequence > %s ORDER BY sequence LIMIT %s",
                (self.company_id.id, start, batch),
            )
            rows = self.env.cr.fetchall()
            if not rows:
                break
            files = self._files_of([row[0] for row in rows])
            for row in rows:
                record = _from_row(row)
                findings = []
                if previous is None and record.sequence != 1:
                    findings.append(
                        ArchiveFinding(
                            record.sequence,
                            record.kind,
                            record.origin,
                            "sequence",
                            f"the chain starts at {record.sequence}, not 1",
                        )
                    )
                findings.extend(self._finding_of(record, previous, files.get(row[0]), trust))
                if findings:
                    self._broken(row[0], findings)
                    return False
                previous, start = record, record.sequence
            self.write(
                {
                    "verified_sequence": previous.sequence,
                    "verified_hash": previous.chain_hash,
                    "verified_at": fields.Datetime.now(),
                }
            )
            batches += 1
            if _commits(self.env):
                # Resumable: a batch verified stays verified.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if max_batches is not None and batches >= max_batches:
            return False
        self.invalidate_recordset(["sequence", "chain_hash"])
        head = (previous.sequence, previous.chain_hash) if previous else (0, GENESIS)
        if head != (self.sequence, self.chain_hash):
            finding = ArchiveFinding(
                head[0],
                previous.kind if previous else "",
                previous.origin if previous else "",
                "head",
                f"the chain ends at {head[0]}; the head archived is record {self.sequence} {self.chain_hash}",
            )
            broken = (
                self.env["probative.archive.record"]
                .sudo()
                .search([("company_id", "=", self.company_id.id), ("sequence", "=", head[0])], limit=1)
            )
            self._broken(broken.id, [finding])
            return False
        self.write(
            {
                "verification_state": "ok",
                "verification_summary": self.env._(
                    "%(count)s record(s) verified, head %(sequence)s %(hash)s.",
                    count=head[0],
                    sequence=head[0],
                    hash=head[1],
                ),
                "broken_record_id": False,
                "verified_at": fields.Datetime.now(),
            }
        )
        return True

    def _broken(self, record_id, findings):
        text = "\n".join(str(finding) for finding in findings)
        _logger.warning("Archive of company %s: broken chain: %s", self.company_id.id, text)
        self.write(
            {
                "verification_state": "broken",
                "verification_summary": text,
                "broken_record_id": record_id or False,
                "verified_at": fields.Datetime.now(),
            }
        )

    @api.model
    def _cron_verify(self, batches=20):
        """Verify every chain a few batches at a time, from where the last run stopped."""
        day_ago = fields.Datetime.subtract(fields.Datetime.now(), days=1)
        for chain in self.sudo().search([]):
            if chain.verification_state == "ok" and chain.verified_sequence >= chain.sequence:
                if chain.verified_at and chain.verified_at > day_ago:
                    continue
                # Verified to its head: once a day, the whole chain again (a record altered since).
                chain.write({"verified_sequence": 0, "verified_hash": False})
            chain._verify(max_batches=batches)

    def action_verify(self):
        self.env["probative.archive.access"]._check_manager()
        for chain in self:
            chain.sudo()._verify(restart=True)
            self.env["probative.archive.access"]._log("verify", chain.company_id, detail=chain.verification_summary)
        return True
