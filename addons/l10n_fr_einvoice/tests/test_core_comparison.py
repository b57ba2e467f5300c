import logging

from odoo.tests import tagged

from einvoice.validation import validate

from .common import EinvoiceCommon

_logger = logging.getLogger(__name__)


@tagged("post_install_l10n", "post_install", "-at_install")
class TestCoreComparison(EinvoiceCommon):
    """The same invoices through Odoo core's Factur-X builder and ours, judged by the same official rules."""

    def test_fatal_findings_core_versus_ours(self):
        scenarios = {
            "B2B goods": {"lines": [(self.goods, 4, 89.90, self.tax_20), (self.lamp, 2, 35.0, self.tax_20)]},
            "B2B services": {"lines": [(self.service, 1, 450.0, self.tax_20)]},
            "several VAT rates": {"lines": [("Repas", 3, 18.5, self.tax_10), ("Livres", 2, 24.99, self.tax_5_5)]},
            "line discount": {"lines": [(self.goods, 3, 89.90, self.tax_20, 10.0)]},
            "public buyer": {
                "partner": self.public_customer,
                "lines": [("Mission", 1, 12500.0, self.tax_20)],
                "ref": "EJ-1",
            },
            "exempt": {"lines": [("Formation", 2, 700.0, self.tax_exempt)]},
            "intra-EU": {"partner": self.german_customer, "lines": [(self.goods, 10, 150.0, self.tax_intra)]},
        }
        rows = []
        for name, values in scenarios.items():
            move = self.make_invoice(**values)
            core_xml = self.env["account.edi.xml.cii"]._export_invoice(move)[0]
            core = validate(core_xml, facturx=True, french_rules=True)
            _ours_xml, ours_report = self.assert_valid(move)
            rows.append((name, len(core.fatal), len(ours_report.fatal), sorted({f.rule_id for f in core.fatal})))
        total_core = sum(row[1] for row in rows)
        _logger.info(
            "Fatal findings, Odoo core Factur-X vs l10n_fr_einvoice:\n%s\nTOTAL core=%s ours=%s",
            "\n".join(f"  {name}: core={core} ours={ours} {rules}" for name, core, ours, rules in rows),
            total_core,
            sum(row[2] for row in rows),
        )
        self.assertEqual(sum(row[2] for row in rows), 0)
        # Core's builder knows nothing of the French rules (BT-23 frame, SIREN scheme, notes).
        self.assertGreater(total_core, 0)
