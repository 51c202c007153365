"""Imported by the parsing forkserver (:mod:`.isolated`) to load the scheme once, so each
child forked from it starts with the scheme in memory instead of reading it again."""

from __future__ import annotations

import contextlib

from ..errors import BandwiseError
from ..scheme.loader import load_scheme

with contextlib.suppress(BandwiseError):  # a broken scheme is reported by the parse itself
    load_scheme()
