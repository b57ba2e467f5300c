from . import status_wizard
