"""Business cases of a French seller, as model invoices.

Each factory returns a complete :class:`~einvoice.model.Invoice` that
satisfies EN16931 and the French BR-FR Flux 2 rules; ``BROKEN_CASES``
pairs a factory with the rule id the official schematron must report.
They are shared by the engine's tests, the benchmarks, the demo writer and
the Odoo tests.

Identifiers are real-looking and valid (python-stdnum checks them), but
belong to no real business.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from .. import calc
from ..codes import NoteSubject, Scheme
from ..model import (
    Address,
    AllowanceCharge,
    Attachment,
    Classification,
    Contact,
    CreditTransfer,
    Delivery,
    DirectDebit,
    Identifier,
    Invoice,
    Item,
    ItemAttribute,
    Line,
    LineAllowanceCharge,
    Note,
    Party,
    Payee,
    PaymentCard,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    Price,
    TaxRepresentative,
    french_electronic_address,
)

D = Decimal
ISSUE = datetime.date(2026, 9, 15)
DUE = datetime.date(2026, 10, 15)
STANDARD_RATE = D(20)

SELLER_SIREN, SELLER_SIRET, SELLER_VAT = "732829320", "73282932000017", "FR44732829320"
BUYER_SIREN, BUYER_SIRET, BUYER_VAT = "552081317", "55208131700018", "FR03552081317"
PUBLIC_SIREN, PUBLIC_SIRET, PUBLIC_VAT = "217500016", "21750001600019", "FR72217500016"
FACTOR_SIREN = "800123457"
SELLER_IBAN, SELLER_BIC = "FR7630006000011234567890189", "AGRIFRPP"

LEGAL_NOTES = (
    (
        NoteSubject.PAYMENT_TERMS_PENALTIES,
        "Indemnité forfaitaire pour frais de recouvrement : 40 EUR (art. L441-10 C. com.)",
    ),
    (NoteSubject.LATE_PAYMENT_PENALTIES, "Pénalités de retard : trois fois le taux d'intérêt légal"),
    (NoteSubject.DISCOUNT_TERMS, "Pas d'escompte pour paiement anticipé"),
)


def seller(vat=True):
    return Party(
        name="Atelier Dupont SARL",
        trading_name="Atelier Dupont",
        identifiers=[Identifier(SELLER_SIRET, Scheme.SIRET)],
        legal_id=Identifier(SELLER_SIREN, Scheme.SIREN),
        vat_id=SELLER_VAT if vat else None,
        legal_info="SARL au capital de 10 000 EUR - RCS Paris 732 829 320",
        electronic_address=french_electronic_address(SELLER_SIREN),
        address=Address(line1="12 rue de la Paix", city="Paris", post_code="75002", country_code="FR"),
        contact=Contact(name="Service facturation", phone="+33 1 23 45 67 89", email="facturation@atelier-dupont.fr"),
    )


def buyer_b2b(vat=True):
    return Party(
        name="Client Industriel SA",
        identifiers=[Identifier(BUYER_SIRET, Scheme.SIRET)],
        legal_id=Identifier(BUYER_SIREN, Scheme.SIREN),
        vat_id=BUYER_VAT if vat else None,
        electronic_address=french_electronic_address(BUYER_SIREN),
        address=Address(line1="1 avenue de Lyon", city="Lyon", post_code="69001", country_code="FR"),
        contact=Contact(name="Comptabilité fournisseurs", email="fournisseurs@client-industriel.fr"),
    )


def buyer_public():
    return Party(
        name="Mairie de Paris - Direction des achats",
        identifiers=[Identifier(PUBLIC_SIRET, Scheme.SIRET)],
        legal_id=Identifier(PUBLIC_SIREN, Scheme.SIREN),
        vat_id=PUBLIC_VAT,
        electronic_address=french_electronic_address(PUBLIC_SIREN, PUBLIC_SIRET, "SERV-ACHATS"),
        address=Address(line1="4 rue de Lobau", city="Paris", post_code="75004", country_code="FR"),
    )


def buyer_german():
    return Party(
        name="Maschinenbau Müller GmbH",
        vat_id="DE136695976",
        electronic_address=Identifier("DE136695976", "9930"),
        address=Address(line1="Hauptstraße 5", city="Berlin", post_code="10115", country_code="DE"),
    )


def buyer_american():
    return Party(
        name="Acme Trading Inc.",
        electronic_address=Identifier("0614141000012", Scheme.GLN),
        address=Address(line1="500 Fifth Avenue", city="New York", post_code="10110", country_code="US"),
    )


def consumer():
    return Party(
        name="Jeanne Martin",
        electronic_address=Identifier("jeanne.martin", "EM"),
        address=Address(line1="8 rue des Lilas", city="Nantes", post_code="44000", country_code="FR"),
    )


def notes(processing="B2B", extra=()):
    result = [Note(processing, NoteSubject.PROCESSING)]
    result += [Note(text, code) for code, text in LEGAL_NOTES]
    result += list(extra)
    return result


def credit_transfer():
    return PaymentInstructions(
        means_code="58",
        remittance_info=None,
        credit_transfers=[CreditTransfer(SELLER_IBAN, "Atelier Dupont SARL", SELLER_BIC)],
    )


def line(n, name, quantity, price, rate=STANDARD_RATE, category="S", unit="C62", **extra):
    return Line(
        id=str(n),
        quantity=D(quantity),
        unit_code=unit,
        item=Item(name=name, seller_id=f"REF-{n:03d}"),
        price=Price(net=D(price)),
        vat_category=category,
        vat_rate=D(rate) if rate is not None else None,
        **extra,
    )


def base(number, frame="B1", lines=(), buyer=None, processing="B2B", **fields):
    invoice = Invoice(
        number=number,
        issue_date=ISSUE,
        due_date=DUE,
        business_process=frame,
        buyer_reference="ACHATS-2026",
        purchase_order_reference="PO-4500012345",
        seller=seller(),
        buyer=buyer if buyer is not None else buyer_b2b(),
        notes=notes(processing),
        payment=credit_transfer(),
        payment_terms="Paiement à 30 jours par virement",
        lines=list(lines),
        # BT-72: delivered on the invoice date (without it, CII's mandatory delivery element is
        # empty, which the Factur-X rules flag: PEPPOL-EN16931-R008).
        delivery=Delivery(date=ISSUE),
    )
    for key, value in fields.items():
        setattr(invoice, key, value)
    return invoice


# --- the cases ---------------------------------------------------------------------------

#: name -> factory of every valid business case.
CASES = {}


def case(factory):
    CASES[factory.__name__] = factory
    return factory


@case
def b2b_goods_standard():
    """B2B sale of goods at 20 %, credit transfer (frame B1)."""
    return calc.compute(base("F2026-0001", "B1", [line(1, "Chaise de bureau", 4, "89.90"), line(2, "Lampe", 2, "35")]))


@case
def b2b_services():
    """B2B services at 20 % with an invoicing period (frame S1)."""
    invoice = base("F2026-0002", "S1", [line(1, "Maintenance mensuelle", 1, "450", unit="MON")])
    invoice.period = Period(datetime.date(2026, 8, 1), datetime.date(2026, 8, 31))
    return calc.compute(invoice)


@case
def b2b_mixed():
    """Goods and services on one invoice (frame M1), two rates."""
    return calc.compute(
        base(
            "F2026-0003",
            "M1",
            [line(1, "Chaudière", 1, "2400"), line(2, "Pose chaudière (rénovation)", 8, "55", D(10), unit="HUR")],
        )
    )


@case
def several_vat_rates():
    """Every common French rate on one invoice: 20, 10, 5.5 and 2.1 %."""
    lines = [
        line(1, "Matériel", 1, "100"),
        line(2, "Restauration", 2, "25", D(10)),
        line(3, "Livres", 3, "12.50", D("5.5")),
        line(4, "Presse", 10, "1.90", D("2.1")),
    ]
    return calc.compute(base("F2026-0004", "B1", lines))


@case
def document_allowance_and_charge():
    """A document-level discount and a transport charge, each with its VAT (BG-20, BG-21)."""
    invoice = base("F2026-0005", "B1", [line(1, "Armoire", 2, "300"), line(2, "Étagère", 5, "40")])
    invoice.allowances_charges = [
        AllowanceCharge(
            is_charge=False,
            amount=D("38.00"),
            base_amount=D("760.00"),
            percentage=D(5),
            vat_category="S",
            vat_rate=D(20),
            reason="Remise commerciale",
            reason_code="95",
        ),
        AllowanceCharge(
            is_charge=True, amount=D("25.00"), vat_category="S", vat_rate=D(20), reason="Transport", reason_code="FC"
        ),
    ]
    return calc.compute(invoice)


@case
def line_allowances_and_charges():
    """Allowances and charges on lines (BG-27, BG-28)."""
    first = line(1, "Bureau", 3, "200")
    first.allowances_charges = [
        LineAllowanceCharge(
            is_charge=False,
            amount=D("60.00"),
            base_amount=D("600.00"),
            percentage=D(10),
            reason="Remise",
            reason_code="95",
        )
    ]
    second = line(2, "Fauteuil", 1, "150")
    second.allowances_charges = [
        LineAllowanceCharge(is_charge=True, amount=D("15.00"), reason="Emballage", reason_code="ABL")
    ]
    return calc.compute(base("F2026-0006", "B1", [first, second]))


@case
def price_discount():
    """Gross price, price discount and net price (BT-148, BT-147, BT-146), price per base quantity."""
    item = line(1, "Vis inox (le cent)", 500, "8.50")
    item.price = Price(
        net=D("8.50"), discount=D("1.50"), gross=D("10.00"), base_quantity=D(100), base_quantity_unit="C62"
    )
    return calc.compute(base("F2026-0007", "B1", [item]))


@case
def b2g_public_buyer():
    """Public buyer: SIRET, service code (BT-10), commitment number (BT-13), 0225 address with routing code."""
    invoice = base(
        "F2026-0008",
        "S1",
        [line(1, "Mission de maîtrise d'œuvre - phase APS", 1, "12500")],
        buyer=buyer_public(),
        buyer_reference="SERV-ACHATS",
        purchase_order_reference="EJ-1000234567",
        contract_reference="MARCHE-2026-017",
        project_reference="RENOV-ECOLE-12",
    )
    return calc.compute(invoice)


@case
def b2c_consumer():
    """Sale to a consumer (BAR B2C): no buyer SIREN."""
    invoice = base("F2026-0009", "B1", [line(1, "Canapé", 1, "899")], buyer=consumer(), processing="B2C")
    invoice.buyer_reference = None
    invoice.purchase_order_reference = None
    return calc.compute(invoice)


@case
def exempt_with_reason():
    """VAT exempt training service (category E) with its legal basis (BT-120, BT-121)."""
    invoice = base("F2026-0010", "S1", [line(1, "Formation professionnelle continue", 2, "700", D(0), "E", unit="DAY")])
    return calc.compute(
        invoice,
        exemption_reasons={
            "E": ("VATEX-FR-CGI261-4", "Exonération de TVA, article 261-4-4° du CGI (formation professionnelle)")
        },
    )


@case
def reverse_charge_construction():
    """Subcontracting in construction, VAT reverse-charged to the buyer (category AE)."""
    invoice = base("F2026-0011", "S1", [line(1, "Travaux de plâtrerie (sous-traitance)", 1, "8000", D(0), "AE")])
    return calc.compute(
        invoice, exemption_reasons={"AE": ("VATEX-EU-AE", "Autoliquidation - article 283-2 nonies du CGI")}
    )


@case
def intra_eu_supply():
    """Goods delivered to a German business, exempt intra-community supply (category K)."""
    invoice = base(
        "F2026-0012",
        "B1",
        [line(1, "Machine-outil", 1, "15000", D(0), "K")],
        buyer=buyer_german(),
        processing="B2BINT",
    )
    invoice.delivery = Delivery(
        date=datetime.date(2026, 9, 10), address=Address(city="Berlin", post_code="10115", country_code="DE")
    )
    invoice.buyer_reference = None
    return calc.compute(invoice)


@case
def export_outside_eu():
    """Export of goods to the United States (category G)."""
    invoice = base(
        "F2026-0013",
        "B1",
        [line(1, "Parfum 50 ml", 200, "32")],
        buyer=buyer_american(),
        processing="B2BINT",
        currency="EUR",
    )
    invoice.lines[0].vat_category, invoice.lines[0].vat_rate = "G", D(0)
    invoice.buyer_reference = None
    return calc.compute(invoice)


@case
def out_of_scope():
    """Operation outside the scope of VAT (category O): no VAT identifiers (BR-O-02)."""
    invoice = base("F2026-0014", "S1", [line(1, "Refacturation de débours", 1, "120", None, "O")])
    invoice.seller = seller(vat=False)
    invoice.buyer = buyer_b2b(vat=False)
    return calc.compute(invoice)


@case
def zero_rated():
    """Zero-rated supply (category Z, 0 %)."""
    return calc.compute(base("F2026-0015", "B1", [line(1, "Fournitures à taux zéro", 10, "15", D(0), "Z")]))


@case
def deposit_invoice():
    """Deposit invoice (386) on a services contract, due before the issue date is allowed."""
    invoice = base("A2026-0016", "S1", [line(1, "Acompte 30 % sur mission", 1, "3000")], type_code="386")
    invoice.due_date = ISSUE
    return calc.compute(invoice)


@case
def final_after_deposit():
    """Final invoice after a deposit (frame S4): the deposit paid is deducted (BT-113)."""
    invoice = base("F2026-0017", "S4", [line(1, "Mission complète", 1, "10000")])
    invoice.preceding_invoices = [PrecedingInvoice("A2026-0016", ISSUE)]
    return calc.compute(invoice, prepaid=D("3600.00"))


@case
def already_paid():
    """Invoice already paid (frame S2): paid amount = total, nothing due, due date = payment date."""
    invoice = base("F2026-0018", "S2", [line(1, "Abonnement annuel", 1, "240")])
    invoice.due_date = ISSUE
    return calc.compute(invoice, prepaid=D("288.00"))


@case
def subcontracting_direct_payment():
    """Subcontractor paid directly by the public buyer (frame S3)."""
    invoice = base("F2026-0019", "S3", [line(1, "Lot électricité", 1, "5600")], buyer=buyer_public())
    invoice.buyer_reference = "SERV-ACHATS"
    return calc.compute(invoice)


@case
def credit_note():
    """Credit note (381) referencing the invoice it corrects."""
    invoice = base("AV2026-0020", "B1", [line(1, "Retour chaise de bureau", 1, "89.90")], type_code="381")
    invoice.preceding_invoices = [PrecedingInvoice("F2026-0001", ISSUE)]
    return calc.compute(invoice)


@case
def corrected_invoice():
    """Corrective invoice (384) with exactly one preceding invoice."""
    invoice = base("F2026-0021", "B1", [line(1, "Chaise de bureau (prix corrigé)", 4, "84.90")], type_code="384")
    invoice.preceding_invoices = [PrecedingInvoice("F2026-0001", ISSUE)]
    return calc.compute(invoice)


@case
def self_billed():
    """Self-billed invoice (389) issued by the buyer on behalf of the seller."""
    return calc.compute(base("AF2026-0022", "S1", [line(1, "Prestation de transport", 1, "1350")], type_code="389"))


@case
def foreign_currency():
    """Invoice in US dollars: VAT accounting currency EUR and VAT total in EUR (BT-6, BT-111)."""
    invoice = base("F2026-0023", "S1", [line(1, "Conseil", 5, "900")], currency="USD", tax_currency="EUR")
    return calc.compute(invoice, exchange_rate=D("0.9200"))


@case
def vat_on_debits():
    """Services with the option for VAT on debits (BT-8 = 3, CII code 5)."""
    return calc.compute(base("F2026-0024", "S1", [line(1, "Audit", 3, "800", unit="DAY")], tax_point_date_code="3"))


@case
def with_attachments():
    """Supporting documents: an embedded PDF and an external link (BG-24)."""
    invoice = base("F2026-0025", "S1", [line(1, "Étude", 1, "2000")])
    invoice.attachments = [
        Attachment(
            id="BL-2026-77",
            description="BON_LIVRAISON",
            content=b"%PDF-1.4\n% bon de livraison\n",
            mime_code="application/pdf",
            filename="bon-livraison.pdf",
        ),
        Attachment(id="ANNEXE-1", description="DOCUMENT_ANNEXE", uri="https://example.com/annexe-1.pdf"),
    ]
    return calc.compute(invoice)


@case
def payee_factoring():
    """A factoring company receives the payment (BG-10 payee)."""
    invoice = base("F2026-0026", "B1", [line(1, "Palettes", 40, "12")])
    invoice.payee = Payee(name="Factor Finance SA", legal_id=Identifier(FACTOR_SIREN, Scheme.SIREN))
    return calc.compute(invoice)


@case
def tax_representative():
    """The seller's tax representative (BG-11, BG-12)."""
    invoice = base("F2026-0027", "B1", [line(1, "Pièces détachées", 3, "75")])
    invoice.tax_representative = TaxRepresentative(
        name="Représentation Fiscale SAS",
        vat_id="FR41800123457",
        address=Address(line1="3 quai de Seine", city="Rouen", post_code="76000", country_code="FR"),
    )
    return calc.compute(invoice)


