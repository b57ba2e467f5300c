import base64
import datetime
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from einvoice.archive import ArchiveKind, ArchiveRecord
from einvoice.archive.record import format_time

_logger = logging.getLogger(__name__)

KIND_SELECTION = [
    (ArchiveKind.INVOICE_SENT.value, "Invoice sent"),
    (ArchiveKind.INVOICE_RECEIVED.value, "Invoice received"),
    (ArchiveKind.CDAR_IN.value, "Status received (CDAR)"),
    (ArchiveKind.CDAR_OUT.value, "Status sent (CDAR)"),
    (ArchiveKind.EREPORTING_FLOW.value, "E-reporting flow"),
    (ArchiveKind.EREPORTING_ANSWER.value, "E-reporting answer"),
    (ArchiveKind.SCAN.value, "Scanned paper invoice"),
    (ArchiveKind.POLICY.value, "Archiving policy"),
    (ArchiveKind.SEAL.value, "Daily seal"),
    (ArchiveKind.EXPORT.value, "Export"),
]

#: Retention in years by kind. Invoices, their statuses and scans are accounting vouchers: 10
#: years (Code de commerce L123-22), longer than the 6 fiscal years of LPF L102 B. E-reporting
#: flows and answers are tax documents only: 6 years (LPF L102 B). Seals, policies and exports
#: prove the rest: as long as the longest.
RETENTION_YEARS = {
    ArchiveKind.EREPORTING_FLOW.value: 6,
    ArchiveKind.EREPORTING_ANSWER.value: 6,
}
DEFAULT_RETENTION_YEARS = 10

#: Columns an UPDATE may change: the foreign keys PostgreSQL itself sets to NULL when the
#: invoice or the user they name is deleted. None of them is part of the chain.
NULLABLE_LINKS = ("move_id", "create_uid", "write_uid")

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION probative_archive_record_immutable() RETURNS trigger AS $$
DECLARE
    links text[] := ARRAY['move_id', 'create_uid', 'write_uid'];
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - links) = (to_jsonb(OLD) - links)
       AND (NEW.move_id IS NULL OR NEW.move_id = OLD.move_id)
       AND (NEW.create_uid IS NULL OR NEW.create_uid = OLD.create_uid)
       AND (NEW.write_uid IS NULL OR NEW.write_uid = OLD.write_uid) THEN
        RETURN NEW;  -- a deleted invoice or user unlinked by its foreign key
    END IF;
    RAISE EXCEPTION 'probative archive records are immutable: % refused on record %',
        TG_OP, COALESCE(OLD.company_id || '/' || OLD.sequence, '?')
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS probative_archive_record_immutable ON probative_archive_record;
CREATE TRIGGER probative_archive_record_immutable
    BEFORE UPDATE OR DELETE ON probative_archive_record
    FOR EACH ROW EXECUTE FUNCTION probative_archive_record_immutable();
DROP TRIGGER IF EXISTS probative_archive_record_no_truncate ON probative_archive_record;
CREATE TRIGGER probative_archive_record_no_truncate
    BEFORE TRUNCATE ON probative_archive_record
    FOR EACH STATEMENT EXECUTE FUNCTION probative_archive_record_immutable();
