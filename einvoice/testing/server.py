"""What the simulators of external services share: a threaded HTTP server on 127.0.0.1 and
failures on demand.

A simulator subclasses :class:`SimulatedService` and gives its handler (a subclass of
:class:`SimulatorHandler`) as ``handler_class``. Failures, one per coming API request:
an HTTP status (``503``, ``429`` with ``Retry-After: 0``...), ``"drop"`` (the connection
is closed without an answer), ``"slow"`` (the answer comes after ``slow_seconds``) and
``"garbage"`` (the success status with a malformed body); ``fail_every(n)`` fails every
n-th API request.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client killed mid-request (the crash tests do it on purpose) is no simulator error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SimulatorHandler(BaseHTTPRequestHandler):
    simulator = None  # the SimulatedService, set on the class the service builds
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body leave in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer back some 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, status, payload=None, content_type="application/json", raw=None, headers=()):
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
        self.send_response(status)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _fail(self, error_payload, success_status=200):
        """Answer with the next failure, if one is due; returns whether the request is answered."""
        failure = self.simulator._next_failure()
        if failure is None:
            return False
        if failure == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif failure == "slow":
            time.sleep(self.simulator.slow_seconds)
            return False
        elif failure == "garbage":
            self._send(success_status, raw=b"{not json", content_type="application/json")
        else:
            headers = [("Retry-After", "0")] if failure == 429 else []
            self._send(failure, error_payload(failure), headers=headers)
        return True


class SimulatedService:
    """A service on 127.0.0.1 (a free port), started and stopped as a context manager."""

    handler_class = SimulatorHandler

    def __init__(self, slow_seconds=3):
        self.slow_seconds = slow_seconds
        self.requests = []  # (method, path) of every request
        self._failures = []
        self._fail_every = None  # (n, failure): every n-th API request fails
        self._api_calls = 0
        self._lock = threading.RLock()
        self.server = _Server(("127.0.0.1", 0), type("Handler", (self.handler_class,), {"simulator": self}))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = None

    def __enter__(self):
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def fail(self, *failures):
        """Answer the next API requests with these failures, one each, before answering normally."""
        with self._lock:
            self._failures.extend(failures)

    def fail_every(self, every, failure=503):
        """Fail every ``every``-th API request (token requests not counted); ``None`` stops it."""
        with self._lock:
            self._fail_every = (every, failure) if every else None
            self._api_calls = 0

    def _clear_failures(self):
        with self._lock:
            self._failures.clear()
            self._fail_every = None
            self._api_calls = 0

    def _next_failure(self):
        with self._lock:
            if self._failures:
                return self._failures.pop(0)
            if self._fail_every:
                self._api_calls += 1
                every, failure = self._fail_every
                if self._api_calls % every == 0:
                    return failure
        return None
