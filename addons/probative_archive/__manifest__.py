{
    "name": "Probative archive of e-invoices (sealed, timestamped, chained)",
    "summary": "Every e-invoice, status and report sent or received kept with proof: SHA-256 fingerprints in a "
    "hash chain per company, CMS seals, RFC 3161 timestamps, daily sealed chain head, verification and "
    "auditor exports checkable with openssl and sha256sum alone",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "author": "einvoice-fr",
    "website": "https://github.com/einvoice-fr/einvoice-fr",
    "license": "LGPL-3",
    "depends": ["l10n_fr_einvoice", "einvoice_lifecycle", "pa_connector", "chorus_pro_connector"],
    "external_dependencies": {"python": ["einvoice-fr", "img2pdf"]},
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/archive_record_views.xml",
        "views/archive_chain_views.xml",
        "views/archive_access_views.xml",
        "wizard/archive_export_views.xml",
        "wizard/archive_scan_views.xml",
        "views/res_company_views.xml",
        "views/account_move_views.xml",
        "views/menus.xml",
    ],
    "installable": True,
}
