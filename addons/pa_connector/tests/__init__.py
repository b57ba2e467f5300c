from . import test_directory, test_facturx, test_receiving, test_sending, test_webhook
