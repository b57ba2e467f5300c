"""Validation in a helper process, for hosts that cap the address space.

Saxon-HE (saxonche) runs on a GraalVM native isolate that reserves about
32 GB of *virtual* address space when it starts (measured: it fails under
``ulimit -v`` 32 GB and starts under 40 GB). Odoo caps the address space of
its workers (``limit_memory_hard``, 2.5 GB by default) with RLIMIT_AS, and
there the isolate aborts the whole process. So when the soft RLIMIT_AS is
below :data:`ADDRESS_SPACE_NEEDED`, :func:`validate` hands the work to one
long-lived helper process that lifts its own soft limit to the hard one and
keeps its compiled stylesheets for the next calls.

The protocol is length-prefixed JSON on the helper's stdin / a duplicate of
its stdout (the real stdout goes to stderr so that nothing printed by a
library can corrupt a message).
"""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import sys
import threading

from ..detect import Syntax
from ..errors import ArtefactError, EInvoiceError, ParseError, UnsafeInputError
from ..profiles import Profile

#: Address space the Saxon isolate needs, with a margin.
ADDRESS_SPACE_NEEDED = 48 * 1024**3

#: The ``rules`` option of a request for the PEPPOL BIS Billing 3.0 validation (:mod:`einvoice.peppol.validation`).
PEPPOL_BIS3 = "peppol-bis3"

_HEADER = struct.Struct(">I")
_ERRORS = {cls.__name__: cls for cls in (ParseError, UnsafeInputError, ArtefactError, EInvoiceError)}


def address_space_limit():
    """The soft RLIMIT_AS in bytes, or None when unlimited (or not on this OS)."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft


def needs_helper():
    limit = address_space_limit()
    return limit is not None and limit < ADDRESS_SPACE_NEEDED


def _write(stream, payload):
    data = json.dumps(payload).encode()
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    return json.loads(stream.read(size))


def _report_from_dict(data):
    from .engine import Finding, Report

    return Report(
        syntax=Syntax(data["syntax"]),
        profile=Profile(data["profile"]) if data["profile"] else None,
        findings=[Finding(**finding) for finding in data["findings"]],
        rule_sets=list(data["rule_sets"]),
        files=[dict(entry) for entry in data.get("files", [])],
    )


class _Helper:
    """One helper process, started on first use; calls are serialised."""

    def __init__(self):
        self._lock = threading.Lock()
        self._process = None
        self._owner = None  # pid of the process that started the helper

    def _usable(self):
        # A forked worker (Odoo's prefork server) must not share its parent's pipes.
        return self._process is not None and self._owner == os.getpid() and self._process.poll() is None

    def _start(self):
        env = dict(os.environ)
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        from ..config import artefacts_dir

        folder = artefacts_dir()
        if folder is not None:
            env["EINVOICE_ARTEFACTS_DIR"] = str(folder)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "einvoice.validation.isolated"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._owner = os.getpid()

    def validate(self, data, **options):
        request = _request(data, options)
        with self._lock:
            return self._exchange(request, sent=False)

    def submit(self, data, **options):
        """Send ``data`` to the helper and return at once: a :class:`Pending` whose ``result()``
        gives the report, or None when the helper is busy with another thread's document
        (the caller then validates the usual way rather than wait for the other document)."""
        if not self._lock.acquire(blocking=False):  # pylint: disable=consider-using-with
            return None
        request = _request(data, options)
        try:
            if not self._usable():
                self._start()
            _write(self._process.stdin, request)
            sent = True
        except (BrokenPipeError, OSError):
            self._process, sent = None, False
        return Pending(self, request, sent)

    def _exchange(self, request, sent):
        """The answer to ``request`` (already written when ``sent``), the lock held by the caller."""
        for attempt in (1, 2):
            try:
                if not sent:
                    if not self._usable():
                        self._start()
                    _write(self._process.stdin, request)
                answer = _read(self._process.stdout)
            except (BrokenPipeError, OSError):
                answer = None
            if answer is not None:
                break
            self._process, sent = None, False  # the helper died: start a fresh one once
            if attempt == 2:
                raise ArtefactError("the validation helper process stopped without answering")
        if "error" in answer:
            raise _ERRORS.get(answer["error"]["type"], EInvoiceError)(answer["error"]["message"])
        return _report_from_dict(answer["report"])


def _request(data, options):
    request = {"xml": base64.b64encode(data).decode(), "options": dict(options)}
    if isinstance(request["options"].get("profile"), Profile):
        request["options"]["profile"] = request["options"]["profile"].value
    return request


class Pending:
    """A document the helper is validating; the helper is reserved until :meth:`result` or :meth:`close`."""

    def __init__(self, helper, request, sent):
        self._helper, self._request, self._sent = helper, request, sent
        self._done = False

    def result(self):
        """The report (waiting for the helper if it is still at work); raises what validate() raises."""
        if self._done:
            raise RuntimeError("the result of this validation was already taken")
        self._done = True
        try:
            return self._helper._exchange(self._request, self._sent)
        finally:
            self._helper._lock.release()

    def close(self):
        """Give the helper back without the report (the caller gave up, e.g. on an error of its own)."""
        if self._done:
            return
        self._done = True
        try:
            if self._sent and self._helper._usable():
                _read(self._helper._process.stdout)  # the answer must not reach the next caller
        except (BrokenPipeError, OSError):
            self._helper._process = None
        finally:
            self._helper._lock.release()


_helper = _Helper()


def _forget_parent_helper():
    # A forked child (an Odoo prefork worker) has its parent's pipes and lock, perhaps held by a
    # validation under way in another thread of the parent: it starts afresh with its own.
    _helper._lock = threading.Lock()
    _helper._process = None
    _helper._owner = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_helper)


def validate_in_helper(data, **options):
    return _helper.validate(data, **options)


def submit_to_helper(data, **options):
    """:meth:`_Helper.submit` on this process's helper."""
    return _helper.submit(data, **options)


def serve():
    """The helper's loop: one request in, one report (or error) out, until stdin closes."""
    import resource

    from .engine import validate_here

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    if needs_helper():
        sys.stderr.write("einvoice validation helper: the hard address space limit is too low for Saxon\n")
    channel_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    channel_in = sys.stdin.buffer
    while True:
        request = _read(channel_in)
        if request is None:
            return
        options = request["options"]
        if options.get("profile"):
            options["profile"] = Profile(options["profile"])
        try:
            if options.pop("rules", None) == PEPPOL_BIS3:
                from ..peppol.validation import validate_bis3_here

                report = validate_bis3_here(base64.b64decode(request["xml"]), **options)
            else:
                report = validate_here(base64.b64decode(request["xml"]), **options)
            _write(channel_out, {"report": report.to_dict()})
        except EInvoiceError as exc:
            _write(channel_out, {"error": {"type": type(exc).__name__, "message": str(exc)}})
        except Exception as exc:  # noqa: BLE001 - the helper outlives any one document and says why
            message = f"the validation failed on this document ({type(exc).__name__}: {str(exc)[:300]})"
            _write(channel_out, {"error": {"type": "EInvoiceError", "message": message}})


if __name__ == "__main__":
    serve()
