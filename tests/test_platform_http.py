"""The platform HTTP client against the simulator on 127.0.0.1: tokens, retries, errors."""

import pytest

from einvoice.errors import TransportError
from einvoice.platform import BearerToken, ClientCredentials, DirectoryClient, FlowClient
from einvoice.testing.platform import PlatformSimulator


@pytest.fixture
def platform():
    with PlatformSimulator() as simulator:
        yield simulator


def client(platform, **options):
    credentials = ClientCredentials(platform.token_url, "odoo", "s3cret")
    return FlowClient(platform.url, credentials, timeout=5, backoff=0.01, **options), credentials


def test_token_is_cached_and_renewed(platform):
    flows, credentials = client(platform)
    assert flows.search({}) is not None and flows.search({}) is not None and flows.search({}) is not None
    assert platform.tokens_issued == 1
    credentials.invalidate()
    assert flows.search({}) is not None
    assert platform.tokens_issued == 2
    assert "s3cret" not in repr(credentials)


def test_expired_token_is_renewed_once_on_401(platform):
    flows, _credentials = client(platform)
    platform.fail(401)
    assert flows.search({}) is not None
    assert platform.tokens_issued == 2


def test_retries_on_5xx_429_and_dropped_connections(platform):
    flows, _credentials = client(platform)
    platform.fail(503, 429, "drop")
    assert flows.healthcheck()
    assert len([r for r in platform.requests if r[1] == "/v1/healthcheck"]) == 4


def test_gives_up_after_the_attempts_with_the_platform_error(platform):
    flows, _credentials = client(platform, max_attempts=3)
    platform.fail(503, 503, 503)
    with pytest.raises(TransportError) as error:
        flows.healthcheck()
    assert (error.value.status, error.value.remote_code) == (503, "UNAVAILABLE")


def test_client_errors_are_not_retried(platform):
    flows, _credentials = client(platform)
    with pytest.raises(TransportError, match="MISSING_REQUIRED_FIELD") as error:
        flows.submit(b"<Invoice/>", "x.xml", {"flowSyntax": "UBL"})
    assert error.value.status == 400
    assert len([r for r in platform.requests if r[1] == "/v1/flows"]) == 1


def test_wrong_client_secret(platform):
    flows = FlowClient(platform.url, ClientCredentials(platform.token_url, "odoo", "wrong"), backoff=0.01)
    with pytest.raises(TransportError, match="refused the client credentials") as error:
        flows.search({})
    assert (error.value.status, error.value.remote_code) == (401, "INVALID_CLIENT")


def test_unreachable_platform():
    flows = FlowClient("http://127.0.0.1:9", BearerToken("T1"), timeout=1, max_attempts=2, backoff=0.01)
    with pytest.raises(TransportError, match="ConnectionError after 2 attempt"):
        flows.healthcheck()


def test_directory_line_lookup(platform):
    platform.directory["552081317"] = {"addressingIdentifier": "552081317", "platform": "PA-42"}
    directory = DirectoryClient(platform.url, ClientCredentials(platform.token_url, "odoo", "s3cret"), backoff=0.01)
    assert directory.directory_line("552081317") == {"addressingIdentifier": "552081317", "platform": "PA-42"}
    with pytest.raises(TransportError, match="NOT_FOUND") as error:
        directory.directory_line("999999999")
    assert error.value.status == 404
    with pytest.raises(ValueError, match="unknown directory search"):
        directory.search("company", {})
