from . import test_facturx, test_required_fields, test_security, test_sending, test_statuses
