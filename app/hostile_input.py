"""Refuse hostile input with a 400 before any view sees it.

One before-request check, so no view has to remember: a NUL character anywhere in the
path, the query string or a form (names, values, uploaded file names), an integer in the
URL or the query string outside what the database can hold (BIGINT), and a filter
number outside the range it makes sense in. PostgreSQL refuses NUL in text and every
database refuses integers it cannot store; without this check both were 500s.
"""
from __future__ import annotations

import re

from flask import Flask, render_template, request
from werkzeug.exceptions import BadRequest

BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1  # every id column is an INTEGER
INTEGER = re.compile(r"[+-]?\d+")
BIGINT_RANGE = (-BIGINT_MAX - 1, BIGINT_MAX)
ID_RANGE = (-INTEGER_MAX - 1, INTEGER_MAX)
# Parameters that name a row (`*_id`, `*_ids`) hold INTEGER ids; free text is left alone
# (a password may well be all digits).
ID_NAME = re.compile(r"(.+_)?ids?")

# Numbers with a narrower meaningful range: name -> (lowest, highest). `older_than` is a
# number of days subtracted from today; `page` multiplies a page size; the others are
# version counters and terms that the database keeps in INTEGER columns.
INT_RANGES = {
    "page": ID_RANGE,
    "older_than": (-100_000, 100_000),
    "seen_version": ID_RANGE,
    "revision": ID_RANGE,
    "copy_from": ID_RANGE,
    "disclose": ID_RANGE,
    "days": ID_RANGE,
    "bar_years": ID_RANGE,
}


def _range_of(name: str, default: tuple[int, int] | None) -> tuple[int, int] | None:
    if name in INT_RANGES:
        return INT_RANGES[name]
    return ID_RANGE if ID_NAME.fullmatch(name) else default


class HostileInput(BadRequest):
    """A request no honest form produces; the description says what was wrong."""


def _shown(name: str) -> str:
    """A parameter name as safe, short text for the error page."""
    return repr(name.replace("\x00", "\\0")[:40])


def _check_text(where: str, name: str, value: str) -> None:
    if "\x00" in name or "\x00" in value:
        raise HostileInput(f"The {where} {_shown(name)} contains a NUL character (%00), "
                           "which is never part of valid input.")


def _check_integer(where: str, name: str, value: str, bounds: tuple[int, int] | None) -> None:
    if bounds is None or not INTEGER.fullmatch(value.strip()):
        return
    lowest, highest = bounds
    if not lowest <= int(value) <= highest:
        raise HostileInput(f"The number in the {where} {_shown(name)} is out of range: "
                           f"use a whole number from {lowest} to {highest}.")


def check_request() -> None:
    """Raise HostileInput if the request carries a NUL byte or an out-of-range integer."""
    if "\x00" in request.path:
        raise HostileInput("The address contains a NUL character (%00), which is never "
                           "part of a valid address.")
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not ID_RANGE[0] <= value <= ID_RANGE[1]:
            raise HostileInput(f"The number in the address ({_shown(name)}) is out of range.")
    for name, value in request.args.items(multi=True):
        _check_text("query parameter", name, value)
        _check_integer("query parameter", name, value, _range_of(name, BIGINT_RANGE))
    if request.method in ("POST", "PUT", "PATCH"):
        for name, value in request.form.items(multi=True):
            _check_text("form field", name, value)
            _check_integer("form field", name, value, _range_of(name, None))
        for name, file in request.files.items(multi=True):
            _check_text("file field", name, file.filename or "")


def init_hostile_input(app: Flask) -> None:
    """Register the check (before every other request hook of the app's own) and its page."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)

    @app.errorhandler(HostileInput)
    def hostile_input(error: HostileInput):
        return render_template("errors/error.html", code=400, title="Bad request",
                               message=error.description), 400
