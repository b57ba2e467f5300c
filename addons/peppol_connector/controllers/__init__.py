from . import as4
