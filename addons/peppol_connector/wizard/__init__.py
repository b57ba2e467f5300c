from . import response_import
