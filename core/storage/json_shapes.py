"""Checks of a decoded JSON value's shape for the journal's codecs: the value as the type expected, or a
TypeError naming what was found (the caller turns it into a JournalError that says which record)."""

from __future__ import annotations

from core.storage.codec import JSONValue


def rows_of(raw: JSONValue, width: int) -> list[list[JSONValue]]:
    """Return raw as a list of rows of width values each; TypeError naming what it found if not."""
    rows = as_list(raw)
    for row in rows:
        if not isinstance(row, list) or len(row) != width:
            raise TypeError(f"expected rows of {width}, got {row!r}")
    return rows  # type: ignore[return-value]


def as_list(raw: JSONValue) -> list[JSONValue]:
    if not isinstance(raw, list):
        raise TypeError(f"expected a list, got {raw!r}")
    return raw


def as_str(raw: JSONValue) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected a string, got {raw!r}")
    return raw


def as_int(raw: JSONValue) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise TypeError(f"expected an integer, got {raw!r}")
    return raw
