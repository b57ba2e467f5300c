from . import test_pos
