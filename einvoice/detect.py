"""Recognise the syntax and the profile of an XML document.

Invoices (CII, UBL Invoice / CreditNote), lifecycle messages (CDAR D22B) and
e-reporting reports (Flux 10, DGFiP XSD ``ereporting.xsd``: a root ``Report``
in no namespace, every element unqualified) are told apart by their root.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from .errors import ParseError
from .profiles import Profile, profile_from_specification_id

NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_CDAR = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
#: The e-reporting root (TB-0): ereporting.xsd has no target namespace.
EREPORTING_ROOT = "Report"


class Syntax(StrEnum):
    CII = "CII"
    UBL_INVOICE = "UBL Invoice"
    UBL_CREDIT_NOTE = "UBL CreditNote"
    CDAR = "CDAR"
    EREPORTING = "e-reporting"

    @property
    def is_ubl(self):
        return self in (Syntax.UBL_INVOICE, Syntax.UBL_CREDIT_NOTE)

    @property
    def is_invoice(self):
        return self == Syntax.CII or self.is_ubl


ROOTS = {
    f"{{{NS_CII}}}CrossIndustryInvoice": Syntax.CII,
    f"{{{NS_UBL_INVOICE}}}Invoice": Syntax.UBL_INVOICE,
    f"{{{NS_UBL_CREDIT_NOTE}}}CreditNote": Syntax.UBL_CREDIT_NOTE,
    f"{{{NS_CDAR}}}CrossDomainAcknowledgementAndResponse": Syntax.CDAR,
    EREPORTING_ROOT: Syntax.EREPORTING,
}


@dataclasses.dataclass(frozen=True)
class Detected:
    syntax: Syntax
    profile: Profile | None
    specification_id: str | None


def specification_id_of(root, syntax):
    if syntax == Syntax.CII:
        return root.findtext(
            f"{{{NS_CII}}}ExchangedDocumentContext/{{{NS_RAM}}}GuidelineSpecifiedDocumentContextParameter/{{{NS_RAM}}}ID"
        )
    if syntax.is_ubl:
        return root.findtext(f"{{{NS_CBC}}}CustomizationID")
    return None


def detect(root):
    """Syntax, profile and BT-24 of a parsed document; ParseError when it is none of those documents."""
    syntax = ROOTS.get(root.tag)
    if syntax is None:
        raise ParseError(
            f"this XML is not an e-invoice: root element {root.tag} is neither a CII CrossIndustryInvoice "
            "nor a UBL Invoice / CreditNote (nor a CDAR lifecycle message or an e-reporting Report)"
        )
    spec = specification_id_of(root, syntax)
    spec = spec.strip() if spec else None
    return Detected(syntax, profile_from_specification_id(spec), spec)