@case
def delivery_elsewhere():
    """Goods delivered to another address than the buyer's (BG-13, BG-15)."""
    invoice = base("F2026-0028", "B1", [line(1, "Cloisons", 12, "64")])
    invoice.delivery = Delivery(
        party_name="Chantier Lyon Part-Dieu",
        location_id=Identifier("3014531200003", Scheme.GLN),
        date=datetime.date(2026, 9, 12),
        address=Address(line1="Rue Garibaldi", line2="Bâtiment C", city="Lyon", post_code="69003", country_code="FR"),
    )
    return calc.compute(invoice)


@case
def periods():
    """Invoicing period and line periods (BG-14, BG-26)."""
    first = line(1, "Location nacelle", 1, "1200", unit="MON")
    first.period = Period(datetime.date(2026, 8, 1), datetime.date(2026, 8, 31))
    second = line(2, "Location groupe électrogène", 10, "45", unit="DAY")
    second.period = Period(datetime.date(2026, 8, 20), datetime.date(2026, 8, 29))
    invoice = base("F2026-0029", "S1", [first, second])
    invoice.period = Period(datetime.date(2026, 8, 1), datetime.date(2026, 8, 31))
    return calc.compute(invoice)


@case
def direct_debit():
    """SEPA direct debit with mandate and creditor identifier (BG-19)."""
    invoice = base("F2026-0030", "S1", [line(1, "Abonnement logiciel", 1, "99")])
    invoice.payment = PaymentInstructions(
        means_code="59",
        direct_debit=DirectDebit(
            mandate_id="MANDAT-2026-12", creditor_id="FR12ZZZ123456", debited_account="FR1420041010050500013M02606"
        ),
    )
    invoice.payment_terms = "Prélèvement SEPA à l'échéance"
    return calc.compute(invoice)


