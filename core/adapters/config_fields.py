"""Shared by the adapters' config classes: build a frozen config from a settings mapping, and back; what a field
tells a settings form (FieldInfo, declared with `described`); and the one reading of a yes/no setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any, TypeVar

C = TypeVar("C")
T = TypeVar("T")

FIELD_INFO = "tradeterm"
"""The key of a config field's FieldInfo in its dataclass metadata."""

TRUE_WORDS = ("true", "yes", "1", "on")
FALSE_WORDS = ("false", "no", "0", "off")


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """What a config field tells a settings form beyond its type and default; kept in the field's metadata so it
    is there at run time (a bundle has no sources, so no attribute docstrings).

    doc: what the field does, in the trader's words (the form shows it as the input's tooltip).
    label: the form's label, when the field's name does not say it plainly.
    choices: the only values a str field takes (the form offers them as a list; the parser still checks).
    empty: what an empty value means ("Alpaca's own"), for a text field whose default is empty.
    live: the values of this field that make the account trade real money.
    confirms_live: this flag is the trader's confirmation that a live account may connect.
    """

    doc: str = ""
    label: str = ""
    choices: tuple[str, ...] = ()
    empty: str = ""
    live: tuple[object, ...] = ()
    confirms_live: bool = False


def described(default: T, *, doc: str = "", label: str = "", choices: tuple[str, ...] = (), empty: str = "",
              live: tuple[object, ...] = (), confirms_live: bool = False) -> T:
    """Declare a config field with its default and what it tells a settings form (see FieldInfo)."""
    info = FieldInfo(doc, label, choices, empty, live, confirms_live)
    return field(default=default, metadata={FIELD_INFO: info})


def field_info(config_field: Field[Any]) -> FieldInfo:
    """Return what a config field declares for a settings form (an empty FieldInfo if nothing)."""
    info = config_field.metadata.get(FIELD_INFO)
    return info if isinstance(info, FieldInfo) else FieldInfo()


def flag_or_none(raw: object) -> bool | None:
    """Return a yes/no setting as a bool (a bool, or true/false, yes/no, 1/0, on/off in any case), else None."""
    if isinstance(raw, bool):
        return raw
    text = raw.strip().lower() if isinstance(raw, str) else None
    if text in TRUE_WORDS or text in FALSE_WORDS:
        return text in TRUE_WORDS
    return None


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
