"""The HTTP clients against a hostile server on 127.0.0.1: a slow trickle, huge answers, odd
headers and tokens, endless pages. Every call ends in bounded time and memory, with a
TransportError whose text stays short."""

import json
import socket
import threading
import time

import pytest

from einvoice.errors import TransportError
from einvoice.platform import BearerToken, ClientCredentials, FlowClient, MalformedFlow, ProtocolError, check_flow
from einvoice.platform.http import DeadlineExceeded, ResponseTooLarge


class HostileServer:
    """A raw HTTP/1.1 server: each connection's request is answered by ``behaviour(path, sock)``."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.hits = []
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stop:
            try:
                sock, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(sock,), daemon=True).start()

    def _one(self, sock):
        with sock:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _sep, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            while len(body) < length:
                body += sock.recv(65536)
            path = head.split(b" ")[1].decode()
            self.hits.append(path)
            try:
                self.behaviour(path, sock)
            except OSError:
                pass

    def close(self):
        self._stop = True
        self.listener.close()


def answer(sock, status=200, body=b"{}", headers=()):
    lines = [
        f"HTTP/1.1 {status} X",
        f"Content-Length: {len(body)}",
        "Content-Type: application/json",
        "Connection: close",
    ]
    lines += [f"{name}: {value}" for name, value in headers]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


@pytest.fixture
def hostile():
    servers = []

    def make(behaviour):
        server = HostileServer(behaviour)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def flows(server, **options):
    options.setdefault("timeout", 1)
    options.setdefault("backoff", 0.01)
    return FlowClient(server.url, BearerToken("t"), **options)


def test_a_trickling_body_is_cut_at_the_deadline(hostile):
    def trickle(path, sock):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            sock.sendall(b" ")
            time.sleep(0.2)

    server = hostile(trickle)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="within 2 s"):
        flows(server, deadline=2).search({})
    assert time.monotonic() - started < 4


def test_trickling_headers_are_cut_at_the_deadline(hostile):
    def trickle(path, sock):
        sock.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):
            sock.sendall(b"X")
            time.sleep(0.2)

    server = hostile(trickle)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        flows(server, deadline=2).search({})
    assert time.monotonic() - started < 4


def test_a_trickling_download_is_cut_at_the_deadline(hostile):
    def trickle(path, sock):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100):
            sock.sendall(b"<" * 10)
            time.sleep(0.2)

    server = hostile(trickle)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        flows(server, deadline=2).download("f-1", max_bytes=10**6)
    assert time.monotonic() - started < 4


def test_a_huge_answer_is_refused_while_it_arrives(hostile):
    def huge(path, sock):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 209715200\r\n\r\n[")
        chunk = b"1," * 32768
        for _ in range(3200):
            sock.sendall(chunk)

    server = hostile(huge)
    with pytest.raises(ResponseTooLarge, match="larger than 1048576 bytes"):
        flows(server, max_answer_bytes=1 << 20, timeout=5).search({})


def test_a_huge_error_message_is_cut_short(hostile):
    message = "x" * (5 * 1024 * 1024)
    server = hostile(
        lambda path, sock: answer(sock, 400, json.dumps({"errorCode": "E\n" * 5000, "errorMessage": message}).encode())
    )
    with pytest.raises(TransportError) as error:
        flows(server).search({})
    assert error.value.status == 400 and len(str(error.value)) < 600 and "\n" not in str(error.value)
    # Only the answer's first 64 kB are read: the JSON is cut, its code is lost, its status is not.
    assert error.value.remote_code is None


def test_a_long_error_code_is_cut_short(hostile):
    body = json.dumps({"errorCode": "E\n" * 5000, "errorMessage": "refused"}).encode()
    server = hostile(lambda path, sock: answer(sock, 400, body))
    with pytest.raises(TransportError) as error:
        flows(server).search({})
    assert len(error.value.remote_code) <= 100 and "\n" not in error.value.remote_code


@pytest.mark.parametrize("retry_after", ["²", "-1", "soon", "9" * 40, "Wed, 21 Oct 2015 07:28:00 GMT", ""])
def test_odd_retry_after_values_are_waited_sensibly(hostile, retry_after):
    calls = []

    def busy_then_ok(path, sock):
        calls.append(path)
        if len(calls) == 1:
            answer(sock, 429, b"{}", [("Retry-After", retry_after)])
        else:
            answer(sock, 200, b'{"results": []}')

    server = hostile(busy_then_ok)
    started = time.monotonic()
    assert flows(server, max_backoff=1).search({}) == {"results": []}
    assert len(calls) == 2 and time.monotonic() - started < 3


@pytest.mark.parametrize(
    "token_answer",
    [b"[]", b'"token"', b'{"access_token": 5}', b'{"access_token": ""}', b"{not json", b'{"access_token": null}'],
)
def test_a_token_answer_without_a_token_is_a_transport_error(hostile, token_answer):
    server = hostile(lambda path, sock: answer(sock, 200, token_answer))
    credentials = ClientCredentials(f"{server.url}/token", "odoo", "s3cret")
    with pytest.raises(TransportError, match="without an access_token"):
        FlowClient(server.url, credentials, timeout=1, backoff=0.01).search({})


@pytest.mark.parametrize("expires_in", ['"soon"', "-5", "1e999", '"12"', "[]", "true", "null"])
def test_an_odd_token_lifetime_is_bounded(hostile, expires_in):
    def token_then_api(path, sock):
        if path == "/token":
            answer(sock, 200, f'{{"access_token": "abc", "expires_in": {expires_in}}}'.encode())
        else:
            answer(sock, 200, b'{"results": []}')

    server = hostile(token_then_api)
    credentials = ClientCredentials(f"{server.url}/token", "odoo", "s3cret", margin=0)
    assert FlowClient(server.url, credentials, timeout=1, backoff=0.01).search({}) == {"results": []}
    assert credentials._expires_at - credentials.clock() <= 86400


def test_a_cursor_going_round_in_circles_stops(hostile):
    server = hostile(lambda path, sock: answer(sock, 200, b'{"results": [{"flowId": "a"}], "nextCursor": "same"}'))
    with pytest.raises(TransportError, match="repeats its cursor"):
        list(flows(server).search_all({}))


def test_endless_pages_stop_at_the_bound(hostile):
    pages = iter(range(10**6))
    server = hostile(
        lambda path, sock: answer(sock, 200, json.dumps({"results": [], "nextCursor": str(next(pages))}).encode())
    )
    with pytest.raises(TransportError, match="more than 5 pages"):
        list(flows(server).search_all({}, max_pages=5))


def _chorus(server):
    from einvoice.chorus.client import ChorusProClient

    return ChorusProClient(server.url, BearerToken("t"), "login", "password", timeout=1, backoff=0.01)


@pytest.mark.parametrize("pages", ["1e999", "10000000", '"many"', "[]"])
def test_chorus_pages_are_bounded(hostile, pages):
    body = f'{{"codeRetour": 0, "listeFactures": [{{"idFacture": 1}}], "parametresRetour": {{"pages": {pages}}}}}'
    server = hostile(lambda path, sock: answer(sock, 200, body.encode()))
    from einvoice.chorus.client import MAX_PAGES, ChorusProError

    try:
        found = _chorus(server)._pages("factures/v1/rechercher/fournisseur", {}, "pagination", "listeFactures")
    except ChorusProError as error:
        assert f"more than {MAX_PAGES} pages" in str(error)
        assert len(server.hits) == MAX_PAGES
    else:
        assert found == [{"idFacture": 1}]


def test_a_huge_chorus_libelle_is_cut_short(hostile):
    from einvoice.chorus.client import ChorusProError

    body = json.dumps({"codeRetour": 20001, "libelle": "refus " * 100000}).encode()
    server = hostile(lambda path, sock: answer(sock, 200, body))
    with pytest.raises(ChorusProError) as error:
        _chorus(server).call("factures/v1/deposer/flux", {})
    assert len(str(error.value)) < 600 and len(error.value.libelle) <= 300


@pytest.mark.parametrize(
    "flow",
    [
        {"flowId": "x" * 500_000, "updatedAt": "2026-09-15T10:00:00Z", "acknowledgement": {"status": "Ok"}},
        {"flowId": "F-1", "updatedAt": "y" * 500_000, "acknowledgement": {"status": "Ok"}},
        {"flowId": "F-1", "updatedAt": "2026-09-15T10:00:00Z", "acknowledgement": {"status": "z" * 500_000}},
    ],
)
def test_a_huge_malformed_flow_gives_a_short_reason(hostile, flow):
    server = hostile(lambda path, sock: answer(sock, 200, json.dumps({"results": [flow]}).encode()))
    [item] = list(flows(server).search_all({}))
    with pytest.raises(MalformedFlow) as caught:
        check_flow(item)
    assert len(str(caught.value)) < 200, "the remote value is not copied into the reason"


def test_a_huge_submission_answer_off_contract_gives_a_short_reason(hostile):
    # Every attempt answers 202 without a flow id; the look-ups by tracking id find nothing.
    body = json.dumps({"trackingId": "T-1", "name": "n" * 500_000}).encode()
    server = hostile(lambda path, sock: answer(sock, 202 if path == "/v1/flows" else 200, body))
    with pytest.raises(ProtocolError) as caught:
        flows(server, max_attempts=2).submit(
            b"<x/>", "F.xml", {"name": "F.xml", "flowSyntax": "CII", "trackingId": "T-1"}
        )
    assert len(str(caught.value)) < 200
    assert server.hits.count("/v1/flows") == 2, "looked up in between, never sent blindly"
