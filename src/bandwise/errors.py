"""Exceptions raised by bandwise.

Every error a user can cause carries enough context to fix it without a
traceback: the file, the line or key path, and what was expected.

    BandwiseError
    ├── SchemeDataError        scheme YAML that breaks a load rule (file + key path)
    ├── LevelExpressionError   a level or score expression that does not parse (text + position)
    ├── InvalidLevelsError     levels given for scoring that the scheme does not have
    ├── DocumentError          a profile document that cannot be read at all
    │   └── DocumentTooComplex a document stopped at the parsing limits
    ├── ProfileDataError       a profile suite YAML that breaks a load rule
    ├── StorageError           a data folder or database that cannot be created or written
    └── UnknownProfileError    a profile id that is not in the library
"""

from __future__ import annotations


class BandwiseError(Exception):
    """Base class: every error bandwise raises on purpose."""


def shown(text: str, limit: int = 24) -> str:
    """``text`` quoted for a message, cut at ``limit`` characters: hostile input can be long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


class SchemeDataError(BandwiseError):
    """Scheme data failed strict validation on load."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file = file
        self.key = key
        self.message = message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class LevelExpressionError(BandwiseError):
    """A level or score expression is not in the grammar."""

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = position
        self.message = message
        super().__init__(f"{message} at position {position + 1} in {shown(text, 80)}")


class InvalidLevelsError(BandwiseError):
    """Levels for scoring do not fit the factor plan."""

    def __init__(self, message: str, factor: int | None = None) -> None:
        self.factor = factor
        super().__init__(message)


class DocumentError(BandwiseError):
    """A document cannot be read at all (as opposed to findings within it)."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        super().__init__(f"{file}: {message}")


class DocumentTooComplex(DocumentError):
    """A document that would take more than the parsing limits allow (CPU time, memory,
    wall-clock time, pages, paragraphs, lines or characters) to read: stopped, not read."""

    def __init__(self, file: str, detail: str) -> None:
        self.detail = detail
        super().__init__(file, f"document too complex to read within the limits ({detail})")


class ProfileDataError(BandwiseError):
    """A stored profile suite failed validation on load."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file = file
        self.key = key
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class StorageError(BandwiseError):
    """The data folder or the database cannot be created, read or written (a read-only
    folder, a path under a file, a read-only database): the operator must fix the setup."""

    def __init__(self, what: str, reason: object) -> None:
        self.what = what
        reason_text = getattr(reason, "strerror", None) or str(reason).splitlines()[0]
        super().__init__(f"cannot {what}: {reason_text}")


class UnknownProfileError(BandwiseError):
    """No profile with that id in the library."""
