import werkzeug.exceptions

from odoo import models
from odoo.http import request

from .einvoice_sandbox import MAX_SANDBOX_BODY, SANDBOX_PREFIX


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        httprequest = request.httprequest
        if httprequest.path.startswith(f"{SANDBOX_PREFIX}/"):
            length = httprequest.content_length or 0
            if length > MAX_SANDBOX_BODY:
                # Refused before a byte of the body is read.
                werkzeug.exceptions.abort(
                    request.make_json_response(
                        {"errorCode": "BODY_SIZE", "errorMessage": "the sandbox takes requests of at most 35 MB"},
                        status=413,
                    )
                )
            if length:
                # Read as sent, before Odoo parses the form fields of the body (which consumes it):
                # the sandbox answers the very request a platform gets (multipart upload, token form).
                httprequest.get_data(cache=True, parse_form_data=False)
        return super()._pre_dispatch(rule, args)
