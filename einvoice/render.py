"""A readable PDF of an invoice, used as the visible part of a Factur-X when no base PDF is given.

Made with reportlab and the Open Sans TrueType fonts of the ``ttf-opensans`` package
(Apache-2.0), embedded as subsets: PDF/A requires every font to be embedded, which the
standard-14 fonts (Helvetica...) are not, and every glyph drawn to be in its font
(ISO 19005-3 §6.2.11.8). Open Sans covers what a French invoice carries — Latin with its
extensions (Dvořák, Œ, Ğ), Greek and Cyrillic — where reportlab's Bitstream Vera stops at
Western Latin. Text is drawn as its font can: line breaks become lines, other control
characters spaces, and a character the font lacks its compatibility form (U+202F becomes a
space), its letters without their accents, or "?"; the XML keeps the exact text.
"""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from pathlib import Path

from .money import format_amount, format_quantity, format_unit_price

FONT, FONT_BOLD = "EinvoiceOpenSans", "EinvoiceOpenSansBd"
_fonts_registered = False
_covered = {}  # font name -> the code points its cmap maps

TYPE_LABELS = {
    "380": "Facture",
    "381": "Avoir",
    "384": "Facture rectificative",
    "386": "Facture d'acompte",
    "389": "Facture (autofacturation)",
    "261": "Avoir (autofacturation)",
}


def _register_fonts():
    global _fonts_registered
    if _fonts_registered:
        return
    import ttf_opensans
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(ttf_opensans.__file__).parent / "ttf"
    for name, filename in ((FONT, "OpenSans-Regular.ttf"), (FONT_BOLD, "OpenSans-Bold.ttf")):
        font = TTFont(name, str(folder / filename))
        pdfmetrics.registerFont(font)
        _covered[name] = frozenset(font.face.charToGlyph)
    _fonts_registered = True


def drawable(value, font=FONT):
    """``value`` as one line that ``font`` can draw: control characters as spaces, each
    character the font lacks replaced by its compatibility form, its base letters, or "?"."""
    covered = _covered[font]
    out = []
    for char in str(value):
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or char.isspace():
            out.append(" ")
            continue
        if ord(char) in covered:
            out.append(char)
            continue
        if unicodedata.combining(char):
            continue  # an accent the font cannot place: the letter stays, bare
        for candidate in (unicodedata.normalize("NFKC", char), unicodedata.normalize("NFKD", char)):
            letters = "".join(c for c in candidate if not unicodedata.combining(c))
            if letters and all(ord(c) in covered for c in letters):
                out.append(" " if letters.isspace() else letters)
                break
        else:
            out.append("?")
    return "".join(out)


