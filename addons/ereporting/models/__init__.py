from . import (
    einvoice_flow,
    einvoice_platform,
    ereporting_collect,
    ereporting_period,
    ereporting_reconciliation,
    ereporting_report,
    res_company,
)
