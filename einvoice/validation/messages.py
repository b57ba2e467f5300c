"""The other language of a rule's message.

The EN16931 and Factur-X schematron speak English, the French BR-FR,
BR-FR-CDV and Flux 10 (e-reporting) rules speak French. For the rules users hit most, this catalogue gives the
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
    # E-reporting (Flux 10): the rules of annex 7 of the DGFiP specifications, as the FNFE
    # Flux 10 schematron names them (its messages are French: the English is their meaning).
    "G1.01": (
        "The invoice type code (TT-21) is not one the PPF accepts.",
        "Le code type de facture (TT-21) n'est pas accepté par le PPF.",
    ),
    "G1.02": (
        "The billing frame (TT-28) is not allowed (B1, S1, M1, B2... S7).",
        "Le cadre de facturation (TT-28) n'est pas autorisé (B1, S1, M1, B2... S7).",
    ),
    "G1.05": (
        "An invoice number may have at most 35 characters (letters, digits, spaces, - + _ /), with no leading, trailing or double space.",
        "Un numéro de facture a au plus 35 caractères (lettres, chiffres, espaces, - + _ /), sans espace en tête, en fin ni double.",
    ),
    "G1.09": (
        "A date must be written YYYYMMDD.",
        "Une date s'écrit AAAAMMJJ.",
    ),
    "G1.10": (
        "A currency code must be three capital letters (ISO 4217).",
        "Un code devise s'écrit en trois lettres majuscules (ISO 4217).",
    ),
    "G1.14": (
        "An amount may have at most 2 decimals, a dot as separator and 19 digits.",
        "Un montant a au plus 2 décimales, un point comme séparateur et 19 chiffres.",
    ),
    "G1.15": (
        "A quantity may have at most 4 decimals, a dot as separator and 19 digits.",
        "Une quantité a au plus 4 décimales, un point comme séparateur et 19 chiffres.",
    ),
    "G1.16": (
        "A price or an encashed amount may have at most 6 decimals, no minus sign, a dot as separator and 19 digits.",
        "Un prix ou un montant encaissé a au plus 6 décimales, sans signe moins, avec un point et 19 chiffres.",
    ),
    "G1.24": (
        "The VAT rate is not one of the rates allowed in France.",
        "Le taux de TVA ne fait pas partie des taux autorisés en France.",
    ),
    "G1.32": (
        "A corrective invoice or a credit note must reference the preceding invoice with its date.",
        "Une facture rectificative ou un avoir doit référencer la facture antérieure avec sa date.",
    ),
    "G1.36": (
        "The year of a date must be between 2000 and 2099.",
        "L'année d'une date doit être comprise entre 2000 et 2099.",
    ),
    "G1.40": (
        "A VAT breakdown with category E (exempt) needs an exemption reason code and text.",
        "Une ventilation de TVA en catégorie E (exonérée) exige le code et le libellé du motif d'exonération.",
    ),
    "G1.53": (
        "A total must equal the sum of its VAT breakdown, within 0.01 EUR per amount added.",
        "Un total doit être égal à la somme de sa ventilation de TVA, à 0,01 EUR près par montant additionné.",
    ),
    "G1.55": (
        "The net price must equal the gross price minus the discount (within 0.01).",
        "Le prix net doit être égal au prix brut diminué du rabais (à 0,01 près).",
    ),
    "G1.60": (
        "A deposit invoice type is not allowed with the billing frames B4, S4, M4.",
        "Un type de facture d'acompte n'est pas autorisé avec les cadres B4, S4, M4.",
    ),
    "G1.68": (
        "The transactions category (TT-81) must be TLB1, TPS1, TNT1 or TMA1.",
        "La catégorie de transactions (TT-81) doit être TLB1, TPS1, TNT1 ou TMA1.",
    ),
    "G1.102": (
        "With a VAT category E, the VAT identifier of the seller or of its tax representative is mandatory.",
        "Avec une catégorie de TVA E, l'identifiant TVA du vendeur ou de son représentant fiscal est obligatoire.",
    ),
    "G1.104": (
        "The transmission identifier (TT-1) may have at most 50 characters (letters, digits, spaces, - + _ /), with no leading, trailing or double space.",
        "L'identifiant de transmission (TT-1) a au plus 50 caractères (lettres, chiffres, espaces, - + _ /), sans espace en tête, en fin ni double.",
    ),
    "G2.01": (
        "A country code must be two capital letters (ISO 3166 alpha-2).",
        "Un code pays s'écrit en deux lettres majuscules (ISO 3166 alpha-2).",
    ),
    "G2.19": (
        "A party identifier must be of scheme 0002 (SIREN, 9 digits), 0223 (EU outside France), 0227 (outside the EU), 0228 (RIDET) or 0229 (TAHITI), in its format.",
        "L'identifiant d'une partie doit être de type 0002 (SIREN, 9 chiffres), 0223 (UE hors France), 0227 (hors UE), 0228 (RIDET) ou 0229 (TAHITI), à son format.",
    ),
    "G2.31": (
        "The VAT category code must be one of S, E, AE, K, G, O, Z (UNTDID 5305).",
        "Le code de catégorie de TVA doit être S, E, AE, K, G, O ou Z (UNTDID 5305).",
    ),
    "G2.33": (
        "A party identified by scheme 0002 or 0223 needs its VAT identifier, qualified VAT.",
        "Une partie identifiée en 0002 ou 0223 exige son identifiant TVA, qualifié VAT.",
    ),
    "G6.21": (
        "The exemption code VATEX-FR-CNWVAT is reserved for credit notes (types 261, 381, 396).",
        "Le code d'exonération VATEX-FR-CNWVAT est réservé aux avoirs (types 261, 381, 396).",
    ),
    "G6.22": (
        "The sender must be an approved platform: scheme 0238 (TT-7) and its 4-character number (TT-8).",
        "L'émetteur doit être une plateforme agréée : type 0238 (TT-7) et son matricule de 4 caractères (TT-8).",
    ),
    "G6.23": (
        "The invoice VAT total (TT-52) must be in euros.",
        "Le montant total de TVA de la facture (TT-52) doit être en euros.",
    ),
    "G6.25": (
        "A period's end date must be after its start date.",
        "La date de fin d'une période doit être postérieure à sa date de début.",
    ),
    "G6.26": (
        "The declarant must be identified by its SIREN: scheme 0002 (TT-12), 9 digits (TT-13).",
        "Le déclarant est identifié par son SIREN : type 0002 (TT-12), 9 chiffres (TT-13).",
    ),
    "G6.27": (
        "An encashed amount must be in euros.",
        "Un montant encaissé doit être en euros.",
    ),
    "G6.28": (
        "The buyer identifier (TT-36) is mandatory for an international B2B invoice.",
        "L'identifiant de l'acheteur (TT-36) est obligatoire pour une facture B2B internationale.",
    ),
    "G6.29": (
        "A transmission holds exactly one report: transactions (TB-2) or payments (TB-3), not both.",
        "Une transmission contient un seul rapport : transactions (TB-2) ou paiements (TB-3), pas les deux.",
    ),
    "G7.51": (
        "The sender role code (TT-10) must be WK (approved platform).",
        "Le code rôle de l'émetteur (TT-10) doit être WK (plateforme agréée).",
    ),
    "G7.52": (
        "The declarant role code (TT-15) must be BY (buyer) or SE (seller).",
        "Le code rôle du déclarant (TT-15) doit être BY (acheteur) ou SE (vendeur).",
    ),
    "G7.53": (
        "The transmission date and time (TT-3) must be written YYYYMMDDHHMMSS.",
        "La date-heure de transmission (TT-3) s'écrit AAAAMMJJHHMMSS.",
    ),
    "G8.01": (
        "The transmission type (TT-4) must be IN (initial) or RE (corrective).",
        "Le type de transmission (TT-4) doit être IN (initiale) ou RE (rectificative).",
    ),
    "P1.11": (
        "The VAT due date code must be 5, 29, 72 (UNTDID 2475) or 3, 35, 432 (UNTDID 2005).",
        "Le code d'exigibilité de la TVA doit être 5, 29, 72 (UNTDID 2475) ou 3, 35, 432 (UNTDID 2005).",
    ),
    "S1.12": (
        "The profile identifier (TT-29) must be urn.cpro.gouv.fr:1p0:ereporting.",
        "L'identifiant de profil (TT-29) doit être urn.cpro.gouv.fr:1p0:ereporting.",
    ),
}


def translate(rule_id, text, source_is_french):
    """(message_en, message_fr) for a finding whose original ``text`` is in one language."""
    known = CATALOGUE.get(rule_id)
    if source_is_french:
        return (f"{known[0]} ({text})" if known else text), text
    return text, (f"{known[1]} ({text})" if known else text)
