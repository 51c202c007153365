"""Parse a document in a child process with CPU-time, memory and wall-clock limits.

The server reads documents that any signed-in user sends (a job description to
suggest from, a profile document to preview) and documents stored with a job. The
readers stop at their budgets (:class:`~.limits.Budget`), but a parser library can still
spend minutes inside one page; so the server never parses in its own process. Each
parse runs in a fresh child forked from a forkserver that has the readers imported
(about 25 ms a document; ``bench/bench_parse_child.py``), with ``RLIMIT_CPU`` and
``RLIMIT_AS`` set in the child and a wall-clock deadline in the parent, after which the
child is killed. Whatever stops the child, the caller gets a
:class:`~bandwise.errors.DocumentTooComplex` naming the limit, never a hung worker.

At most ``workers`` children run at once in one server process; a parse waits for a
slot within its wall-clock time, and when :data:`QUEUE_PER_WORKER` parses per worker
already wait, another is refused at once (the server is busy). :func:`stop_all` kills
every running child (the web app calls it when the server is asked to stop), so a
shutdown never waits for a parse.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.spawn
import os
import pickle
import resource
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from ..errors import DocumentError, DocumentTooComplex
from ..errors import ParseInterrupted as ParseInterrupted  # re-exported
from ..errors import ParseTimedOut as ParseTimedOut  # re-exported
from .limits import SETTINGS, ParseLimits, too_complex

log = logging.getLogger("bandwise.documents")

T = TypeVar("T")
#: Imported once by the forkserver, so each child starts with the readers loaded.
PRELOAD = [
    "bandwise.documents.reader",
    "bandwise.documents.pdf_reader",
    "bandwise.documents.docx_reader",
    "bandwise.suggest.reader",
    "bandwise.documents.warm",
    "pypdf",
    "pdfplumber",
    "docx",
]
#: The child's exit code when it ran out of memory and could not even say so.
OUT_OF_MEMORY = 86
SHUTTING_DOWN = "was not read: the server is shutting down; send it again in a minute"
BUSY = "was not read: the server is busy reading other documents; send it again in a minute"

_lock = threading.Lock()
_slots = threading.Condition(_lock)
_context: BaseContext | None = None
_live: set[BaseProcess] = set()
_stopped: set[BaseProcess] = set()
_busy = 0
_waiting = 0
#: Parses that may wait for a busy worker, per worker; more are refused at once (503), so
#: a flood of uploads cannot hold every thread of the server's thread pool.
QUEUE_PER_WORKER = 4
_launching = threading.local()


def _without_main(original: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """``multiprocessing.spawn.get_preparation_data`` that leaves out the parent's main
    module while this module starts a child: a child would otherwise run the parent's
    script again (``bandwise``, ``pytest``, a user's script without a ``__main__``
    guard), costing hundreds of milliseconds, or worse. Other callers are unchanged."""

    def get_preparation_data(name: str) -> dict[str, Any]:
        data = original(name)
        if getattr(_launching, "active", False):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    get_preparation_data.bandwise_without_main = True  # type: ignore[attr-defined]
    return get_preparation_data


def _get_context() -> BaseContext:
    global _context
    with _lock:
        if _context is None:
            spawn = multiprocessing.spawn
            if not getattr(spawn.get_preparation_data, "bandwise_without_main", False):
                wrapped = _without_main(spawn.get_preparation_data)
                spawn.get_preparation_data = wrapped  # type: ignore[assignment]
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context(
                "forkserver" if "forkserver" in methods else "spawn"
            )
            if "forkserver" in methods:
                context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def _message(exc: DocumentError) -> str:
    text, prefix = str(exc), f"{exc.file}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _child(
    conn: Connection, target: Callable[..., Any], args: tuple[Any, ...], limits: ParseLimits
) -> None:
    """Runs in the child: set the limits, parse, send back the result or the error."""
    from multiprocessing.reduction import ForkingPickler

    out_of_memory = bytes(ForkingPickler.dumps(("memory",)))  # made before memory is short
    try:
        cpu = max(1, int(limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))  # SIGXCPU, then SIGKILL
        memory = int(limits.memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        conn.send(("ok", target(*args)))
    except DocumentTooComplex as exc:
        conn.send(("too-complex", exc.file, exc.detail))
    except DocumentError as exc:
        conn.send(("document", exc.file, _message(exc)))
    except MemoryError:
        try:
            conn.send_bytes(out_of_memory)
        except MemoryError:
            os._exit(OUT_OF_MEMORY)
    except BaseException as exc:  # a reader bug: the parent logs it and says it in words
        conn.send(("failed", f"{type(exc).__name__}: {str(exc)[:300]}"))
    finally:
        conn.close()


def _acquire(workers: int, deadline: float) -> bool:
    """A parsing slot, waited for until ``deadline``; False at once when
    :data:`QUEUE_PER_WORKER` parses a worker already wait (each holds a server thread)."""
    global _busy, _waiting
    with _slots:
        if _busy >= workers and _waiting >= QUEUE_PER_WORKER * workers:
            return False
        _waiting += 1
        try:
            while _busy >= workers:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                _slots.wait(left)
        finally:
            _waiting -= 1
        _busy += 1
        return True


def _release() -> None:
    global _busy
    with _slots:
        _busy -= 1
        _slots.notify()


def parse_in_child(
    target: Callable[..., T], args: tuple[Any, ...], limits: ParseLimits, name: str
) -> T:
    """``target(*args)`` run in a child process within ``limits``; ``name`` (the user's
    own name for the document, never a server path) is what an error message names.

    ``target`` is a module-level function (it is sent to the child by reference); a
    :class:`DocumentError` it raises is raised here with the same words."""
    deadline = time.monotonic() + limits.wall_seconds
    if not _acquire(max(1, limits.workers), deadline):
        raise ParseInterrupted(name, BUSY)
    try:
        return _run(target, args, limits, name, deadline)
    finally:
        _release()


def _run(
    target: Callable[..., T],
    args: tuple[Any, ...],
    limits: ParseLimits,
    name: str,
    deadline: float,
) -> T:
    context = _get_context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(  # type: ignore[attr-defined]
        target=_child, args=(send, target, args, limits), daemon=True, name="bandwise-parse"
    )
    try:
        _launching.active = True
        try:
            process.start()
        finally:
            _launching.active = False
        with _lock:
            _live.add(process)
        send.close()
        result: T = _outcome(process, receive, limits, name, deadline)
        return result
    finally:
        if process.pid is not None:
            if process.is_alive():
                process.kill()
            process.join()
        receive.close()
        with _lock:
            _live.discard(process)
            _stopped.discard(process)
        process.close()


def _outcome(
    process: BaseProcess, receive: Connection, limits: ParseLimits, name: str, deadline: float
) -> Any:
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            process.kill()
            raise ParseTimedOut(
                name,
                f"more than {limits.wall_seconds:g} s; setting {SETTINGS['wall_seconds'][0]}",
            )
        ready = wait([receive, process.sentinel], timeout=left)
        if receive in ready:
            try:
                message = receive.recv()
            except (EOFError, OSError, pickle.UnpicklingError):
                break  # the child died before it had sent everything
            return _unpack(message, limits, name)
        if process.sentinel in ready:
            break
    process.join()
    with _lock:
        stopped = process in _stopped
    if stopped:
        raise ParseInterrupted(name, SHUTTING_DOWN)
    code = process.exitcode
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        too_complex(name, "cpu_seconds", limits.cpu_seconds)
    if code in (OUT_OF_MEMORY, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
        too_complex(name, "memory_mb", limits.memory_mb)  # a library failing to allocate
    log.warning("document %r: the parsing process ended with exit code %s", name, code)
    raise DocumentError(name, "could not be read: the reader stopped unexpectedly")


def _unpack(message: tuple[Any, ...], limits: ParseLimits, name: str) -> Any:
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "too-complex":
        raise DocumentTooComplex(message[1], message[2])
    if kind == "document":
        raise DocumentError(message[1], message[2])
    if kind == "memory":
        too_complex(name, "memory_mb", limits.memory_mb)
    log.warning("document %r could not be read: %s", name, message[1])
    raise DocumentError(
        name, "could not be read: the reader failed on it (it may be damaged or unusual)"
    )


def running() -> int:
    """How many parses are running in child processes now."""
    with _lock:
        return len(_live)


def waiting() -> int:
    """How many parses wait for a free worker now."""
    with _lock:
        return _waiting


def stop_all() -> int:
    """Kill every running parse (their callers get :data:`SHUTTING_DOWN`); how many."""
    with _lock:
        live = list(_live)
        _stopped.update(live)
    for process in live:
        try:
            process.kill()
        except (OSError, ValueError):  # already gone or closed
            continue
    return len(live)


def stop_on_signals() -> Callable[[], None]:
    """Make SIGTERM and SIGINT kill the running parses before the server's own handler
    runs (uvicorn's starts a graceful shutdown that waits for requests to finish); gives
    the function that puts the handlers back. Only in the main thread, where signal
    handlers live; elsewhere (a test client) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(sig)
        if not callable(handler):
            continue  # the default action ends the process, children included

        def stop_then(signum: int, frame: Any, handler: Callable[..., Any] = handler) -> None:
            stop_all()
            handler(signum, frame)

        previous[sig] = handler
        signal.signal(sig, stop_then)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
