"""A receiving PEPPOL access point on 127.0.0.1, for the AS4 sending side's tests.

- :class:`As4Pki`: a test access point CA and two access points it issues (``POP000001``,
  ours; ``POP000002``, theirs), RSA 2048 / SHA-256, with :meth:`As4Pki.access_point` for more
  (expired, from another CA).
- :class:`AccessPointSimulator`: ``POST /as4`` takes an AS4 message, verifies, decrypts and
  stores it (:attr:`AccessPointSimulator.received`), and answers with the signed receipt, or
  with a signed ebMS error signal (HTTP 500) naming what it cannot take. A message it already
  holds (same MessageId) is acknowledged again, not stored twice. The failures of
  :mod:`einvoice.testing.server` apply (``fail(503)``, ``"drop"``, ``"slow"``, ``"garbage"``).
"""

from __future__ import annotations

import datetime

from ..peppol import as4
from .server import SimulatedService, SimulatorHandler
from .smp import make_certificate

PATH = "/as4"


class As4Pki:
    """A test access point CA with our access point and the receiving one."""

    __test__ = False  # not a pytest class

    def __init__(self):
        self.ca, self.ca_key = make_certificate("Test AP CA", ca=True)
        self.ours = self.access_point("POP000001")
        self.theirs = self.access_point("POP000002")

    def access_point(self, party, expired=False, other_ca=False):
        """A new :class:`~einvoice.peppol.as4.AccessPoint` (common name ``party``)."""
        issuer, issuer_key = self.ca, self.ca_key
        if other_ca:
            issuer, issuer_key = make_certificate("Unknown AP CA", ca=True)
        validity = {}
        if expired:
            now = datetime.datetime.now(datetime.timezone.utc)
            validity = {"not_before": now - datetime.timedelta(days=400), "not_after": now - datetime.timedelta(days=1)}
        certificate, key = make_certificate(party, issuer, issuer_key, **validity)
        return as4.AccessPoint(certificate, key)

    @property
    def trust_anchors(self):
        return [self.ca]


class _Handler(SimulatorHandler):
    def do_POST(self):
        simulator = self.simulator
        if self.path.split("?")[0] != PATH:
            self._send(404, raw=b"", content_type="text/plain")
            return
        size = int(self.headers.get("Content-Length") or 0)
        if size > simulator.max_bytes:
            self.close_connection = True
            self._send(413, raw=b"too large", content_type="text/plain")
            return
        body = self.rfile.read(size)
        if self._fail(lambda status: None, success_status=200):
            return
        status, answer = simulator.receive(body, self.headers.get("Content-Type", ""))
        self._send(status, raw=answer, content_type="application/soap+xml; charset=UTF-8")


class AccessPointSimulator(SimulatedService):
    """The receiving access point: ``access_point`` is its :class:`~einvoice.peppol.as4.AccessPoint`,
    ``trust_anchors`` the CA certificates of the senders it accepts; ``served`` (participant
    values) the final recipients it serves, all when ``None``; ``clock`` its time."""

    handler_class = _Handler
    state_attributes = ("received",)

    def __init__(self, access_point, trust_anchors, served=None, clock=None, max_bytes=as4.MAX_MESSAGE_BYTES, **kwargs):
        super().__init__(**kwargs)
        self.access_point = access_point
        self.trust_anchors = list(trust_anchors)
        self.served = None if served is None else {value.lower() for value in served}
        self.clock = clock
        self.max_bytes = max_bytes
        self.received = []  # [{"message_id", "original_sender", "final_recipient", "document_type", "document"}]
        self.refused = []  # the error signals it answered

    @property
    def endpoint(self):
        return f"{self.url}{PATH}"

    def _accepts(self, participant, document_type, process):
        return self.served is None or participant.value.lower() in self.served

    def receive(self, body, content_type):
        """``(HTTP status, SOAP answer)`` for one message (also usable without a socket)."""
        now = self.clock() if self.clock else None
        status, answer, message = as4.answer(
            body, content_type, self.access_point, self.trust_anchors, now=now, accepts=self._accepts,
            max_bytes=self.max_bytes,
        )  # fmt: skip
        with self._lock:
            if message is None:
                self.refused.append(answer)
            elif not any(item["message_id"] == message.message_id for item in self.received):
                self.received.append(
                    {
                        "message_id": message.message_id,
                        "original_sender": message.original_sender.value,
                        "final_recipient": message.final_recipient.value,
                        "document_type": message.document_type,
                        "document": message.document,
                    }
                )
        return status, answer


__all__ = ["PATH", "AccessPointSimulator", "As4Pki"]
