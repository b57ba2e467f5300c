"""Code lists used by the semantic model.

Each enumeration names the code list it comes from. Only the values the
EN16931 and French rules use are listed; parsers keep unknown codes as plain
strings so that nothing received is lost.
"""

from enum import StrEnum


class InvoiceTypeCode(StrEnum):
    """BT-3, UNTDID 1001 subset allowed by EN16931 and BR-FR-04 (G1.01)."""

    INVOICE = "380"
    PREPAYMENT_INVOICE = "386"  # deposit (acompte)
    CORRECTED_INVOICE = "384"
    SELF_BILLED_INVOICE = "389"
    CREDIT_NOTE = "381"
    SELF_BILLED_CREDIT_NOTE = "261"
    FACTORED_INVOICE = "393"
    FACTORED_CREDIT_NOTE = "396"
    SELF_BILLED_FACTORED_INVOICE = "501"
    SELF_BILLED_PREPAYMENT_INVOICE = "500"
    SELF_BILLED_CORRECTED_INVOICE = "471"
    FACTORED_CORRECTED_INVOICE = "472"
    SELF_BILLED_FACTORED_CORRECTED_INVOICE = "473"
    CONSOLIDATED_CREDIT_NOTE = "262"  # global rebate (avoir remise globale): BT-12 and BG-14 required (BR-FR-CO-03)
    SELF_BILLED_FACTORED_CREDIT_NOTE = "502"
    PREPAYMENT_CREDIT_NOTE = "503"


#: BT-3 codes that UBL carries in a CreditNote document rather than an Invoice.
CREDIT_NOTE_TYPE_CODES = frozenset({"381", "261", "262", "396", "502", "503", "532"})


