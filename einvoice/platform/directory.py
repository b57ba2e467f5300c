"""The Directory Service of an approved platform (AFNOR XP Z12-013, OpenAPI ``afnor-directory-service`` 1.3.0).

Look-ups of legal units (SIREN), facilities (SIRET), routing codes and directory lines
(the electronic addresses, scheme 0225, and the platform that receives for them).
"""

from __future__ import annotations

from urllib.parse import quote

from .http import ApiClient


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
        return self.request_json("GET", path, params=params or None)

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
        return self.request_json("POST", f"/v1/{kind}/search", json=criteria)

    def lines_of(self, siren, limit=100):
        """Every directory line of a legal unit (POST /v1/directory-line/search, SIREN strict)."""
        body = {"filters": {"siren": {"op": "strict", "value": siren}}, "include": ["siren"], "limit": limit}
        return self.search("directory-line", body).get("results") or []


def best_line(lines, siret=None, routing_code=None):
    """The directory line an invoice to this partner is addressed to, or None.

    The most precise line that matches wins: SIRET + routing code, then SIRET, then the
    SIREN-level line (a line for another facility or service does not fit). A disabled line
    is returned too: it says the company is known but cannot receive yet.
    """

    def rank(line):
        line_siret, line_routing = line.get("siret"), line.get("routingIdentifier")
        if line.get("addressingSuffix"):
            return None
        if line_siret and line_siret != siret:
            return None
        if line_routing and line_routing != routing_code:
            return None
        return (bool(line_siret) + bool(line_routing), line.get("directoryLineStatus") == "Enabled")

    ranked = [(rank(line), line) for line in lines]
    ranked = [(key, line) for key, line in ranked if key is not None]
    return max(ranked, key=lambda item: item[0])[1] if ranked else None
