"""Request body limits, counted while the body is read (never after buffering it).

Every route takes at most ``Settings.max_body_bytes`` (1 MiB: JSON and forms); a route
that takes a file declares its own limit with ``dependencies=[upload_limit(N)]`` (the
file's ``N`` bytes plus room for the multipart envelope). :class:`BodyLimit`, a pure ASGI
middleware, enforces both:

* a declared ``Content-Length`` over the largest limit of any route is answered 413
  before the app runs; one over the route's own limit is refused at the route's first
  read, before a byte is received;
* a streamed (chunked) body is counted as it arrives and refused the moment it passes
  the limit, so a client that never stops sending costs one chunk over the limit.

The 413 is the app's own error answer (the JSON error shape under ``/api``, the error
page elsewhere). FastAPI's ``max_body_size`` is not used: it answers a declared
over-long body in plain text, replacing the app's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Room for the multipart envelope and the other form fields around an uploaded file.
MULTIPART_SLACK = 64 * 1024


def size_text(limit: int) -> str:
    return f"{limit / 1048576:.0f} MiB" if limit >= 1048576 else f"{limit:,} bytes"


class BodyTooLarge(HTTPException):
    """413: a FastAPI ``HTTPException``, so FastAPI's body reading passes it on as it is
    (any other error while reading becomes a 400) to the app's error handlers."""

    def __init__(self, limit: int, upload: bool, anywhere: bool = False) -> None:
        if anywhere:  # refused before routing: over every route's limit
            message = (
                f"the request is larger than {size_text(limit)}, more than any address here accepts"
            )
        elif upload:
            message = f"the upload is larger than {size_text(limit - MULTIPART_SLACK)}"
        else:
            message = f"the request is larger than the {size_text(limit)} this address accepts"
        super().__init__(413, message)


@dataclass(frozen=True, slots=True)
class UploadLimit:
    """The marker a file-taking route carries as a dependency: its body may hold a file of
    ``file_bytes`` plus the multipart envelope. As a dependency it does nothing;
    :class:`BodyLimit` reads it from the matched route."""

    file_bytes: int

    @property
    def body_bytes(self) -> int:
        return self.file_bytes + MULTIPART_SLACK

    def __call__(self) -> None:
        return None


_largest_upload = 0


def upload_limit(file_bytes: int) -> Any:
    """``dependencies=[upload_limit(N)]``: this route takes a file of at most ``N`` bytes."""
    global _largest_upload
    marker = UploadLimit(file_bytes)
    _largest_upload = max(_largest_upload, marker.body_bytes)
    return Depends(marker)


def route_limit(route: object, default: int) -> tuple[int, bool]:
    """The body limit of a matched route, and whether it is an upload's."""
    for dependency in getattr(route, "dependencies", None) or ():
        marker = getattr(dependency, "dependency", None)
        if isinstance(marker, UploadLimit):
            return marker.body_bytes, True
    return default, False


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length", "")
    if not (value.isascii() and value.isdigit()):  # "²" passes isdigit() but not int()
        return None
    return int(value) if len(value) <= 18 else 10**18  # more digits: over every limit


class BodyLimit:
    """Refuse (413) a request body over its route's limit while it is read."""

    def __init__(self, app: ASGIApp, default: int) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        ceiling = max(self.default, _largest_upload)
        if declared is not None and declared > ceiling:
            await self._refuse(scope, receive, send, BodyTooLarge(ceiling, False, anywhere=True))
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            # Called once the router has matched the route (``scope["route"]``).
            limit, upload = route_limit(scope.get("route"), self.default)
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit, upload)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, upload)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: BodyTooLarge) -> None:
        """Answer as the app answers any HTTP error (JSON in the API, a page elsewhere)."""
        handler = scope["app"].exception_handlers[StarletteHTTPException]
        response = await handler(Request(scope, receive), exc)
        await response(scope, receive, send)
