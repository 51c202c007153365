"""Band labels as printed on profiles: single bands and spans."""

from __future__ import annotations

import pytest

from bandwise.errors import LevelExpressionError
from bandwise.scheme import load_scheme
from bandwise.scheme.band_labels import label_for_bands, parse_band_label

BANDS = load_scheme().bands

LABELS = [
    # (as printed, normal spelling, bands covered)
    ("6", "6", ("6",)),
    ("1", "1", ("1",)),
    ("9", "9", ("9",)),
    ("8a", "8a", ("8a",)),
    ("8D", "8d", ("8d",)),
    ("8a-b", "8a-b", ("8a", "8b")),
    ("8A – 8B", "8a-b", ("8a", "8b")),
    ("8C - 8D", "8c-d", ("8c", "8d")),
    ("8C-8D", "8c-d", ("8c", "8d")),
    ("8b-c", "8b-c", ("8b", "8c")),
    ("8c-9", "8c-9", ("8c", "8d", "9")),
    ("7-8a", "7-8a", ("7", "8a")),
    ("8ab", "8a-b", ("8a", "8b")),
    ("Band 7", "7", ("7",)),
    ("band 8a – 8b", "8a-b", ("8a", "8b")),
]


@pytest.mark.parametrize(("text", "label", "bands"), LABELS, ids=[t for t, _, _ in LABELS])
def test_band_labels(text: str, label: str, bands: tuple[str, ...]) -> None:
    parsed = parse_band_label(BANDS, text)
    assert parsed.text == text
    assert parsed.label == label
    assert parsed.bands == bands
    # the normal spelling reads back to the same bands
    assert parse_band_label(BANDS, parsed.label).bands == bands
    assert label_for_bands(bands) == label


BAD = [
    ("10", "not a band label"),
    ("8e", "not a band label"),
    ("9-8a", "must ascend"),
    ("8b-a", "must ascend"),
    ("x", "not a band label"),
    ("", "not a band label"),
    ("8", "band 8 is not in the band table"),
    ("8ab-c", "not a band label"),
]


@pytest.mark.parametrize(("text", "words"), BAD, ids=[t or "empty" for t, _ in BAD])
def test_bad_band_labels(text: str, words: str) -> None:
    with pytest.raises(LevelExpressionError) as info:
        parse_band_label(BANDS, text)
    assert info.value.text == text
    assert repr(text) in str(info.value)
    assert words in str(info.value)


def test_label_for_no_bands_is_empty() -> None:
    assert label_for_bands(()) == ""
