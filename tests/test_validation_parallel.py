"""Validation running while the caller works (``validating``): the helper process validates in
parallel, the report is the one ``validate`` gives, and the helper is never left to the wrong caller."""

import os
import signal

import pytest

from einvoice import api
from einvoice.errors import ParseError
from einvoice.testing import cases
from einvoice.validation import isolated, validate, validating

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the helper runs in parallel on 2 processors")

XML = api.build(cases.b2b_goods_standard(), "cii")
BROKEN = XML.replace(b"<ram:TypeCode>380", b"<ram:TypeCode>999")


def summary(report):
    return report.is_valid, sorted((f.rule_id, f.location) for f in report.findings), report.rule_sets


def test_the_report_is_the_one_validate_gives():
    with validating(XML) as pending:
        assert isinstance(pending, isolated.Pending)  # sent to the helper at once
        report = pending.result()
    assert summary(report) == summary(validate(XML))
    with validating(BROKEN) as pending:
        broken = pending.result()
    assert not broken.is_valid and "BR-FR-04" in {f.rule_id for f in broken.fatal}


def test_a_caller_that_leaves_without_the_result_gives_the_helper_back():
    with validating(BROKEN):
        pass  # e.g. the import failed on something else
    # The next caller gets its own document's answer, not the abandoned one.
    with validating(XML) as pending:
        assert pending.result().is_valid
    assert validate(XML).is_valid


def test_an_error_in_the_callers_work_releases_the_helper():
    with pytest.raises(ZeroDivisionError), validating(BROKEN):
        1 / 0  # noqa: B018
    with validating(XML) as pending:
        assert pending.result().is_valid


def test_a_second_document_while_the_helper_is_busy_is_validated_the_usual_way():
    with validating(BROKEN) as first, validating(XML) as second:
        assert not isinstance(second, isolated.Pending)
        assert second.result().is_valid
        assert not first.result().is_valid


def test_the_result_is_taken_once():
    with validating(XML) as pending:
        pending.result()
        with pytest.raises(RuntimeError):
            pending.result()


def test_refusals_are_those_of_validate():
    huge = b"<x>" + b" " * 2048 + b"</x>"
    with pytest.raises(ParseError, match="1024 bytes limit"), validating(huge, max_bytes=1024) as pending:
        pending.result()
    with pytest.raises(ParseError, match="1024 bytes limit"):
        validate(huge, max_bytes=1024)


def test_a_helper_killed_while_it_works_is_replaced():
    with validating(XML) as pending:
        os.kill(isolated._helper._process.pid, signal.SIGKILL)
        isolated._helper._process.wait(timeout=30)
        assert pending.result().is_valid  # asked again of a fresh helper
    assert validate(XML).is_valid


def test_a_child_forked_while_the_helper_works_has_its_own():
    """Odoo's prefork workers are forks: one forked while the parent's helper is reserved must not wait for it."""
    with validating(BROKEN) as pending:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own helper, at once
            try:
                with validating(XML) as mine:
                    ok = isinstance(mine, isolated.Pending) and mine.result().is_valid
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(read, 1) == b"1"
        assert not pending.result().is_valid
