"""Charts drawn on the server: pygal SVG, shown as an image with a text alternative.

The page's Content-Security-Policy refuses inline styles and scripts, so the SVG (which
styles itself) is embedded as a `data:` image; its root carries a <title> and a <desc>,
and the <img> an alt text that states every figure. The random id pygal gives a chart
is replaced by one derived from its title, so the same figures draw the same bytes.
"""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from html import escape

import pygal
from pygal.style import Style

STYLE = Style(background="white", plot_background="white", foreground="#1a1a1a",
              foreground_strong="#000000", foreground_subtle="#555555",
              colors=("#1f4e79", "#b35900", "#2e7d32", "#6a1b9a"),
              font_family="DejaVu Sans, sans-serif")


@dataclass(frozen=True)
class Chart:
    title: str
    alt: str
    svg: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _describe(labels: list[str], series: dict[str, list[int | float]]) -> str:
    parts = []
    for name, values in series.items():
        figures = ", ".join(f"{label}: {_fmt(v)}" for label, v in zip(labels, values, strict=True))
        parts.append(f"{name}: {figures}" if figures else f"{name}: none")
    return "; ".join(parts) + "."


def _fmt(value) -> str:
    if value is None:
        return "not shown"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _clean(svg: str, title: str, desc: str) -> str:
    chart_id = "chart-" + hashlib.sha256(title.encode()).hexdigest()[:12]
    svg = re.sub(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", chart_id, svg)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    head = f'<title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1).replace(
        "<svg ", '<svg role="img" ', 1) + head, svg, count=1)


def bar_chart(title: str, labels: list[str], series: dict[str, list], *,
              horizontal: bool = False) -> Chart:
    """A bar chart of one or more series over the labels, with its text alternative."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(js=[], title=title, style=STYLE, show_legend=len(series) > 1,
                 disable_xml_declaration=True, x_label_rotation=0 if horizontal else 30,
                 print_values=False, width=800, height=400, legend_at_bottom=True)
    chart.x_labels = [str(label) for label in labels]
    for name, values in series.items():
        chart.add(name, [v if v is not None else None for v in values])
    desc = _describe([str(label) for label in labels], series)
    return Chart(title=title, alt=f"{title}. {desc}", svg=_clean(chart.render(is_unicode=True), title, desc))


def for_statistics(s) -> dict[str, Chart]:
    """The statistics page's charts, from its figures (kept with them: drawing costs more
    than reading kept figures)."""
    out = {}
    if s.by_month:
        out["by_month"] = bar_chart(
            "Cases filed, accepted and closed by month", [r["period"] for r in s.by_month],
            {k.capitalize(): [r[k] for r in s.by_month] for k in ("filed", "accepted", "closed")})
    if s.caseload:
        out["caseload"] = bar_chart(
            "Open cases by stage", [r["status"].replace("_", " ") for r in s.caseload],
            {"Cases": [r["count"] for r in s.caseload]}, horizontal=True)
    if s.outcomes:
        out["outcomes"] = bar_chart(
            "Outcomes", [r["label"] for r in s.outcomes], {"Cases": [r["count"] for r in s.outcomes]},
            horizontal=True)
    if s.standards:
        out["standards"] = bar_chart(
            "Allegations and violations by standard", [r["code"] for r in s.standards],
            {"Alleged": [r["alleged"] for r in s.standards],
             "Violation found": [r["violated"] for r in s.standards]})
    if s.sanctions:
        out["sanctions"] = bar_chart(
            "Sanctions by kind", [r["label"] for r in s.sanctions],
            {"Sanctions": [r["count"] for r in s.sanctions]}, horizontal=True)
    return out
