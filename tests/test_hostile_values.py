"""Values an attacker or a broken exporter writes: only the xs:decimal form is a number, and a
malformed line is read without crashing (the XSD then says what is wrong)."""

import time
from decimal import Decimal

import pytest
from lxml import etree

from einvoice import api
from einvoice.errors import ModelError, ParseError
from einvoice.money import to_decimal
from einvoice.testing.cases import CASES

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def _cii_with_line_amount(text):
    root = etree.fromstring(api.build(CASES["b2b_goods_standard"](), "cii"))
    amount = root.find(f".//{{{RAM}}}SpecifiedLineTradeSettlement//{{{RAM}}}LineTotalAmount")
    amount.text = text
    return etree.tostring(root)


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "Infinity",
        "-inf",
        "sNaN",
        "1_000",
        "1E5",
        "1e-2",
        "1E+999999999",
        "١٢٣",
        "１２",
        "12,50",
        "abc",
        "+",
        ".",
        "1.2.3",
        "0x10",
        "1" * 60,
    ],
)
def test_only_xs_decimal_is_an_amount(text):
    started = time.monotonic()
    with pytest.raises(ParseError, match="LineTotalAmount"):
        api.load(_cii_with_line_amount(text))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "text, value", [("12.50", "12.50"), (" 12.5\n", "12.5"), ("+3", "3"), ("-0.5", "-0.5"), (".5", "0.5"), ("7.", "7")]
)
def test_xs_decimal_forms_are_read(text, value):
    line = api.load(_cii_with_line_amount(text)).invoice.lines[0]
    assert line.net_amount == Decimal(value)


def test_model_values_refuse_what_is_not_a_plain_number():
    for value in ("NaN", "1E+999999999", "1_000", "٣", True, [1]):
        with pytest.raises(ModelError):
            to_decimal(value, "BT-131")
    with pytest.raises(ModelError):
        to_decimal(Decimal("Infinity"), "BT-131")
    assert to_decimal("12.50") == Decimal("12.50") and to_decimal(3) == 3


def test_a_cii_line_without_its_settlement_is_read_and_refused_by_the_xsd():
    root = etree.fromstring(api.build(CASES["b2b_goods_standard"](), "cii"))
    settlement = root.find(f".//{{{RAM}}}SpecifiedLineTradeSettlement")
    settlement.getparent().remove(settlement)
    data = etree.tostring(root)
    loaded = api.load(data)
    assert loaded.invoice.lines[0].net_amount is None


def test_the_size_limit_holds_while_reading_a_pipe(tmp_path):
    import os
    import threading

    from einvoice.api import read_bytes

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    written = []

    def writer():
        with open(fifo, "wb") as stream:
            try:
                for _ in range(200):  # up to 200 MB, far past the limit
                    stream.write(b" " * (1 << 20))
                    written.append(1)
            except BrokenPipeError:
                pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with pytest.raises(ParseError, match="over the 1048576 bytes limit"):
        read_bytes(fifo, max_bytes=1 << 20)
    thread.join(timeout=10)
    assert len(written) < 10  # the reader stopped just past the limit, the writer was cut off
