"""The Chorus Pro sandbox's routes: PISTE's token endpoint and the Chorus Pro API of one sandbox connection.

``/einvoice/sandbox/chorus/<connection id>/api/oauth/token`` and ``.../cpro/<service>``
answer exactly as the simulator of the engine does; its state is the sandbox's row in the
database (see ``chorus.pro.sandbox``). A request is answered from the database alone: it
never calls this Odoo back over HTTP, which would wait forever on a server with one worker.
"""

import json
from urllib.parse import urlencode

from odoo import http
from odoo.http import request

#: Largest request the sandbox reads: a 30 MB flow, in base64 in its JSON, is some 40 MB.
MAX_BODY_BYTES = 45 * 1024 * 1024
#: Headers of the simulator's answer passed on (the server sets the length and the rest).
ANSWER_HEADERS = ("content-type", "www-authenticate", "retry-after")


def _error(status, code, libelle):
    body = json.dumps({"codeRetour": code, "libelle": libelle}).encode()
    return request.make_response(body, headers=[("Content-Type", "application/json;charset=utf-8")], status=status)


class ChorusProSandboxController(http.Controller):
    @http.route(
        "/einvoice/sandbox/chorus/<int:account_id>/<path:subpath>",
        type="http",
        auth="none",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # every exchange may change what the sandbox knows (a token, a status read)
    )
    def chorus_sandbox(self, account_id, subpath, **_params):
        # Nobody logs in to Chorus Pro: like PISTE and Chorus Pro, the sandbox checks the token
        # and the technical account it gave this connection. Before that, the only check is
        # that the id is the one of an active sandbox connection; any other id is unknown here.
        env = request.env(su=True)
        account = env["chorus.pro.account"].browse(account_id).exists()
        if not account or not account.active or account.environment != "sandbox":
            return _error(404, 404, "Aucun bac à sable Chorus Pro à cette adresse")
        httprequest = request.httprequest
        too_large = (httprequest.content_length or 0) > MAX_BODY_BYTES
        # Read in any case (Odoo caps a request at 128 MiB): the client gets the answer, not a broken
        # connection. Kept: Odoo runs the request again after a serialization failure (see _lock).
        body = httprequest.get_data()
        if too_large or len(body) > MAX_BODY_BYTES:
            return _error(413, 413, "Requête trop volumineuse pour le bac à sable (45 Mo au plus)")
        if not body and httprequest.form:
            # Odoo read the form already (PISTE's token request): given to the sandbox as it came.
            body = urlencode(list(httprequest.form.items(multi=True))).encode()
        target = f"/{subpath}"
        if httprequest.query_string:
            target += "?" + httprequest.query_string.decode("latin-1")
        status, headers, content = account._sandbox()._exchange(
            httprequest.method, target, list(httprequest.headers.items()), body
        )
        kept = [(name, value) for name, value in headers if name.lower() in ANSWER_HEADERS]
        return request.make_response(content, headers=kept, status=status)