"""


def retention_end(kind, archived_at):
    """The last day to keep a record: the end of its archiving year plus the kind's years
    (both laws count from a closing or a last entry, never before the archiving date)."""
    years = RETENTION_YEARS.get(kind, DEFAULT_RETENTION_YEARS)
    return datetime.date(archived_at.year + years, 12, 31)


class ProbativeArchiveRecord(models.Model):
    _name = "probative.archive.record"
    _description = "Probative archive record"
    _order = "company_id, sequence desc"
    _rec_name = "display_name"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="restrict")
    sequence = fields.Integer(required=True, readonly=True, help="Position in the company's chain, from 1.")
    kind = fields.Selection(KIND_SELECTION, required=True, readonly=True, index=True)
    origin_ref = fields.Char(
        "Origin reference", required=True, readonly=True, help="The origin as written in the chain (model,id)."
    )
    origin = fields.Reference(
        selection="_selection_origin",
        compute="_compute_origin",
        string="Origin",
        help="The archived document's record.",
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", readonly=True, index=True, ondelete="set null", check_company=True
    )
    file = fields.Binary(attachment=True, readonly=True)
    file_name = fields.Char(readonly=True)
    mimetype = fields.Char(readonly=True)
    file_size = fields.Integer(readonly=True)
    fingerprint = fields.Char(required=True, readonly=True, help="SHA-256 of the archived bytes.")
    archived_at = fields.Datetime(required=True, readonly=True)
    archived_at_text = fields.Char(
        "Archiving time (UTC)", required=True, readonly=True, help="The exact time in the chain, to the microsecond."
    )
    metadata = fields.Text(readonly=True, help="Canonical JSON, part of the chain hash.")
    chain_identifier = fields.Char(readonly=True, required=True, help="The company as named in the chain.")
    previous_hash = fields.Char("Previous chain hash", required=True, readonly=True)
    chain_hash = fields.Char(required=True, readonly=True, index=True)
    seal = fields.Binary("Seal (CMS)", attachment=False, readonly=True)
    token = fields.Binary("Timestamp token (RFC 3161)", attachment=False, readonly=True)
    internal_timestamp = fields.Boolean(
        "Internal time source",
        readonly=True,
        help="Timestamped by the company's own key (the internal time source the arrêté of 22 March 2017 "
        "allows), not by a time-stamping authority.",
    )
    timestamp_authority = fields.Char(readonly=True)
    retention_end = fields.Date(readonly=True, help="Keep at least until this day.")
    hold_ids = fields.One2many("probative.archive.hold", "record_id", string="Legal holds")
    legal_hold = fields.Boolean(compute="_compute_legal_hold", search="_search_legal_hold")

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        ("sequence_unique", "unique(company_id, sequence)", "A company's chain has one record per sequence."),
        ("chain_hash_unique", "unique(chain_hash)", "A chain hash is archived once."),
    ]

    def init(self):
        self.env.cr.execute(TRIGGER_SQL)
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS probative_archive_record_dedup ON probative_archive_record "
            "(company_id, fingerprint, kind)"
        )

    @api.model
    def _selection_origin(self):
        return [(model, self.env[model]._description) for model in self.env.registry.models if model in self.env]

    @api.depends("origin_ref")
    def _compute_origin(self):
        for record in self:
            model, _sep, res_id = (record.origin_ref or "").partition(",")
            record.origin = (
                f"{model},{res_id}"
                if model in self.env and res_id.isdigit() and self.env[model].browse(int(res_id)).exists()
                else False
            )

    def _compute_display_name(self):
        labels = dict(KIND_SELECTION)
        for record in self:
            record.display_name = f"{record.company_id.name} #{record.sequence} {labels.get(record.kind, record.kind)}"

    @api.depends("hold_ids.active")
    def _compute_legal_hold(self):
        for record in self:
            record.legal_hold = bool(record.hold_ids.filtered("active"))

    def _search_legal_hold(self, operator, value):
        held = self.env["probative.archive.hold"].search([]).record_id
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", held.ids)]

    # --- immutability -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("probative_archive_append"):
            raise UserError(self.env._("Archive records are only added by the archive itself, in its chain."))
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(
                self.env._(
                    "Archive record %(record)s cannot be changed: the archive is append-only.",
                    record=self[:1].display_name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Archive record %(record)s cannot be deleted: the archive is append-only.", record=self[:1].display_name
            )
        )

    # --- the engine's view of a record --------------------------------------------------------

    def _engine_record(self):
        self.ensure_one()
        return ArchiveRecord(
            sequence=self.sequence,
            company=self.chain_identifier,
            kind=self.kind,
            origin=self.origin_ref,
            fingerprint=self.fingerprint,
            timestamp=self.archived_at_text,
            metadata=self.metadata or "{}",
            previous=self.previous_hash,
            chain_hash=self.chain_hash,
            seal=base64.b64decode(self.seal) if self.seal else None,
            token=base64.b64decode(self.token) if self.token else None,
        )

    @api.model
    def _values_from_engine(
        self, record, company, data=None, name=None, mimetype=None, move=None, internal=False, authority=None
    ):
        archived = record.archived_at
        values = {
            "company_id": company.id,
            "sequence": record.sequence,
            "kind": record.kind,
            "origin_ref": record.origin,
            "fingerprint": record.fingerprint,
            "archived_at": archived.replace(tzinfo=None),
            "archived_at_text": record.timestamp,
            "metadata": record.metadata,
            "chain_identifier": record.company,
            "previous_hash": record.previous,
            "chain_hash": record.chain_hash,
            "seal": base64.b64encode(record.seal) if record.seal else False,
            "token": base64.b64encode(record.token) if record.token else False,
            "internal_timestamp": internal,
            "timestamp_authority": authority or False,
            "retention_end": retention_end(record.kind, archived),
            "move_id": move.id if move else False,
        }
        if data is not None:
            values.update(
                file=base64.b64encode(data),
                file_name=name or f"{record.kind}-{record.sequence}",
                mimetype=mimetype or False,
                file_size=len(data),
            )
        return values

    def _raw(self):
        """The archived bytes (None when the record holds no file, as a daily seal)."""
        self.ensure_one()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_field", "=", "file"), ("res_id", "=", self.id)], limit=1)
        )
        return attachment.raw if attachment else None

    @api.model
    def _archive(self, company, data, kind, origin, name=None, mimetype=None, move=None, metadata=None):
        """Archive exact bytes; never raises. A failure is written on the origin and the file
        waits for the retry cron: archiving never stops a sending. Returns the record (the one
        already holding these bytes of this kind if any), or an empty recordset."""
        if not data or not company:
            return self.browse()
        if isinstance(data, str):
            data = data.encode()
        origin_ref = f"{origin._name},{origin.id}" if isinstance(origin, models.BaseModel) else str(origin)
        move = move or (origin if isinstance(origin, models.BaseModel) and origin._name == "account.move" else None)
        try:
            with self.env.cr.savepoint():
                chain = self.env["probative.archive.chain"]._chain_of(company)
                return chain._append(
                    bytes(data), kind, origin_ref, name=name, mimetype=mimetype, move=move, metadata=metadata
                )
        except Exception as exc:  # noqa: BLE001 (whatever breaks the archive must not break the sending)
            _logger.warning("Archive of company %s: %s of %s not archived now: %s", company.id, kind, origin_ref, exc)
            self.env["probative.archive.pending"].sudo().create(
                {
                    "company_id": company.id,
                    "kind": kind,
                    "origin_ref": origin_ref,
                    "move_id": move.id if move else False,
                    "data": base64.b64encode(bytes(data)),
                    "file_name": name,
                    "mimetype": mimetype,
                    "metadata": metadata or {},
                    "error": f"{type(exc).__name__}: {exc}"[:1000],
                }
            )
            target = origin if isinstance(origin, models.BaseModel) and hasattr(origin, "message_post") else move
            if target:
                target.sudo().message_post(
                    body=self.env._(
                        "The file %(name)s could not be archived now (%(error)s): it will be archived by the next run "
                        "of the archive's job.",
                        name=name or kind,
                        error=exc,
                    )
                )
            return self.browse()

    # --- user actions -------------------------------------------------------------------------

    def web_read(self, specification):
        # EXTENDS base: opening a record is written in the access journal.
        result = super().web_read(specification)
        if len(self) == 1 and "file" in specification:
            self.env["probative.archive.access"]._log("view", self.company_id, records=self)
        return result

    def action_download(self):
        self.ensure_one()
        self.env["probative.archive.access"]._log("download", self.company_id, records=self)
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{self.file_name or 'file'}?download=true",
        }

    def action_verify(self):
        """Check this record against its bytes, its predecessor and its proofs."""
        self.ensure_one()
        findings = self.env["probative.archive.chain"]._chain_of(self.company_id)._check_records(self)
        self.env["probative.archive.access"]._log("verify", self.company_id, records=self)
        if findings:
            raise UserError("\n".join(str(finding) for finding in findings))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(record)s holds: bytes, chain link and proofs verified.", record=self.display_name
                ),
            },
        }


class ArchiveHold(models.Model):
    """A legal hold keeps records beyond their retention end, until released. Holds live apart
    from the records, which never change."""

    _name = "probative.archive.hold"
    _description = "Legal hold on an archive record"
    _check_company_auto = True

    record_id = fields.Many2one("probative.archive.record", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="record_id.company_id", store=True)
    reason = fields.Char(required=True)
    active = fields.Boolean(default=True)


def utc_text(moment):
    return format_time(moment)
