from . import test_french, test_lifecycle, test_stats_reminders, test_tour
