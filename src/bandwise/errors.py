"""Exceptions raised by bandwise.

Every error a user can cause carries enough context to fix it without a
traceback: the file, the line or key path, and what was expected.

    BandwiseError
    ├── SchemeDataError        scheme YAML that breaks a load rule (file + key path)
    ├── LevelExpressionError   a level or score expression that does not parse (text + position)
    ├── InvalidLevelsError     levels given for scoring that the scheme does not have
    ├── DocumentError          a profile document that cannot be read at all
    ├── ProfileDataError       a profile suite YAML that breaks a load rule
    └── UnknownProfileError    a profile id that is not in the library
"""

from __future__ import annotations


class BandwiseError(Exception):
    """Base class: every error bandwise raises on purpose."""


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
        super().__init__(f"{message} at position {position + 1} in {text!r}")


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


class ProfileDataError(BandwiseError):
    """A stored profile suite failed validation on load."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file = file
        self.key = key
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class UnknownProfileError(BandwiseError):
    """No profile with that id in the library."""
