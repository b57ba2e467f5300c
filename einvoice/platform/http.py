"""HTTP for the platform APIs: authentication, timeouts, retries, typed errors.

- Authentication: a fixed bearer token, or OAuth2 client credentials whose access token
  is cached until shortly before it expires (both schemes of the AFNOR OpenAPI files).
- Retries: network errors, timeouts, 429 (honouring ``Retry-After``) and 5xx are retried
  with exponential backoff; other answers are final.
- Errors: :class:`~einvoice.errors.TransportError` with the HTTP status and the platform's
  ``errorCode`` / ``errorMessage`` (the ``Error`` schema of the OpenAPI files), the remote
  text cut to :data:`MAX_REMOTE_TEXT` characters. Secrets never appear in messages or logs.
- Bounds: a call (every attempt, and reading the answer) ends within ``deadline`` seconds
  even against a server that answers one byte at a time: a watchdog shuts the call's
  connection down (the per-read ``timeout`` of requests cannot see a slow trickle); a JSON
  answer over ``max_answer_bytes`` is refused while it arrives (:class:`ResponseTooLarge`).
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import math
import re
import socket
import threading
import time

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

from ..errors import TransportError

_logger = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Characters of a remote error text kept in an exception (a server may send megabytes).
MAX_REMOTE_TEXT = 300
#: Bytes of an answer read, by default, before it is refused (JSON answers are small).
MAX_ANSWER_BYTES = 10 * 1024 * 1024
#: Bytes of an error answer read to find its code and message.
MAX_ERROR_BYTES = 64 * 1024
#: A token lifetime is trusted between these bounds (seconds).
TOKEN_LIFETIME_BOUNDS = (0, 86400)


class ResponseTooLarge(TransportError):
    """An answer bigger than the caller accepts; it was not read to its end."""


class DeadlineExceeded(TransportError):
    """No complete answer within the call's deadline; the connection was shut down."""


class ProtocolError(TransportError):
    """An answer that breaks the API's contract: not JSON, not the object expected, a required
    field missing or of the wrong type. Its message names what is wrong (remote text cut short);
    ``status`` is the HTTP status of the answer. The call may have taken effect."""


def remote_text(value, limit=MAX_REMOTE_TEXT):
    """A remote text fit for a message and a log line: one line, at most ``limit`` characters."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value if value is not None else "")).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the deadline watchdog ---------------------------------------------------------------

_watched = threading.local()


def _register(connection):
    watch = getattr(_watched, "current", None)
    if watch is not None:
        watch.add(connection)


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    def request(self, *args, **kwargs):
        _register(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def request(self, *args, **kwargs):
        _register(self)
        return super().request(*args, **kwargs)


class _WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections a :class:`_Watch` can shut down at its deadline."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _Watch:
    """The connections a call of this thread uses, shut down when its deadline passes."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.stop = time.monotonic() + seconds
        self.expired = False
        self._connections = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def add(self, connection):
        with self._lock:
            self._connections.append(connection)
            expired = self.expired
        if expired:
            self._shut(connection)

    def remaining(self):
        return self.stop - time.monotonic()

    def _expire(self):
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            self._shut(connection)

    @staticmethod
    def _shut(connection):
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def _watch(seconds, what):
    """Run a call under a deadline; a call already under one (same thread) keeps the outer one."""
    outer = getattr(_watched, "current", None)
    if outer is not None:
        yield outer
        return
    watch = _Watch(seconds)
    _watched.current = watch
    watch._timer.start()
    try:
        yield watch
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, TransportError) as exc:
        if watch.expired:
            raise DeadlineExceeded(f"{what}: no complete answer within {seconds:g} s") from exc
        raise
    finally:
        watch._timer.cancel()
        _watched.current = None
    if watch.expired:
        raise DeadlineExceeded(f"{what}: no complete answer within {seconds:g} s")


def read_capped(response, max_bytes, what, truncate=False):
    """The body of a streamed ``response``, refused past ``max_bytes`` (never held whole), or
    with ``truncate`` cut there (an error answer: its beginning says enough)."""
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                if truncate:
                    chunks.append(chunk[: max_bytes - size])
                    break
                raise ResponseTooLarge(f"{what}: the answer is larger than {max_bytes} bytes", status=200)
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


