from . import account_move, einvoice_flow, einvoice_platform, res_partner
