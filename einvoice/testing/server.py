"""What the simulators of external services share: a threaded HTTP server on 127.0.0.1 and
failures on demand.

A simulator subclasses :class:`SimulatedService` and gives its handler (a subclass of
:class:`SimulatorHandler`) as ``handler_class``. Failures, one per coming API request:
an HTTP status (``503``, ``429`` with ``Retry-After: 0``...), ``"drop"`` (the connection
is closed without an answer), ``"slow"`` (the answer comes after ``slow_seconds``) and
``"garbage"`` (the success status with a malformed body); ``fail_every(n)`` fails every
n-th API request.

The same service also runs without a socket, for a sandbox that a web server hosts on its
own routes: ``SimulatedService(listen=False)`` answers :meth:`SimulatedService.handle`
(one raw HTTP exchange, the handler run in-process exactly as on a socket), and its state
(the attributes a subclass names in ``state_attributes``) is saved by
:meth:`SimulatedService.dump_state` as JSON text and restored by
:meth:`SimulatedService.load_state`, so that several processes can share one service
through a database. :class:`InProcessAdapter` mounts such a service on a
``requests.Session`` for the moments no web server runs (a database being installed).
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
import requests.adapters
import requests.structures


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


class _Connection:
    """A socket stand-in for one in-process exchange: reads the raw request, keeps the raw answer."""

    def __init__(self, raw_request):
        self._request = io.BytesIO(raw_request)
        self.answer = io.BytesIO()

    def makefile(self, mode, *args, **kwargs):
        return self._request if "r" in mode else self

    def sendall(self, data):
        self.answer.write(data)

    def write(self, data):
        self.answer.write(data)
        return len(data)

    def flush(self):
        pass

    def close(self):
        pass

    def setsockopt(self, *args):
        pass

    def settimeout(self, *args):
        pass

    def shutdown(self, *args):
        pass


class _AnswerSocket:
    def __init__(self, raw_answer):
        self._answer = io.BytesIO(raw_answer)

    def makefile(self, *args, **kwargs):
        return self._answer


def _encode_state(value):
    """JSON-safe form of a state value: bytes, tuples, sets and non-string keys are tagged."""
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, tuple):
        return {"$tuple": [_encode_state(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": [_encode_state(item) for item in sorted(value, key=repr)]}
    if isinstance(value, list):
        return [_encode_state(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: _encode_state(item) for key, item in value.items()}
        return {"$items": [[_encode_state(key), _encode_state(item)] for key, item in value.items()]}
    return value


def _decode_state(value):
    if isinstance(value, list):
        return [_decode_state(item) for item in value]
    if isinstance(value, dict):
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        if "$tuple" in value:
            return tuple(_decode_state(item) for item in value["$tuple"])
        if "$set" in value:
            return {_decode_state(item) for item in value["$set"]}
        if "$items" in value:
            return {_decode_state(key): _decode_state(item) for key, item in value["$items"]}
        return {key: _decode_state(item) for key, item in value.items()}
    return value


class SimulatedService:
    """A service on 127.0.0.1 (a free port), started and stopped as a context manager;
    with ``listen=False``, a service without a socket, answering :meth:`handle`."""

    handler_class = SimulatorHandler
    #: the attributes that hold what the service knows (JSON-able once tagged: see dump_state)
    state_attributes = ()

    def __init__(self, slow_seconds=3, listen=True):
        self.slow_seconds = slow_seconds
        self.requests = []  # (method, path) of every request
        self._failures = []
        self._fail_every = None  # (n, failure): every n-th API request fails
        self._api_calls = 0
        self._lock = threading.RLock()
        self._bound_handler = type("Handler", (self.handler_class,), {"simulator": self})
        self.server = self.url = None
        if listen:
            self.server = _Server(("127.0.0.1", 0), self._bound_handler)
            self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = None

    # --- without a socket -------------------------------------------------------------------

    def handle(self, method, target, headers=(), body=b""):
        """Answer one request in-process: ``(status, [(header, value)...], body)``.

        ``target`` is the path and query as the service sees them (``/v1/flows?x=1``);
        the request goes through the same handler, byte for byte, as on a socket.
        """
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
        for name, value in headers.items() if hasattr(headers, "items") else headers:
            if name.lower() not in ("host", "content-length", "transfer-encoding", "connection"):
                lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body or b'')}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        connection = _Connection(raw)
        self._bound_handler(connection, ("127.0.0.1", 0), None)
        answer = connection.answer.getvalue()
        if not answer:  # the handler closed the connection without answering ("drop")
            raise ConnectionError("the service closed the connection without answering")
        response = http.client.HTTPResponse(_AnswerSocket(answer), method=method)
        response.begin()
        content = response.read()
        return response.status, response.getheaders(), content

    def dump_state(self):
        """What the service knows, as JSON text (see ``state_attributes``)."""
        with self._lock:
            return json.dumps({name: _encode_state(getattr(self, name)) for name in self.state_attributes})

    def load_state(self, text):
        """Restore what :meth:`dump_state` gave; attributes it lacks keep their value."""
        if not text:
            return
        state = json.loads(text)
        with self._lock:
            for name in self.state_attributes:
                if name in state:
                    setattr(self, name, _decode_state(state[name]))

    def __enter__(self):
        if self.server is None:
            raise RuntimeError("this service was made without a socket (listen=False)")
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


class InProcessAdapter(requests.adapters.BaseAdapter):
    """A requests transport that hands every request to a service in-process (no socket).

    ``session.mount(prefix, InProcessAdapter(service, prefix))``: a request to
    ``prefix + "/v1/flows"`` reaches the service as ``/v1/flows``.
    """

    def __init__(self, service, prefix):
        super().__init__()
        self.service = service
        self.prefix = prefix.rstrip("/")

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        target = request.url[len(self.prefix) :] or "/"
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            status, headers, content = self.service.handle(request.method, target, request.headers, body)
        except ConnectionError as exc:
            raise requests.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = status
        response.headers = requests.structures.CaseInsensitiveDict(headers)
        response.raw = io.BytesIO(content)
        response._content = content
        response.url = request.url
        response.request = request
        response.reason = http.client.responses.get(status, "")
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        return response

    def close(self):
        pass
