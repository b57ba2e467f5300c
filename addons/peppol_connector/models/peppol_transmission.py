import datetime
import logging
import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.pa_connector.models.einvoice_flow import _commit

from einvoice import api as einvoice_api
from einvoice.detect import Syntax
from einvoice.errors import AS4Error, EInvoiceError
from einvoice.peppol import as4
from einvoice.peppol.smp import AS4 as AS4_PROFILE
from einvoice.peppol.smp import BIS3_CREDIT_NOTE, BIS3_INVOICE, check_certificate

_logger = logging.getLogger(__name__)

#: Sends of one message before the cron stops retrying it (the user can still send it again).
MAX_ATTEMPTS = 5
#: Minutes waited before the n-th retry (doubling, capped by the last).
RETRY_MINUTES = (5, 15, 60, 240)
#: Messages sent per batch (each batch is committed), and batches per cron run.
BATCH_SIZE = 20
MAX_BATCHES = 10
#: Minutes after which a message still "sending" was left by a dead worker (a send takes at most 2).
ABANDONED_MINUTES = 10

STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent, receipt verified"),
    ("error", "Error"),
    ("received", "Received"),
]


class PeppolTransmission(models.Model):
    """One AS4 message exchanged by the company's own access point: an invoice sent, with the
    receipt that acknowledges it, or a supplier's invoice received, with the receipt we answered.

    The MessageId of an outgoing message is chosen and stored before the first HTTP call and
    reused on every retry: the receiving access point acknowledges a message it already holds
    without storing it twice, so a retry after a lost answer delivers the invoice once."""

    _name = "einvoice.peppol.transmission"
    _description = "PEPPOL AS4 message of the company's access point"
    _order = "id desc"
    _rec_name = "message_id"

    direction = fields.Selection([("out", "Sent"), ("in", "Received")], required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    access_point_id = fields.Many2one("einvoice.peppol.access.point", required=True, readonly=True, ondelete="restrict")
    move_id = fields.Many2one("account.move", readonly=True, index=True, ondelete="set null")
    message_id = fields.Char("AS4 message id", required=True, readonly=True, copy=False)
    state = fields.Selection(STATES, required=True, readonly=True, default="queued", index=True)
    sender_participant = fields.Char(readonly=True)
    receiver_participant = fields.Char(readonly=True)
    remote_party = fields.Char("Other access point", readonly=True, help="The other access point's id (PartyId).")
    address = fields.Char("Sent to", readonly=True, help="The receiving access point's address, from its SMP.")
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(readonly=True)
    done_at = fields.Datetime("Sent or received on", readonly=True)
    error = fields.Text(readonly=True)
    ebms_code = fields.Char("ebMS error code", readonly=True)
    receipt_id = fields.Many2one("ir.attachment", "Signed receipt", readonly=True)

    _sql_constraints = [  # noqa: RUF012 (Odoo reads this class attribute)
        (
            "message_unique",
            "unique(company_id, direction, message_id)",
            "An AS4 message is recorded once per company and direction.",
        )
    ]

    # --- sending ---------------------------------------------------------------------------------

    @api.model
    def _queue(self, move, access_point):
        """A new outgoing message for ``move``, its MessageId fixed now."""
        return self.sudo().create(
            {
                "direction": "out",
                "company_id": move.company_id.id,
                "access_point_id": access_point.id,
                "move_id": move.id,
                "message_id": f"{uuid.uuid4()}@{access_point.party_id or 'einvoice'}",
                "state": "queued",
            }
        )

    @api.model
    def _cron_send(self):
        """Send queued messages and retry the failed ones that are due, a batch at a time.

        A batch is claimed (marked "sending") and that is committed before the first HTTP call:
        the claim keeps the other workers off these rows (taken with FOR UPDATE SKIP LOCKED),
        and a message still "sending" long after its claim was left by a dead worker: it is
        sent again, with the same MessageId."""
        done = 0
        for _batch in range(MAX_BATCHES):
            ids = self._claim()
            if not ids:
                break
            for transmission in self.sudo().browse(ids):
                transmission._send(claimed=True)
                done += 1
            # The batch's results (sent, receipts) are on disk before the next batch goes out.
            _commit(self.env)
        self.env.cr.execute(
            "SELECT count(*) FROM einvoice_peppol_transmission WHERE direction = 'out' AND state = 'queued'"
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=self.env.cr.fetchone()[0])
        return done

    def _claim(self):
        self.flush_model()
        self.env.cr.execute(
            """
            UPDATE einvoice_peppol_transmission
               SET state = 'sending', attempts = coalesce(attempts, 0) + 1, error = NULL, ebms_code = NULL,
                   write_date = clock_timestamp() at time zone 'UTC'
             WHERE id IN (
                SELECT id FROM einvoice_peppol_transmission
                 WHERE direction = 'out'
                   AND (state = 'queued'
                        OR (state = 'sending'
                            AND write_date < clock_timestamp() at time zone 'UTC' - %s * interval '1 minute')
                        OR (state = 'error' AND attempts < %s AND next_attempt IS NOT NULL
                            AND next_attempt <= clock_timestamp() at time zone 'UTC'))
                 ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
            RETURNING id
            """,
            (ABANDONED_MINUTES, MAX_ATTEMPTS, BATCH_SIZE),
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        # Written in SQL: what the cache knew of these rows is gone.
        self.invalidate_model(["state", "attempts", "error", "ebms_code", "write_date"], flush=False)
        # The crash marker: a claimed message is sent again under the same id, never under a new one.
        _commit(self.env)
        return ids

    def _send(self, claimed=False):
        """Send this message (once more, same MessageId) and record what came of it."""
        self.ensure_one()
        if self.direction != "out" or self.state == "sent":
            return
        move = self.move_id.with_company(self.company_id)
        if not claimed:
            self.write({"state": "sending", "attempts": self.attempts + 1, "error": False, "ebms_code": False})
            _commit(self.env)
        try:
            receipt, address, remote = self._deliver(move)
        except (EInvoiceError, UserError) as exc:
            self._failed(move, exc)
            return
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{move.name or 'invoice'}_as4_receipt.xml",
                "raw": receipt.body,
                "mimetype": "application/xml",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.write(
            {
                "state": "sent",
                "done_at": fields.Datetime.now(),
                "next_attempt": False,
                "receipt_id": attachment.id,
                "address": address,
                "remote_party": remote,
            }
        )
        move.sudo().write({"einvoice_not_sent_reason": False})
        move.sudo()._message_log(
            body=self.env._(
                "Sent over PEPPOL from our access point to %(participant)s (access point %(party)s, message "
                "%(message)s); its signed receipt was verified.",
                participant=self.receiver_participant,
                party=remote,
                message=self.message_id,
            ),
            attachment_ids=attachment.ids,
        )

    def _deliver(self, move):
        """Build the BIS 3 UBL, find the customer's AS4 endpoint, send: ``(receipt, address, party)``."""
        access_point = self.access_point_id
        ours = access_point._as4_access_point()
        anchors = access_point._trust_anchors()
        sender = move.company_id._einvoice_peppol_own_participant()
        if sender is None:
            raise UserError(
                self.env._(
                    "%(company)s has no Peppol e-address: fill in its scheme and endpoint on the company's "
                    "partner, Accounting tab.",
                    company=move.company_id.name,
                )
            )
        partner = move.partner_id.commercial_partner_id
        receiver = partner._einvoice_peppol_participant()
        document_type = BIS3_CREDIT_NOTE if move.move_type == "out_refund" else BIS3_INVOICE
        self.write({"sender_participant": sender.value, "receiver_participant": receiver.value})
        xml, report, problems = move._l10n_fr_einvoice_xml()
        if problems or xml is None or not report.is_valid:
            details = [p if isinstance(p, str) else str(p) for p in problems] + [
                f"{finding.rule_id}: {finding.message_en}" for finding in (report.fatal if report else [])
            ]
            raise UserError(
                self.env._(
                    "%(move)s is not a valid PEPPOL BIS 3 invoice, it was not sent: %(details)s",
                    move=move.display_name,
                    details="; ".join(details[:5]),
                )
            )
        client = partner._einvoice_peppol_client(move.company_id)
        endpoint = client.require(receiver, document_type)
        # What as4.deliver checks, with our MessageId: it must be the same on every retry.
        if endpoint.transport_profile != AS4_PROFILE or not endpoint.address.startswith(("https://", "http://")):
            raise AS4Error(
                f"AS4: the SMP endpoint {endpoint.address[:120]!r} ({endpoint.transport_profile}) is not an AS4 URL"
            )
        if endpoint.certificate is None:
            raise AS4Error("AS4: the SMP endpoint publishes no access point certificate", "EBMS:0101")
        check_certificate(
            endpoint.certificate, anchors, datetime.datetime.now(datetime.timezone.utc), "receiving access point"
        )
        country = move.company_id.country_id.code or "FR"
        message = as4.build_message(
            xml, ours, endpoint.certificate, sender, receiver, document_type, country=country,
            message_id=self.message_id,
        )  # fmt: skip
        self.write({"address": endpoint.address})
        receipt = as4.send(message, endpoint.address, trust_anchors=anchors, timeout=30, deadline=120)
        return receipt, endpoint.address, as4.party_of(endpoint.certificate)

    def _failed(self, move, exc):
        code = getattr(exc, "remote_code", None) or getattr(exc, "ebms_code", None) or False
        # The invoice's own problems wait for the user; the network's are retried.
        retry = not isinstance(exc, UserError) and self.attempts < MAX_ATTEMPTS
        wait = RETRY_MINUTES[min(self.attempts, len(RETRY_MINUTES)) - 1] if retry else 0
        text = str(exc)[:2000]
        self.write(
            {
                "state": "error",
                "error": text,
                "ebms_code": code,
                "next_attempt": fields.Datetime.now() + datetime.timedelta(minutes=wait) if retry else False,
            }
        )
        if code:
            body = self.env._(
                "Not sent over PEPPOL (attempt %(attempt)s, %(code)s): %(error)s",
                attempt=self.attempts,
                code=code,
                error=text,
            )
        else:
            body = self.env._(
                "Not sent over PEPPOL (attempt %(attempt)s): %(error)s", attempt=self.attempts, error=text
            )
        move.sudo()._message_log(body=body)
        _logger.info("AS4 message %s of %s not sent: %s", self.message_id, move.id, code or type(exc).__name__)

    # --- receiving ---------------------------------------------------------------------------------

    @api.model
    def _receive(self, access_point, message, receipt):
        """Record a verified, decrypted message for ``access_point``'s company and turn it into a
        draft vendor bill; a message already recorded gives the recorded one (no second bill).
        Raises UserError when the document cannot become a bill."""
        company = access_point.company_id
        Transmission = self.sudo().with_company(company)
        found = Transmission.search(
            [("company_id", "=", company.id), ("direction", "=", "in"), ("message_id", "=", message.message_id)],
            limit=1,
        )
        if found:
            return found, False
        if message.document_type not in (BIS3_INVOICE.value, BIS3_CREDIT_NOTE.value):
            raise UserError(self.env._("The document is not a PEPPOL BIS 3 invoice or credit note."))
        try:
            loaded = einvoice_api.load(message.document, source="PEPPOL document")
        except EInvoiceError as exc:
            raise UserError(
                self.env._("The document is not a UBL invoice or credit note: %(error)s", error=str(exc)[:300])
            ) from exc
        if loaded.syntax not in (Syntax.UBL_INVOICE, Syntax.UBL_CREDIT_NOTE):
            raise UserError(self.env._("The document is not a PEPPOL BIS 3 invoice or credit note."))
        if not loaded.invoice.number or not loaded.invoice.issue_date:
            # BT-1 and BT-2 are mandatory: without them a bill cannot be told from another.
            raise UserError(self.env._("The invoice has no number (BT-1) or no issue date (BT-2)."))
        transmission = Transmission.create(
            {
                "direction": "in",
                "company_id": company.id,
                "access_point_id": access_point.id,
                "message_id": message.message_id,
                "state": "received",
                "sender_participant": message.original_sender.value,
                "receiver_participant": message.final_recipient.value,
                "remote_party": message.from_party,
                "done_at": fields.Datetime.now(),
            }
        )
        bill = transmission._import_bill(message.document)
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{bill.ref or message.message_id}_as4_receipt.xml",
                    "raw": receipt,
                    "mimetype": "application/xml",
                    "res_model": self._name,
                    "res_id": transmission.id,
                }
            )
        )
        transmission.write({"move_id": bill.id, "receipt_id": attachment.id})
        bill._message_log(
            body=self.env._(
                "Received over PEPPOL by our access point from %(participant)s (access point %(party)s, message "
                "%(message)s); signature verified, receipt sent.",
                participant=message.original_sender.value,
                party=message.from_party,
                message=message.message_id,
            )
        )
        return transmission, True

    def _import_bill(self, document):
        """The draft vendor bill of a received BIS 3 document, through the usual e-invoice import."""
        self.ensure_one()
        company = self.company_id
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "purchase")], limit=1
        )
        if not journal:
            raise UserError(
                self.env._("%(company)s has no purchase journal to receive bills in.", company=company.name)
            )
        attachment = self.env["ir.attachment"].create(
            {"name": f"{self.message_id.split('@')[0]}.xml", "raw": document, "mimetype": "application/xml"}
        )
        moves = (
            journal.with_company(company)
            .with_context(default_move_type="in_invoice", allowed_company_ids=company.ids)
            ._create_document_from_attachment(attachment.ids)
        )
        if not moves or not moves[:1].l10n_fr_imported_syntax:
            raise UserError(self.env._("The document is not an e-invoice that can be imported: no bill was made."))
        return moves[:1]
