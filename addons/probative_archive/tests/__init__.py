from . import (
    test_archiving,
    test_chorus,
    test_concurrency,
    test_export,
    test_pades,
    test_rights,
    test_scan,
    test_send_and_print,
    test_tampering,
)
