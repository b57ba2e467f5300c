"""The platform HTTP client against a real HTTP server on 127.0.0.1: tokens, retries, errors."""

import base64
import hashlib
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from einvoice.errors import TransportError
from einvoice.platform import BearerToken, ClientCredentials, DirectoryClient, FlowClient


class Platform:
    """A minimal platform: an OAuth2 token endpoint and the flow endpoints, with scripted failures."""

    def __init__(self):
        self.failures = []  # statuses (or "drop") answered before the real answer, one per request
        self.requests = []
        self.tokens_issued = 0
        self.token_lifetime = 3600
        self.flows = {}
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, payload=None, headers=()):
                body = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                platform.requests.append((method, self.path, dict(self.headers), body))
                if self.path == "/token":
                    expected = "Basic " + base64.b64encode(b"odoo:s3cret").decode()
                    if self.headers.get("Authorization") != expected:
                        return self._send(401, {"errorCode": "INVALID_CLIENT"})
                    platform.tokens_issued += 1
                    return self._send(
                        200, {"access_token": f"T{platform.tokens_issued}", "expires_in": platform.token_lifetime}
                    )
                if platform.failures:
                    failure = platform.failures.pop(0)
                    if failure == "drop":
                        self.connection.close()
                        return None
                    headers = [("Retry-After", "0")] if failure == 429 else []
                    return self._send(failure, {"errorCode": "TEMPORARY", "errorMessage": "try later"}, headers)
                if not (self.headers.get("Authorization") or "").startswith("Bearer T"):
                    return self._send(401, {"errorCode": "INVALID_TOKEN"})
                if method == "GET" and self.path.startswith("/v1/directory-line/code:"):
                    address = self.path.split("code:", 1)[1]
                    if address == "552081317":
                        return self._send(200, {"addressingIdentifier": address, "platform": "PA-42"})
                    return self._send(404, {"errorCode": "NOT_FOUND", "errorMessage": "no directory line"})
                if method == "GET" and self.path == "/v1/healthcheck":
                    return self._send(200, {"status": "UP"})
                if method == "POST" and self.path == "/v1/flows/search":
                    return self._send(200, {"results": [], "limit": json.loads(body).get("limit", 25)})
                if method == "POST" and self.path == "/v1/flows":
                    message = BytesParser(policy=HTTP).parsebytes(
                        f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
                    )
                    parts = {
                        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                        for part in message.iter_parts()
                    }
                    info = json.loads(parts["flowInfo"])
                    if "name" not in info:
                        return self._send(400, {"errorCode": "MISSING_REQUIRED_FIELD", "errorMessage": "name"})
                    flow_id = f"FLOW-{len(platform.flows) + 1}"
                    platform.flows[flow_id] = (info, parts["file"])
                    return self._send(202, {"flowId": flow_id, "trackingId": info.get("trackingId")})
                if method == "GET" and self.path.startswith("/v1/flows/"):
                    flow = platform.flows.get(self.path.rsplit("/", 1)[-1])
                    if flow is None:
                        return self._send(404, {"errorCode": "NOT_FOUND"})
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(flow[1])))
                    self.end_headers()
                    self.wfile.write(flow[1])
                    return None
                return self._send(404, {"errorCode": "NOT_FOUND"})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform():
    server = Platform()
    yield server
    server.close()


OPENAPI_FILES = {"flow": "afnor-flow-service-1.3.0.json", "directory": "afnor-directory-service-1.3.0.json"}


def openapi_checker(reference_dir, service, base_url, violations):
    """A requests hook checking every request to the service against its official OpenAPI file."""
    openapi_core = pytest.importorskip("openapi_core")
    from openapi_core.contrib.requests import RequestsOpenAPIRequest

    spec = json.loads((reference_dir / "fnfe-rfe" / "openapi" / OPENAPI_FILES[service]).read_text())
    spec["servers"] = [{"url": base_url}]  # the official file names the production hosts
    api = openapi_core.OpenAPI.from_dict(spec)

    def check(response, *args, **kwargs):
        if "/v1/" in response.request.url:
            try:
                api.validate_request(RequestsOpenAPIRequest(response.request))
            except Exception as exc:  # noqa: BLE001 - every kind of violation is recorded
                violations.append(f"{response.request.method} {response.request.url}: {exc!r}")
        return response

    return check


