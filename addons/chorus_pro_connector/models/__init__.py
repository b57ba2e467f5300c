from . import (
    account_move,
    account_move_send,
    chorus_pro_account,
    chorus_pro_sandbox,
    chorus_pro_service,
    chorus_pro_submission,
    res_partner,
)
