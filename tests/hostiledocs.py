"""Hostile documents, made at test time and small on disk, that cost a parser far more than
their size: the shapes a probe of ``bandwise serve`` used to hold a server for minutes.

* :func:`shared_stream_pdf`: many pages whose ``/Contents`` is one shared, compressed
  stream of many text operators (each page is parsed on its own, so the work is pages x
  operators for a file of a few kilobytes);
* :func:`tiny_paragraphs_docx`: a Word file of a huge number of empty paragraphs (it
  compresses to almost nothing);
* :func:`junk_lines`: text lines that are not profile rows.
"""

from __future__ import annotations

import io
import zipfile
import zlib

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def shared_stream_pdf(pages: int, operators: int) -> bytes:
    """A PDF of ``pages`` pages sharing one content stream of ``operators`` text-showing
    operators (each shows one letter); written by hand, no library."""
    content = b"BT /F1 1 Tf 10 10 Td\n" + b"(a) Tj\n" * operators + b"ET\n"
    packed = zlib.compress(content, 9)
    first_page = 5
    kids = " ".join(f"{first_page + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects += [page] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def tiny_paragraphs_docx(paragraphs: int, text: str = "", runs: int = 1) -> bytes:
    """A Word file whose body is ``paragraphs`` paragraphs (empty, or each holding ``runs``
    runs of ``text``), with the parts python-docx needs to open it."""
    run = f"<w:r><w:t>{text}</w:t></w:r>" * runs if text else ""
    body = f"<w:p>{run}</w:p>" * paragraphs
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", rels)
        package.writestr("word/document.xml", document)
    return out.getvalue()


def junk_lines(count: int) -> bytes:
    """``count`` short lines that are not profile rows."""
    return b"".join(b"lorem ipsum %d\n" % n for n in range(count))
