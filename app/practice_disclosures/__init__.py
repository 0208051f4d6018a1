"""Certificants' conflict-of-interest and dual-relationship disclosures (S7, S22)."""
