from . import (
    account_move,
    account_move_line,
    account_move_replacement,
    account_move_send,
    cash_status,
    lifecycle_event,
    lifecycle_stats,
    res_company,
    res_config_settings,
)