def json_kind(value):
    """What a JSON value is, in a few words, for an error message (never the remote value itself)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return {str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _retry_after(response):
    """Seconds from a Retry-After header (delay-seconds or HTTP-date, RFC 9110 §10.2.3), or None."""
    value = (response.headers.get("Retry-After") or "").strip()
    if re.fullmatch(r"[0-9]{1,9}", value, re.ASCII):
        return float(value)
    if value:
        with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
            moment = email.utils.parsedate_to_datetime(value)
            return max(moment.timestamp() - time.time(), 0.0)
    return None


def _token_lifetime(value, default=300):
    """``expires_in`` of a token answer as seconds: a number (or digits), within bounds; else ``default``."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}(?:\.[0-9]*)?", value.strip(), re.ASCII):
        value = float(value)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    low, high = TOKEN_LIFETIME_BOUNDS
    return min(max(float(value), low), high)


class BearerToken:
    """A token given by the platform, sent as it is."""

    def __init__(self, token):
        self._token = token

    def header(self, session, timeout):
        return f"Bearer {self._token}"

    def invalidate(self):
        """Nothing to renew: a refused fixed token stays refused."""

    def __repr__(self):
        return "BearerToken(***)"


class ClientCredentials:
    """OAuth2 client credentials; the access token is cached until ``margin`` seconds before expiry.

    The client authenticates with HTTP basic by default; ``credentials_in_body=True`` sends
    ``client_id`` / ``client_secret`` as form fields instead (RFC 6749 §2.3.1 allows both;
    PISTE, the French State's API gateway, expects the form fields). ``clock`` returns
    seconds (``time.monotonic`` by default), so tests can make a token expire.
    """

    def __init__(
        self, token_url, client_id, client_secret, scope=None, margin=30, credentials_in_body=False, clock=None
    ):
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.margin = margin
        self.credentials_in_body = credentials_in_body
        self.clock = clock or time.monotonic
        self._token = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.fetch_count = 0  # how many tokens were requested (the tests check the cache)

    def __repr__(self):
        return f"ClientCredentials({self.token_url!r}, client_id={self.client_id!r}, client_secret=***)"

    def invalidate(self):
        with self._lock:
            self._token, self._expires_at = None, 0.0

    def header(self, session, timeout):
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                self._fetch(session, timeout)
            return f"Bearer {self._token}"

    def _fetch(self, session, timeout):
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        auth = (self.client_id, self._client_secret)
        if self.credentials_in_body:
            data.update(client_id=self.client_id, client_secret=self._client_secret)
            auth = None
        what = f"token endpoint {self.token_url}"
        try:
            with _watch(max(timeout * 2, 1), what):
                response = session.post(self.token_url, data=data, auth=auth, timeout=timeout, stream=True)
                body = read_capped(response, MAX_ERROR_BYTES, what, truncate=response.status_code != 200)
        except requests.RequestException as exc:
            raise TransportError(f"{what} unreachable: {type(exc).__name__}") from exc
        response._content = body
        if response.status_code != 200:
            raise TransportError(
                f"{what} refused the client credentials (HTTP {response.status_code})",
                status=response.status_code,
                remote_code=_error_code(response),
            )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token.strip() or len(token) > 8192:
            raise TransportError(f"{what} answered without an access_token", status=200)
        lifetime = _token_lifetime(payload.get("expires_in"))
        self._token = token
        self._expires_at = self.clock() + max(lifetime - self.margin, 0)
        self.fetch_count += 1


def _error_code(response):
    try:
        payload = response.json()
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    # The AFNOR Error schema, else the OAuth2 error of a token endpoint (RFC 6749 §5.2).
    code = payload.get("errorCode") or payload.get("error")
    return remote_text(code, 100) if code is not None else None


def _error_message(response):
    try:
        payload = response.json()
    except ValueError:
        return remote_text(response.text or "")
    if isinstance(payload, dict):
        return remote_text(payload.get("errorMessage") or payload.get("details") or "")
    return ""


