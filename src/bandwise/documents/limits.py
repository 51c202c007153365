"""Bounds on reading one document: what a reader may extract, and what a parse may cost.

A hostile document can be small and still take minutes and gigabytes to parse: a 51 KB
PDF whose 100 pages share one content stream of 200,000 text operators, a 505 KB Word
file of two million empty paragraphs, a 45 MB text file of junk lines. So the readers
count what they extract as they go (:class:`Budget`) and stop the moment a budget is
spent, never after; and the server parses uploads and stored documents in a child
process (:mod:`.isolated`) with CPU-time, memory and wall-clock limits, so whatever the
counts miss is still stopped. Each limit is a setting read from the environment
(:data:`SETTINGS`); the defaults leave ordinary documents far inside them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import NoReturn

from ..errors import DocumentTooComplex
from ..errors import LimitSettingError as LimitSettingError  # re-exported
from ..settings import load

#: field name: (environment variable, what it bounds, unit in messages)
SETTINGS: dict[str, tuple[str, str, str]] = {
    "cpu_seconds": ("BANDWISE_PARSE_CPU_SECONDS", "CPU time of one parse", "s of CPU time"),
    "wall_seconds": ("BANDWISE_PARSE_WALL_SECONDS", "wall-clock time of one parse", "s"),
    "memory_mb": ("BANDWISE_PARSE_MEMORY_MB", "memory of the parsing process", "MiB of memory"),
    "workers": ("BANDWISE_PARSE_WORKERS", "documents parsed at once by one server", ""),
    "max_chars": ("BANDWISE_PARSE_MAX_CHARS", "characters of text", "characters of text"),
    "max_paragraphs": ("BANDWISE_PARSE_MAX_PARAGRAPHS", "paragraphs of a Word file", "paragraphs"),
    "max_lines": ("BANDWISE_PARSE_MAX_LINES", "lines of a text file", "lines"),
    "max_unplaced": (
        "BANDWISE_PARSE_MAX_UNPLACED",
        "lines of a profile document the reader cannot place",
        "lines that are not profile rows",
    ),
    "max_content_mb": (
        "BANDWISE_PARSE_MAX_CONTENT_MB",
        "page content (drawing instructions) of a PDF",
        "MiB of page content",
    ),
}
#: XML elements a Word file may hold per paragraph allowed (runs, properties, cells...).
ELEMENTS_PER_PARAGRAPH = 20


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """The limits of one document's parse. The defaults are far above what a job
    description or a national profile document needs (tens of pages, a few thousand
    paragraphs, a second or two of CPU time)."""

    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    memory_mb: int = 1024
    workers: int = 2
    max_chars: int = 10_000_000
    max_paragraphs: int = 100_000
    max_lines: int = 200_000
    max_unplaced: int = 10_000
    max_content_mb: float = 16.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ParseLimits:
        """The limits set by ``BANDWISE_PARSE_*`` variables, the defaults for the rest."""
        env = os.environ if environ is None else environ
        # only the parse limits: another setting's bad value is not this caller's concern
        settings = load({k: v for k, v in env.items() if k.startswith("BANDWISE_PARSE_")})
        return cls(**{f.name: getattr(settings, "parse_" + f.name) for f in fields(cls)})

    def signature(self) -> str:
        """The limits as one short string (stored beside a cached parse error, so the
        document is read again once the limits change)."""
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


def current(limits: ParseLimits | None) -> ParseLimits:
    """``limits``, or the environment's when None (library and command-line use)."""
    return limits if limits is not None else ParseLimits.from_env()


def too_complex(name: str, field: str, amount: float | None = None) -> NoReturn:
    """Raise :class:`DocumentTooComplex` naming the limit that was passed and its setting."""
    variable, _, unit = SETTINGS[field]
    number = amount if amount is not None else 0
    shown = f"{number:,}" if isinstance(number, int) else f"{number:g}"
    raise DocumentTooComplex(name, f"more than {shown} {unit}; setting {variable}")


class Budget:
    """What a reader has extracted from one document so far, stopped at the limits.

    The readers call the ``add_*`` methods as they extract (page by page, paragraph by
    paragraph, line by line), so a document over a limit costs no more than the limit."""

    __slots__ = ("chars", "content", "limits", "lines", "name", "paragraphs", "unplaced")

    def __init__(self, name: str, limits: ParseLimits | None = None) -> None:
        self.name = name
        self.limits = current(limits)
        self.chars = self.paragraphs = self.lines = self.unplaced = self.content = 0

    def add_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > self.limits.max_chars:
            too_complex(self.name, "max_chars", self.limits.max_chars)

    def add_paragraph(self) -> None:
        self.paragraphs += 1
        if self.paragraphs > self.limits.max_paragraphs:
            too_complex(self.name, "max_paragraphs", self.limits.max_paragraphs)

    def add_line(self) -> None:
        self.lines += 1
        if self.lines > self.limits.max_lines:
            too_complex(self.name, "max_lines", self.limits.max_lines)

    def add_unplaced(self) -> None:
        self.unplaced += 1
        if self.unplaced > self.limits.max_unplaced:
            too_complex(self.name, "max_unplaced", self.limits.max_unplaced)

    def add_content(self, size: int) -> None:
        """``size`` bytes of a PDF page's decoded content stream."""
        self.content += size
        if self.content > self.limits.max_content_mb * 1024 * 1024:
            too_complex(self.name, "max_content_mb", self.limits.max_content_mb)
