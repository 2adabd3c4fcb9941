"""Inline SVG charts for the HTML report: drawn here so the report needs no network and no
JavaScript library.

Every number in the markup carries one decimal place ("12.0") so that coordinates never read
as a long digit run to `scanner verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .report_labels import Labels

_EN = Labels("en")


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


def pass_rate_bars(bars: list[Bar], title: str, label_width: float = 330.0, t: Labels = _EN) -> str:
    """Pass rate per rule or category, one row each, worst first as given; `t`: the words
    of its hover texts."""
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
        value = t("na") if rate is None else f"{rate * 100:.0f}%"
        detail = t("chart_passed", passed=b.passed, decided=decided) + (
            t("chart_review", n=b.review) if b.review else ""
        )
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


def trend_chart(points: list[Point], title: str, t: Labels = _EN) -> str:
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
        rate = t("na") if p.rate is None else f"{p.rate * 100:.0f}%"
        hover = t("chart_day", day=p.day, rate=rate, results=p.results, interactions=p.interactions)
        out.append(
            f'<g class="day"><title>{escape(hover)}</title>'
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


# ---- a call's timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class Stretch:
    """A stretch of a call to draw: where, what it is (a CSS class), what a hover says, the
    lane it belongs to (a party, or None for all lanes) and the turn a click goes to."""

    start: float
    end: float
    cls: str
    title: str
    lane: str | None = None
    turn: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Timeline:
    """Who talked when, and what happened on the way. `length`: seconds the axis covers."""

    length: float
    talk: dict[str, list[tuple[float, float]]]
    silences: list[Stretch]
    overlaps: list[Stretch]
    interruptions: list[Stretch]
    masks: list[Stretch]
    evidence: list[Stretch]


def _mmss(t: float) -> str:
    m, s = divmod(round(t), 60)
    return f"{m}:{s:02d}"


_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def _tick_step(length: float, most: int = 10) -> int:
    return next((s for s in _TICK_STEPS if length / s <= most), _TICK_STEPS[-1])


def _pack(stretches: list[Stretch], gap: float) -> list[list[Stretch]]:
    """Stretches in rows where none overlaps another (first row that has room)."""
    rows: list[list[Stretch]] = []
    ends: list[float] = []
    for s in sorted(stretches, key=lambda s: (s.start, s.end)):
        for i, end in enumerate(ends):
            if s.start >= end + gap:
                rows[i].append(s)
                ends[i] = s.end
                break
        else:
            rows.append([s])
            ends.append(s.end)
    return rows


def _turn_attr(s: Stretch) -> str:
    return f' data-turn="{s.turn}"' if s.turn is not None else ""


def call_timeline(t: Timeline, title: str, words: Labels = _EN) -> str:
    """One lane per party with its talk, silences shaded across the lanes with their length,
    talk-over and interruptions marked, masked (redacted) stretches in the lane of who said
    them, a lane of rule evidence below, and a time axis. Empty when there is nothing to draw.
    `words`: the language of the lanes' names and the hover texts."""
    if not t.length > 0.0 or not t.talk:
        return ""
    width, left, right = 960.0, 92.0, 16.0
    plot_w = width - left - right
    lane_h, lane_gap, ev_h = 28.0, 6.0, 12.0
    top = 22.0  # room for the silences' lengths

    def x(sec: float) -> float:
        return left + plot_w * min(max(sec, 0.0), t.length) / t.length

    def w(a: float, b: float) -> float:
        return max(x(b) - x(a), 1.5)

    lanes = list(t.talk)
    lane_y = {p: top + i * (lane_h + lane_gap) for i, p in enumerate(lanes)}
    lanes_bottom = top + len(lanes) * (lane_h + lane_gap) - lane_gap
    ev_rows = _pack(t.evidence, gap=t.length / plot_w * 2.0)
    ev_top = lanes_bottom + 10.0
    axis_y = ev_top + len(ev_rows) * (ev_h + 3.0) + (6.0 if ev_rows else 0.0)
    height = axis_y + 24.0

    def span_y(lane: str | None) -> tuple[float, float]:
        if lane in lane_y:
            return lane_y[lane], lane_h
        return top, lanes_bottom - top

    out = [
        f'<svg class="chart timeline" role="img" viewBox="0.0 0.0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    # lane backgrounds, then silences across all lanes, then the talk on top
    for p in lanes:
        out.append(
            f'<rect class="track" x="{_f(left)}" y="{_f(lane_y[p])}" width="{_f(plot_w)}" '
            f'height="{_f(lane_h)}"/>'
        )
    for s in t.silences:
        out.append(
            f'<g class="silence"><title>{escape(s.title)}</title>'
            f'<rect class="non-talk" x="{_f(x(s.start))}" y="{_f(top)}" '
            f'width="{_f(w(s.start, s.end))}" height="{_f(lanes_bottom - top)}"/>'
            f'<text class="silence-label" x="{_f((x(s.start) + x(s.end)) / 2.0)}" '
            f'y="{_f(top - 6.0)}">{escape(s.label)}</text></g>'
        )
    for p in lanes:
        y = lane_y[p]
        out.append(
            f'<g class="lane" data-party="{escape(p)}">'
            f'<text class="label" x="{_f(left - 8.0)}" y="{_f(y + lane_h / 2.0 + 4.0)}">'
            f"{escape(words.term('party', p))}</text>"
        )
        for a, b in t.talk[p]:
            hover = words(
                "tl_talks",
                party=words.term("party", p),
                span=f"{_mmss(a)}–{_mmss(b)}",
                seconds=words.seconds(b - a),
            )
            out.append(
                f'<rect class="talk {escape(p)}" x="{_f(x(a))}" y="{_f(y + 3.0)}" '
                f'width="{_f(w(a, b))}" height="{_f(lane_h - 6.0)}">'
                f"<title>{escape(hover)}</title></rect>"
            )
        out.append("</g>")
    for s in t.masks:
        y, h = span_y(s.lane)
        out.append(
            f'<rect class="mask-span"{_turn_attr(s)} x="{_f(x(s.start))}" y="{_f(y + 9.0)}" '
            f'width="{_f(w(s.start, s.end))}" height="{_f(h - 18.0)}">'
            f"<title>{escape(s.title)}</title></rect>"
        )
    for s in t.overlaps:
        out.append(
            f'<rect class="overlap" x="{_f(x(s.start))}" y="{_f(top)}" '
            f'width="{_f(w(s.start, s.end))}" height="{_f(lanes_bottom - top)}">'
            f"<title>{escape(s.title)}</title></rect>"
        )
    for s in t.interruptions:
        y, _h = span_y(s.lane)
        cx = x(s.start)
        out.append(
            f'<g class="interruption" data-by="{escape(s.lane or "")}"><title>{escape(s.title)}'
            f'</title><rect class="interruption-span" x="{_f(cx)}" y="{_f(y)}" '
            f'width="{_f(w(s.start, s.end))}" height="3.0"/>'
            f'<path class="interruption-mark" d="M{_f(cx - 5.0)},{_f(y)} '
            f'L{_f(cx + 5.0)},{_f(y)} L{_f(cx)},{_f(y + 8.0)} Z"/></g>'
        )
    if ev_rows:
        out.append(
            f'<g class="evidence-lane"><text class="label" x="{_f(left - 8.0)}" '
            f'y="{_f(ev_top + ev_h - 2.0)}">{escape(words("tl_rules"))}</text>'
        )
        for i, row in enumerate(ev_rows):
            y = ev_top + i * (ev_h + 3.0)
            for s in row:
                out.append(
                    f'<rect class="ev {escape(s.cls)}"{_turn_attr(s)} x="{_f(x(s.start))}" '
                    f'y="{_f(y)}" width="{_f(w(s.start, s.end))}" height="{_f(ev_h)}" rx="2.0">'
                    f"<title>{escape(s.title)}</title></rect>"
                )
        out.append("</g>")
    step = _tick_step(t.length)
    out.append(
        f'<g class="time-axis"><line class="grid" x1="{_f(left)}" x2="{_f(left + plot_w)}" '
        f'y1="{_f(axis_y)}" y2="{_f(axis_y)}"/>'
    )
    tick = 0
    while tick <= t.length + 1e-9:
        tx = x(float(tick))
        out.append(
            f'<line class="grid" x1="{_f(tx)}" x2="{_f(tx)}" y1="{_f(axis_y)}" '
            f'y2="{_f(axis_y + 4.0)}"/><text class="axis tick" x="{_f(tx)}" '
            f'y="{_f(axis_y + 16.0)}">{_mmss(float(tick))}</text>'
        )
        tick += step
    out.append("</g></svg>")
    return "".join(out)


def mini_bar(frac: float | None, title: str, width: float = 80.0) -> str:
    """A small bar for a share in a table cell: empty when there is no share."""
    if frac is None:
        return ""
    fill = width * min(max(frac, 0.0), 1.0)
    return (
        f'<svg class="chart mini" role="img" viewBox="0.0 0.0 {_f(width)} 10.0" '
        f'width="{_f(width)}" height="10.0" aria-label="{escape(title)}">'
        f'<rect class="track" x="0.0" y="1.0" width="{_f(width)}" height="8.0" rx="2.0"/>'
        f'<rect class="fill" x="0.0" y="1.0" width="{_f(fill)}" height="8.0" rx="2.0"/></svg>'
    )
