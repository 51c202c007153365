"""HTTP helpers that the REST API (``web/api``) and the pages (``web/pages``) share.

The pages never import the API's routers (an import-linter contract in ``pyproject.toml``):
a response both send, such as a download, is built here.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import Response

from ..services import export, reporting
from ..services.base import Actor, Database
from ..services.documents import DocumentView
from .report_pdf import PDF_MEDIA_TYPE

#: The media types of the outcomes export, by format.
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` value that cannot break out of its quotes: an ASCII
    fallback name plus the UTF-8 name percent-encoded (RFC 6266 / 5987)."""
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", filename) or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def document_download(document: DocumentView, content: bytes) -> Response:
    """A stored document as an attachment that a browser never renders (the API and the
    job page both send this)."""
    return Response(
        content,
        media_type=document.content_type,
        headers={
            "Content-Disposition": attachment(document.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def outcomes_download(db: Database, actor: Actor, fmt: str, headers: str = "codes") -> Response:
    """The export as a dated attachment (the API and the exports page both send this),
    under the header row ``headers`` (``codes`` or ``names``)."""
    name = f"bandwise-outcomes-{dt.date.today().isoformat()}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="bandwise-export-") as folder:
        path = Path(folder) / name
        export.export_outcomes(db, actor, path, fmt, headers)
        content = path.read_bytes()
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def pdf_download(pdf: bytes, filename: str) -> Response:
    """A PDF report as a download (the matching, consistency and board reports)."""
    return Response(
        pdf,
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def board_file_name(report: reporting.BoardReport, fmt: str) -> str:
    """A board download's file name, for its period (CSV, XLSX or PDF)."""
    p = report.period
    return f"board-figures-{p.start.isoformat()}-to-{p.end.isoformat()}.{fmt}"


def board_download(report: reporting.BoardReport, fmt: str) -> Response:
    """The board figures' table as a CSV or XLSX attachment named for its period (the
    API and the board page both send this)."""
    name = board_file_name(report, fmt)
    with tempfile.TemporaryDirectory(prefix="bandwise-board-") as folder:
        path = Path(folder) / name
        reporting.write_board_table(report, path)
        content = path.read_bytes()
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
