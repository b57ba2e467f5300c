from . import (
    test_demo,
    test_directory,
    test_facturx,
    test_not_sent,
    test_receiving,
    test_rights,
    test_robustness,
    test_sandbox,
    test_self_billing,
    test_sending,
    test_sent_once,
    test_webhook,
)
