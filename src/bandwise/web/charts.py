"""SVG charts for the consistency pages and reports: pure functions from figures to an
SVG string (no I/O, no state), so the same chart is shown on a page, embedded in a PDF
by WeasyPrint and tested by parsing it.

Every chart is ``role="img"`` with a ``<title>`` and ``<desc>`` (``aria-labelledby``
points at them) so a screen reader announces what it shows; the pages put the same
figures beside it as a table. Colour is never the only carrier of meaning: bands are
named on the chart and an outlier carries a text mark. All text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from ..scheme.model import Band

#: NHS.UK colours, cycled over the bands (neighbours always differ).
BAND_COLOURS = ("#005eb8", "#007f3b", "#ffb81c", "#330072", "#ae2573", "#00a499", "#ed8b00")
SERIES_COLOURS = ("#005eb8", "#007f3b", "#ffb81c", "#ae2573", "#330072")
ABOVE_LABEL = "above table"
RANGE_FILL = "#aeb7bd"
INSIDE_COLOUR = "#005eb8"
OUTSIDE_COLOUR = "#d5281b"
TEXT = "#212b32"


@dataclass(frozen=True, slots=True)
class Bin:
    """One histogram bar: totals ``low`` to ``high`` (inclusive), all in ``band``."""

    low: int
    high: int
    band: str
    count: int


@dataclass(frozen=True, slots=True)
class RangeRow:
    """One job on the outlier chart: its total (``total`` to ``total_max`` when the
    outcome is a range) against its profile's total range. Outside when any part of the
    total is outside the range, as the consistency service decides it."""

    label: str
    total: int
    low: int
    high: int
    total_max: int | None = None

    @property
    def top(self) -> int:
        return self.total if self.total_max is None else self.total_max

    @property
    def total_text(self) -> str:
        return str(self.total) if self.top == self.total else f"{self.total}–{self.top}"

    @property
    def outside(self) -> bool:
        return self.total < self.low or self.top > self.high


def _x(text: object) -> str:
    return escape(str(text), quote=True)


def _svg_open(width: int, height: int, title: str, desc: str, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="bw-chart" '
        f'font-family="Arial, Helvetica, sans-serif" font-size="12" fill="{TEXT}">',
        f'<title id="{chart_id}-title">{_x(title)}</title>',
        f'<desc id="{chart_id}-desc">{_x(desc)}</desc>',
    ]


def nice_step(top: float, ticks: int = 5) -> int:
    """A round tick step (1, 2, 5, 10, 20, 50 ...) giving at most about ``ticks`` ticks."""
    step, i = 1, 0
    while top / step > ticks:
        step = step * 5 // 2 if i % 3 == 1 else step * 2
        i += 1
    return step


def _scale(lo: float, hi: float, start: float, end: float) -> Callable[[float], float]:
    """A linear map from the data range ``lo..hi`` to the pixels ``start..end``."""
    span = (hi - lo) or 1

    def to(value: float) -> float:
        return round(start + (value - lo) * (end - start) / span, 1)

    return to


def histogram_bins(totals: Sequence[int], bands: Sequence[Band], width: int = 20) -> list[Bin]:
    """Totals counted in bars of ``width`` points that never straddle a band boundary,
    over the bands from the lowest to the highest total, plus one bar for totals above
    the band table. Every total is in exactly one bar (a total below the table's floor,
    which the scheme cannot produce, counts in the first bar)."""
    if width < 1:
        raise ValueError("a bar is at least 1 point wide")
    if not totals or not bands:
        return []
    ordered = sorted(bands, key=lambda b: b.min)
    top = ordered[-1].max

    def band_index(total: int) -> int:
        return next((i for i, b in enumerate(ordered) if total <= b.max), len(ordered) - 1)

    first, last = band_index(min(totals)), band_index(min(max(totals), top))
    bins: list[Bin] = []
    for b in ordered[first : last + 1]:
        low = b.min
        while low <= b.max:
            high = min(low + width - 1, b.max)
            floor = -(10**9) if not bins else low
            bins.append(Bin(low, high, b.label, sum(1 for t in totals if floor <= t <= high)))
            low = high + 1
    above = [t for t in totals if t > top]
    if above:
        bins.append(Bin(top + 1, max(above), ABOVE_LABEL, len(above)))
    return bins


def _x_axis(x1: float, x2: float, y: float) -> str:
    return f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{TEXT}" />'


def _empty(width: int, title: str, chart_id: str, message: str) -> str:
    parts = _svg_open(width, 60, title, message, chart_id)
    parts.append(f'<text x="{width / 2}" y="34" text-anchor="middle">{_x(message)}</text>')
    return "\n".join([*parts, "</svg>"])


def band_histogram(
    totals: Sequence[int],
    bands: Sequence[Band],
    *,
    width: int = 20,
    title: str = "Score distribution by band",
    chart_id: str = "score-distribution",
) -> str:
    """A histogram of job totals, each bar coloured and named by its band, with the band
    boundaries (each band's minimum) marked and both axes labelled."""
    bins = histogram_bins(totals, bands, width)
    if not bins:
        return _empty(720, title, chart_id, "No outcomes to show.")
    ordered = sorted(bands, key=lambda b: b.min)
    colour = {b.label: BAND_COLOURS[i % len(BAND_COLOURS)] for i, b in enumerate(ordered)}
    colour[ABOVE_LABEL] = "#4c6272"
    w, h, left, right, top, bottom = 720, 330, 56, 16, 40, 62
    lo, hi = bins[0].low, bins[-1].high + 1
    most = max(b.count for b in bins)
    step = nice_step(most)
    y_top = max(step, -(-most // step) * step)
    sx = _scale(lo, hi, left, w - right)
    sy = _scale(0, y_top, h - bottom, top)
    shown = sorted(
        {b.band for b in bins if b.band != ABOVE_LABEL}, key=[x.label for x in ordered].index
    )
    desc = (
        f"{len(totals)} job totals in bars of {width} points from {lo} to {hi - 1}; "
        f"bands shown: {', '.join(shown)}"
        + (f" and {ABOVE_LABEL}" if bins[-1].band == ABOVE_LABEL else "")
        + ". Dashed lines mark the lowest total of each band."
    )
    parts = _svg_open(w, h, title, desc, chart_id)
    for value in range(0, y_top + 1, step):  # y axis: grid and ticks
        y = sy(value)
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{w - right}" y2="{y}" stroke="#d8dde0" />'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{value}</text>'
        )
    for b in bins:
        x0, x1 = sx(b.low), sx(b.high + 1)
        y = sy(b.count)
        label = "above the band table" if b.band == ABOVE_LABEL else f"band {b.band}"
        parts.append(
            f'<rect class="bw-bar" x="{x0}" y="{y}" width="{max(x1 - x0 - 1, 1):.1f}" '
            f'height="{round(h - bottom - y, 1)}" fill="{colour[b.band]}" '
            f'data-band="{_x(b.band)}" data-low="{b.low}" data-high="{b.high}" '
            f'data-count="{b.count}"><title>{b.low} to {b.high} points ({_x(label)}): '
            f"{b.count} job{'s' if b.count != 1 else ''}</title></rect>"
        )
    for band in ordered:  # boundaries and band names
        if band.max < lo or band.min >= hi:
            continue
        if lo <= band.min < hi:
            x = sx(band.min)
            parts.append(
                f'<line class="bw-boundary" data-total="{band.min}" x1="{x}" y1="{top - 14}" '
                f'x2="{x}" y2="{h - bottom + 6}" stroke="{TEXT}" stroke-dasharray="4 3" />'
                f'<text x="{x}" y="{h - bottom + 20}" text-anchor="middle">{band.min}</text>'
            )
        mid = sx((max(band.min, lo) + min(band.max + 1, hi)) / 2)
        parts.append(
            f'<text class="bw-band-label" x="{mid}" y="{top - 18}" text-anchor="middle" '
            f'font-weight="bold">{_x(band.label)}</text>'
        )
    if bins[-1].band == ABOVE_LABEL:
        parts.append(
            f'<text x="{sx((bins[-1].low + hi) / 2)}" y="{top - 4}" text-anchor="middle">'
            "above</text>"
        )
    parts += [
        _x_axis(left, w - right, h - bottom),
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="{TEXT}" />',
        f'<text x="{(left + w - right) / 2}" y="{h - 14}" text-anchor="middle">'
        "Total points (band boundaries marked)</text>",
        f'<text x="14" y="{(top + h - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(top + h - bottom) / 2})">Number of jobs</text>',
        f'<text x="{left - 8}" y="{top - 18}" text-anchor="end" font-weight="bold">Band</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def range_chart(
    rows: Sequence[RangeRow],
    *,
    title: str = "Job totals against their profile's range",
    chart_id: str = "profile-ranges",
) -> str:
    """One line per job: the profile's total range as a grey bar and the job's total as
    a dot (inside) or a red diamond marked "outside"."""
    if not rows:
        return _empty(720, title, chart_id, "No outcomes matched to a profile.")
    w, left, right, top, row_h = 720, 230, 70, 30, 26
    h = top + row_h * len(rows) + 50
    values = [v for r in rows for v in (r.total, r.top, r.low, r.high)]
    lo, hi = (min(values) - 10) // 10 * 10, -(-(max(values) + 10) // 10) * 10
    sx = _scale(lo, hi, left, w - right)
    outside = sum(1 for r in rows if r.outside)
    desc = (
        f"{len(rows)} jobs; {outside} with a total outside their profile's range. "
        "Grey bars are the profile's total range, dots the job's total; a diamond marked "
        "'outside' is a total outside the range."
    )
    parts = _svg_open(w, h, title, desc, chart_id)
    step = nice_step(hi - lo, 6)
    first = -(-lo // step) * step
    axis_y = top + row_h * len(rows) + 4
    for value in range(first, hi + 1, step):
        x = sx(value)
        parts.append(
            f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{axis_y}" stroke="#d8dde0" />'
            f'<text x="{x}" y="{axis_y + 16}" text-anchor="middle">{value}</text>'
        )
    for i, r in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        label = r.label if len(r.label) <= 34 else r.label[:33] + "…"
        parts.append(
            f'<g class="bw-range-row" data-total="{r.total}" data-total-max="{r.top}" '
            f'data-low="{r.low}" data-high="{r.high}" '
            f'data-outside="{"yes" if r.outside else "no"}">'
            f"<title>{_x(r.label)}: total {r.total_text}, profile range {r.low} to {r.high}"
            f"{' (outside)' if r.outside else ''}</title>"
            f'<text x="{left - 8}" y="{cy + 4}" text-anchor="end">{_x(label)}</text>'
            f'<rect x="{sx(r.low)}" y="{cy - 5}" width="{max(sx(r.high) - sx(r.low), 2):.1f}" '
            f'height="10" fill="{RANGE_FILL}" />'
        )
        x = sx(r.total)
        if r.top != r.total:  # a range total: a line from its lowest to its highest
            parts.append(
                f'<line x1="{x}" y1="{cy}" x2="{sx(r.top)}" y2="{cy}" '
                f'stroke="{OUTSIDE_COLOUR if r.outside else INSIDE_COLOUR}" stroke-width="3" />'
            )
            x = sx(r.top) if r.top > r.high else x
        if r.outside:
            parts.append(
                f'<path d="M{x} {cy - 7} L{x + 7} {cy} L{x} {cy + 7} L{x - 7} {cy} Z" '
                f'fill="{OUTSIDE_COLOUR}" />'
                f'<text x="{x + 10}" y="{cy + 4}" font-weight="bold">outside</text></g>'
            )
        else:
            parts.append(f'<circle cx="{x}" cy="{cy}" r="5" fill="{INSIDE_COLOUR}" /></g>')
    parts += [
        f'<line x1="{left}" y1="{axis_y}" x2="{w - right}" y2="{axis_y}" stroke="{TEXT}" />',
        f'<text x="{(left + w - right) / 2}" y="{h - 8}" text-anchor="middle">Total points</text>',
        f'<text x="{left - 8}" y="16" text-anchor="end" font-weight="bold">Job</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    y_label: str,
    chart_id: str = "bar-chart",
) -> str:
    """Bars per category for each named series, each bar labelled with its value and a
    legend naming the series (e.g. jobs matched and evaluated per quarter)."""
    if not categories or not series:
        return _empty(720, title, chart_id, "No figures to show.")
    w, h, left, right, top, bottom = 720, 300, 56, 16, 44, 50
    most = max((v for _, values in series for v in values), default=0)
    step = nice_step(most)
    y_top = max(step, -(-most // step) * step)
    sy = _scale(0, y_top, h - bottom, top)
    group = (w - left - right) / len(categories)
    bar = min(40.0, group * 0.8 / len(series))
    desc = "; ".join(
        f"{cat}: " + ", ".join(f"{name} {values[i]}" for name, values in series)
        for i, cat in enumerate(categories)
    )
    parts = _svg_open(w, h, title, desc, chart_id)
    for value in range(0, y_top + 1, step):
        y = sy(value)
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{w - right}" y2="{y}" stroke="#d8dde0" />'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{value}</text>'
        )
    for i, cat in enumerate(categories):
        x0 = left + group * i + (group - bar * len(series)) / 2
        for j, (name, values) in enumerate(series):
            x, y = round(x0 + bar * j, 1), sy(values[i])
            parts.append(
                f'<rect class="bw-bar" x="{x}" y="{y}" width="{bar - 2:.1f}" '
                f'height="{round(h - bottom - y, 1)}" '
                f'fill="{SERIES_COLOURS[j % len(SERIES_COLOURS)]}" data-series="{_x(name)}" '
                f'data-category="{_x(cat)}" data-value="{values[i]}">'
                f"<title>{_x(cat)}, {_x(name)}: {values[i]}</title></rect>"
                f'<text x="{x + (bar - 2) / 2:.1f}" y="{y - 4}" text-anchor="middle">'
                f"{values[i]}</text>"
            )
        parts.append(
            f'<text x="{left + group * (i + 0.5):.1f}" y="{h - bottom + 18}" '
            f'text-anchor="middle">{_x(cat)}</text>'
        )
    x = left
    for j, (name, _) in enumerate(series):  # legend
        parts.append(
            f'<rect x="{x}" y="10" width="12" height="12" '
            f'fill="{SERIES_COLOURS[j % len(SERIES_COLOURS)]}" />'
            f'<text x="{x + 16}" y="20">{_x(name)}</text>'
        )
        x += 24 + 7 * len(name)
    parts += [
        _x_axis(left, w - right, h - bottom),
        f'<text x="14" y="{(top + h - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(top + h - bottom) / 2})">{_x(y_label)}</text>',
        "</svg>",
    ]
    return "\n".join(parts)
