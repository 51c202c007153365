"""Bytes to text for profile documents, naming the encoding that was used."""

from __future__ import annotations

import codecs


def decode(data: bytes | str) -> tuple[str, str]:
    """Decode with the first encoding that fits: BOM, UTF-8, then Windows-1252, then Latin-1.

    Latin-1 maps every byte, so decoding never fails; the caller reports a
    non-UTF-8 encoding as a finding so a user knows characters may be wrong.
    """
    if isinstance(data, str):
        return data, "utf-8"
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                break
    for name in ("utf-8", "cp1252"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: \\r\\n, \\r and \\n end a line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
