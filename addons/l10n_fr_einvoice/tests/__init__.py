from . import test_partner
from . import test_export
from . import test_rejections
from . import test_import
from . import test_send
from . import test_core_comparison
