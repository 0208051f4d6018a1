"""Search helpers shared by the pages that search by what a person types."""
from __future__ import annotations


def escape_like(text: str) -> str:
    """Text for a LIKE pattern (escape character `\\`), its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
