"""The probative archive's records, hash chain, seals and tokens, and the tamper tests: each
alteration is detected and the report names the record."""

import datetime
import shutil
import subprocess
import tracemalloc

import pytest

from einvoice.archive import (
    GENESIS,
    ArchiveChain,
    ArchiveKind,
    ArchiveRecord,
    FallbackTimeStamper,
    InternalTimeStampAuthority,
    TrustStore,
    fingerprint,
    verify_chain,
    verify_record,
)
from einvoice.archive.timestamp import INTERNAL_POLICY_OID, check_token
from einvoice.errors import ArchiveError, TimestampError
from einvoice.testing.tsa import TestPki

#: The tests' clock: an hour ago, inside the test certificates' validity (they start a day before now).
START = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(hours=1)
FILES = [f"<Invoice><ID>F-{n}</ID><Amount>{100 + n}.50</Amount></Invoice>".encode() for n in range(8)]


@pytest.fixture(scope="module")
def pki():
    return TestPki()


@pytest.fixture(scope="module")
def archived(pki):
    """Eight files over two days, each day sealed: records 1-4, seal 5, records 6-9, seal 10."""
    clock = _Clock(START)
    authority = InternalTimeStampAuthority(pki.company, clock=clock)
    chain = ArchiveChain("FR-123456789", sealer=pki.company, timestamper=authority, clock=clock)
    items = []
    for index, data in enumerate(FILES):
        if index == 4:
            items.append((chain.seal_head("2026-12-01"), None))
            clock.now += datetime.timedelta(days=1)
        record = chain.append(data, ArchiveKind.INVOICE_SENT, f"account.move,{index + 1}", {"number": f"F-{index}"})
        items.append((record, data))
    items.append((chain.seal_head("2026-12-02"), None))
    return items


class _Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        self.now += datetime.timedelta(seconds=1)
        return self.now


def _replace(record, **changes):
    return ArchiveRecord(**{**record.as_fields(), **changes})


def _only_finding(report):
    assert not report.ok, "the tampering went unseen"
    return report.first_broken


def test_a_sound_chain_verifies_with_its_files(archived, pki):
    report = verify_chain(archived, trust=pki.trust(), company="FR-123456789")
    assert report.ok, report.findings
    assert report.records == 10
    assert report.files_checked == 8
    assert report.tokens_checked == 10
    assert report.seals_checked == 10
    assert report.head_sequence == 10
    assert report.last_seal_sequence == 10
    assert report.unsealed == 0
    assert "10 record(s) verified" in report.summary()


def test_records_link_and_fingerprint(archived):
    first, data = archived[0]
    assert first.sequence == 1
    assert first.previous == GENESIS
    assert first.fingerprint == fingerprint(data)
    assert archived[1][0].previous == first.chain_hash
    assert first.metadata == '{"number":"F-0"}'
    seal = archived[4][0]
    assert seal.kind == "seal"
    assert seal.metadata_dict == {
        "date": "2026-12-01",
        "sealed_chain_hash": archived[3][0].chain_hash,
        "sealed_sequence": 4,
    }
    assert seal.fingerprint == fingerprint(seal.seal)


def test_the_chain_hash_is_sha256sum_of_the_documented_lines(archived):
    """An auditor recomputes the chain hash from the record's nine lines with printf and sha256sum."""
    if not shutil.which("sha256sum"):
        pytest.skip("!!! SHA256SUM IS MISSING: THE AUDITOR'S RECOMPUTATION WAS NOT CHECKED !!!")
    record = archived[2][0]
    lines = [
        "einvoice-archive-record-v1",
        f"sequence:{record.sequence}",
        f"previous:{record.previous}",
        f"fingerprint:{record.fingerprint}",
        f"kind:{record.kind}",
        f"timestamp:{record.timestamp}",
        f"company:{record.company}",
        f"origin:{record.origin}",
        f"metadata:{record.metadata}",
    ]
    printed = subprocess.run(["printf", "%s\\n", *lines], capture_output=True, check=True).stdout
    assert printed == record.canonical()
    digest = subprocess.run(["sha256sum"], input=printed, capture_output=True, check=True).stdout.split()[0]
    assert digest.decode() == record.chain_hash


