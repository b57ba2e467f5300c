from . import test_ereporting
