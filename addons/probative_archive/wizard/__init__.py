from . import archive_export, archive_scan
