from . import ereporting_period
