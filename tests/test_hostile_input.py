"""Hostile input is answered with a 400 that says what was wrong, never a server error.

The fuzz test walks every URL rule the access matrix knows, as every role, and sends a few
hostile values in every route argument, every filter and every field of every form found
on the pages that role can open. No answer may be a 5xx.
"""
from __future__ import annotations

import io
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import url_for
from test_access_matrix import ROLES, ROUTE_ARGS, _rules, world  # noqa: F401 (a fixture)

HUGE = "99999999999999999999"  # beyond BIGINT
INT4 = "2147483648"  # beyond INTEGER, within BIGINT
NUL = "a\x00b"
WILD = "%_\\"
FILTERS = ("q", "page", "older_than", "status", "standard", "find", "action", "actor")


class Forms(HTMLParser):
    """The forms of a page: (method, action, [(name, value), ...])."""

    def __init__(self, markup: str, page_url: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, list[tuple[str, str]]]] = []
        self._page = page_url
        self._select: str | None = None
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(((a.get("method") or "get").upper(), a.get("action") or self._page,
                               []))
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            self.forms[-1][2].append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select:
            self.forms[-1][2].append((self._select, a.get("value", "")))
            self._select = None

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _url(app, rule, args, override=None):
    values = {a: args[ROUTE_ARGS.get((rule.endpoint, a), a)] for a in rule.arguments}
    values |= override or {}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _send(client, method, url, data=None):
    if method == "GET":
        return client.get(url, query_string=data)
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("role", ROLES)
def test_fuzzing_every_form_and_filter_gives_no_server_error(app, world, auth, client,  # noqa: F811
                                                           role):
    people, args = world
    if role != "anon":
        auth.login(people[role])
    errors: list[str] = []
    forms: dict[tuple, list[tuple[str, str]]] = {}

    def check(method, url, data=None, expect_400=False):
        response = _send(client, method, url, data)
        if response.status_code >= 500 or (expect_400 and response.status_code != 400):
            errors.append(f"{method} {url} {data!r}: {response.status_code}")
        return response

    def collect(url):
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            for form_method, action, fields in Forms(response.data.decode(), url).forms:
                path = urlsplit(action).path
                if path != "/logout":
                    forms.setdefault((form_method, path, tuple(n for n, _ in fields)), fields)

    collect(f"/cases/{args['proceeding_number']}")  # the case before the committee
    for rule in _rules(app):
        if rule.endpoint in ("accounts.logout", "static"):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        url = _url(app, rule, args)
        if method == "GET":
            collect(url)
            for value in (HUGE, INT4, NUL, WILD):
                check("GET", url, {name: value for name in FILTERS}, expect_400=value == NUL)
        # every route argument, one at a time
        for argument in rule.arguments:
            for value in ((HUGE, INT4) if _is_int(rule, argument) else (NUL, WILD)):
                check(method, _url(app, rule, args, {argument: value}),
                      expect_400=value in (HUGE, NUL))

    # ending a session last: the form names the session it runs in
    for method, path, names in sorted(forms, key=lambda k: k[1] == "/account/sessions/end"):
        fields = forms[method, path, names]
        check(method, path, dict(fields) | {name: NUL for name, _ in fields} | {"x": NUL},
              expect_400=True)
        check(method, path, {name: WILD for name, _ in fields})
        for name, _ in fields:
            for value in (HUGE, INT4):
                check(method, path, dict(fields) | {name: value})
        if method == "POST":  # a file whose name carries a NUL
            check(method, path, dict(fields) | {"files": (io.BytesIO(b"x"), "a\x00.pdf")},
                  expect_400=True)
    assert not errors, "\n".join(errors)


def _is_int(rule, argument: str) -> bool:
    return type(rule._converters[argument]).__name__ == "IntegerConverter"


def test_a_nul_byte_is_a_400_saying_so(client):
    for url in ("/verify/%00", "/public-register?q=%00", "/login?next=%00"):
        r = client.get(url)
        assert r.status_code == 400, url
        assert b"NUL character" in r.data
    r = client.post("/login", data={"email": "a\x00@example.com", "password": "x"})
    assert r.status_code == 400 and b"form field" in r.data


def test_out_of_range_numbers_are_a_400_saying_so(make, auth, client):
    auth.login(make.user("admin", "chair", "member"))
    for url in (f"/evidence/{HUGE}", f"/admin/audit/?page={HUGE}", f"/cases?older_than={HUGE}",
                "/cases?older_than=99999999", f"/admin/audit/?page={INT4}"):
        r = client.get(url)
        assert r.status_code == 400, url
        assert b"out of range" in r.data
    assert client.get("/cases?older_than=30").status_code == 200


def test_account_search_takes_wildcards_literally(make, auth, client):
    auth.login(make.user("admin", email="boss@example.com"))
    make.user(name="Ann_Lee")
    make.user(name="Annxlee")
    r = client.get("/admin/accounts?q=ann_")
    assert b"Ann_Lee" in r.data and b"Annxlee" not in r.data
    r = client.get("/admin/accounts?q=%25")
    assert b"Ann_Lee" not in r.data
