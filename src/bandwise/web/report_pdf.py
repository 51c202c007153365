"""HTML to PDF with WeasyPrint, for the matching and consistency reports.

The report's HTML comes from the same Jinja2 template the browser gets; this module only
lays it out as PDF. It never fetches anything: the template carries its own CSS, charts
are inline SVG, and the URL fetcher refuses every URL that is not a ``data:`` URL, so a
link or image in user text (evidence, titles) cannot make the server read a file or
call the network.
"""

from __future__ import annotations

from typing import Any

PDF_MEDIA_TYPE = "application/pdf"


class RefusedFetch(ValueError):
    """A report asked for a resource that is not inline (``data:``)."""


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
