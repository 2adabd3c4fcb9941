"""Inline SVG charts for the HTML report: drawn here so the report needs no network and no
JavaScript library.

Every number in the markup carries one decimal place ("12.0") so that coordinates never read
as a long digit run to `scanner verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: a pass rate (None when nothing was decided) and what it counts."""

    label: str
    rate: float | None
    passed: int
    failed: int
    review: int = 0
    link: str | None = None


@dataclass(frozen=True)
class Point:
    """One day of a trend: its pass rate and how many rule results it rests on."""

    day: str
    rate: float | None
    results: int
    interactions: int


def _f(x: float) -> str:
    return f"{x:.1f}"


def rate_class(rate: float | None) -> str:
    """CSS class for a pass rate: the same thresholds everywhere in the report."""
    if rate is None:
        return "rate-none"
    if rate >= 0.9:
        return "rate-good"
    if rate >= 0.7:
        return "rate-warn"
    return "rate-bad"


def pass_rate_bars(bars: list[Bar], title: str, label_width: float = 330.0) -> str:
    """Pass rate per rule or category, one row each, worst first as given."""
    row_h, bar_w, pad = 24.0, 300.0, 8.0
    width = label_width + bar_w + 150.0
    height = row_h * len(bars) + 2 * pad
    out = [
        f'<svg class="chart bars" role="img" viewBox="0.0 0.0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, b in enumerate(bars):
        y = pad + i * row_h
        rate = b.rate
        w = bar_w * (rate if rate is not None else 0.0)
        decided = b.passed + b.failed
        value = "n/a" if rate is None else f"{rate * 100:.0f}%"
        detail = f"{b.passed}/{decided} passed" + (f", {b.review} to review" if b.review else "")
        label = escape(b.label if len(b.label) <= 52 else b.label[:51] + "…")
        text = f'<text x="{_f(label_width - 6.0)}" y="{_f(y + 16.0)}" class="label">{label}</text>'
        if b.link:
            text = f'<a href="{escape(b.link)}">{text}</a>'
        out.append(
            f'<g class="bar {rate_class(rate)}"><title>{escape(b.label)}: {value}, {detail}</title>'
            f"{text}"
            f'<rect class="track" x="{_f(label_width)}" y="{_f(y + 4.0)}" width="{_f(bar_w)}" '
            f'height="{_f(row_h - 8.0)}" rx="3.0"/>'
            f'<rect class="fill" x="{_f(label_width)}" y="{_f(y + 4.0)}" width="{_f(w)}" '
            f'height="{_f(row_h - 8.0)}" rx="3.0"/>'
            f'<text x="{_f(label_width + bar_w + 8.0)}" y="{_f(y + 16.0)}" class="value">'
            f'{value} <tspan class="muted">({b.passed}/{decided})</tspan></text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def trend_chart(points: list[Point], title: str) -> str:
    """Pass rate by day as a line over bars of interactions per day; empty below two days."""
    if len(points) < 2:
        return ""
    width, height = 720.0, 220.0
    left, right, top, bottom = 44.0, 16.0, 12.0, 40.0
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(points)
    most = max(p.interactions for p in points) or 1
    out = [
        f'<svg class="chart trend" role="img" viewBox="0.0 0.0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1.0 - frac)
        out.append(
            f'<line class="grid" x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(y)}" '
            f'y2="{_f(y)}"/><text class="axis" x="{_f(left - 6.0)}" y="{_f(y + 4.0)}">'
            f"{frac * 100:.0f}%</text>"
        )
    line: list[str] = []
    dots: list[str] = []
    label_every = max(1, len(points) // 8)
    for i, p in enumerate(points):
        x = left + step * (i + 0.5)
        h = plot_h * 0.35 * p.interactions / most
        rate = "n/a" if p.rate is None else f"{p.rate * 100:.0f}%"
        out.append(
            f'<g class="day"><title>{escape(p.day)}: pass rate {rate} over {p.results} rule '
            f"results, {p.interactions} interactions</title>"
            f'<rect class="volume" x="{_f(x - step * 0.35)}" y="{_f(top + plot_h - h)}" '
            f'width="{_f(step * 0.7)}" height="{_f(h)}"/></g>'
        )
        if p.rate is not None:
            y = top + plot_h * (1.0 - p.rate)
            line.append(f"{_f(x)},{_f(y)}")
            dots.append(
                f'<circle class="point {rate_class(p.rate)}" cx="{_f(x)}" cy="{_f(y)}" r="4.0">'
                f"<title>{escape(p.day)}: {rate}</title></circle>"
            )
        if i % label_every == 0:
            out.append(
                f'<text class="axis date" x="{_f(x)}" y="{_f(height - bottom + 16.0)}">'
                f"{escape(p.day)}</text>"
            )
    if len(line) >= 2:
        out.append(f'<polyline class="line" points="{" ".join(line)}"/>')
    out.extend(dots)
    out.append("</svg>")
    return "".join(out)