@case
def card_payment():
    """Payment by card (BG-18)."""
    invoice = base("F2026-0031", "B1", [line(1, "Imprimante", 1, "249")])
    invoice.payment = PaymentInstructions(means_code="48", card=PaymentCard(pan="1234", holder="J. Durand"))
    return calc.compute(invoice)


@case
def item_details():
    """Item identifiers, classification, origin country and attributes (BG-31, BG-32)."""
    item_line = line(1, "Écran 27 pouces", 2, "279")
    item_line.item = Item(
        name="Écran 27 pouces",
        description="Écran IPS 27'' QHD",
        seller_id="ECR-27Q",
        buyer_id="ACH-99881",
        standard_id=Identifier("4006381333931", "0160"),
        classifications=[Classification("43211902", "STI", "23")],
        origin_country="CN",
        attributes=[ItemAttribute("Couleur", "Noir"), ItemAttribute("Garantie", "3 ans")],
    )
    item_line.note = "Livré avec câble HDMI"
    item_line.order_line_ref = "10"
    item_line.accounting_ref = "6063"
    return calc.compute(base("F2026-0032", "B1", [item_line]))


@case
def twenty_lines():
    """Twenty lines over four rates."""
    rates = [D(20), D(10), D("5.5"), D("2.1")]
    lines = [line(n, f"Article {n}", n, D("12.345") + n, rates[n % 4]) for n in range(1, 21)]
    return calc.compute(base("F2026-0033", "B1", lines))


