from . import test_lifecycle, test_stats_reminders, test_tour
