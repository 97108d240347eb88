"""The progress chart, drawn on the server as SVG: one small panel per measure (each has its own
scale), sharing one time axis, with the sessions marked as dashed lines. No script, no inline style
(the Content-Security-Policy forbids it): the template draws what this computes, CSS colours it.
A table beside the chart gives the same figures to screen readers."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from outcomes.progress import MEASURES, Progress

WIDTH, PANEL_HEIGHT = 640, 130
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 22, 26


@dataclass
class Dot:
    x: float
    y: float
    on: date
    value: float


@dataclass
class Panel:
    key: str
    label: str
    unit: str
    top: float  # the panel's offset in the whole chart
    dots: list[Dot]
    low: float
    high: float
    y_low: float
    y_high: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{d.x:.1f},{d.y:.1f}" for d in self.dots)


@dataclass
class Marker:
    x: float
    on: date
    number: int


@dataclass
class Chart:
    width: int
    height: int
    panels: list[Panel]
    markers: list[Marker]
    first: date
    last: date
    left: int = LEFT
    right: int = WIDTH - RIGHT
    panel_height: int = PANEL_HEIGHT

    @property
    def plot_top(self) -> int:
        return TOP

    @property
    def plot_bottom(self) -> int:
        return PANEL_HEIGHT - BOTTOM


def _nice_high(value: float) -> float:
    """A round upper bound at or above `value` (1, 2 or 5 times a power of ten), for sizes, which
    have no fixed scale."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def progress_chart(progress: Progress) -> Chart | None:
    """The chart of `progress`, or None when there is nothing measured to draw."""
    days = [p.on for p in progress.points] + progress.sessions
    if not progress.points:
        return None
    first, last = min(days), max(days)
    if first == last:
        first, last = first - timedelta(days=7), last + timedelta(days=7)
    span = (last - first).days

    def x_of(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span

    panels = []
    for key, label, unit, low, high in MEASURES:
        measured = [(p.on, p.values[key]) for p in progress.points if p.values[key] is not None]
        if not measured:
            continue
        top = len(panels) * PANEL_HEIGHT
        ceiling = high if high is not None else _nice_high(max(v for _, v in measured))
        y_low, y_high = top + PANEL_HEIGHT - BOTTOM, top + TOP

        def y_of(value: float, low=low, ceiling=ceiling, y_low=y_low, y_high=y_high) -> float:
            return y_low - (y_low - y_high) * (value - low) / (ceiling - low)

        dots = [Dot(x_of(on), y_of(value), on, value) for on, value in measured]
        panels.append(Panel(key, label, unit, top, dots, low, ceiling, y_low, y_high))
    markers = [Marker(x_of(day), day, number) for number, day in enumerate(progress.sessions, start=1)]
    return Chart(WIDTH, PANEL_HEIGHT * len(panels), panels, markers, first, last)
