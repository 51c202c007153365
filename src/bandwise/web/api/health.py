"""Is the server up and its database reachable (for load balancers and monitoring)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from ..auth import DB
from ..errors import ErrorBody, error_response

router = APIRouter(tags=["health"])
log = logging.getLogger("bandwise.web")


class Health(BaseModel):
    status: str
    database: str


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": ErrorBody, "description": "The database is not reachable"}},
)
def health(db: DB) -> Health | JSONResponse:
    """200 when the database answers; 503 when it does not. No sign-in needed."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means: not healthy
        log.warning("health check: database not reachable: %s", exc)
        return error_response(503, "unavailable", "the database is not reachable")
    return Health(status="ok", database="ok")
