from . import (
    account_move,
    account_move_send,
    archive_access,
    archive_certificate,
    archive_chain,
    archive_pending,
    archive_record,
    chorus_pro_submission,
    einvoice_flow,
    ir_attachment,
    lifecycle_event,
    res_company,
)
