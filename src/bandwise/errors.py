"""Every exception bandwise defines, in one tree (a test keeps this drawing and the classes
in step).

Every error a user can cause carries enough context to fix it without a traceback: the
file, the line or key path, and what was expected. A :class:`ServiceError` also carries
the HTTP ``status`` and the ``code`` the API and pages answer with.

    BandwiseError
    ├── SchemeDataError          scheme YAML that breaks a load rule (file + key path)
    ├── LevelExpressionError     a level or score expression that does not parse (text + position)
    ├── InvalidLevelsError       levels given for scoring that the scheme does not have
    ├── DocumentError            a profile document that cannot be read at all
    │   ├── DocumentTooComplex   a document stopped at the parsing limits
    │   │   └── ParseTimedOut    ... at its wall-clock limit
    │   └── ParseInterrupted     not read this time (the server is busy or stopping)
    ├── ProfileDataError         a profile suite YAML that breaks a load rule
    ├── StorageError             a data folder or database that cannot be created or written
    ├── UnknownProfileError      a profile id that is not in the library
    ├── PolicyDataError          a policy YAML file that breaks a load rule (file + key)
    ├── ConfigError              a BANDWISE_* setting with a bad value, or a missing secret
    │   └── LimitSettingError    a BANDWISE_PARSE_* limit that is not a positive number
    ├── UsageError               a command-line argument the user must correct
    └── ServiceError             400 bad-request: an error the caller can act on
        ├── NotFound             404 not-found (also another organisation's records)
        ├── Forbidden            403 forbidden
        │   ├── CsrfFailed              403 csrf-failed
        │   ├── PasswordChangeRequired  403 password-change-required
        │   └── CrossSiteRequest        403 cross-site-request
        ├── Conflict             409 conflict: a stale update or a duplicate
        ├── RuleViolation        422 rule-violation: a workflow rule forbids the change
        ├── InvalidInput         422 invalid-input
        ├── Unauthenticated      401 unauthenticated
        ├── TooManyAttempts      429 too-many-attempts (sign-in refused until retry_at)
        ├── TooLarge             413 too-large: a file larger than the reader takes
        ├── Unavailable          503 unavailable: a document not read this time
        └── UnsupportedMediaType 415 unsupported-media-type
    ValueError
    ├── DuplicateKeyError        a YAML mapping with a key twice (inside the strict loader)
    ├── StrictYamlError          text that is not YAML, or has duplicate keys
    ├── QuarterError             a quarter that is not YYYY-QN or has not ended yet
    └── RefusedFetch             a PDF report asking for a resource that is not inline
    RuntimeError
    └── SemanticUnavailable      the semantic suggestion extra is not installed
    Exception
    ├── PageRedirect             control flow: a page dependency sends the browser elsewhere
    └── UploadProblem            why a library upload cannot be previewed or saved
    HTTPException (Starlette)
    └── BodyTooLarge             413, defined in bandwise.web.limits (so that FastAPI
                                 passes it on unchanged while it reads a body)

The classes keep their old import paths (``bandwise.services.base.NotFound`` and so on)
as re-exports.
"""

from __future__ import annotations

import datetime as dt


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


class ConfigError(BandwiseError):
    """A setting (``BANDWISE_*``) with a bad value, or a server not configured well enough
    to start safely; the message names the variable."""


class LimitSettingError(ConfigError):
    """A parsing limit setting that is not a positive number."""


class PolicyDataError(BandwiseError):
    """The policy file is wrong; names the file and the key."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file, self.key, self.message = file, key, message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class UsageError(BandwiseError):
    """A command-line argument the user must correct."""


class ParseInterrupted(DocumentError):
    """The document was not read (the server is busy or stopping): nothing about it."""


class ParseTimedOut(DocumentTooComplex):
    """The parse passed its wall-clock time (which a busy machine also lengthens)."""


# -- service errors: the status and code the API answers with ---------------------------


class ServiceError(BandwiseError):
    """An error the caller can act on; ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "bad-request"

    def __init__(self, message: str, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class NotFound(ServiceError):
    """Also used for another organisation's records: their existence is not revealed."""

    status = 404
    code = "not-found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf-failed"


class PasswordChangeRequired(Forbidden):
    code = "password-change-required"


class CrossSiteRequest(Forbidden):
    code = "cross-site-request"


class Conflict(ServiceError):
    """A stale update (the record changed since it was read) or a duplicate."""

    status = 409
    code = "conflict"


class RuleViolation(ServiceError):
    """A workflow rule forbids the change (e.g. a panel without a staff-side member)."""

    status = 422
    code = "rule-violation"


class InvalidInput(ServiceError):
    status = 422
    code = "invalid-input"


class Unauthenticated(ServiceError):
    """No valid credentials: a wrong password, an unknown, expired or revoked session or token."""

    status = 401
    code = "unauthenticated"


class TooManyAttempts(ServiceError):
    """Sign-in refused until ``retry_at`` after too many failures."""

    status = 429
    code = "too-many-attempts"

    def __init__(self, message: str, retry_at: dt.datetime) -> None:
        super().__init__(message, "email")
        self.retry_at = retry_at


class TooLarge(ServiceError):
    """The file is larger than the reader takes: refused before any parsing."""

    status = 413
    code = "too-large"


class Unavailable(ServiceError):
    """The document was not read this time (the server is busy or stopping): send it again."""

    status = 503
    code = "unavailable"


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported-media-type"


# -- outside BandwiseError: kept on their historical bases, so callers catching them as
# ValueError or RuntimeError still do ------------------------------------------------------


class DuplicateKeyError(ValueError):
    def __init__(self, key: object, line: int, first_line: int) -> None:
        self.key = key
        self.line = line
        super().__init__(f"duplicate key {key!r} at line {line} (first at line {first_line})")


class StrictYamlError(ValueError):
    """The text is not YAML, or has duplicate keys; ``key`` locates it."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}" if key else message)


class QuarterError(ValueError):
    """A quarter that is not ``YYYY-QN`` or has not ended yet."""


class RefusedFetch(ValueError):
    """A report asked for a resource that is not inline (``data:``)."""


class SemanticUnavailable(RuntimeError):
    """The semantic extra is not installed (or its files are missing)."""


class PageRedirect(Exception):
    """Raised by a page dependency to send the browser elsewhere (303 See Other)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class UploadProblem(Exception):
    """Why an upload cannot be previewed or saved, in words for the error summary."""

    def __init__(self, message: str, field: str = "file", status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status
