"""Shared by the adapters' config classes: build a frozen config from a settings mapping, and back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

C = TypeVar("C")


def config_from_mapping(cls: type[C], data: Mapping[str, object], what: str) -> C:
    """Build cls from settings; an unknown field is a ValueError naming it and listing the allowed ones.

    The class's __post_init__ checks and converts every field (naming the bad one).
    """
    allowed = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return cls(**data)


def plain_values(config: Any) -> dict[str, object]:
    """Return a config's fields as plain values for the settings file (tuples become lists)."""
    return {f.name: (list(v) if isinstance(v := getattr(config, f.name), tuple) else v) for f in fields(config)}


def whole_number(what: str, name: str, raw: object, low: int, high: int, expected: str) -> int:
    """Parse a whole number in [low, high] from settings; the error names the field and says what it takes."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"{what}: {name} must be {expected}, got {raw!r}")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{what}: {name} must be {expected}, got {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{what}: {name} must be between {low} and {high}, got {raw!r}")
    return value
