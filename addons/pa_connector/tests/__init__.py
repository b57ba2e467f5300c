from . import test_demo, test_directory, test_facturx, test_receiving, test_sandbox, test_sending, test_webhook
