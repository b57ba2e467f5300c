from . import (
    test_core_comparison,
    test_eco_contribution,
    test_export,
    test_export_cases,
    test_french,
    test_import,
    test_import_amounts,
    test_partner,
    test_rejections,
    test_self_billing,
    test_send,
    test_types_and_groups,
)
