{
    "name": "E-reporting (Flux 10) through the approved platform",
    "summary": "Report B2C sales, international B2B sales and purchases and the payments of services to the "
    "tax administration through the company's approved platform, checked by the official rules, reconciled "
    "with the books",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "author": "einvoice-fr",
    "website": "https://github.com/einvoice-fr/einvoice-fr",
    "license": "LGPL-3",
    "depends": ["l10n_fr_einvoice", "einvoice_lifecycle", "pa_connector"],
    "external_dependencies": {"python": ["einvoice-fr"]},
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/ereporting_report_views.xml",
        "views/ereporting_period_views.xml",
        "views/res_company_views.xml",
        "views/einvoice_platform_views.xml",
        "views/menus.xml",
    ],
    "installable": True,
}