def _lines(value, width, font, size):
    """``value`` cut at its line breaks and wrapped to ``width`` points, each line drawable."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = []
    for paragraph in str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        words, current = drawable(paragraph, font).split(), ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if current and stringWidth(candidate, font, size) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


def _money(value, currency):
    return f"{format_amount(value)} {currency}" if value is not None else ""


def _party_lines(party):
    lines = [party.name or ""]
    if party.address:
        a = party.address
        lines += [x for x in (a.line1, a.line2, a.line3) if x]
        lines.append(
            " ".join(x for x in (a.post_code, a.city) if x) + (f" ({a.country_code})" if a.country_code else "")
        )
    if party.siren:
        lines.append(f"SIREN {party.siren}")
    if party.siret:
        lines.append(f"SIRET {party.siret}")
    if party.vat_id:
        lines.append(f"TVA {party.vat_id}")
    return lines


def render_pdf(invoice):
    """Render the invoice as an A4 PDF with embedded fonts; returns bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    _register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT)
    pdf.setTitle(f"{TYPE_LABELS.get(invoice.type_code, 'Facture')} {invoice.number}")
    pdf.setAuthor(invoice.seller.name or "")
    width, height = A4
    left, right = 18 * mm, width - 18 * mm
    y = height - 20 * mm
    currency = invoice.currency

    def text(x, yy, value, size=9, bold=False, anchor="left"):
        font = FONT_BOLD if bold else FONT
        pdf.setFont(font, size)
        draw = {"left": pdf.drawString, "right": pdf.drawRightString}[anchor]
        draw(x, yy, drawable("" if value is None else value, font))

    def new_page_if_needed(yy, needed=20 * mm):
        if yy < needed:
            pdf.showPage()
            return height - 20 * mm
        return yy

    text(left, y, f"{TYPE_LABELS.get(invoice.type_code, 'Facture')} n° {invoice.number}", 16, True)
    y -= 7 * mm
    if invoice.issue_date:
        text(left, y, f"Date : {invoice.issue_date.strftime('%d/%m/%Y')}")
    if invoice.due_date:
        text(left + 60 * mm, y, f"Échéance : {invoice.due_date.strftime('%d/%m/%Y')}")
    y -= 10 * mm
    seller_lines, buyer_lines = _party_lines(invoice.seller), _party_lines(invoice.buyer)
    text(left, y, "Vendeur", 9, True)
    text(left + 95 * mm, y, "Acheteur", 9, True)
    for index in range(max(len(seller_lines), len(buyer_lines))):
        y -= 4.5 * mm
        if index < len(seller_lines):
            text(left, y, seller_lines[index])
        if index < len(buyer_lines):
            text(left + 95 * mm, y, buyer_lines[index])
    y -= 8 * mm
    references = [
        ("Référence acheteur", invoice.buyer_reference),
        ("Commande", invoice.purchase_order_reference),
        ("Contrat", invoice.contract_reference),
        ("Cadre de facturation", invoice.business_process),
    ]
    references += [("Facture d'origine", p.number) for p in invoice.preceding_invoices]
    for label, value in references:
        if value:
            text(left, y, f"{label} : {value}")
            y -= 4.5 * mm
    y -= 4 * mm
    columns = [
        (left, "Désignation", "left"),
        (right - 75 * mm, "Qté", "right"),
        (right - 50 * mm, "Prix unit. HT", "right"),
    ]
    columns += [(right - 25 * mm, "TVA", "right"), (right, "Montant HT", "right")]
    for x, label, anchor in columns:
        text(x, y, label, 9, True, anchor)
    y -= 2 * mm
    pdf.line(left, y, right, y)
    for line in invoice.lines:
        y = new_page_if_needed(y - 5 * mm)
        text(left, y, (line.item.name or "")[:60])
        text(right - 75 * mm, y, format_quantity(line.quantity), anchor="right")
        text(right - 50 * mm, y, format_unit_price(line.price.net), anchor="right")
        rate = f"{line.vat_category} {format(line.vat_rate, 'f')} %" if line.vat_rate is not None else line.vat_category
        text(right - 25 * mm, y, rate, anchor="right")
        text(right, y, format_amount(line.net_amount or Decimal(0)), anchor="right")
    y -= 8 * mm
    for adjustment in invoice.allowances_charges:
        y = new_page_if_needed(y)
        label = "Frais" if adjustment.is_charge else "Remise"
        sign = "" if adjustment.is_charge else "-"
        text(left, y, f"{label} : {adjustment.reason or adjustment.reason_code or ''}")
        text(right, y, f"{sign}{format_amount(adjustment.amount)}", anchor="right")
        y -= 5 * mm
    for vat in invoice.vat_breakdown:
        y = new_page_if_needed(y)
        rate = format(vat.rate, "f") if vat.rate is not None else "0"
        label = f"TVA {vat.category} {rate} % sur {format_amount(vat.taxable_amount)}"
        if vat.exemption_reason:
            label += f" — {vat.exemption_reason}"
        text(left, y, label[:95])
        text(right, y, _money(vat.tax_amount, currency), anchor="right")
        y -= 5 * mm
    if invoice.totals:
        t = invoice.totals
        for label, value, bold in (
            ("Total HT", t.tax_exclusive, False),
            ("Total TVA", t.tax_total, False),
            ("Total TTC", t.tax_inclusive, True),
            ("Déjà payé", t.prepaid, False),
            ("Arrondi", t.rounding, False),
            ("Net à payer", t.due, True),
        ):
            if value is not None:
                y = new_page_if_needed(y)
                text(right - 50 * mm, y, label, 10, bold, "right")
                text(right, y, _money(value, currency), 10, bold, "right")
                y -= 5 * mm
    y -= 4 * mm
    if invoice.payment:
        for account in invoice.payment.credit_transfers:
            y = new_page_if_needed(y)
            text(
                left,
                y,
                f"Virement : IBAN {account.account_id}" + (f"  BIC {account.bank_id}" if account.bank_id else ""),
            )
            y -= 4.5 * mm
    if invoice.payment_terms:
        for row in _lines(f"Conditions de paiement : {invoice.payment_terms}", right - left, FONT, 9)[:6]:
            y = new_page_if_needed(y)
            text(left, y, row)
            y -= 4.5 * mm
    for note in invoice.notes:
        for row in _lines(note.text, right - left, FONT, 8)[:40]:
            y = new_page_if_needed(y)
            text(left, y, row, 8)
            y -= 4 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
