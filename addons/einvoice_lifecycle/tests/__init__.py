from . import (
    test_administration,
    test_cash_status,
    test_french,
    test_lifecycle,
    test_replacement,
    test_rules,
    test_stats_reminders,
    test_tour,
)