class VatCategory(StrEnum):
    """BT-95/102/118/151, UNTDID 5305 subset of EN16931."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"  # VAT exempt for EEA intra-community supply
    EXPORT = "G"  # free export item, VAT not charged
    NOT_SUBJECT = "O"  # services outside scope of tax
    CANARY_ISLANDS = "L"  # IGIC (not allowed in France, BR-FR-15)
    CEUTA_MELILLA = "M"  # IPSI (not allowed in France, BR-FR-15)


class PaymentMeansCode(StrEnum):
    """BT-81, UNTDID 4461 (the usual subset)."""

    NOT_DEFINED = "1"
    CASH = "10"
    CHEQUE = "20"
    CREDIT_TRANSFER = "30"
    DEBIT_TRANSFER = "31"
    PAYMENT_TO_BANK_ACCOUNT = "42"
    BANK_CARD = "48"
    DIRECT_DEBIT = "49"
    STANDING_AGREEMENT = "57"
    SEPA_CREDIT_TRANSFER = "58"
    SEPA_DIRECT_DEBIT = "59"
    CLEARING_BETWEEN_PARTNERS = "97"


class VatDateCode(StrEnum):
    """BT-8 in the EN16931 semantic model (UNTDID 2005 values).

    UBL carries these codes as they are; CII uses UNTDID 2475
    (5 = invoice date / debits, 29 = delivery, 72 = payment received).
    """

    INVOICE_DATE = "3"  # French "option pour le paiement de la taxe d'après les débits"
    DELIVERY_DATE = "35"
    PAID_TO_DATE = "432"


#: BT-8 mapping EN16931 (UNTDID 2005, UBL) -> CII (UNTDID 2475).
VAT_DATE_CODE_TO_CII = {"3": "5", "35": "29", "432": "72"}
VAT_DATE_CODE_FROM_CII = {v: k for k, v in VAT_DATE_CODE_TO_CII.items()}


class NoteSubject(StrEnum):
    """BT-21, UNTDID 4451 codes used by the French rules (BR-FR-05/06/20)."""

    PAYMENT_TERMS_PENALTIES = "PMT"  # indemnité forfaitaire pour frais de recouvrement
    LATE_PAYMENT_PENALTIES = "PMD"  # pénalités de retard
    DISCOUNT_TERMS = "AAB"  # escompte
    PROCESSING = "BAR"  # processing instruction: B2B, B2BINT, B2C, OUTOFSCOPE, ARCHIVEONLY
    TAX_DECLARATION = "TXD"  # member of a single VAT taxpayer group
    GENERAL = "AAI"
    REGULATORY = "REG"
    SUPPLIER_REMARKS = "SUR"
    PRICE_CONDITIONS = "AAK"
    TERMS = "AAR"


class ProcessingNote(StrEnum):
    """Content of the BAR note (BR-FR-20)."""

    B2B = "B2B"
    B2B_INTERNATIONAL = "B2BINT"
    B2C = "B2C"
    OUT_OF_SCOPE = "OUTOFSCOPE"
    ARCHIVE_ONLY = "ARCHIVEONLY"


class BillingFrame(StrEnum):
    """BT-23 business process type: the French billing frame (BR-FR-08, G1.02).

    The first letter is the operation category (B goods, S services,
    M mixed); the digit is the frame.
    """

    B1 = "B1"  # goods, invoice
    S1 = "S1"  # services, invoice
    M1 = "M1"  # mixed, invoice
    B2 = "B2"  # goods, already paid invoice
    S2 = "S2"
    M2 = "M2"
    S3 = "S3"  # subcontracting with direct payment
    B4 = "B4"  # final invoice after deposits
    S4 = "S4"
    M4 = "M4"
    S5 = "S5"  # subcontractor invoice, services
    S6 = "S6"  # co-contracting
    B7 = "B7"  # already e-reported (VAT already collected)
    S7 = "S7"
    B8 = "B8"  # multi-vendor
    S8 = "S8"
    M8 = "M8"


class OperationCategory(StrEnum):
    GOODS = "B"
    SERVICES = "S"
    MIXED = "M"


class Scheme(StrEnum):
    """ISO 6523 ICD / EAS identifiers used for French parties."""

    SIREN = "0002"
    SIRET = "0009"
    GLN = "0088"
    DUNS = "0060"
    ROUTING_CODE = "0224"
    FR_CTC_ADDRESS = "0225"  # electronic address of the French reform (BR-FR-21/22)
    PA_MATRICULE = "0238"
    FR_VAT = "9957"
    EMAIL = "EM"


class AllowanceReason(StrEnum):
    """BT-98/140, UNTDID 5189 (the usual subset)."""

    BONUS_WORKS_AHEAD = "41"
    OTHER_BONUS = "42"
    MANUFACTURER_CONSUMER_DISCOUNT = "60"
    DUE_TO_MILITARY_STATUS = "62"
    DUE_TO_WORK_ACCIDENT = "63"
    SPECIAL_AGREEMENT = "64"
    PRODUCTION_ERROR_DISCOUNT = "65"
    NEW_OUTLET_DISCOUNT = "66"
    SAMPLE_DISCOUNT = "67"
    END_OF_RANGE_DISCOUNT = "68"
    INCOTERM_DISCOUNT = "70"
    POINT_OF_SALES_THRESHOLD = "71"
    MATERIAL_SURCHARGE_DEDUCTION = "88"
    DISCOUNT = "95"
    SPECIAL_REBATE = "100"
    FIXED_LONG_TERM = "102"
    TEMPORARY = "103"
    STANDARD = "104"
    YEARLY_TURNOVER = "105"


class ChargeReason(StrEnum):
    """BT-105/145, UNTDID 7161 (the usual subset)."""

    ADVERTISING = "AA"
    TELECOMMUNICATION = "AAA"
    DELIVERY = "ABK"
    PACKING = "ABL"
    FREIGHT = "FC"
    INSURANCE = "IN"
    HANDLING = "HD"
    SERVICE_CHARGE = "SAA"
    TRANSPORT = "TAC"


class AttachmentPurpose(StrEnum):
    """BT-123 values the French rules expect for attachments (BR-FR-17/18)."""

    RIB = "RIB"
    READABLE_COPY = "LISIBLE"
    STYLESHEET = "FEUILLE_DE_STYLE"
    ATTACHMENT = "PJA"
    TRACKING_SLIP = "BORDEREAU_SUIVI"
    ANNEX = "DOCUMENT_ANNEXE"
    DELIVERY_NOTE = "BON_LIVRAISON"
    PURCHASE_ORDER = "BON_COMMANDE"