class ApiClient:
    """A JSON/multipart HTTP client for one platform API."""

    def __init__(
        self,
        base_url,
        auth,
        timeout=30,
        max_attempts=4,
        backoff=0.5,
        max_backoff=30,
        session=None,
        deadline=None,
        max_answer_bytes=MAX_ANSWER_BYTES,
    ):
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        # Every attempt of one call, and reading its answer, within this many seconds.
        self.deadline = deadline or timeout * max_attempts + max_backoff
        self.max_answer_bytes = max_answer_bytes
        if session is None:
            session = requests.Session()
            session.mount("http://", DeadlineAdapter())
            session.mount("https://", DeadlineAdapter())
        self.session = session

    def _delay(self, attempt, response=None):
        waited = _retry_after(response) if response is not None else None
        if waited is not None:
            return min(waited, self.max_backoff)
        return min(self.backoff * (2 ** (attempt - 1)), self.max_backoff)

    def watch(self, what):
        """The deadline of one call, for callers that read a streamed answer themselves."""
        return _watch(self.deadline, what)

    def request_json(self, method, path, **kwargs):
        """``request`` whose answer must be JSON: a malformed body is a :class:`ProtocolError`, never a
        silent empty result (the call may have taken effect: callers treat it as a lost answer)."""
        return self._json(self.request(method, path, **kwargs), method, path)

    def request_object(self, method, path, **kwargs):
        """``request_json`` whose answer must be a JSON object (the schemas of the OpenAPI files)."""
        response = self.request(method, path, **kwargs)
        answer = self._json(response, method, path)
        if not isinstance(answer, dict):
            raise ProtocolError(
                f"{method} {path}: malformed answer (HTTP {response.status_code}): "
                f"a JSON object is expected, not {json_kind(answer)}",
                status=response.status_code,
            )
        return answer

    @staticmethod
    def _json(response, method, path):
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError(
                f"{method} {path}: malformed answer (HTTP {response.status_code}): not JSON",
                status=response.status_code,
            ) from exc

    def request(self, method, path, expected=(200,), attempts=None, **kwargs):
        """Send, retrying what may succeed later; return the response or raise TransportError.

        The answer is read (up to ``max_answer_bytes``) before it is returned, unless the
        caller asks for ``stream=True``: it then reads it within :meth:`watch` itself.
        """
        with self.watch(f"{method} {path}") as watch:
            return self._request(watch, method, path, expected, attempts, **kwargs)

    def _request(self, watch, method, path, expected, attempts, stream=False, **kwargs):
        url = f"{self.base_url}{path}"
        last_error = None
        renewed = False
        attempt = 0
        max_attempts = attempts or self.max_attempts
        # Taken once: every attempt sends the caller's headers.
        extra_headers = dict(kwargs.pop("headers", None) or {})
        while attempt < max_attempts:
            if watch.remaining() <= 0:
                break
            attempt += 1
            headers = dict(extra_headers)
            headers["Authorization"] = self.auth.header(self.session, self.timeout)
            try:
                response = self.session.request(
                    method, url, headers=headers, timeout=self.timeout, stream=True, **kwargs
                )
                if response.status_code in expected:
                    if not stream:
                        response._content = read_capped(response, self.max_answer_bytes, f"{method} {path}")
                    return response
                response._content = read_capped(response, MAX_ERROR_BYTES, f"{method} {path}", truncate=True)
            except ResponseTooLarge:
                raise
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                if watch.expired:
                    raise
                last_error = TransportError(f"{method} {path}: {type(exc).__name__} after {attempt} attempt(s)")
                # Kept so that a caller can tell a lost answer (read timeout) from a refused connection.
                last_error.__cause__ = exc
                _logger.info("%s %s: %s (attempt %s)", method, path, type(exc).__name__, attempt)
                if attempt < max_attempts:
                    time.sleep(max(min(self._delay(attempt), watch.remaining()), 0))
                continue
            if response.status_code == 401 and not renewed:
                # An expired or revoked token: get a new one once, without counting an attempt.
                renewed = True
                attempt -= 1
                self.auth.invalidate()
                continue
            code, message = _error_code(response), _error_message(response)
            last_error = TransportError(
                f"{method} {path}: HTTP {response.status_code}"
                + (f" {code}" if code else "")
                + (f": {message}" if message else ""),
                status=response.status_code,
                remote_code=code,
            )
            if response.status_code not in RETRIED_STATUSES:
                raise last_error
            _logger.info("%s %s: HTTP %s (attempt %s)", method, path, response.status_code, attempt)
            if attempt < max_attempts:
                time.sleep(max(min(self._delay(attempt, response), watch.remaining()), 0))
        if last_error is None:
            raise DeadlineExceeded(f"{method} {path}: no complete answer within {self.deadline:g} s")
        raise last_error
