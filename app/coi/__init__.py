"""Committee members' conflicts of interest and recusal (S7)."""
