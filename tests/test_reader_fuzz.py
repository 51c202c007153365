"""Damaged versions of the seed never make the reader raise, and nothing is silently lost.

Each mutated document must give a ReadResult that can be validated and serialised, and
every line listed as unplaced must be a real, non-blank line of the input, quoted exactly
(form feeds aside: the reader treats them as page breaks and removes them). Mutations are
driven by hypothesis (derandomised, a fixed number of examples) and by fixed
``random.Random`` seeds, so a failure always reproduces.
"""

from __future__ import annotations

import codecs
import json
import random
import string
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bandwise.documents.decode import decode, split_lines
from bandwise.documents.text_reader import read_profile_text
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.profiles.model import FINDING_CODES, SEVERITIES, ReadResult
from bandwise.profiles.serialize import dump_suite_yaml, read_result_to_json
from bandwise.profiles.validate import validate_suite
from bandwise.scheme.loader import load_scheme

SCHEME = load_scheme()
SEED_TEXT = SEED_DOCUMENT.read_text(encoding="utf-8")
SEED_LINES = SEED_TEXT.split("\n")[:-1]
BASELINE = read_profile_text(SEED_TEXT, SEED_DOCUMENT.name, scheme=SCHEME)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# -- the invariant ---------------------------------------------------------------------


def _row_text(line: str) -> str:
    """The descriptor-and-example text a factor row holds, by the document layout."""
    rest = [c.strip() for c in line.split("\t")[2:]]
    while rest and not rest[-1]:
        rest.pop()
    if len(rest) >= 3:
        return " ".join(c for c in rest[:-2] if c)
    return rest[0] if rest else ""


def check(data: bytes | str, dump_yaml: bool = False) -> ReadResult:
    result = read_profile_text(data, "fuzz.txt", scheme=SCHEME)
    assert isinstance(result, ReadResult)
    text, encoding = decode(data)
    assert result.encoding == encoding
    lines = [ln.replace("\f", "") for ln in split_lines(text)]

    numbers = [u.line for u in result.unplaced]
    assert len(numbers) == len(set(numbers)), "a line is listed as unplaced twice"
    flagged = {f.line for f in result.findings if f.code == "unplaced-text"}
    for u in result.unplaced:
        assert 1 <= u.line <= len(lines)
        assert u.text == lines[u.line - 1]
        assert u.text.strip()
        assert u.line in flagged

    for f in result.findings:
        assert f.code in FINDING_CODES and f.severity in SEVERITIES
        assert f.line is None or 1 <= f.line <= len(lines)

    for profile in result.suite.profiles:
        assert 1 <= profile.line <= len(lines)
        for e in profile.factors:
            used = [e.line, *e.continuation_lines]
            assert all(1 <= n <= len(lines) for n in used)
            source = [_row_text(lines[e.line - 1])]
            source += [lines[n - 1].split("\t")[2].strip() for n in e.continuation_lines]
            assert e.text.split() == " ".join(source).split(), "factor text changed"

    findings = [*result.findings, *validate_suite(SCHEME, result.suite)]
    json.dumps(read_result_to_json(SCHEME, result, findings))
    if dump_yaml:  # slow (pure-Python YAML), so only where garbage reaches the strings
        dump_suite_yaml(result.suite)
    return result


# -- mutations (lines -> lines) -----------------------------------------------------------

GARBAGE_ALPHABET = string.printable + "\t\t\t–—‑éüß€£§¶•…“”‘’\u00a0\u200b\ufeff漢字🙂\x0b\x1c"
TRAPS = [
    "JE Score",
    "Band",
    "Ban\td 8",
    "Profile Suite and Label\t",
    "Job Statement\t",
    "Factor\t\tLevel descriptor\tJE Level\tJE Score",
    "17.\t",
    "0.\t",
    "99.\t",
    "3.\t\t",
    "\t\t",
    "Contents",
    "Version history",
    "*",
    "8c-d",
    "(a)",
    "-",
    "–",
]


def _garbage(rnd: random.Random) -> str:
    parts = []
    for _ in range(rnd.randint(1, 6)):
        if rnd.random() < 0.4:
            parts.append(rnd.choice(TRAPS))
        else:
            parts.append("".join(rnd.choice(GARBAGE_ALPHABET) for _ in range(rnd.randint(0, 30))))
    return "".join(parts).replace("\r", "").replace("\n", "")


def shuffle_all(lines: list[str], rnd: random.Random) -> list[str]:
    out = list(lines)
    rnd.shuffle(out)
    return out


