"""The SVG charts are pure functions: same figures, same SVG; valid XML; every outcome
counted in exactly one bar; band boundaries where the scheme's band table puts them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bandwise.scheme.loader import load_scheme
from bandwise.web.charts import (
    ABOVE_LABEL,
    RangeRow,
    band_histogram,
    grouped_bar_chart,
    histogram_bins,
    nice_step,
    range_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
BANDS = load_scheme().bands.bands


def bars(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bw-bar"]


def test_the_bars_per_band_sum_to_the_number_of_outcomes() -> None:
    totals = [475, 482, 482, 300, 540, 584, 585, 780]
    svg = band_histogram(totals, BANDS)
    per_band: dict[str, int] = {}
    for bar in bars(svg):
        band = bar.get("data-band", "")
        per_band[band] = per_band.get(band, 0) + int(bar.get("data-count", "0"))
    assert sum(per_band.values()) == len(totals)
    assert per_band["7"] == 3 and per_band["4"] == 1 and per_band["8a"] == 2
    assert per_band["8b"] == 1 and per_band[ABOVE_LABEL] == 1


def test_no_bar_straddles_a_band_boundary() -> None:
    for b in histogram_bins([100, 470, 700], BANDS, width=25):
        if b.band != ABOVE_LABEL:
            band = next(x for x in BANDS if x.label == b.band)
            assert band.min <= b.low <= b.high <= band.max


def test_the_boundaries_are_the_scheme_band_minima_within_the_chart() -> None:
    root = ET.fromstring(band_histogram([200, 700], BANDS))
    marked = [
        int(ln.get("data-total", "0")) for ln in root.iter(f"{SVG}line") if ln.get("data-total")
    ]
    expected = [b.min for b in BANDS if 161 <= b.min <= 720]
    assert marked == expected
    assert 466 in marked and 540 in marked  # bands 7 and 8a from bands.yaml
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "bw-band-label"]
    assert labels == [b.label for b in BANDS if 161 <= b.min <= 720]


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=60))
def test_every_total_is_counted_once(totals: list[int]) -> None:
    assert sum(b.count for b in histogram_bins(totals, BANDS)) == len(totals)


def test_charts_are_pure_and_accessible() -> None:
    for make in (
        lambda: band_histogram([482, 475], BANDS),
        lambda: range_chart([RangeRow("Job 1", 482, 475, 516)]),
        lambda: grouped_bar_chart(["Q1", "Q2"], [("Matched", [1, 2])], title="T", y_label="Jobs"),
    ):
        first, second = make(), make()
        assert first == second
        root = ET.fromstring(first)
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_text_is_escaped() -> None:
    svg = range_chart([RangeRow("<script>alert(1)</script> & co", 600, 475, 516)])
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    (row,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bw-range-row"]
    assert row.get("data-outside") == "yes"
    assert any(t.text == "outside" for t in row.iter(f"{SVG}text"))  # not colour alone


def test_grouped_bars_carry_their_values() -> None:
    svg = grouped_bar_chart(
        ["2026/27 Q1", "2026/27 Q2"],
        [("Jobs matched", [3, 0]), ("Jobs evaluated", [1, 4])],
        title="Quarters",
        y_label="Jobs",
    )
    values = [
        (b.get("data-category"), b.get("data-series"), b.get("data-value")) for b in bars(svg)
    ]
    assert values == [
        ("2026/27 Q1", "Jobs matched", "3"),
        ("2026/27 Q1", "Jobs evaluated", "1"),
        ("2026/27 Q2", "Jobs matched", "0"),
        ("2026/27 Q2", "Jobs evaluated", "4"),
    ]


def test_empty_figures_give_a_valid_chart_saying_so() -> None:
    for svg in (
        band_histogram([], BANDS),
        range_chart([]),
        grouped_bar_chart([], [], title="T", y_label="Y"),
    ):
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and "No " in "".join(root.itertext())
    assert histogram_bins([], BANDS) == []
    with pytest.raises(ValueError):
        histogram_bins([1], BANDS, width=0)


@pytest.mark.parametrize(("top", "step"), [(0, 1), (3, 1), (7, 2), (12, 5), (40, 10), (1000, 200)])
def test_tick_steps_are_round(top: int, step: int) -> None:
    assert nice_step(top) == step


def test_a_range_total_is_outside_when_any_part_of_it_is() -> None:
    """As the consistency service decides it: lowest below or highest above the range."""
    inside = RangeRow("a", 480, 475, 516, 510)
    above = RangeRow("b", 480, 475, 516, 530)
    below = RangeRow("c", 470, 475, 516, 500)
    assert not inside.outside and above.outside and below.outside
    assert above.total_text == "480–530" and RangeRow("d", 480, 475, 516).total_text == "480"
    svg = ET.fromstring(range_chart([inside, above, below]))
    rows = [
        g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "bw-range-row"
    ]
    assert [g.get("data-outside") for g in rows] == ["no", "yes", "yes"]
    assert [g.get("data-total-max") for g in rows] == ["510", "530", "500"]