@case
def rounding_amount():
    """A rounding amount on the amount due (BT-114)."""
    return calc.compute(base("F2026-0034", "B1", [line(1, "Ramette papier", 3, "4.99")]), rounding=D("0.03"))


@case
def routing_code_buyer():
    """Buyer addressed by SIREN_SIRET_ROUTINGCODE (scheme 0225), with its routing code."""
    buyer = buyer_b2b()
    buyer.electronic_address = french_electronic_address(BUYER_SIREN, BUYER_SIRET, "COMPTA-LYON")
    return calc.compute(base("F2026-0035", "B1", [line(1, "Fournitures", 1, "50")], buyer=buyer))


# --- broken cases: each with the rule the official schematron reports ----------------------


def _totals_do_not_match_lines():
    invoice = b2b_goods_standard()
    invoice.totals.line_total += D("1.00")
    return invoice


def _b2b_without_buyer_siren():
    invoice = b2b_goods_standard()
    invoice.buyer.legal_id = None
    return invoice


def _siret_not_starting_with_siren():
    invoice = b2b_goods_standard()
    invoice.seller.identifiers = [Identifier("55208131700018", Scheme.SIRET)]
    return invoice


def _missing_buyer_electronic_address():
    invoice = b2b_goods_standard()
    invoice.buyer.electronic_address = None
    return invoice


