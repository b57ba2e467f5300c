from . import account_payment_register, cancel_wizard, status_wizard
