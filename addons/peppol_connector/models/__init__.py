from . import (
    account_move,
    account_move_as4,
    account_move_send,
    einvoice_flow,
    peppol_access_point,
    peppol_transmission,
    res_company,
    res_config_settings,
    res_partner,
)
