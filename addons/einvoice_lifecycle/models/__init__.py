from . import account_move, lifecycle_event, lifecycle_stats, res_company, res_config_settings
