from . import (
    test_concurrency,
    test_exactly_once,
    test_facturx,
    test_french,
    test_required_fields,
    test_sandbox,
    test_security,
    test_sending,
    test_statuses,
)
