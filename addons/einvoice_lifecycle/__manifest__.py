{
    "name": "E-invoice lifecycle (French reform statuses, CDAR)",
    "summary": "Follow every invoice and bill through the reform's lifecycle statuses, with CDAR messages in and out",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "author": "einvoice-fr",
    "website": "https://github.com/einvoice-fr/einvoice-fr",
    "license": "LGPL-3",
    "depends": ["l10n_fr_einvoice"],
    "external_dependencies": {"python": ["einvoice-fr"]},
    "data": [
        "security/ir.model.access.csv",
        "security/security.xml",
        "data/ir_cron.xml",
        "wizard/status_wizard_views.xml",
        "views/account_move_views.xml",
    ],
    "installable": True,
}
