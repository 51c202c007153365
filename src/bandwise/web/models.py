"""Input model building blocks: strict, closed, and safe for every database.

Inputs subclass :class:`StrictInput`: unknown fields are refused and no value is
coerced (``false`` is not ``0``, ``"5"`` is not ``5``). Text fields use :func:`text`,
which bounds the length to the column's and refuses NUL characters and unpaired
surrogates (PostgreSQL cannot store them). Ids and versions use :data:`Id`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_INT = 2**31 - 1  # the database's INTEGER


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode") from exc
    return value


Storable = AfterValidator(_storable)


def text(max_length: int, min_length: int = 0, description: str = "") -> Any:
    """A ``Field`` for a bounded text value (use as ``Annotated[str, text(200)]``)."""
    return Field(min_length=min_length, max_length=max_length, description=description or None)


Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Version = Annotated[
    int, Field(ge=1, le=MAX_INT, description="The version you read (optimistic concurrency)")
]


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def optional(max_length: int | None = None, min_length: int | None = None) -> Any:
    """A field that may be left out but, when given, is not null (for PATCH bodies)."""
    return Field(
        default=None,
        min_length=min_length,
        max_length=max_length,
        json_schema_extra=_drop_default,
    )


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    def changes(self, *exclude: str) -> dict[str, Any]:
        """The fields the client sent (explicit ``null`` for a non-nullable field is refused
        by the model)."""
        return {k: getattr(self, k) for k in self.model_fields_set if k not in exclude}
