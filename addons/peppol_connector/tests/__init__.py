from . import test_as4_route, test_peppol
