"""The other language of a rule's message.

The EN16931 and Factur-X schematron speak English, the French BR-FR rules
speak French. For the rules users hit most, this catalogue gives the
meaning in the other language; the original text, with its values, is
always kept in its own language.
"""

#: rule id -> (English, French)
# ruff: noqa: E501
CATALOGUE = {
    "BR-01": (
        "An invoice shall have a specification identifier (BT-24).",
        "La facture doit avoir un identifiant de spécification (BT-24).",
    ),
    "BR-02": ("An invoice shall have an invoice number (BT-1).", "La facture doit avoir un numéro (BT-1)."),
    "BR-03": ("An invoice shall have an issue date (BT-2).", "La facture doit avoir une date d'émission (BT-2)."),
    "BR-04": ("An invoice shall have an invoice type code (BT-3).", "La facture doit avoir un code type (BT-3)."),
    "BR-05": ("An invoice shall have a currency code (BT-5).", "La facture doit avoir une devise (BT-5)."),
    "BR-06": (
        "An invoice shall contain the seller name (BT-27).",
        "La facture doit contenir le nom du vendeur (BT-27).",
    ),
    "BR-07": (
        "An invoice shall contain the buyer name (BT-44).",
        "La facture doit contenir le nom de l'acheteur (BT-44).",
    ),
    "BR-08": (
        "An invoice shall contain the seller postal address (BG-5).",
        "La facture doit contenir l'adresse postale du vendeur (BG-5).",
    ),
    "BR-09": (
        "The seller postal address shall contain a country code (BT-40).",
        "L'adresse du vendeur doit contenir un code pays (BT-40).",
    ),
    "BR-10": (
        "An invoice shall contain the buyer postal address (BG-8).",
        "La facture doit contenir l'adresse postale de l'acheteur (BG-8).",
    ),
    "BR-11": (
        "The buyer postal address shall contain a country code (BT-55).",
        "L'adresse de l'acheteur doit contenir un code pays (BT-55).",
    ),
    "BR-12": (
        "An invoice shall have the sum of invoice line net amounts (BT-106).",
        "La facture doit avoir la somme des montants nets des lignes (BT-106).",
    ),
    "BR-13": (
        "An invoice shall have the total amount without VAT (BT-109).",
        "La facture doit avoir le total HT (BT-109).",
    ),
    "BR-14": (
        "An invoice shall have the total amount with VAT (BT-112).",
        "La facture doit avoir le total TTC (BT-112).",
    ),
    "BR-15": (
        "An invoice shall have the amount due for payment (BT-115).",
        "La facture doit avoir le montant net à payer (BT-115).",
    ),
    "BR-16": (
        "An invoice shall have at least one invoice line (BG-25).",
        "La facture doit avoir au moins une ligne (BG-25).",
    ),
    "BR-CO-10": (
        "Sum of invoice line net amounts (BT-106) must equal the sum of the line net amounts (BT-131).",
        "La somme des montants nets des lignes (BT-106) doit être égale à la somme des BT-131.",
    ),
    "BR-CO-13": (
        "Total without VAT (BT-109) = sum of lines (BT-106) - allowances (BT-107) + charges (BT-108).",
        "Total HT (BT-109) = somme des lignes (BT-106) - remises (BT-107) + charges (BT-108).",
    ),
    "BR-CO-14": (
        "Total VAT (BT-110) must equal the sum of the VAT category amounts (BT-117).",
        "Le total TVA (BT-110) doit être égal à la somme des montants de TVA par catégorie (BT-117).",
    ),
    "BR-CO-15": (
        "Total with VAT (BT-112) = total without VAT (BT-109) + total VAT (BT-110).",
        "Total TTC (BT-112) = total HT (BT-109) + total TVA (BT-110).",
    ),
    "BR-CO-16": (
        "Amount due (BT-115) = total with VAT (BT-112) - paid amount (BT-113) + rounding (BT-114).",
        "Net à payer (BT-115) = total TTC (BT-112) - déjà payé (BT-113) + arrondi (BT-114).",
    ),
    "BR-CO-25": (
        "A positive amount due requires a payment due date (BT-9) or payment terms (BT-20).",
        "Un net à payer positif exige une date d'échéance (BT-9) ou des conditions de paiement (BT-20).",
    ),
    "BR-S-08": (
        "For category S, the taxable amount per rate must equal the lines, allowances and charges of that rate.",
        "Pour la catégorie S, la base par taux doit être égale aux lignes, remises et charges de ce taux.",
    ),
    "BR-S-09": (
        "For category S, the VAT amount must equal the taxable amount times the rate.",
        "Pour la catégorie S, le montant de TVA doit être égal à la base multipliée par le taux.",
    ),
    "BR-E-10": (
        "A VAT breakdown with category E (exempt) shall have an exemption reason code (BT-121) or text (BT-120).",
        "Une ventilation de TVA en catégorie E (exonérée) doit avoir un motif d'exonération (BT-120 ou BT-121).",
    ),
    "BR-AE-10": (
        "A VAT breakdown with category AE (reverse charge) shall have an exemption reason.",
        "Une ventilation de TVA en autoliquidation (AE) doit avoir un motif d'exonération.",
    ),
    "BR-IC-10": (
        "A VAT breakdown with category K (intra-community) shall have an exemption reason.",
        "Une ventilation de TVA en catégorie K (intracommunautaire) doit avoir un motif d'exonération.",
    ),
    "BR-G-10": (
        "A VAT breakdown with category G (export) shall have an exemption reason.",
        "Une ventilation de TVA en catégorie G (export) doit avoir un motif d'exonération.",
    ),
    "BR-O-10": (
        "A VAT breakdown with category O (not subject) shall have an exemption reason.",
        "Une ventilation de TVA en catégorie O (hors champ) doit avoir un motif d'exonération.",
    ),
    "BR-FR-01": (
        "The invoice number (BT-1 / BT-25) must not exceed 35 characters.",
        "Le numéro de facture (BT-1 / BT-25) ne doit pas dépasser 35 caractères.",
    ),
    "BR-FR-02": (
        "The invoice number may only contain letters, digits and + - _ /.",
        "Le numéro de facture ne peut contenir que lettres, chiffres et + - _ /.",
    ),
    "BR-FR-03": (
        "Dates must have a year between 2000 and 2099.",
        "Les dates doivent avoir une année entre 2000 et 2099.",
    ),
    "BR-FR-04": (
        "The invoice type code (BT-3) is not allowed in France.",
        "Le code type de facture (BT-3) n'est pas autorisé en France.",
    ),
    "BR-FR-05": (
        "The legal notes PMT (recovery costs), PMD (late payment penalties) and AAB (discount) are mandatory.",
        "Les mentions PMT (frais de recouvrement), PMD (pénalités de retard) et AAB (escompte) sont obligatoires.",
    ),
    "BR-FR-06": (
        "Each of the PMT, PMD, AAB and TXD notes may appear only once.",
        "Chacune des notes PMT, PMD, AAB et TXD ne doit apparaître qu'une fois.",
    ),
    "BR-FR-08": (
        "The billing frame (BT-23) is missing or not allowed (B1, S1, M1, B2... M9).",
        "Le cadre de facturation (BT-23) est absent ou non autorisé (B1, S1, M1, B2... M9).",
    ),
    "BR-FR-09": (
        "A SIRET must have 14 digits and start with the SIREN.",
        "Le SIRET doit contenir 14 chiffres et commencer par le SIREN.",
    ),
    "BR-FR-10": (
        "The seller SIREN (BT-30, scheme 0002) is mandatory and has 9 digits.",
        "Le SIREN du vendeur (BT-30, schéma 0002) est obligatoire et a 9 chiffres.",
    ),
    "BR-FR-11": (
        "For a B2B invoice the buyer SIREN (BT-47) is mandatory and has 9 digits.",
        "Pour une facture B2B, le SIREN de l'acheteur (BT-47) est obligatoire et a 9 chiffres.",
    ),
    "BR-FR-12": (
        "The buyer electronic address (BT-49) is mandatory.",
        "L'adresse électronique de l'acheteur (BT-49) est obligatoire.",
    ),
    "BR-FR-13": (
        "The seller electronic address (BT-34) is mandatory.",
        "L'adresse électronique du vendeur (BT-34) est obligatoire.",
    ),
    "BR-FR-15": (
        "VAT category must be one of S, E, AE, K, G, O, Z (L and M do not apply in France).",
        "La catégorie de TVA doit être S, E, AE, K, G, O ou Z (L et M ne s'appliquent pas en France).",
    ),
    "BR-FR-16": (
        "The VAT rate is not one of the rates allowed in France.",
        "Le taux de TVA ne fait pas partie des taux autorisés en France.",
    ),
    "BR-FR-17": (
        "The attachment qualifier (BT-123) is not one of the allowed codes (RIB, LISIBLE, PJA...).",
        "Le qualifiant de pièce jointe (BT-123) n'est pas un code autorisé (RIB, LISIBLE, PJA...).",
    ),
    "BR-FR-18": (
        "Only one attachment may be described as LISIBLE.",
        "Une seule pièce jointe peut être décrite LISIBLE.",
    ),
    "BR-FR-20": (
        "The BAR note must be one of B2B, B2BINT, B2C, OUTOFSCOPE, ARCHIVEONLY.",
        "La note BAR doit valoir B2B, B2BINT, B2C, OUTOFSCOPE ou ARCHIVEONLY.",
    ),
    "BR-FR-21": (
        "For B2B, the buyer electronic address (BT-49) must start with the buyer SIREN, scheme 0225.",
        "En B2B, l'adresse électronique de l'acheteur (BT-49) doit commencer par son SIREN, schéma 0225.",
    ),
    "BR-FR-22": (
        "For self-billing, the seller electronic address (BT-34) must start with the seller SIREN, scheme 0225.",
        "En autofacturation, l'adresse électronique du vendeur (BT-34) doit commencer par son SIREN, schéma 0225.",
    ),
    "BR-FR-23": (
        "An electronic address may only contain letters, digits, '-', '_' and '.'.",
        "Une adresse électronique ne peut contenir que lettres, chiffres, « - », « _ » et « . ».",
    ),
    "BR-FR-25": (
        "An electronic address must not exceed 125 characters.",
        "Une adresse électronique ne doit pas dépasser 125 caractères.",
    ),
    "BR-FR-CO-04": (
        "A corrective invoice needs exactly one preceding invoice reference (BT-25) with its date (BT-26).",
        "Une facture rectificative exige une et une seule référence à la facture antérieure (BT-25) avec sa date (BT-26).",
    ),
    "BR-FR-CO-05": (
        "A credit note needs a preceding invoice reference (BT-25) with its date (BT-26).",
        "Un avoir exige une référence à une facture antérieure (BT-25) avec sa date (BT-26).",
    ),
    "BR-FR-CO-07": (
        "The due date (BT-9) must not be before the issue date, except for deposits and already-paid invoices.",
        "La date d'échéance (BT-9) ne doit pas précéder la date de facture, sauf acompte ou facture déjà payée.",
    ),
    "BR-FR-CO-08": (
        "A final invoice after deposits (B4/S4/M4) cannot be a deposit document.",
        "Une facture définitive après acompte (B4/S4/M4) ne peut pas être une facture d'acompte.",
    ),
    "BR-FR-CO-09": (
        "An already-paid invoice (B2/S2/M2) must have paid amount = total and nothing due.",
        "Une facture déjà payée (B2/S2/M2) doit avoir déjà payé = total TTC et net à payer nul.",
    ),
    "BR-FR-CO-10": (
        "A party identifier needs its scheme, and each scheme only once.",
        "Un identifiant de partie exige son schéma, et chaque schéma une seule fois.",
    ),
    "BR-FR-CO-12": (
        "A non-EUR invoice must state the VAT accounting currency EUR (BT-6) and the VAT total in EUR (BT-111).",
        "Une facture hors EUR doit indiquer la devise de comptabilisation EUR (BT-6) et le total TVA en EUR (BT-111).",
    ),
    "BR-FR-DEC-01": ("An amount may have at most 2 decimals.", "Un montant peut avoir au plus 2 décimales."),
    "BR-FR-DEC-02": ("A quantity may have at most 4 decimals.", "Une quantité peut avoir au plus 4 décimales."),
    "BR-FR-DEC-03": (
        "A unit price must be positive with at most 6 decimals.",
        "Un prix unitaire doit être positif avec au plus 6 décimales.",
    ),
    "BR-FR-DEC-04": (
        "A VAT rate must be positive with at most 2 decimals.",
        "Un taux de TVA doit être positif avec au plus 2 décimales.",
    ),
}


def translate(rule_id, text, source_is_french):
    """(message_en, message_fr) for a finding whose original ``text`` is in one language."""
    known = CATALOGUE.get(rule_id)
    if source_is_french:
        return (f"{known[0]} ({text})" if known else text), text
    return text, (f"{known[1]} ({text})" if known else text)
