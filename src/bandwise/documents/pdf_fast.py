"""pdfplumber pages whose characters are made into dicts faster, with the same values.

Reading a profile PDF spends about two fifths of its time in pdfplumber's
``Page.process_object``: for every character it resolves each attribute recursively
(``resolve_all``) and decodes the colour space's name, though a character's attributes
are plain numbers, strings and tuples of numbers and a page uses a handful of colour
spaces. :class:`FastPage` makes the same dict for a character without that work
(values that are not plain still go through ``resolve_all``); every other kind of object
is pdfplumber's own. ``tests/test_reader_producers.py`` checks that the dicts equal
pdfplumber's, so a pdfplumber release that changes them is caught.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from unicodedata import normalize as normalize_unicode

from pdfminer.layout import LTChar, LTItem
from pdfplumber.page import ALL_ATTRS, Page
from pdfplumber.utils.pdfinternals import resolve_all, resolve_and_decode

_PLAIN = frozenset({int, float, str, bool, type(None)})


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind in _PLAIN:
        return True
    return kind is tuple and all(type(v) in _PLAIN for v in value)


@lru_cache(maxsize=64)
def _space_name(name: Any) -> Any:
    return resolve_and_decode(name)


class FastPage(Page):
    """A pdfplumber page; see the module's docstring."""

    def process_object(self, obj: LTItem) -> dict[str, Any]:
        if type(obj) is not LTChar:
            return super().process_object(obj)
        attr = {
            k: v if _plain(v) else resolve_all(v) for k, v in obj.__dict__.items() if k in ALL_ATTRS
        }
        attr["object_type"] = "char"
        attr["page_number"] = self.page_number
        if hasattr(obj, "ncs"):
            name = obj.ncs.name
            attr["ncs"] = _space_name(name) if isinstance(name, str) else resolve_and_decode(name)
        text = obj.get_text()
        norm = self.pdf.unicode_norm
        attr["text"] = normalize_unicode(norm, text) if norm is not None else text
        gs = obj.graphicstate
        attr["stroking_color"] = gs.scolor if isinstance(gs.scolor, tuple) else (gs.scolor,)
        attr["non_stroking_color"] = gs.ncolor if isinstance(gs.ncolor, tuple) else (gs.ncolor,)
        if isinstance(attr["fontname"], bytes):
            return super().process_object(obj)  # a rare byte-encoded font name
        mb_x0, mb_top = self.mediabox[:2]
        attr["top"] = (self.height - attr["y1"]) + mb_top
        attr["bottom"] = (self.height - attr["y0"]) + mb_top
        attr["doctop"] = self.initial_doctop + attr["top"]
        if mb_x0 != 0:
            attr["x0"] = attr["x0"] + mb_x0
            attr["x1"] = attr["x1"] + mb_x0
        return attr


def fast(page: Page) -> Page:
    """``page`` as a :class:`FastPage` (before its objects are first read)."""
    if type(page) is Page:
        page.__class__ = FastPage
    return page
