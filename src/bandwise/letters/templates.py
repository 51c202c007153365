"""Letter templates: the built-in defaults (``data/defaults.yaml``) and the one way a
template is rendered, in a sandboxed Jinja2 environment where an unknown field is an
error (``StrictUndefined``), never an empty gap in a letter sent to someone.

:func:`check_template` is what an administrator's save goes through: it renders the
subject and the body with the kind's sample fields and turns any problem into an
:class:`~bandwise.errors.InvalidInput` naming the part (subject or body), the line and
the field, e.g. "body, line 4: there is no field 'job_titel' in an outcome letter to the
jobholder (the fields are listed beside the template)".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import TracebackType
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import InvalidInput
from .fields import FIELDS, KIND_LABELS, KINDS, sample_fields

#: The longest subject (the column's size) and body an organisation may save.
SUBJECT_MAX = 300
BODY_MAX = 20_000
_TEMPLATE_NAME = "<letter>"


@dataclass(frozen=True, slots=True)
class LetterText:
    """A template's subject and body, or a letter's rendered subject and body."""

    subject: str
    body: str


@cache
def _defaults() -> dict[str, LetterText]:
    text = files("bandwise.letters").joinpath("data/defaults.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert set(data) == set(KINDS), "defaults.yaml has one entry per letter kind"
    return {
        k: LetterText(str(v["subject"]).strip(), str(v["body"]).rstrip()) for k, v in data.items()
    }


def default_template(kind: str) -> LetterText:
    """The built-in wording of a kind of letter."""
    if kind not in KINDS:
        raise InvalidInput(f"the letter kind is one of {', '.join(KINDS)}, not {kind!r}", "kind")
    return _defaults()[kind]


#: The filters a letter may use: words and case, never anything that can make a letter
#: (and the server's memory) grow beyond its template, such as ``center(10**9)``.
ALLOWED_FILTERS = frozenset(
    {"capitalize", "default", "d", "lower", "upper", "title", "trim", "length", "first",
     "last", "round", "int", "string", "abs", "wordcount"}
)  # fmt: skip
#: Tags a letter does not need and that could make rendering run away: loops, variables
#: (a doubling ``set`` grows without bound), macros (recursion), includes and imports.
_FORBIDDEN_TAGS = {
    nodes.For: "loops ({% for %})",
    nodes.Assign: "variables ({% set %})",
    nodes.AssignBlock: "variables ({% set %})",
    nodes.Macro: "macros ({% macro %})",
    nodes.CallBlock: "macros ({% call %})",
    nodes.Include: "other templates ({% include %})",
    nodes.Import: "other templates ({% import %})",
    nodes.FromImport: "other templates ({% from %})",
    nodes.Extends: "other templates ({% extends %})",
}


class _LetterEnvironment(SandboxedEnvironment):
    """Jinja2's sandbox, narrower still: no attributes or methods of the fields (``{{
    job_title.zfill(10**9) }}``), no powers, and ``*`` and ``%`` only between numbers
    (``'x' * 10**9`` would take the server's memory)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        numbers = all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)
        )
        if operator == "**" or not numbers:
            raise SecurityError(f"a letter may not use {operator!r} here")
        return super().call_binop(context, operator, left, right)


@cache
def _environment() -> SandboxedEnvironment:
    # Letters are plain text: the PDF and Word renderers escape what they lay out.
    env = _LetterEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    env.filters = {k: v for k, v in env.filters.items() if k in ALLOWED_FILTERS}
    env.globals.clear()  # range, lipsum, dict, ...: nothing a letter needs
    return env


def _check_tags(source: str) -> None:
    """Refuse the tags a letter may not use, naming the tag and its line."""
    tree = _environment().parse(source)
    for kind, words in _FORBIDDEN_TAGS.items():
        for node in tree.find_all(kind):
            raise TemplateSyntaxError(f"a letter may not use {words}", node.lineno)


def _line_of(tb: TracebackType | None) -> int | None:
    """The template line an error was raised on (Jinja2 rewrites tracebacks so that a
    template's frames carry its file name and line numbers)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _TEMPLATE_NAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")


def _problem(part: str, kind: str, exc: Exception) -> InvalidInput:
    line = exc.lineno if isinstance(exc, TemplateSyntaxError) else _line_of(exc.__traceback__)
    where = f"{part}, line {line}" if line else part
    found = _UNDEFINED.search(exc.message or "") if isinstance(exc, UndefinedError) else None
    if found:
        name = found.group(1)
        return InvalidInput(
            f"{where}: there is no field {name!r} in the {KIND_LABELS[kind]} (the fields "
            f"are: {', '.join(f.name for f in FIELDS[kind])})",
            part,
        )
    if isinstance(exc, SecurityError):
        return InvalidInput(f"{where}: templates may not do that ({exc})", part)
    message = getattr(exc, "message", None) or str(exc)
    return InvalidInput(f"{where}: {message}", part)


def render_part(source: str, fields: Mapping[str, Any], part: str, kind: str) -> str:
    """One part (subject or body) of a letter rendered with ``fields``; a template
    problem is an InvalidInput naming the part, the line and the field."""
    try:
        _check_tags(source)
        template = _environment().from_string(source)
        template.filename = _TEMPLATE_NAME  # how _line_of finds its frames
        return template.render(dict(fields))
    except (TemplateError, SecurityError) as exc:
        raise _problem(part, kind, exc) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise InvalidInput(f"{part}: {exc}", part) from None


def render_letter(template: LetterText, fields: Mapping[str, Any], kind: str) -> LetterText:
    """The letter's subject (one line) and body from its template and fields."""
    subject = " ".join(render_part(template.subject, fields, "subject", kind).split())
    body = render_part(template.body, fields, "body", kind).strip()
    return LetterText(subject, body)


def check_template(kind: str, subject: str, body: str) -> LetterText:
    """A template as an administrator typed it, checked before it is saved: both parts
    present, within their lengths, and rendering with the sample fields of its kind."""
    default_template(kind)  # the kind is known
    subject, body = subject.strip(), body.replace("\r\n", "\n").strip()
    if not subject:
        raise InvalidInput("write the letter's subject", "subject")
    if "\n" in subject:
        raise InvalidInput("the subject is one line", "subject")
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(f"the subject is at most {SUBJECT_MAX} characters", "subject")
    if not body:
        raise InvalidInput("write the letter's body", "body")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"the body is at most {BODY_MAX:,} characters", "body")
    template = LetterText(subject, body)
    render_letter(template, sample_fields(kind), kind)
    return template


def paragraphs(body: str) -> list[list[str]]:
    """A rendered body as paragraphs (split at blank lines), each a list of its lines."""
    out: list[list[str]] = []
    for block in re.split(r"\n[ \t]*\n", body.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            out.append(lines)
    return out
