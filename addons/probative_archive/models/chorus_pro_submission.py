from odoo import models


class ChorusProSubmission(models.Model):
    _inherit = "chorus.pro.submission"

    def _deposit_flow(self, client, files, moves):
        # EXTENDS chorus_pro_connector: the files Chorus Pro took are archived, each on its invoice.
        result = super()._deposit_flow(client, files, moves)
        if self.state in ("deposited", "integrated"):
            by_name = dict(files)
            for move in moves:
                base = f"{(move.name or '').replace('/', '_')}_chorus"
                name = next((n for n in by_name if n.startswith(base)), None)
                if name is None:
                    continue
                content = by_name[name]
                self.env["probative.archive.record"]._archive(
                    move.company_id,
                    content,
                    "invoice_sent",
                    move,
                    name=name,
                    mimetype="application/pdf" if name.endswith(".pdf") else "application/xml",
                    metadata={"invoice": move.name or "", "channel": "chorus_pro", "flow": self.numero_flux or ""},
                )
        return result
