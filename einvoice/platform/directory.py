"""The Directory Service of an approved platform (AFNOR XP Z12-013, OpenAPI ``afnor-directory-service`` 1.3.0).

Look-ups of legal units (SIREN), facilities (SIRET), routing codes and directory lines
(the electronic addresses, scheme 0225, and the platform that receives for them).
"""

from __future__ import annotations

from urllib.parse import quote

from .http import ApiClient, ProtocolError, json_kind, remote_text


def _segment(value):
    return quote(str(value), safe="")


class DirectoryClient(ApiClient):
    def healthcheck(self):
        return self.request("GET", "/v1/healthcheck").status_code == 200

    def _get(self, path, fields=None, include=None):
        params = {}
        if fields:
            params["fields"] = ",".join(fields)
        if include:
            params["include"] = ",".join(include)
        return self.request_object("GET", path, params=params or None)

    def siren(self, siren, fields=None):
        """GET /v1/siren/code-insee:{siren}: the legal unit."""
        return self._get(f"/v1/siren/code-insee:{_segment(siren)}", fields)

    def siret(self, siret, fields=None, include=None):
        """GET /v1/siret/code-insee:{siret}: the facility."""
        return self._get(f"/v1/siret/code-insee:{_segment(siret)}", fields, include)

    def routing_code(self, siret, routing_code, fields=None, include=None):
        """GET /v1/routing-code/siret:{siret}/code:{routing-identifier}."""
        return self._get(f"/v1/routing-code/siret:{_segment(siret)}/code:{_segment(routing_code)}", fields, include)

    def directory_line(self, address, fields=None, include=None):
        """GET /v1/directory-line/code:{addressing-identifier}: who receives for an electronic address."""
        return self._get(f"/v1/directory-line/code:{_segment(address)}", fields, include)

    def search(self, kind, criteria):
        """POST /v1/{kind}/search with the search body of the OpenAPI file (kind: siren, siret,
        routing-code or directory-line)."""
        if kind not in ("siren", "siret", "routing-code", "directory-line"):
            raise ValueError(f"unknown directory search {kind!r}")
        return self.request_object("POST", f"/v1/{kind}/search", json=criteria)

    def lines_of(self, siren, limit=100, max_pages=50):
        """Every directory line of a legal unit (POST /v1/directory-line/search, SIREN strict), page
        after page (``ignore``) until a short page; the lines are checked (:func:`check_line`)."""
        lines = []
        for page_number in range(max_pages):
            body = {
                "filters": {"siren": {"op": "strict", "value": siren}},
                "include": ["siren"],
                "limit": limit,
                "ignore": page_number * limit,
            }
            page = self.request_object("POST", "/v1/directory-line/search", json=body)
            results = page.get("results") or []
            if not isinstance(results, list):
                raise ProtocolError("POST /v1/directory-line/search: results is not a list", status=200)
            lines += [check_line(line) for line in results]
            if len(results) < limit:
                return lines
        raise ProtocolError(f"POST /v1/directory-line/search: more than {max_pages} pages of lines", status=200)


def check_line(line):
    """``line`` if it is a usable directory line, else :class:`ProtocolError`: an addressing
    identifier (at most 125 characters) and, when present, SIREN, SIRET, routing identifier,
    suffix and status as texts."""
    what = "POST /v1/directory-line/search"
    if not isinstance(line, dict):
        raise ProtocolError(f"{what}: a directory line is expected, not {json_kind(line)}", status=200)
    address = line.get("addressingIdentifier")
    if not isinstance(address, str) or not address or len(address) > 125:
        raise ProtocolError(f"{what}: a line without a valid addressingIdentifier", status=200)
    for key in ("siren", "siret", "routingIdentifier", "addressingSuffix", "directoryLineStatus", "platformType"):
        if line.get(key) is not None and not isinstance(line[key], str):
            raise ProtocolError(f"{what}: line {remote_text(address, 125)!r}: {key} is not a text", status=200)
    return line


#: How precisely a line fits the partner (see :func:`choose_line`).
_EXACT, _NAMED, _NARROWER = 2, 1, 0


def _fit(line, siret, routing_code, address):
    """(level, precision) of a directory line for a partner, or None when it is another's."""
    line_siret, line_routing = line.get("siret") or None, line.get("routingIdentifier") or None
    line_suffix = line.get("addressingSuffix") or None
    if line_siret and siret and line_siret != siret:
        return None  # another facility
    if line_routing and routing_code and line_routing != routing_code:
        return None  # another service
    if address and line.get("addressingIdentifier") == address:
        return (_EXACT, 0)
    if (line_siret and not siret) or (line_routing and not routing_code) or line_suffix:
        # More precise than what the partner names: taken only when it is the one such line.
        return (_NARROWER, 0)
    return (_NAMED, bool(line_siret) + bool(line_routing))


def choose_line(lines, siret=None, routing_code=None, address=None):
    """The directory line an invoice to a partner is addressed to: ``(line, alternatives)``.

    Addressing identifiers (scheme 0225) are ``SIREN``, ``SIREN_SIRET``,
    ``SIREN_SIRET_ROUTINGCODE`` and ``SIREN_SUFFIX``. Lines of another facility (SIRET) or
    service (routing code) than the partner's do not fit. Then:

    1. the line whose addressing identifier is the partner's electronic address;
    2. else the most precise line that the partner's SIRET and routing code name: SIRET and
       routing code, then SIRET, then the SIREN-level line;
    3. else a line more precise than the partner names (a routing code or a suffix the
       partner has not, a facility when the partner has no SIRET), when it is the only one
       (an enabled one before others): with several, ``line`` is None and ``alternatives``
       lists them, for the partner's electronic address to say which.

    An enabled line is preferred to a disabled one of the same fit. A disabled line is
    returned too: it says the company is known but cannot receive yet. ``(None, [])``: no line.
    """
    fitting = [(fit, line) for line in lines if (fit := _fit(line, siret, routing_code, address)) is not None]
    best = [(fit, line) for fit, line in fitting if fit[0] > _NARROWER]
    if best:
        return max(best, key=lambda item: (item[0], item[1].get("directoryLineStatus") == "Enabled"))[1], []
    narrower = [line for _fit_, line in fitting]
    enabled = [line for line in narrower if line.get("directoryLineStatus") == "Enabled"]
    candidates = enabled or narrower
    if len(candidates) == 1:
        return candidates[0], []
    return None, sorted(candidates, key=lambda line: line["addressingIdentifier"])


def best_line(lines, siret=None, routing_code=None, address=None):
    """The line of :func:`choose_line`, or None (no line, or several that the partner's data
    cannot tell apart)."""
    return choose_line(lines, siret=siret, routing_code=routing_code, address=address)[0]
