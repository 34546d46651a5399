"""Trends (platform adoption, the Build-Run share) as SVG line charts drawn on the server: no chart library, no script, no external file.

``trend_chart`` turns the series into coordinates and labels; the template writes them as SVG
elements with presentation attributes (the Content-Security-Policy forbids inline styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from catalog.answers.adoption import AdoptionPoint
from catalog.core.clock import parse_iso

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 16, 40


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str
    """What a hover (the SVG ``title``) says: when, the share and the counts."""


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    line: str
    """The ``points`` of the standard-platform share, as an SVG polyline."""
    area: str
    """The same line closed along the bottom axis, as a polygon."""
    dots: tuple[Dot, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    left: int
    right: int
    top: int
    bottom: int
    summary: str
    """One sentence for people and screen readers: the latest share and its change over the series."""


def _x(i: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if n == 1 else span * i / (n - 1))


def _y(ratio: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - ratio)


def trend_chart(points: Sequence[AdoptionPoint]) -> TrendChart | None:
    """The chart of the standard-platform share over ``points`` (oldest first); None when there is no point."""
    if not points:
        return None
    labels = [
        f"{p.taken_at[:16].replace('T', ' ')} UTC: {p.standard} of {p.total} services on the standard platform "
        f"({(p.ratio or 0.0) * 100:.0f}%), {p.other} on others, {p.unknown} unknown"
        for p in points
    ]
    first, last = points[0], points[-1]
    change = ((last.ratio or 0.0) - (first.ratio or 0.0)) * 100
    summary = (
        f"{(last.ratio or 0.0) * 100:.0f}% of {last.total} services run on the standard platform at the latest sync "
        f"({last.taken_at[:10]}), {change:+.0f} points over {len(points)} syncs since {first.taken_at[:10]}"
    )
    return share_chart([(p.taken_at, p.ratio or 0.0, label) for p, label in zip(points, labels, strict=True)], summary)


def share_chart(series: Sequence[tuple[str, float, str]], summary: str) -> TrendChart | None:
    """A share over syncs as a chart: ``series`` holds (taken at, share from 0 to 1, hover label), oldest first."""
    if not series:
        return None
    n = len(series)
    dots = tuple(Dot(round(_x(i, n), 1), round(_y(share), 1), label) for i, (_, share, label) in enumerate(series))
    line = " ".join(f"{d.x},{d.y}" for d in dots)
    base = _y(0.0)
    area = f"{dots[0].x},{base} {line} {dots[-1].x},{base}"
    y_ticks = tuple(Tick(LEFT - 6, round(_y(r), 1), f"{r * 100:.0f}%") for r in (0.0, 0.25, 0.5, 0.75, 1.0))
    every = max(1, (n + 5) // 6)
    chosen = sorted({*range(0, n, every), n - 1})
    # Syncs a few minutes apart (a fresh demo) need the time; a season of them, only the day.
    times = [taken for taken, _, _ in series]
    short = parse_iso(times[-1]) - parse_iso(times[0]) < timedelta(days=2)
    x_ticks = tuple(
        Tick(round(_x(i, n), 1), HEIGHT - BOTTOM + 18, times[i][5:16].replace("T", " ") if short else times[i][5:10]) for i in chosen
    )
    return TrendChart(WIDTH, HEIGHT, line, area, dots, y_ticks, x_ticks, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM, summary)
