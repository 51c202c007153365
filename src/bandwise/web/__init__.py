"""The web API: ``create_app(settings)`` builds it (see :mod:`bandwise.web.app`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .settings import ConfigError, Settings

__all__ = ["ConfigError", "Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name in ("Settings", "ConfigError"):
        from . import settings

        return getattr(settings, name)
    raise AttributeError(name)
