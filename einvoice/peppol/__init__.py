"""PEPPOL: participant identifiers, SML / SMP lookup with signed metadata, BIS Billing 3.0
validation and Invoice Response 3 (AS4 transport is not here)."""