def _vat_rate_not_french():
    invoice = base("F2026-0901", "B1", [line(1, "Matériel", 1, "100", D(19))])
    return calc.compute(invoice)


def _payment_penalty_note_twice():
    invoice = b2b_goods_standard()
    invoice.notes.append(Note("Indemnité : 40 EUR", NoteSubject.PAYMENT_TERMS_PENALTIES))
    return invoice


def _discount_note_missing():
    invoice = b2b_goods_standard()
    invoice.notes = [n for n in invoice.notes if n.subject_code != NoteSubject.DISCOUNT_TERMS]
    return invoice


def _credit_note_without_preceding_invoice():
    invoice = credit_note()
    invoice.preceding_invoices = []
    return invoice


def _corrected_invoice_with_two_preceding():
    invoice = corrected_invoice()
    invoice.preceding_invoices.append(PrecedingInvoice("F2026-0002", ISSUE))
    return invoice


def _exempt_without_reason():
    invoice = exempt_with_reason()
    for entry in invoice.vat_breakdown:
        entry.exemption_reason = entry.exemption_reason_code = None
    return invoice


def _wrong_vat_amount():
    invoice = b2b_goods_standard()
    invoice.vat_breakdown[0].tax_amount += D("1.00")
    invoice.totals.tax_total += D("1.00")
    invoice.totals.tax_inclusive += D("1.00")
    invoice.totals.due += D("1.00")
    return invoice


