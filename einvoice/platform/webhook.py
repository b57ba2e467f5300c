"""Webhook calls of an approved platform: checking their signature (AFNOR XP Z12-013 Flow Service).

At subscription the platform returns a signing key (base64). Each callback carries
``Afnor-Signature`` (base64 HMAC-SHA-256, with that key, of the SHA-256 fingerprint of
``<JSON body as sent>@<epoch seconds>``) and ``Afnor-Signature-Timestamp``. The text leaves
the fingerprint's encoding open; it is taken in lowercase hexadecimal, like the ``sha256``
of FlowInfo.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

#: A callback older or newer than this (seconds) is refused: a replayed call does not pass.
TOLERANCE = 300


def signature(signing_key, payload, timestamp):
    """The ``Afnor-Signature`` of ``payload`` (bytes) sent at ``timestamp`` (epoch seconds)."""
    fingerprint = hashlib.sha256(payload + b"@" + str(int(timestamp)).encode()).hexdigest()
    digest = hmac.new(base64.b64decode(signing_key), fingerprint.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(signing_key, payload, signature_header, timestamp_header, now=None, tolerance=TOLERANCE):
    """Whether a callback is genuine and fresh; returns ``(ok, reason)`` without raising."""
    if not signing_key:
        return False, "no signing key: the webhook was not subscribed from here"
    if not signature_header or not timestamp_header:
        return False, "Afnor-Signature or Afnor-Signature-Timestamp missing"
    try:
        timestamp = int(timestamp_header)
        expected = signature(signing_key, payload, timestamp)
    except (ValueError, binascii.Error):
        return False, "malformed signature timestamp or signing key"
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False, "signature timestamp outside the accepted window"
    if not hmac.compare_digest(expected.encode(), signature_header.strip().encode()):
        return False, "signature does not match"
    return True, ""
