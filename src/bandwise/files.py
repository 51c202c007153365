"""Writing a file all or nothing: a crash or an error never leaves half a file behind."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DocumentError


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; moved onto ``path`` only if the block succeeds."""
    folder = path.parent
    if not folder.is_dir():
        raise DocumentError(str(path), f"no such folder {str(folder)!r}")
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise DocumentError(str(path), f"cannot write: {exc.strerror or exc}") from exc
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DocumentError(str(path), f"cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