def _unknown_billing_frame():
    invoice = b2b_goods_standard()
    invoice.business_process = "X1"
    return invoice


BROKEN_CASES = {
    "totals_do_not_match_lines": (_totals_do_not_match_lines, "BR-CO-10"),
    "b2b_without_buyer_siren": (_b2b_without_buyer_siren, "BR-FR-11"),
    "siret_not_starting_with_siren": (_siret_not_starting_with_siren, "BR-FR-09"),
    "missing_buyer_electronic_address": (_missing_buyer_electronic_address, "BR-FR-12"),
    "vat_rate_not_french": (_vat_rate_not_french, "BR-FR-16"),
    "payment_penalty_note_twice": (_payment_penalty_note_twice, "BR-FR-06"),
    "discount_note_missing": (_discount_note_missing, "BR-FR-05"),
    "credit_note_without_preceding_invoice": (_credit_note_without_preceding_invoice, "BR-FR-CO-05"),
    "corrected_invoice_with_two_preceding": (_corrected_invoice_with_two_preceding, "BR-FR-CO-04"),
    "exempt_without_reason": (_exempt_without_reason, "BR-E-10"),
    "wrong_vat_amount": (_wrong_vat_amount, "BR-S-09"),
    "unknown_billing_frame": (_unknown_billing_frame, "BR-FR-08"),
}


# --- multi-vendor (B8/S8/M8) and bidirectional (B9/S9/M9) invoices -----------------------
# They need an EXTENDED profile (EXTENDED-CTC-FR or Factur-X EXTENDED): kept apart from CASES,
# which every profile must carry.

#: name -> factory of the valid multi-vendor and bidirectional cases.
MULTI_VENDOR_CASES = {}

