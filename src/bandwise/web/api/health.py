"""Is the server up, and can its database be read and written (for load balancers and
monitoring)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ..auth import DB
from ..errors import ErrorBody, error_response
from ..storage import probe

router = APIRouter(tags=["health"])
log = logging.getLogger("bandwise.web")


class Health(BaseModel):
    status: str
    database: str


@router.get(
    "/health",
    response_model=Health,
    responses={
        503: {
            "model": ErrorBody,
            "description": "The database cannot be read or written: ``field`` names the "
            "check that failed (``database-read``, ``database-write``)",
        }
    },
)
def health(db: DB) -> Health | JSONResponse:
    """200 when the database answers a read and takes a write (rolled back); 503 naming
    the failed check when it does not. No sign-in needed."""
    failure = probe(db)
    if failure is not None:
        check, message = failure
        log.warning("health check: %s", message)
        return error_response(503, "unavailable", message, check)
    return Health(status="ok", database="ok")