def shuffle_window(lines: list[str], rnd: random.Random) -> list[str]:
    out = list(lines)
    if out:
        i = rnd.randrange(len(out))
        j = min(len(out), i + rnd.randint(2, 30))
        window = out[i:j]
        rnd.shuffle(window)
        out[i:j] = window
    return out


def swap_two(lines: list[str], rnd: random.Random) -> list[str]:
    out = list(lines)
    if len(out) > 1:
        i, j = rnd.randrange(len(out)), rnd.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    return out


def truncate_lines(lines: list[str], rnd: random.Random) -> list[str]:
    return lines[: rnd.randint(0, len(lines))]


def truncate_chars(lines: list[str], rnd: random.Random) -> list[str]:
    text = "\n".join(lines)
    return text[: rnd.randint(0, len(text))].split("\n")


def drop_head(lines: list[str], rnd: random.Random) -> list[str]:
    return lines[rnd.randint(0, len(lines)) :]


def delete_lines(lines: list[str], rnd: random.Random) -> list[str]:
    return [ln for ln in lines if rnd.random() > 0.15]


def duplicate_line(lines: list[str], rnd: random.Random) -> list[str]:
    out = list(lines)
    if out:
        out.insert(rnd.randrange(len(out) + 1), rnd.choice(out))
    return out


def duplicate_block(lines: list[str], rnd: random.Random) -> list[str]:
    out = list(lines)
    if out:
        i = rnd.randrange(len(out))
        block = out[i : i + rnd.randint(1, 40)]
        at = rnd.randrange(len(out) + 1)
        out[at:at] = block
    return out


def insert_garbage(lines: list[str], rnd: random.Random) -> list[str]:
    out = list(lines)
    for _ in range(rnd.randint(1, 8)):
        out.insert(rnd.randrange(len(out) + 1), _garbage(rnd))
    return out


def garble_lines(lines: list[str], rnd: random.Random) -> list[str]:
    """Splice garbage into existing lines (inside cells, not only between lines)."""
    out = list(lines)
    for _ in range(rnd.randint(1, 8)):
        if not out:
            break
        i = rnd.randrange(len(out))
        at = rnd.randint(0, len(out[i]))
        out[i] = out[i][:at] + _garbage(rnd) + out[i][at:]
    return out


def delete_tabs(lines: list[str], rnd: random.Random) -> list[str]:
    p = rnd.random()
    return [ln.replace("\t", rnd.choice(["", " "])) if rnd.random() < p else ln for ln in lines]


def double_tabs(lines: list[str], rnd: random.Random) -> list[str]:
    p = rnd.random()
    return [ln.replace("\t", "\t\t") if rnd.random() < p else ln for ln in lines]


def form_feeds(lines: list[str], rnd: random.Random) -> list[str]:
    out = []
    for ln in lines:
        r = rnd.random()
        if r < 0.1:
            out.append("\f" + ln)
        elif r < 0.15:
            out.append("\f")
            out.append(ln)
        elif r < 0.2 and ln:
            at = rnd.randrange(len(ln))
            out.append(ln[:at] + "\f" + ln[at:])
        else:
            out.append(ln)
    return out


def blank_out(lines: list[str], rnd: random.Random) -> list[str]:
    return ["" if rnd.random() < 0.2 else ln for ln in lines]


def reverse_blocks(lines: list[str], rnd: random.Random) -> list[str]:
    """Reverse random stretches, as a bad extraction would reverse pages."""
    out = list(lines)
    for _ in range(rnd.randint(1, 4)):
        if not out:
            break
        i = rnd.randrange(len(out))
        j = min(len(out), i + rnd.randint(2, 25))
        out[i:j] = out[i:j][::-1]
    return out


MUTATIONS: dict[str, Callable[[list[str], random.Random], list[str]]] = {
    f.__name__: f
    for f in (
        shuffle_all,
        shuffle_window,
        swap_two,
        truncate_lines,
        truncate_chars,
        drop_head,
        delete_lines,
        duplicate_line,
        duplicate_block,
        insert_garbage,
        garble_lines,
        delete_tabs,
        double_tabs,
        form_feeds,
        blank_out,
        reverse_blocks,
    )
}

# -- encodings (text -> bytes or str) ----------------------------------------------------


def encode(text: str, encoding: str, newline: str) -> bytes | str:
    text = text.replace("\n", newline)
    if encoding == "str":
        return text
    if encoding == "utf-16":
        return text.encode("utf-16")  # with a byte order mark
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding, errors="replace")


ENCODINGS = ["str", "utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252", "latin-1"]
NEWLINES = ["\n", "\r\n", "\r"]


