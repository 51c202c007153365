"""Importing profile documents: read, validate, and compare with the library (storing a
version is :func:`bandwise.services.suites.import_suite`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..documents.reader import MAX_BYTES, read_document, read_suites
from ..errors import DocumentError
from ..profiles.diff import SuiteDiff, diff_suites
from ..profiles.ids import slugify
from ..profiles.library import Library
from ..profiles.model import Finding, ReadResult
from ..profiles.serialize import load_suite_yaml
from ..profiles.validate import validate_suite
from ..scheme.band_labels import normalise_band_text
from ..scheme.model import Scheme

DOCUMENT_SUFFIXES = (".txt", ".text", ".tsv", ".pdf", ".docx", ".yaml", ".yml")
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; a folder gives its profile documents, in name order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file()
                    and p.suffix.lower() in DOCUMENT_SUFFIXES
                    and not p.name.startswith(".")
                )
            )
        else:
            out.append(path)
    return out


def read_and_validate(
    scheme: Scheme, file: Path, suite_id: str | None = None
) -> tuple[ReadResult, list[Finding]]:
    """Read a document (text, PDF, Word) or a stored suite YAML and validate it."""
    if file.suffix.lower() in (".yaml", ".yml"):
        if not file.is_file():
            raise DocumentError(str(file), "no such file")
        if file.stat().st_size > MAX_BYTES:  # checked before YAML parsing, as for documents
            raise DocumentError(
                str(file), f"is larger than {MAX_BYTES // (1024 * 1024)} MiB; not a suite YAML"
            )
        suite = load_suite_yaml(scheme, file.read_text(encoding="utf-8"), str(file))
        result = ReadResult(replace(suite, id=suite_id) if suite_id else suite)
    else:
        result = read_document(file, suite_id, scheme)
    return result, _validated(scheme, result)


def read_and_validate_all(
    scheme: Scheme, file: Path, suite_id: str | None = None
) -> list[tuple[ReadResult, list[Finding]]]:
    """Every suite a document holds, each read and validated (a suite YAML holds one)."""
    if file.suffix.lower() in (".yaml", ".yml"):
        return [read_and_validate(scheme, file, suite_id)]
    return [(r, _validated(scheme, r)) for r in read_suites(file, suite_id, scheme)]


def read_merged(
    scheme: Scheme, files: list[Path], suite_id: str | None = None
) -> tuple[ReadResult, list[Finding]]:
    """One suite split over several documents (``profiles import --merge``), read as one:
    every part has the suite's title, and no profile is in two parts. Profiles keep their
    parts' order; two of the same title in different bands take ids with their band, as
    in one document."""
    parts = [(f, r) for f in files for r, _ in read_and_validate_all(scheme, f)]
    first_file, first = parts[0]
    for file, part in parts[1:]:
        if _norm(part.suite.title) != _norm(first.suite.title):
            raise DocumentError(
                str(file),
                f"is suite '{part.suite.title}', not '{first.suite.title}' as {first_file} "
                "is; --merge reads the parts of one suite (import different suites without it)",
            )
    seen: dict[tuple[str, str, bool], Path] = {}
    for file, part in parts:
        for p in part.suite.profiles:
            key = (_norm(p.title), normalise_band_text(p.band_text), p.archived)
            if key in seen:
                band = f" (band {p.band_label or p.band_text})" if p.band_text else ""
                raise DocumentError(
                    str(file),
                    f"profile '{p.title}'{band} is also in {seen[key]}; --merge takes each "
                    "profile from one part only",
                )
            seen[key] = file
    ids = [p.id for _, part in parts for p in part.suite.profiles]
    # each part's renamed ids, so that its findings name the profile by its new id
    renames = [
        {
            p.id: slugify(
                " ".join((p.title, normalise_band_text(p.band_text), "archived" * p.archived))
            )
            for p in part.suite.profiles
            if ids.count(p.id) > 1
        }
        for _, part in parts
    ]
    renamed = [
        replace(p, id=names.get(p.id, p.id))
        for (_, part), names in zip(parts, renames, strict=True)
        for p in part.suite.profiles
    ]
    history = list(dict.fromkeys(h for _, part in parts for h in part.suite.history))
    suite = replace(
        first.suite,
        id=suite_id or first.suite.id,
        source=" + ".join(part.suite.source for _, part in parts),
        profiles=tuple(renamed),
        contents=tuple(c for _, part in parts for c in part.suite.contents),
        history=tuple(history),
        mark_meaning=next((pt.suite.mark_meaning for _, pt in parts if pt.suite.mark_meaning), ""),
    )
    merged = ReadResult(
        suite,
        tuple(
            replace(f, profile=names.get(f.profile, f.profile)) if f.profile else f
            for (_, part), names in zip(parts, renames, strict=True)
            for f in part.findings
        ),
        tuple(u for _, part in parts for u in part.unplaced),
        first.encoding,
    )
    return merged, _validated(scheme, merged)


def _validated(scheme: Scheme, result: ReadResult) -> list[Finding]:
    findings = list(result.findings) + validate_suite(scheme, result.suite)
    findings.sort(key=lambda f: (_SEVERITY_ORDER.get(f.severity, 3), f.line or 0, f.code))
    return findings


def _norm(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def align_suite_id(result: ReadResult, library: Library) -> ReadResult:
    """Give a re-imported suite the id of the library suite with the same title."""
    for suite in library.suites:
        if _norm(suite.title) == _norm(result.suite.title) and suite.id != result.suite.id:
            return replace(result, suite=replace(result.suite, id=suite.id))
    return result


@dataclass(frozen=True, slots=True)
class Comparison:
    diff: SuiteDiff | None  # None when the suite is new to the library
    base_version: int  # the library's current version (0 when new)


def compare(library: Library, result: ReadResult) -> Comparison:
    current = library.suite(result.suite.id)
    if current is None:
        return Comparison(None, 0)
    return Comparison(diff_suites(current, result.suite), library.version_of(current.id))
