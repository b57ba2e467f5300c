import logging

from odoo import models

from einvoice.errors import ParseError
from einvoice.xmlsafe import parse_xml

_logger = logging.getLogger(__name__)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _decode_edi_xml(self, filename, content):
        # Received files are untrusted: parse them without entities, DTDs or network access.
        try:
            xml_tree = parse_xml(content, source=filename)
        except ParseError as exc:
            _logger.info("%s is not a readable XML file: %s", filename, exc)
            return []
        return [
            {
                "attachment": self,
                "filename": filename,
                "content": content,
                "xml_tree": xml_tree,
                "sort_weight": 10,
                "type": "xml",
            }
        ]
