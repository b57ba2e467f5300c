{
    "name": "E-invoicing to public buyers through Chorus Pro (PISTE API)",
    "summary": "Send invoices of public buyers to Chorus Pro with their service code and commitment number, "
    "follow their statuses into the e-invoice lifecycle",
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
        "views/chorus_pro_account_views.xml",
        "views/chorus_pro_submission_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/demo.xml"],
    "installable": True,
}