OTHER_SELLER_SIREN, OTHER_SELLER_SIRET, OTHER_SELLER_VAT = "356230128", "35623012810006", "FR74356230128"


def multi_vendor_case(factory):
    MULTI_VENDOR_CASES[factory.__name__] = factory
    return factory


def other_seller():
    """A second seller whose sales the principal seller invoices along with its own."""
    return Party(
        name="Menuiserie Martin SAS",
        legal_id=Identifier(OTHER_SELLER_SIREN, Scheme.SIREN),
        vat_id=OTHER_SELLER_VAT,
        address=Address(line1="3 chemin des Scieries", city="Annecy", post_code="74000", country_code="FR"),
    )


def line_seller(party):
    """A seller as a line seller (ItemSellerTradeParty): name, legal id, VAT id, address."""
    return Party(name=party.name, legal_id=party.legal_id, vat_id=party.vat_id, address=party.address)


def _sub_line(n, name, quantity, price, sub_invoice, rate=STANDARD_RATE, category="S"):
    return line(n, name, quantity, price, rate=rate, category=category, sub_invoice=sub_invoice)


@multi_vendor_case
def multi_vendor_two_sellers():
    """B8: the principal seller's own sale (its sub-invoice numbered BT-1) and another seller's, two VAT rates."""
    from .. import multivendor
    from ..model import SubInvoice

    number, other = "F2026-0800", "MM-2026-0042"
    invoice = base(
        number,
        "B8",
        [
            _sub_line(1, "Bureau en chêne", 2, "450", number),
            _sub_line(2, "Livre d'architecture", 3, "42", number, rate="5.5"),
            _sub_line(3, "Bibliothèque sur mesure", 1, "1200", other),
            _sub_line(4, "Pose de la bibliothèque", 4, "55", other, rate="10"),
        ],
    )
    invoice.sub_invoices = [
        SubInvoice(number=number, frame="B1", seller=line_seller(invoice.seller), name="Atelier Dupont"),
        SubInvoice(number=other, frame="M1", seller=other_seller(), name="Menuiserie Martin"),
    ]
    return multivendor.compute(invoice)


@multi_vendor_case
def multi_vendor_credit_note():
    """B8 credit note (381): each sub-invoice names the invoice it credits (BR-FR-MV-14)."""
    from .. import multivendor
    from ..model import SubInvoice

    number, other = "AV2026-0801", "MM-AV-2026-0007"
    invoice = base(
        number,
        "B8",
        [
            _sub_line(1, "Retour bureau en chêne", 1, "450", number),
            _sub_line(2, "Retour bibliothèque", 1, "1200", other),
        ],
        type_code="381",
    )
    invoice.preceding_invoices = [PrecedingInvoice("F2026-0800", ISSUE)]
    invoice.sub_invoices = [
        SubInvoice(
            number=number,
            frame="B1",
            seller=line_seller(invoice.seller),
            name="Atelier Dupont",
            preceding_invoice=PrecedingInvoice("F2026-0800", ISSUE),
        ),
        SubInvoice(
            number=other,
            frame="B1",
            seller=other_seller(),
            name="Menuiserie Martin",
            preceding_invoice=PrecedingInvoice("MM-2026-0042", ISSUE),
        ),
    ]
    return multivendor.compute(invoice)


@multi_vendor_case
def bidirectional_self_billed():
    """B9: a self-billed (389) bidirectional invoice, one sub-invoice from each party.

    Exactly two GROUP lines, one with the seller's legal id, one with the buyer's
    (BR-FR-BD-02), under a self-billed type code (BR-FR-BD-13).
    """
    from .. import multivendor
    from ..model import SubInvoice

    number, back = "AF2026-0900", "CI-2026-0310"
    invoice = base(
        number,
        "B9",
        [
            _sub_line(1, "Collecte de palettes", 10, "25", number),
            _sub_line(2, "Rachat de palettes usagées", 40, "3.5", back),
        ],
        type_code="389",
    )
    invoice.sub_invoices = [
        SubInvoice(number=number, frame="B1", seller=line_seller(invoice.seller), name="Atelier Dupont"),
        SubInvoice(number=back, frame="B1", seller=line_seller(invoice.buyer), name="Client Industriel"),
    ]
    return multivendor.compute(invoice)
