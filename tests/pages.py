"""Reading pages in tests: the visible text, table body rows, and elements by id."""
from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """The visible text of a page, its table body rows, and the text of elements by id."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self._text: list[str] = []
        self.rows: list[list[str]] = []
        self.ids: dict[str, str] = {}
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False
        self._open: list[tuple[str, int, list[str]]] = []
        self._depth = 0
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag in self.VOID:
            return
        self._depth += 1
        ident = dict(attrs).get("id")
        if ident:
            self._open.append((ident, self._depth, []))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        if tag in self.VOID:
            return
        while self._open and self._open[-1][1] == self._depth:
            ident, _, parts = self._open.pop()
            self.ids[ident] = " ".join("".join(parts).split())
        self._depth -= 1

    def handle_data(self, data):
        self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._open:
            parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self._text).split())


def page(response) -> Page:
    return Page(response.get_data(as_text=True))
