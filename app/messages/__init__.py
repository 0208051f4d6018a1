"""Secure case messages: one private thread per party, content-free alerts, witness links."""
