"""HTML to PDF with WeasyPrint, for the matching and consistency reports.

The report's HTML comes from the same Jinja2 template the browser gets; this module only
lays it out as PDF. It never fetches anything: the template carries its own CSS, charts
are inline SVG, and the URL fetcher refuses every URL that is not a ``data:`` URL, so a
link or image in user text (evidence, titles) cannot make the server read a file or
call the network.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import RefusedFetch

PDF_MEDIA_TYPE = "application/pdf"

#: The longest run of characters without a break opportunity that a PDF report lays out
#: as it is; a longer run gets an invisible break opportunity every this many characters.
BREAK_EVERY = 24
_RUN = re.compile(rf"\S{{{BREAK_EVERY + 1},}}")
ZERO_WIDTH_SPACE = "\u200b"


def _split(run: re.Match[str]) -> str:
    text = run.group()
    pieces = (text[i : i + BREAK_EVERY] for i in range(0, len(text), BREAK_EVERY))
    return ZERO_WIDTH_SPACE.join(pieces)


def breakable(text: str | None) -> str:
    """``text`` with a zero-width space every :data:`BREAK_EVERY` characters of any run
    without a space (a pasted URL, a row of dashes, junk). WeasyPrint's time to wrap such
    a run grows with the square of its length (16 factors of 20,000 characters took
    minutes) and wrapping at a zero-width space is immediate; it shows as nothing. The
    report template applies it to free text in the PDF only (``| breakable``), so text
    copied from the web page stays exactly as typed."""
    return _RUN.sub(_split, text) if text else ""


def _refusing_fetcher() -> Any:
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                raise RefusedFetch(f"reports fetch no external resources ({url[:40]})")
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a standalone HTML document (no base URL: nothing relative resolves)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf = HTML(string=html, base_url=None, url_fetcher=_refusing_fetcher()).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
