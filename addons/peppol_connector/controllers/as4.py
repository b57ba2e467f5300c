import logging

import psycopg2

from odoo import SUPERUSER_ID, http
from odoo.exceptions import UserError
from odoo.http import request

from einvoice.errors import AS4Error, AS4RecipientError, EInvoiceError
from einvoice.peppol import as4
from einvoice.peppol.identifiers import ParticipantId, ParticipantIdError
from einvoice.peppol.smp import BIS3_CREDIT_NOTE, BIS3_INVOICE
from einvoice.xmlsafe import parse_xml

from ..models.peppol_access_point import AS4_PATH

_logger = logging.getLogger(__name__)

#: Bytes of an AS4 request taken (a BIS 3 invoice with its attachments, gzipped and encrypted).
MAX_AS4_BODY = 35 * 1024 * 1024
#: The document types this endpoint turns into vendor bills.
RECEIVED_DOCUMENTS = frozenset([BIS3_INVOICE.value, BIS3_CREDIT_NOTE.value])
SOAP = "application/soap+xml; charset=UTF-8"


def addressee(body, content_type):
    """``(To PartyId, finalRecipient)`` of a message not verified yet, to know which of our
    access points it is for; ``(None, None)`` when they cannot be read."""
    try:
        soap, _attachments = as4.split_mime(body, content_type, max_bytes=MAX_AS4_BODY)
        root = parse_xml(soap, max_bytes=as4.MAX_SOAP_BYTES, source="AS4 message")
    except EInvoiceError:
        return None, None
    user = root.find(f"{{{as4.NS_S12}}}Header/{{{as4.NS_EB}}}Messaging/{{{as4.NS_EB}}}UserMessage")
    if user is None:
        return None, None
    party = (user.findtext("eb:PartyInfo/eb:To/eb:PartyId", namespaces=as4.NSMAP) or "").strip()
    recipient = None
    for prop in user.iterfind("eb:MessageProperties/eb:Property", as4.NSMAP):
        if prop.get("name") == "finalRecipient":
            try:
                recipient = ParticipantId.parse((prop.text or "").strip(), check_digits=False)
            except ParticipantIdError:
                recipient = None
    return party or None, recipient


class PeppolAs4(http.Controller):
    @http.route(
        AS4_PATH,
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
        max_content_length=MAX_AS4_BODY,
    )
    def receive(self, **kwargs):
        """The receiving endpoint of the companies' own access points (Peppol AS4 profile 2.0).

        The caller has no Odoo session: its credential is the WS-Security signature of the
        message, checked against the access point CA certificates before anything is kept. The
        answer is our signed receipt, or an ebMS error signal: never a bill from a message that
        did not verify, never a second bill for a message received again.
        """
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is None or length > MAX_AS4_BODY:
            # Refused before a byte of the body is read.
            error = AS4Error(f"AS4: a message of at most {MAX_AS4_BODY} bytes is expected", "EBMS:0009")
            return self._soap(413 if length else 411, as4.build_error(None, error))
        body = httprequest.get_data(cache=False, parse_form_data=False)
        content_type = httprequest.headers.get("Content-Type", "")
        # No session: the superuser acts, for the company the message turns out to be for.
        env = request.env(user=SUPERUSER_ID, su=True)
        party, recipient = addressee(body, content_type)
        candidates = env["einvoice.peppol.access.point"].search([("active", "=", True)])
        candidates = candidates.filtered(lambda ap: party and (ap.party_id or "").lower() == party.lower())
        if not candidates:
            _logger.info("AS4 message for the unknown access point %r refused", (party or "")[:100])
            error = AS4RecipientError(f"AS4: this endpoint holds no access point {(party or '?')[:100]!r}")
            return self._soap(500, as4.build_error(as4.message_id_of(body, content_type), error))
        serving = candidates.filtered(lambda ap: recipient is not None and ap._serves(recipient))
        access_point = serving[:1] or candidates[:1]
        try:
            receiver = access_point._as4_access_point()
            anchors = access_point._trust_anchors()
        except UserError as exc:
            _logger.warning("AS4 access point %s cannot be used: %s", access_point.id, exc)
            error = AS4Error("AS4: the receiving access point is not available", "EBMS:0004")
            return self._soap(500, as4.build_error(as4.message_id_of(body, content_type), error))

        def accepts(final_recipient, document_type, process):
            return access_point._serves(final_recipient) and document_type in RECEIVED_DOCUMENTS

        status, answer, message = as4.answer(
            body, content_type, receiver, anchors, accepts=accepts, max_bytes=MAX_AS4_BODY
        )
        if message is None:
            _logger.info("AS4 message refused by access point %s (HTTP %s)", access_point.party_id, status)
            return self._soap(status, answer)
        try:
            with env.cr.savepoint():
                _transmission, created = env["einvoice.peppol.transmission"]._receive(access_point, message, answer)
        except psycopg2.IntegrityError:
            # The same message taken at this very moment by another worker: it holds the bill.
            _logger.info("AS4 message %s received twice at once: acknowledged once imported", message.message_id)
            return self._soap(200, answer)
        except (UserError, EInvoiceError) as exc:
            _logger.info("AS4 message %s verified but not taken: %s", message.message_id, exc)
            error = AS4Error(f"AS4: the document cannot be taken as an invoice ({exc})", "EBMS:0004")
            return self._soap(500, as4.build_error(message.message_id, error, signer=receiver))
        except Exception:  # the sender gets an error signal, never a traceback
            _logger.exception("AS4 message %s verified but its import failed", message.message_id)
            error = AS4Error("AS4: the document cannot be taken as an invoice (import failed)", "EBMS:0004")
            return self._soap(500, as4.build_error(message.message_id, error, signer=receiver))
        if not created:
            _logger.info("AS4 message %s received again: acknowledged, not imported twice", message.message_id)
        return self._soap(200, answer)

    @staticmethod
    def _soap(status, content):
        return request.make_response(content, headers=[("Content-Type", SOAP)], status=status)
