{
    "name": "France - E-invoicing (Factur-X, UBL, CII)",
    "summary": "Issue and receive French e-invoices (Factur-X, UBL and CII, EN 16931 and "
    "EXTENDED-CTC-FR), validated against the official schematron before they leave",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "author": "einvoice-fr",
    "website": "https://github.com/einvoice-fr/einvoice-fr",
    "license": "LGPL-3",
    "depends": ["account_edi_ubl_cii", "l10n_fr_account"],
    "external_dependencies": {"python": ["einvoice-fr"]},
    "data": [
        "security/ir.model.access.csv",
        "security/security.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_journal_views.xml",
        "views/account_tax_views.xml",
        "views/account_move_views.xml",
        "views/account_move_multi_vendor_views.xml",
    ],
    "demo": ["demo/demo.xml"],
    "installable": True,
}
