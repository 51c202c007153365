"""Importing a profile document into the library: upload, preview, then save.

The preview shows what was read (every profile with its factor levels, scores, totals and
bands), every finding, and what changed against the library's current version of the
suite; nothing is stored until the user presses "Save as a new version".

Between the two steps the uploaded bytes wait on the server as a *pending upload*: a
folder named by a random token holding the file and a note of who uploaded it, its
SHA-256 and the library version the preview was made against. The save form carries
only the token and the digest; the save refuses a token of another user, a digest that
differs from the stored bytes, or a pending upload older than :data:`PENDING_LIFETIME`,
then reads the same bytes again and imports them against the previewed version (the
service answers Conflict when someone imported meanwhile). So what is saved is exactly
what was previewed, the page stays small however large the document, and an abandoned
preview is swept away by a later upload.

The role is checked before the form is read, and the document is read in a child process
within the parsing limits (``services.parsing``); a message names the file by the
uploader's name, never by the folder it waits in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from ...documents.limits import ParseLimits
from ...documents.reader import MAX_BYTES
from ...errors import UploadProblem
from ...profiles.diff import SuiteDiff
from ...profiles.model import ReadResult
from ...profiles.serialize import profile_to_json
from ...scheme.loader import load_scheme
from ...services import parsing, suites
from ...services.base import Actor, Conflict, ServiceError
from ..auth import DB
from ..limits import upload_limit
from .common import severity_rank
from .deps import PageUser, field_text, redirect
from .templating import render

log = logging.getLogger("bandwise.web")
router = APIRouter(include_in_schema=False)

PENDING_LIFETIME = dt.timedelta(hours=2)
SUFFIXES = {".pdf", ".docx", ".txt", ".text", ".tsv"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_SUITE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_FIELD_IDS = {"file": "file", "suite": "file", "suite_id": "suite_id", "version": "file"}


@dataclass(frozen=True, slots=True)
class Pending:
    """An uploaded document waiting for the user to confirm its import."""

    token: str
    folder: Path
    user_id: int
    organisation_id: int
    filename: str
    sha256: str
    suite_id: str | None
    base_version: int
    created: dt.datetime

    @property
    def document(self) -> Path:
        return self.folder / "document" / safe_name(self.filename)


def safe_name(filename: str) -> str:
    """The upload's name as a plain file name (it becomes the suite's recorded source):
    no folders, only ordinary characters, a known suffix or none."""
    path = Path(filename.replace("\\", "/"))
    stem = re.sub(r"[^A-Za-z0-9._ ()-]", "_", path.stem).strip(" .")[:150] or "document"
    suffix = path.suffix.lower()
    return stem + (suffix if suffix in SUFFIXES else "")


def pending_root(request: Request) -> Path:
    """Where pending uploads wait (``app.state.pending_imports`` if set, else the system
    temporary folder); readable by this user only."""
    configured = getattr(request.app.state, "pending_imports", None)
    root = Path(configured) if configured else Path(tempfile.gettempdir()) / "bandwise-imports"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def _sweep(root: Path, now: dt.datetime) -> None:
    """Remove pending uploads older than their lifetime (abandoned previews)."""
    for folder in root.iterdir():
        try:
            age = now - dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC)
            if age > PENDING_LIFETIME:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def store_pending(
    root: Path, actor: Actor, filename: str, content: bytes, suite_id: str | None
) -> Pending:
    now = dt.datetime.now(dt.UTC)
    _sweep(root, now)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(mode=0o700)
    (folder / "document").mkdir(mode=0o700)
    (folder / "document" / safe_name(filename)).write_bytes(content)
    pending = Pending(
        token,
        folder,
        actor.user_id,
        actor.organisation_id,
        filename,
        hashlib.sha256(content).hexdigest(),
        suite_id,
        0,
        now,
    )
    _write_note(pending)
    return pending


def _write_note(pending: Pending) -> None:
    note = {
        "user_id": pending.user_id,
        "organisation_id": pending.organisation_id,
        "filename": pending.filename,
        "sha256": pending.sha256,
        "suite_id": pending.suite_id,
        "base_version": pending.base_version,
        "created": pending.created.isoformat(),
    }
    (pending.folder / "note.json").write_text(json.dumps(note), encoding="utf-8")


def load_pending(root: Path, actor: Actor, token: str, sha256: str) -> Pending:
    """The pending upload ``token`` of this user, unchanged since its preview."""
    gone = UploadProblem(
        "This preview has expired or was already saved. Upload the document again.",
        "file",
        409,
    )
    if not _TOKEN.fullmatch(token):
        raise gone
    folder = root / token
    try:
        note = json.loads((folder / "note.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise gone from exc
    pending = Pending(
        token,
        folder,
        int(note["user_id"]),
        int(note["organisation_id"]),
        str(note["filename"]),
        str(note["sha256"]),
        note["suite_id"],
        int(note["base_version"]),
        dt.datetime.fromisoformat(note["created"]),
    )
    if (pending.user_id, pending.organisation_id) != (actor.user_id, actor.organisation_id):
        raise gone
    if dt.datetime.now(dt.UTC) - pending.created > PENDING_LIFETIME:
        shutil.rmtree(folder, ignore_errors=True)
        raise gone
    try:
        stored = hashlib.sha256(pending.document.read_bytes()).hexdigest()
    except OSError as exc:
        raise gone from exc
    expected = pending.sha256.encode()
    if not secrets.compare_digest(stored.encode(), expected) or not secrets.compare_digest(
        sha256.encode(), expected
    ):
        raise UploadProblem(
            "The document changed after its preview. Upload it again and check the preview.",
            "file",
            409,
        )
    return pending


def read_pending(pending: Pending, limits: ParseLimits | None = None) -> ReadResult:
    """Read the pending document in a child process within ``limits``; any failure is an
    :class:`UploadProblem` in words naming the file as uploaded."""
    try:
        data = pending.document.read_bytes()
    except OSError as exc:
        raise UploadProblem(
            "This preview has expired or was already saved. Upload the document again.",
            "file",
            409,
        ) from exc
    try:
        return parsing.read_profile_upload(data, safe_name(pending.filename), limits)
    except ServiceError as exc:
        raise UploadProblem(
            f"The document could not be read: {exc.message}", "file", exc.status
        ) from exc
    except Exception as exc:  # a malformed document must never become a traceback page
        log.warning("profile document %r could not be read", pending.filename, exc_info=exc)
        raise UploadProblem(
            "The document could not be read. Check it is a national profile document "
            "(PDF, Word .docx, or the text extracted from the PDF) and not damaged."
        ) from exc


def _diff_rows(diff: SuiteDiff | None) -> list[dict[str, str]]:
    if diff is None:
        return []
    rows = [{"profile": p, "what": "Profile added", "old": "", "new": ""} for p in diff.added]
    rows += [{"profile": p, "what": "Profile removed", "old": "", "new": ""} for p in diff.removed]
    for change in diff.changed:
        for name, old, new in change.fields:
            rows.append({"profile": change.profile_id, "what": name, "old": old, "new": new})
        for f in change.factors:
            wording = f.field not in ("level", "score")
            rows.append(
                {
                    "profile": change.profile_id,
                    "what": f"Factor {f.number} {'wording' if wording else f.field}",
                    "old": f.old,
                    "new": f.new,
                }
            )
    return rows


def _form(
    request: Request,
    user: PageUser,
    errors: list[dict[str, str]] | None = None,
    suite_id: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "library/import.html",
        {
            "errors": errors or [],
            "suite_id": suite_id,
            "max_mib": MAX_BYTES // (1024 * 1024),
            "breadcrumbs": [
                {"href": "/", "text": "Dashboard"},
                {"href": "/library", "text": "Profile library"},
            ],
        },
        principal=user,
        status_code=status,
    )


def _problem(exc: UploadProblem | ServiceError) -> tuple[list[dict[str, str]], int]:
    field = getattr(exc, "field", None) or "file"
    target = _FIELD_IDS.get(field, "file")
    message = exc.message[:1].upper() + exc.message[1:]
    return [{"text": message, "href": f"#{target}"}], exc.status


@router.get("/library/import")
def import_form(user: PageUser, request: Request) -> Response:
    user.actor.require("import")
    return _form(request, user)


@router.post("/library/import", dependencies=[upload_limit(MAX_BYTES)])
async def import_preview(user: PageUser, request: Request, db: DB) -> Response:
    """Read the uploaded document and show what importing it would do (nothing stored)."""
    from starlette.concurrency import run_in_threadpool

    user.actor.require("import")
    form = await request.form()
    suite_id = field_text(form, "suite_id").lower()
    upload = form.get("file")
    if suite_id and not _SUITE_ID.fullmatch(suite_id):
        errors = [
            {
                "text": "Enter a suite id of lower-case letters, digits and hyphens, "
                "or leave it empty",
                "href": "#suite_id",
            }
        ]
        return _form(request, user, errors, suite_id, 422)
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = [{"text": "Select a profile document to upload", "href": "#file"}]
        return _form(request, user, errors, suite_id, 422)
    content = await upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        errors = [{"text": f"The file is larger than {MAX_BYTES // 1048576} MiB", "href": "#file"}]
        return _form(request, user, errors, suite_id, 413)
    if not content:
        errors = [{"text": "The selected file is empty", "href": "#file"}]
        return _form(request, user, errors, suite_id, 422)
    filename = Path(upload.filename.replace("\\", "/")).name[:200] or "document"
    root = pending_root(request)
    pending = store_pending(root, user.actor, filename, content, suite_id or None)
    try:
        return await run_in_threadpool(_preview, request, user, db, pending)
    except (UploadProblem, ServiceError) as exc:
        shutil.rmtree(pending.folder, ignore_errors=True)
        errors, status = _problem(exc)
        return _form(request, user, errors, suite_id, status)


def _limits(request: Request) -> ParseLimits:
    limits: ParseLimits = request.app.state.settings.parse_limits
    return limits


def _preview(request: Request, user: PageUser, db: DB, pending: Pending) -> Response:
    result = read_pending(pending, _limits(request))
    summary = suites.preview_import(db, user.actor, result, pending.suite_id)
    pending = dataclasses.replace(pending, base_version=summary.base_version)
    _write_note(pending)
    scheme = load_scheme()
    profiles = []
    for profile in result.suite.profiles:
        data = profile_to_json(scheme, profile)
        profiles.append(
            {
                "data": data,
                "findings": sum(1 for f in summary.findings if f.profile == profile.id),
            }
        )
    findings = sorted(
        summary.findings,
        key=lambda f: (severity_rank(f.severity), f.line or 0, f.code),
    )
    return render(
        request,
        "library/preview.html",
        {
            "pending": pending,
            "summary": summary,
            "source": result.suite.source,
            "profiles": profiles,
            "findings": findings,
            "errors_found": sum(1 for f in findings if f.severity == "error"),
            "unplaced": result.unplaced,
            "changes": _diff_rows(summary.diff),
            "breadcrumbs": [
                {"href": "/", "text": "Dashboard"},
                {"href": "/library", "text": "Profile library"},
                {"href": "/library/import", "text": "Import a profile document"},
            ],
        },
        principal=user,
    )


@router.post("/library/import/save")
async def import_save(user: PageUser, request: Request, db: DB) -> Response:
    """Store exactly the previewed document as the suite's next version."""
    from starlette.concurrency import run_in_threadpool

    user.actor.require("import")
    form = await request.form()
    token, sha256 = field_text(form, "token"), field_text(form, "sha256")
    root = pending_root(request)
    try:
        pending = load_pending(root, user.actor, token, sha256)
        result = await run_in_threadpool(read_pending, pending, _limits(request))
        imported = await run_in_threadpool(
            suites.import_suite, db, user.actor, result, pending.suite_id, pending.base_version
        )
    except (UploadProblem, ServiceError) as exc:
        if isinstance(exc, Conflict) and _TOKEN.fullmatch(token):
            shutil.rmtree(root / token, ignore_errors=True)  # previewed against an old version
        errors, status = _problem(exc)
        return _form(request, user, errors, "", status)
    shutil.rmtree(pending.folder, ignore_errors=True)
    if not imported.created:
        return redirect(f"/library/suites/{imported.suite_id}?unchanged=1")
    return redirect(f"/library/suites/{imported.suite_id}?imported={imported.version}")


@router.post("/library/import/cancel")
async def import_cancel(user: PageUser, request: Request) -> Response:
    """Discard a previewed upload without saving it."""
    user.actor.require("import")
    form = await request.form()
    token = field_text(form, "token")
    if _TOKEN.fullmatch(token):
        folder = pending_root(request) / token
        try:
            note = json.loads((folder / "note.json").read_text(encoding="utf-8"))
            if int(note["user_id"]) == user.actor.user_id:
                shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError, KeyError):
            pass
    return redirect("/library")
