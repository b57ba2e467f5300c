from . import account_move, lifecycle_event
