"""Importing profile documents: read, validate, and compare with the library (storing a
version is :func:`bandwise.services.suites.import_suite`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..documents.reader import MAX_BYTES, read_document, read_suites
from ..errors import DocumentError
from ..profiles.diff import SuiteDiff, diff_suites
from ..profiles.library import Library
from ..profiles.model import Finding, ReadResult
from ..profiles.serialize import load_suite_yaml
from ..profiles.validate import validate_suite
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
