"""PEPPOL AS4: messages built, signed and encrypted per second, messages opened (verified,
decrypted, read) per second, and the receiving access point simulator's throughput over HTTP.

    python bench/bench_as4.py [--messages 300] [--clients 4]

The payload is the BIS Billing 3.0 UBL of the ``b2b_goods_standard`` case (about 6 KB),
RSA 2048 keys. Peers measured in the same run, on the same invoice and keys, when they are
importable: the ``as4`` package (build, and open) and peppol-py's own AS4 builder (which
runs the ``xmlsec1`` binary to encrypt); one that fails says why.
"""

import argparse
import datetime
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from einvoice.peppol import as4  # noqa: E402
from einvoice.peppol.smp import BIS3_INVOICE  # noqa: E402
from einvoice.profiles import Profile  # noqa: E402
from einvoice.testing.as4 import AccessPointSimulator, As4Pki  # noqa: E402
from einvoice.testing.cases import CASES  # noqa: E402
from einvoice.testing.smp import pem  # noqa: E402
from einvoice.ubl import build_ubl  # noqa: E402

SELLER, BUYER = "0009:78430177200025", "0208:0403019261"


def rate(count, function):
    started = time.perf_counter()
    for _ in range(count):
        function()
    return count / (time.perf_counter() - started)


def ours(pki, invoice, count):
    def build():
        return as4.build_message(invoice, pki.ours, pki.theirs.certificate, SELLER, BUYER, BIS3_INVOICE)

    built = rate(count, build)
    message = build()
    opened = rate(count, lambda: as4.open_message(message.body, message.content_type, pki.theirs, pki.trust_anchors))
    return built, opened


def over_http(pki, invoice, count, clients):
    messages = [
        as4.build_message(invoice, pki.ours, pki.theirs.certificate, SELLER, BUYER, BIS3_INVOICE) for _ in range(count)
    ]
    with AccessPointSimulator(pki.theirs, pki.trust_anchors) as simulator:
        started = time.perf_counter()
        as4.send(messages[0], simulator.endpoint, trust_anchors=pki.trust_anchors)
        for message in messages[1:]:
            as4.send(message, simulator.endpoint, trust_anchors=pki.trust_anchors)
        sequential = count / (time.perf_counter() - started)
        assert len(simulator.received) == count

    with AccessPointSimulator(pki.theirs, pki.trust_anchors) as simulator:
        chunks = [messages[i::clients] for i in range(clients)]

        def client(chunk):
            for message in chunk:
                as4.send(message, simulator.endpoint, trust_anchors=pki.trust_anchors)

        threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        parallel = count / (time.perf_counter() - started)
        assert len(simulator.received) == count
    return sequential, parallel


def as4_package(pki, invoice, count):
    try:
        from as4 import AS4LocalPrivateKey
        from as4.peppol import (
            build_peppol_message,
            create_peppol_external_party,
            create_peppol_internal_party,
            parse_peppol_message,
            peppol_security_policy,
        )
    except ImportError as exc:
        return f"not importable ({exc})"
    local = create_peppol_internal_party("POP000001", pki.ours.certificate, AS4LocalPrivateKey(pki.ours.key))
    remote = create_peppol_external_party("POP000002", pki.theirs.certificate)
    receiver = create_peppol_internal_party("POP000002", pki.theirs.certificate, AS4LocalPrivateKey(pki.theirs.key))

    def build():
        message = build_peppol_message(
            invoice,
            local_party=local,
            remote_party=remote,
            sender=SELLER,
            recipient=BUYER,
            document_type_identifier_scheme="busdox-docid-qns",
            document_type_identifier_value=BIS3_INVOICE.value,
            process_identifier=BIS3_INVOICE.process,
            sender_country_id="FR",
        )
        body, boundary = message.get_request_data()
        return body, message.get_http_headers(boundary)

    built = rate(count, build)
    body, headers = build()
    policy = peppol_security_policy(pki.ca)

    def open_():
        exchange = parse_peppol_message(headers, body, receiver, security_policy=policy)
        assert exchange.successful

    return built, rate(count, open_)


def peppol_py(pki, invoice, count):
    try:
        from lxml import etree
        from peppol_py.as4_sender import get_headers_and_body_for_posting_as4_document
        from peppol_py.sender import wrap_ubl_in_peppol_standard_business_document_header
    except ImportError as exc:
        return f"not importable ({exc})"
    with tempfile.TemporaryDirectory() as folder:
        keyfile = os.path.join(folder, "key.pem")
        with open(keyfile, "wb") as out:
            out.write(
                pki.ours.key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )

        def build():
            stamp = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
            content, document = wrap_ubl_in_peppol_standard_business_document_header(
                etree.fromstring(invoice), stamp, BIS3_INVOICE.value, BIS3_INVOICE.process, SELLER, "FR", BUYER
            )
            return get_headers_and_body_for_posting_as4_document(
                content, document, stamp, BIS3_INVOICE.value, BIS3_INVOICE.process, SELLER, BUYER, "POP000002",
                "xmlsec1", keyfile, None, pem(pki.ours.certificate), pem(pki.theirs.certificate), "POP000001",
            )  # fmt: skip

        try:
            build()
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result to report
            return f"fails here ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})"
        return rate(count, build), None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    pki = As4Pki()
    invoice = build_ubl(CASES["b2b_goods_standard"](), Profile.PEPPOL)
    print(f"payload: BIS 3 invoice, {len(invoice)} bytes; RSA 2048; {args.messages} messages")
    built, opened = ours(pki, invoice, args.messages)
    print(f"ours: built + signed + encrypted {built:,.0f} /s; opened (verified + decrypted + read) {opened:,.0f} /s")
    sequential, parallel = over_http(pki, invoice, args.messages, args.clients)
    print(
        f"receiving simulator over HTTP (signed receipt verified): {sequential:,.0f} /s from one client, "
        f"{parallel:,.0f} /s from {args.clients} clients"
    )
    for name, result in (
        ("as4 package", as4_package(pki, invoice, args.messages)),
        ("peppol-py", peppol_py(pki, invoice, args.messages)),
    ):
        if isinstance(result, str):
            print(f"{name}: {result}")
        else:
            built, opened = result
            line = f"{name}: built + signed + encrypted {built:,.0f} /s"
            print(line + (f"; opened {opened:,.0f} /s" if opened else ""))


if __name__ == "__main__":
    main()