def client(platform, reference_dir=None, violations=None, **options):
    credentials = ClientCredentials(f"{platform.url}/token", "odoo", "s3cret")
    flows = FlowClient(platform.url, credentials, timeout=5, backoff=0.01, **options)
    if reference_dir is not None:
        flows.session.hooks["response"].append(openapi_checker(reference_dir, "flow", platform.url, violations))
    return flows, credentials


def test_token_is_cached_and_renewed(platform):
    flows, credentials = client(platform)
    assert flows.healthcheck() and flows.healthcheck() and flows.healthcheck()
    assert platform.tokens_issued == 1
    credentials.invalidate()
    assert flows.healthcheck()
    assert platform.tokens_issued == 2
    assert "s3cret" not in repr(credentials)


def test_expired_token_is_renewed_once_on_401(platform):
    flows, _credentials = client(platform)
    platform.failures = [401]
    assert flows.healthcheck()
    assert platform.tokens_issued == 2


def test_submit_download_with_integrity(platform, reference_dir):
    violations = []
    flows, _credentials = client(platform, reference_dir, violations)
    xml = b"<Invoice/>"
    answer = flows.submit(xml, "F2026-0001.xml", {"name": "F2026-0001.xml", "flowSyntax": "UBL", "trackingId": "T-1"})
    assert answer == {"flowId": "FLOW-1", "trackingId": "T-1"}
    info, stored = platform.flows["FLOW-1"]
    assert stored == xml
    assert info["sha256"] == hashlib.sha256(xml).hexdigest()
    assert flows.download("FLOW-1") == xml
    flows.search({"updatedAfter": "2026-09-01T00:00:00Z"}, limit=10)
    assert violations == [], violations


def test_retries_on_5xx_429_and_dropped_connections(platform):
    flows, _credentials = client(platform)
    platform.failures = [503, 429, "drop"]
    assert flows.healthcheck()
    assert len([r for r in platform.requests if r[1] == "/v1/healthcheck"]) == 4


def test_gives_up_after_the_attempts_with_the_platform_error(platform):
    flows, _credentials = client(platform, max_attempts=3)
    platform.failures = [503, 503, 503]
    with pytest.raises(TransportError) as error:
        flows.healthcheck()
    assert (error.value.status, error.value.remote_code) == (503, "TEMPORARY")


def test_client_errors_are_not_retried(platform):
    flows, _credentials = client(platform)
    with pytest.raises(TransportError, match="MISSING_REQUIRED_FIELD") as error:
        flows.submit(b"<Invoice/>", "x.xml", {"flowSyntax": "UBL"})
    assert error.value.status == 400
    assert len([r for r in platform.requests if r[1] == "/v1/flows"]) == 1


def test_wrong_client_secret(platform):
    flows = FlowClient(platform.url, ClientCredentials(f"{platform.url}/token", "odoo", "wrong"), backoff=0.01)
    with pytest.raises(TransportError, match="refused the client credentials") as error:
        flows.healthcheck()
    assert (error.value.status, error.value.remote_code) == (401, "INVALID_CLIENT")


def test_unreachable_platform():
    flows = FlowClient("http://127.0.0.1:9", BearerToken("T1"), timeout=1, max_attempts=2, backoff=0.01)
    with pytest.raises(TransportError, match="ConnectionError after 2 attempt"):
        flows.healthcheck()


def test_directory_line_lookup(platform):
    directory = DirectoryClient(
        platform.url, ClientCredentials(f"{platform.url}/token", "odoo", "s3cret"), backoff=0.01
    )
    assert directory.directory_line("552081317") == {"addressingIdentifier": "552081317", "platform": "PA-42"}
    with pytest.raises(TransportError, match="NOT_FOUND") as error:
        directory.directory_line("999999999")
    assert error.value.status == 404
    with pytest.raises(ValueError, match="unknown directory search"):
        directory.search("company", {})


def test_the_openapi_check_catches_a_bad_request(platform, reference_dir):
    violations = []
    flows, _credentials = client(platform, reference_dir, violations)
    flows.request("POST", "/v1/flows/search", json={"limit": 10})  # no "where": not what the file allows
    assert len(violations) == 1