def test_verify_one_record(archived, pki):
    record, data = archived[5]
    previous = archived[4][0]
    assert verify_record(record, data, previous, pki.trust()) == []
    findings = verify_record(record, data + b" ", previous, pki.trust())
    assert [f.code for f in findings] == ["fingerprint"]
    assert findings[0].sequence == 6


# --- tamper tests: each names the record ------------------------------------------------------


def test_one_byte_flipped_in_a_file(archived, pki):
    items = list(archived)
    record, data = items[2]
    flipped = bytearray(data)
    flipped[10] ^= 0x01
    items[2] = (record, bytes(flipped))
    finding = _only_finding(verify_chain(items, trust=pki.trust()))
    assert (finding.sequence, finding.code, finding.origin) == (3, "fingerprint", "account.move,3")
    assert "record 3 (invoice_sent account.move,3)" in str(finding)


def test_a_record_altered(archived, pki):
    items = list(archived)
    record, data = items[1]
    items[1] = (_replace(record, metadata='{"number":"F-999"}'), data)
    finding = _only_finding(verify_chain(items, trust=pki.trust()))
    assert (finding.sequence, finding.code) == (2, "chain_hash")


def test_a_record_altered_and_the_chain_rehashed(archived, pki):
    """Without the keys, rewriting the chain from the altered record on is caught by the tokens
    and the seal, which stamp the former chain hashes."""
    records = [record for record, _data in archived]
    rewritten = records[:1]
    for record in records[1:]:
        changes = {"previous": rewritten[-1].chain_hash}
        if record.sequence == 2:
            changes["metadata"] = '{"number":"F-999"}'
        fields = {**record.as_fields(), **changes}
        rebuilt = ArchiveRecord(**fields)
        rewritten.append(_replace(rebuilt, chain_hash=rebuilt.compute_chain_hash()))
    report = verify_chain(rewritten, trust=pki.trust())
    assert report.first_broken.sequence == 2
    assert report.first_broken.code == "token"
    assert "message imprint differs" in report.first_broken.message
    assert any(f.sequence == 5 and f.code == "seal" for f in report.findings)
    # Without signatures checked, the rewriting is invisible: hashes alone are not proof.
    assert verify_chain(rewritten, signatures="none").ok


def test_the_chain_reordered(archived, pki):
    items = list(archived)
    items[1], items[2] = items[2], items[1]
    finding = _only_finding(verify_chain(items, trust=pki.trust()))
    assert (finding.sequence, finding.code) == (3, "sequence")
    assert "sequence 3 follows 1" in finding.message


def test_a_record_removed(archived, pki):
    items = list(archived)
    del items[6]
    report = verify_chain(items, trust=pki.trust())
    finding = _only_finding(report)
    assert (finding.sequence, finding.code) == (8, "sequence")
    assert [f.code for f in report.findings if f.sequence == 8] == ["sequence", "link"]


def test_records_cut_from_the_end(archived, pki):
    report = verify_chain(archived[:-3], trust=pki.trust(), expected_head=(10, archived[-1][0].chain_hash))
    finding = _only_finding(report)
    assert (finding.sequence, finding.code) == (7, "head")
    assert verify_chain(archived, trust=pki.trust(), expected_head=(10, archived[-1][0].chain_hash)).ok


def test_a_daily_seal_replaced(archived, pki):
    items = list(archived)
    day_one, day_two = items[4][0], items[9][0]
    # The second day's seal, valid in itself, put in place of the first day's.
    items[4] = (_replace(day_one, seal=day_two.seal), None)
    finding = _only_finding(verify_chain(items, trust=pki.trust()))
    assert (finding.sequence, finding.code) == (5, "seal")
    assert "seal replaced" in finding.message


