"""HTTP for the platform APIs: authentication, timeouts, retries, typed errors.

- Authentication: a fixed bearer token, or OAuth2 client credentials whose access token
  is cached until shortly before it expires (both schemes of the AFNOR OpenAPI files).
- Retries: network errors, timeouts, 429 (honouring ``Retry-After``) and 5xx are retried
  with exponential backoff; other answers are final.
- Errors: :class:`~einvoice.errors.TransportError` with the HTTP status and the platform's
  ``errorCode`` / ``errorMessage`` (the ``Error`` schema of the OpenAPI files). Secrets
  never appear in messages or logs.
"""

from __future__ import annotations

import logging
import threading
import time

import requests

from ..errors import TransportError

_logger = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class ResponseTooLarge(TransportError):
    """An answer bigger than the caller accepts; it was not read to its end."""


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
        try:
            response = session.post(self.token_url, data=data, auth=auth, timeout=timeout)
        except requests.RequestException as exc:
            raise TransportError(f"token endpoint {self.token_url} unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise TransportError(
                f"token endpoint {self.token_url} refused the client credentials (HTTP {response.status_code})",
                status=response.status_code,
                remote_code=_error_code(response),
            )
        try:
            payload = response.json()
            token = payload["access_token"]
        except (ValueError, KeyError) as exc:
            raise TransportError(f"token endpoint {self.token_url} answered without an access_token") from exc
        lifetime = float(payload.get("expires_in") or 300)
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
    return payload.get("errorCode") or payload.get("error")


def _error_message(response):
    try:
        payload = response.json()
    except ValueError:
        return (response.text or "")[:200]
    if isinstance(payload, dict):
        return payload.get("errorMessage") or payload.get("details") or ""
    return ""


class ApiClient:
    """A JSON/multipart HTTP client for one platform API."""

    def __init__(self, base_url, auth, timeout=30, max_attempts=4, backoff=0.5, max_backoff=30, session=None):
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.session = session or requests.Session()

    def _delay(self, attempt, response=None):
        if response is not None and response.headers.get("Retry-After", "").strip().isdigit():
            return min(float(response.headers["Retry-After"]), self.max_backoff)
        return min(self.backoff * (2 ** (attempt - 1)), self.max_backoff)

    def request_json(self, method, path, **kwargs):
        """``request`` whose answer must be JSON: a malformed body is a TransportError, never a
        silent empty result (the call may have taken effect: callers treat it as a lost answer)."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise TransportError(f"{method} {path}: malformed answer (HTTP {response.status_code})") from exc

    def request(self, method, path, expected=(200,), attempts=None, **kwargs):
        """Send, retrying what may succeed later; return the response or raise TransportError."""
        url = f"{self.base_url}{path}"
        last_error = None
        renewed = False
        attempt = 0
        max_attempts = attempts or self.max_attempts
        # Taken once: every attempt sends the caller's headers.
        extra_headers = dict(kwargs.pop("headers", None) or {})
        while attempt < max_attempts:
            attempt += 1
            headers = dict(extra_headers)
            headers["Authorization"] = self.auth.header(self.session, self.timeout)
            try:
                response = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = TransportError(f"{method} {path}: {type(exc).__name__} after {attempt} attempt(s)")
                # Kept so that a caller can tell a lost answer (read timeout) from a refused connection.
                last_error.__cause__ = exc
                _logger.info("%s %s: %s (attempt %s)", method, path, type(exc).__name__, attempt)
                if attempt < max_attempts:
                    time.sleep(self._delay(attempt))
                continue
            if response.status_code in expected:
                return response
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
                time.sleep(self._delay(attempt, response))
        raise last_error
