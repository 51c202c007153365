"""The ``bandwise`` command line run in the test process, as ``python -m bandwise`` would.

:func:`run_main` calls :func:`bandwise.cli.main` (the console script's function, with its
error handling: exit 2 and one line on stderr for a user mistake) with ``sys.argv``, the
environment, the working folder and standard input/output/error swapped for the call,
and gives back what ``subprocess.run(..., capture_output=True, text=True)`` would:
``returncode``, ``stdout``, ``stderr``. An uncaught exception becomes exit 1 with its
traceback on stderr, as in a real process. Starting a Python process per command cost
about a second of imports; this costs milliseconds.

What only a real process can show stays a subprocess: the console script itself
(``tests/test_cli.py``'s entry-point test), what importing a module loads, servers and
signals.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bandwise.cli import main


@dataclass(frozen=True)
class Ran:
    """One command's outcome, shaped like ``subprocess.CompletedProcess[str]``."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str = field(repr=False)


@contextlib.contextmanager
def _swapped_environment(env: Mapping[str, str] | None) -> Iterator[None]:
    if env is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", errors="replace").replace("\r\n", "\n")


def run_main(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    input: str | bytes = b"",
    cwd: str | Path | None = None,
) -> Ran:
    """``bandwise ARGS`` through ``main()``. ``env`` replaces the whole environment (as
    ``subprocess.run(env=...)`` does); by default the test's own environment is used."""
    argv = ["bandwise", *map(str, args)]
    raw = input.encode("utf-8") if isinstance(input, str) else input
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    stdout, stderr = _stream(), _stream()
    saved = sys.argv, sys.stdin, sys.stdout, sys.stderr
    code: int
    with _swapped_environment(env), contextlib.chdir(cwd or os.getcwd()):
        sys.argv, sys.stdin, sys.stdout, sys.stderr = argv, stdin, stdout, stderr
        try:
            main()
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:  # sys.exit("message"): the message on stderr, exit 1
                print(exc.code, file=sys.stderr)
                code = 1
        except Exception:
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
    return Ran(argv, code, _text(stdout), _text(stderr))
