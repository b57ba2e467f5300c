{
    "name": "PEPPOL: invoices to foreign customers through the company's platform or its own access point",
    "summary": "Look customers up on PEPPOL (SML and signed SMP metadata), issue PEPPOL BIS Billing 3.0 invoices "
    "checked by the PEPPOL rules, send them through the approved platform or the company's own AS4 access "
    "point, receive bills over AS4 and apply the Invoice Responses received to the invoice's lifecycle",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "author": "einvoice-fr",
    "website": "https://github.com/einvoice-fr/einvoice-fr",
    "license": "LGPL-3",
    "depends": ["l10n_fr_einvoice", "einvoice_lifecycle", "pa_connector"],
    "external_dependencies": {"python": ["einvoice-fr", "signxml", "dnspython"]},
    "data": [
        "security/ir.model.access.csv",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/response_import_views.xml",
        "security/peppol_as4_security.xml",
        "data/peppol_as4_cron.xml",
        "views/peppol_access_point_views.xml",
    ],
    "installable": True,
}
