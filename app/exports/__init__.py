"""Exports: the certified record of a proceeding, and a person's own data (issue 16)."""
