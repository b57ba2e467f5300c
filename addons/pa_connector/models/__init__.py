from . import (
    account_move,
    einvoice_flow,
    einvoice_platform,
    einvoice_platform_demo,
    einvoice_sandbox,
    ir_http,
    res_partner,
)