def test_a_daily_seal_by_another_key(archived, pki):
    stranger = TestPki(company="Stranger")
    items = list(archived)
    records = [record for record, _data in items[:4]]
    moment = items[4][0].archived_at
    forged_chain = ArchiveChain("FR-123456789", head=records[-1], sealer=stranger.company, clock=lambda: moment)
    forged = forged_chain.seal_head("2026-12-01")
    # Same position, same head; the fingerprint of the forged seal replaces the true one.
    items[4] = (_replace(items[4][0], seal=forged.seal, fingerprint=forged.fingerprint), None)
    report = verify_chain(items, trust=pki.trust())
    finding = _only_finding(report)
    assert (finding.sequence, finding.code) == (5, "chain_hash")
    assert any(
        f.sequence == 5 and f.code == "seal" and "not signed by its issuer" in f.message for f in report.findings
    )


def test_a_record_seal_replaced(archived, pki):
    items = list(archived)
    record, data = items[3]
    items[3] = (_replace(record, seal=items[2][0].seal), data)
    finding = _only_finding(verify_chain(items, trust=pki.trust()))
    assert (finding.sequence, finding.code) == (4, "seal")
    assert "message-digest differs" in finding.message


def test_a_token_replaced(archived, pki):
    items = list(archived)
    record, data = items[6]
    items[6] = (_replace(record, token=items[7][0].token), data)
    finding = _only_finding(verify_chain(items, trust=pki.trust()))
    assert (finding.sequence, finding.code) == (7, "token")
    assert "message imprint differs" in finding.message


def test_a_token_from_an_untrusted_key(archived, pki):
    stranger = TestPki(company="Stranger")
    items = list(archived)
    record, data = items[0]
    token = InternalTimeStampAuthority(stranger.company).timestamp(bytes.fromhex(record.chain_hash))
    items[0] = (_replace(record, token=token.der), data)
    finding = _only_finding(verify_chain(items, trust=pki.trust()))
    assert (finding.sequence, finding.code) == (1, "token")
    assert "not a trusted company key" in finding.message


def test_a_token_of_another_time(pki):
    """A token made long after the archiving time does not prove the archiving time."""
    clock = _Clock(START)
    late = _Clock(START + datetime.timedelta(days=4))
    chain = ArchiveChain(
        "C", sealer=pki.company, timestamper=InternalTimeStampAuthority(pki.company, clock=late), clock=clock
    )
    record = chain.append(b"x", "scan", "scan-1")
    findings = verify_record(record, b"x", None, pki.trust())
    assert [f.code for f in findings] == ["token"]
    assert "is after" in findings[0].message


def test_signature_levels(archived, pki):
    items = list(archived)
    record, data = items[6]
    items[6] = (_replace(record, token=items[7][0].token), data)
    assert not verify_chain(items, trust=pki.trust(), signatures="all").ok
    daily = verify_chain(items, trust=pki.trust(), signatures="daily")
    assert daily.ok and daily.seals_checked == 2


def test_internal_tokens_say_what_they_are(pki):
    authority = InternalTimeStampAuthority(pki.company)
    token = authority.timestamp(b"\x07" * 32)
    assert token.policy == INTERNAL_POLICY_OID
    assert "internal time source" in token.tsa_name
    assert "not a qualified time-stamping authority" in token.tsa_name
    checked = check_token(token.der, b"\x07" * 32, pki.trust())
    assert checked.internal
    # Without the company certificate trusted, the internal authority is refused.
    with pytest.raises(TimestampError, match="not a trusted company key"):
        check_token(token.der, b"\x07" * 32, TrustStore([pki.ca_certificate]))


