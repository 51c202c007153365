"""A letter laid out on the organisation's letterhead, as PDF (WeasyPrint) and as Word
(python-docx): the logo, name and address at the head, the date, the recipient, the
subject in bold and the body's paragraphs.

The PDF is made from a standalone HTML page with its own CSS; the logo is an inline
``data:`` URL and every other URL is refused (the same rule as the matching report's
PDF), so nothing in a template or a name can make the server fetch a file.
"""

from __future__ import annotations

import base64
import contextlib
import io
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from jinja2 import Environment, select_autoescape

from ..errors import RefusedFetch
from .templates import LetterText, paragraphs

PDF_MEDIA_TYPE = "application/pdf"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The logo types a letter prints (Word takes these two; others are left out of it).
_WORD_IMAGES = ("image/png", "image/jpeg")


class Letterhead(Protocol):
    """What a letter prints at its head (``bandwise.services.organisation.Letterhead``)."""

    @property
    def name(self) -> str: ...
    @property
    def address_lines(self) -> tuple[str, ...]: ...
    @property
    def logo(self) -> bytes | None: ...
    @property
    def logo_content_type(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Page:
    """Everything on the letter's page."""

    letterhead: Letterhead
    date: str  # as people read it: "3 December 2026"
    recipient: str
    text: LetterText


_HTML = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ text.subject }}</title>
<style>
@page { size: A4; margin: 2cm 2.2cm; }
body { font-family: Arial, "Liberation Sans", sans-serif; font-size: 11pt; line-height: 1.45;
  color: #212b32; }
.head { display: flex; justify-content: space-between; align-items: flex-start;
  border-bottom: 2px solid #005eb8; padding-bottom: 8pt; margin-bottom: 18pt; }
.logo { max-height: 2.2cm; max-width: 6cm; }
.organisation { text-align: right; }
.organisation .name { font-weight: bold; font-size: 13pt; }
.date { margin: 0 0 12pt; }
.recipient { margin: 0 0 12pt; }
.subject { font-weight: bold; margin: 0 0 12pt; }
p { margin: 0 0 9pt; }
</style></head>
<body>
<div class="head">
  {% if logo %}<img class="logo" src="{{ logo }}" alt="{{ head.name }} logo">
  {%- else %}<span></span>{% endif %}
  <div class="organisation">
    <div class="name">{{ head.name }}</div>
    {% for line in head.address_lines %}<div>{{ line }}</div>{% endfor %}
  </div>
</div>
<p class="date">{{ date }}</p>
<p class="recipient">{{ recipient }}</p>
<p class="subject">{{ text.subject }}</p>
{% for lines in body %}<p>{% for line in lines %}{{ line }}
{%- if not loop.last %}<br>{% endif %}{% endfor %}</p>
{% endfor %}
</body></html>
"""


@cache
def _layout() -> Any:
    # Our own layout (not an organisation's template): autoescaped, so any text in it is text.
    return Environment(autoescape=select_autoescape(default_for_string=True)).from_string(_HTML)


def letter_html(page: Page) -> str:
    """The letter as a standalone HTML page (what the PDF is made from)."""
    head = page.letterhead
    logo = None
    if head.logo is not None and head.logo_content_type:
        logo = f"data:{head.logo_content_type};base64,{base64.b64encode(head.logo).decode()}"
    html = _layout().render(
        head=head,
        logo=logo,
        date=page.date,
        recipient=page.recipient,
        text=page.text,
        body=paragraphs(page.text.body),
    )
    assert isinstance(html, str)
    return html


def _refusing_fetcher() -> Any:
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                raise RefusedFetch(f"letters fetch no external resources ({url[:40]})")
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False)


def letter_pdf(page: Page) -> bytes:
    """The letter as PDF."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf = HTML(string=letter_html(page), base_url=None, url_fetcher=_refusing_fetcher()).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def letter_docx(page: Page) -> bytes:
    """The letter as a Word document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Mm, Pt

    document = Document()
    for section in document.sections:  # A4, as the PDF (python-docx starts on US Letter)
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2)
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    head = page.letterhead
    if head.logo is not None and head.logo_content_type in _WORD_IMAGES:
        # a logo Word cannot read: the letter goes without it
        with contextlib.suppress(Exception):
            document.add_picture(io.BytesIO(head.logo), height=Cm(2))
    name = document.add_paragraph()
    name.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = name.add_run(head.name)
    run.bold = True
    run.font.size = Pt(13)
    if head.address_lines:
        address = document.add_paragraph()
        address.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for i, line in enumerate(head.address_lines):
            if i:
                address.add_run().add_break()
            address.add_run(line)
    document.add_paragraph(page.date)
    document.add_paragraph(page.recipient)
    document.add_paragraph().add_run(page.text.subject).bold = True
    for lines in paragraphs(page.text.body):
        paragraph = document.add_paragraph()
        for i, line in enumerate(lines):
            if i:
                paragraph.add_run().add_break()
            paragraph.add_run(line)
    core = document.core_properties
    core.title = page.text.subject[:255]
    core.author = head.name[:255]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
