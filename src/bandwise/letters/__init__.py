"""The letters a JE team sends: the outcome to the jobholder and to the manager, and the
decision on a review.

Pure parts: the documented field set (:mod:`.fields`), the built-in templates and the
sandboxed rendering (:mod:`.templates`), and the layout as PDF and Word (:mod:`.render`).
Filling the fields from a case, storing letters and emailing them is the service's
(:mod:`bandwise.services.letters`).
"""

from __future__ import annotations

from .fields import FIELDS, KIND_LABELS, KINDS, Field, field_names, sample_fields
from .render import DOCX_MEDIA_TYPE, PDF_MEDIA_TYPE, Letterhead, Page, letter_docx, letter_pdf
from .templates import LetterText, check_template, default_template, render_letter

__all__ = [
    "DOCX_MEDIA_TYPE",
    "FIELDS",
    "KINDS",
    "KIND_LABELS",
    "PDF_MEDIA_TYPE",
    "Field",
    "LetterText",
    "Letterhead",
    "Page",
    "check_template",
    "default_template",
    "field_names",
    "letter_docx",
    "letter_pdf",
    "render_letter",
    "sample_fields",
]
