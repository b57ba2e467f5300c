from . import (
    account_journal,
    account_move,
    account_move_export,
    account_move_import,
    account_move_send,
    account_move_send_wizard,
    account_tax,
    einvoice_finding,
    ir_attachment,
    res_company,
    res_config_settings,
    res_partner,
)
from . import demo
