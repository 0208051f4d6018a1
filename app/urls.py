"""Addresses for emails and documents, built from configuration, never from the request.

A link in an email must not depend on the Host header of whoever triggered it
(that would let an attacker point a password-reset link at their own site), and
the deadline sweep runs with no request at all.
"""
from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """Return the absolute address of an endpoint under PUBLIC_BASE_URL."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return base + adapter.build(endpoint, values)
