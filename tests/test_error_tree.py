"""Every exception bandwise defines lives in ``errors.py`` and is drawn in its tree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import bandwise
from bandwise import errors

#: Defined elsewhere on purpose, each with its reason (also drawn in the tree).
ELSEWHERE = {
    # FastAPI passes on unchanged only an HTTPException raised while it reads a body; the
    # error module stays free of web frameworks.
    "bandwise.web.limits.BodyTooLarge",
}


def _package_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(bandwise.__path__, "bandwise."):
        if module_info.name.startswith("bandwise.web.static"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("bandwise")
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def _drawn() -> dict[str, str]:
    """Each class name in the docstring's tree, with the name it is drawn under."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^    [│├└─ ]*?([A-Z]\w+)\b", line)
        if not match:
            continue
        depth = match.start(1) // 4  # the tree indents four columns a level
        name = match.group(1)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[name] = stack[-1][1] if stack else ""
        stack.append((depth, name))
    return parents


def test_every_exception_class_in_the_package_is_defined_in_errors_py() -> None:
    outside = {name for name in _package_exceptions() if not name.startswith("bandwise.errors.")}
    assert outside == ELSEWHERE, (
        "define exceptions in bandwise/errors.py (re-export them from their old module) and "
        f"draw them in its tree: {sorted(outside - ELSEWHERE)}"
    )


def test_every_exception_class_appears_in_the_drawn_tree_under_its_base() -> None:
    drawn = _drawn()
    for name, cls in _package_exceptions().items():
        short = name.rsplit(".", 1)[1]
        assert short in drawn, f"{name} is not drawn in errors.py's tree"
        if cls is errors.BandwiseError:
            continue  # the root
        assert drawn[short] == cls.__bases__[0].__name__, (
            f"{short} is drawn under {drawn[short]!r}, its base is {cls.__bases__[0].__name__}"
        )


def test_the_tree_draws_no_class_that_does_not_exist() -> None:
    roots = {"BandwiseError", "ValueError", "RuntimeError", "Exception", "HTTPException"}
    names = {name.rsplit(".", 1)[1] for name in _package_exceptions()}
    assert set(_drawn()) - roots <= names


@pytest.mark.parametrize(
    ("old_path", "name"),
    [
        ("bandwise.services.base", "NotFound"),
        ("bandwise.services.base", "ServiceError"),
        ("bandwise.services.accounts", "TooManyAttempts"),
        ("bandwise.services.parsing", "TooLarge"),
        ("bandwise.web.settings", "ConfigError"),
        ("bandwise.documents.limits", "LimitSettingError"),
        ("bandwise.cli_common", "UsageError"),
        ("bandwise.web.pages.deps", "PageRedirect"),
    ],
)
def test_a_moved_exception_is_still_importable_from_its_old_module(
    old_path: str, name: str
) -> None:
    assert getattr(importlib.import_module(old_path), name) is getattr(errors, name)


def test_the_service_errors_carry_their_status_and_code_in_the_tree() -> None:
    doc = errors.__doc__ or ""
    for cls in errors.ServiceError.__subclasses__():
        assert re.search(rf"{cls.__name__}\s+{cls.status} {cls.code}\b", doc), cls.__name__