def test_fallback_to_the_internal_authority(pki):
    class Down:
        name = "https://tsa.example.test"

        def timestamp(self, digest):
            raise TimestampError("The time-stamping authority could not be used: HTTP 503")

    stamper = FallbackTimeStamper([Down(), InternalTimeStampAuthority(pki.company)])
    token = stamper.timestamp(b"\x01" * 32)
    assert token.internal
    assert stamper.failures == [("https://tsa.example.test", "The time-stamping authority could not be used: HTTP 503")]
    with pytest.raises(TimestampError, match="No time-stamping authority gave a token: .*HTTP 503"):
        FallbackTimeStamper([Down()]).timestamp(b"\x01" * 32)


def test_ec_keys(archived):
    pki = TestPki(key_kind="ec")
    chain = ArchiveChain("C", sealer=pki.company, timestamper=InternalTimeStampAuthority(pki.company))
    items = [(chain.append(data, "cdar_in", f"cdar-{n}"), data) for n, data in enumerate(FILES[:3])]
    items.append((chain.seal_head(), None))
    assert verify_chain(items, trust=pki.trust()).ok


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"origin": "line\nforged:1"}, "origin: a non-empty text"),
        ({"company": ""}, "company: a non-empty text"),
        ({"kind": "Invoice Sent"}, "kind: 1 to 64 characters"),
        ({"metadata": {"amount": 12.5}}, r"metadata.amount: decimal numbers are written as text"),
        ({"fingerprint": "ABC"}, "fingerprint: 64 lowercase hexadecimal"),
        ({"timestamp": datetime.datetime(2026, 1, 1)}, "time zone"),
        ({"sequence": 0}, "sequence: a whole number from 1"),
    ],
)
def test_bad_fields_are_refused_with_their_name(changes, message):
    values = {
        "sequence": 1,
        "previous": GENESIS,
        "fingerprint": fingerprint(b"x"),
        "kind": "scan",
        "timestamp": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
        "company": "C",
        "origin": "o",
        "metadata": {},
    }
    with pytest.raises(ArchiveError, match=message):
        ArchiveRecord.create(**{**values, **changes})


def test_only_bytes_are_archived(pki):
    with pytest.raises(ArchiveError, match="exact bytes"):
        ArchiveChain("C").append("text", "scan", "s")
    with pytest.raises(ArchiveError, match="seal_head"):
        ArchiveChain("C").append(b"x", "seal", "s")
    with pytest.raises(ArchiveError, match="No company certificate"):
        ArchiveChain("C").seal_head()


def test_json_round_trip(archived):
    record = archived[4][0]
    assert ArchiveRecord.from_json(record.to_json()) == record
    with pytest.raises(ArchiveError, match="cannot be read"):
        ArchiveRecord.from_json('{"sequence": 1}')


def _synthetic(count):
    """A chain of ``count`` records made on the fly (no proofs), never held whole."""
    previous = GENESIS
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    for sequence in range(1, count + 1):
        record = ArchiveRecord.create(
            sequence, previous, fingerprint(b"%d" % sequence), "invoice_received", moment, "C", f"m{sequence}"
        )
        previous = record.chain_hash
        yield record


def test_a_chain_is_streamed_in_constant_memory():
    def peak(count):
        tracemalloc.start()
        report = verify_chain(_synthetic(count), signatures="none")
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert report.ok and report.records == count
        return top

    small, large = peak(1_000), peak(20_000)
    assert large < small * 1.5 + 64 * 1024


def test_malformed_records_are_findings_not_crashes(archived, pki):
    items = list(archived)
    record, data = items[1]
    items[1] = (_replace(record, chain_hash="not hex"), data)
    seal = items[4][0]
    items[4] = (_replace(seal, metadata='{"date":"yesterday","sealed_sequence":4}'), None)
    record, data = items[6]
    items[6] = (_replace(record, token=b"\x30\x03garbage", seal=b"\x00"), data)
    report = verify_chain(items, trust=pki.trust())
    assert [(f.sequence, f.code) for f in report.findings][:1] == [(2, "format")]
    assert (5, "chain_hash") in [(f.sequence, f.code) for f in report.findings]
    assert {(7, "seal"), (7, "token")} <= {(f.sequence, f.code) for f in report.findings}
