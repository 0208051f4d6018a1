"""Formal documents of a proceeding: PDF notices and rulings, issued once and verifiable."""
