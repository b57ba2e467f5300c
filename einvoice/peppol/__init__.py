"""PEPPOL: participant identifiers, SML / SMP lookup with signed metadata, BIS Billing 3.0
validation, Invoice Response 3 and the eDelivery AS4 transport between access points."""