def damage_bytes(data: bytes | str, rnd: random.Random) -> bytes | str:
    """Cut the bytes anywhere (mid-character, odd UTF-16 length) or flip a few of them."""
    if isinstance(data, str) or not data:
        return data
    if rnd.random() < 0.5:
        return data[: rnd.randint(0, len(data))]
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 10)):
        buf[rnd.randrange(len(buf))] = rnd.randrange(256)
    return bytes(buf)


# -- tests -----------------------------------------------------------------------------


def test_the_unmutated_seed_passes_the_check() -> None:
    result = check(SEED_DOCUMENT.read_bytes())
    assert len(result.suite.profiles) == 5
    assert result.unplaced == ()


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_mutation_with_fixed_seeds(name: str) -> None:
    for seed in range(4):
        rnd = random.Random(f"{name}-{seed}")
        lines = MUTATIONS[name](SEED_LINES, rnd)
        check("\n".join(lines) + "\n", dump_yaml=seed == 0 and "garb" in name)


@FUZZ
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    names=st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=4),
    encoding=st.sampled_from(ENCODINGS),
    newline=st.sampled_from(NEWLINES),
    byte_damage=st.booleans(),
)
def test_mutated_seed(
    seed: int, names: list[str], encoding: str, newline: str, byte_damage: bool
) -> None:
    rnd = random.Random(seed)
    lines = list(SEED_LINES)
    for name in names:
        lines = MUTATIONS[name](lines, rnd)
    data = encode("\n".join(lines) + "\n", encoding, newline)
    if byte_damage:
        data = damage_bytes(data, rnd)
    check(data)


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_arbitrary_text(text: str) -> None:
    check(text, dump_yaml=True)
    check(text.encode("utf-8"))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [(e, n) for e in ENCODINGS for n in NEWLINES if e != "latin-1"],
)
def test_encodings_and_line_endings_read_the_same(encoding: str, newline: str) -> None:
    """The seed's only non-ASCII character, the en dash, exists in every encoding but Latin-1."""
    data = encode(SEED_TEXT, encoding, newline)
    result = check(data)
    assert result.suite == replace(BASELINE.suite, source="fuzz.txt")
    want = {"str": "utf-8", "utf-16-be": "utf-16"}.get(encoding, encoding)
    assert result.encoding == want
    codes = sorted(f.code for f in result.findings)
    base_codes = sorted(f.code for f in BASELINE.findings)
    assert codes == sorted([*base_codes, *(["encoding"] if want == "cp1252" else [])])


def test_latin1_seed_loses_only_the_dashes() -> None:
    data = SEED_TEXT.encode("latin-1", errors="replace")
    result = check(data)
    # every en dash became "?", which is ASCII, so the bytes are valid UTF-8
    assert result.encoding == "utf-8"
    assert [p.id for p in result.suite.profiles] == [p.id for p in BASELINE.suite.profiles]


def test_latin1_only_bytes_are_read_as_latin1() -> None:
    data = (
        SEED_TEXT.replace("\u2013", "-")
        .replace("Art Therapy", "Art Therapy \x81")
        .encode("latin-1")
    )
    result = check(data)
    assert result.encoding == "latin-1"
    assert result.suite.title == "National Profiles for Art Therapy \x81"
    assert [f.code for f in result.findings].count("encoding") == 1


def test_form_feed_page_breaks_read_the_same() -> None:
    """A form feed starting each page is what some extractors write between pages."""
    lines = list(SEED_LINES)
    for i in range(1, len(lines)):
        if lines[i] and not lines[i - 1]:
            lines[i] = "\f" + lines[i]
    result = check("\n".join(lines) + "\n")
    assert result.suite == replace(BASELINE.suite, source="fuzz.txt")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "",
        " ",
        "\n",
        "\r\n\r\n",
        "  \t \n\t\t\n   \n",
        "\f",
        "\f\n\f\n",
        codecs.BOM_UTF8,
        b"\xff\xfe",
    ],
    ids=[
        "empty-bytes",
        "empty-str",
        "space",
        "newline",
        "crlf",
        "whitespace",
        "form-feed",
        "form-feeds",
        "utf8-bom-only",
        "utf16-bom-only",
    ],
)
def test_empty_and_blank_input(data: bytes | str) -> None:
    result = check(data)
    assert result.suite.profiles == ()
    assert result.unplaced == ()
    assert result.suite.title == "Untitled profile suite"
    assert [f.code for f in result.findings if f.code != "encoding"] == []
