{
    "name": "E-invoicing through an approved platform (AFNOR XP Z12-013)",
    "summary": "Send and receive e-invoices and lifecycle statuses through the company's approved platform, "
    "with its directory, by the standard Flow and Directory APIs; a sandbox served by Odoo to try every flow",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "author": "einvoice-fr",
    "website": "https://github.com/einvoice-fr/einvoice-fr",
    "license": "LGPL-3",
    "depends": ["einvoice_lifecycle"],
    "external_dependencies": {"python": ["einvoice-fr"]},
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/einvoice_platform_views.xml",
        "views/einvoice_flow_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
    ],
    "demo": ["demo/demo.xml"],
    "installable": True,
}
