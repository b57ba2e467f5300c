{
    "name": "E-reporting of point-of-sale sales",
    "summary": "Report the sales of closed point-of-sale sessions to consumers, by day, in the e-reporting (10.3)",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "author": "einvoice-fr",
    "website": "https://github.com/einvoice-fr/einvoice-fr",
    "license": "LGPL-3",
    "depends": ["ereporting", "point_of_sale"],
    "external_dependencies": {"python": ["einvoice-fr"]},
    "auto_install": True,
    "installable": True,
}
