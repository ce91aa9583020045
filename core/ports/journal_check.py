"""JournalCheck: a journal whose full integrity check may wait until after the first paint (checked with isinstance)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


class OpenCheckFacts(Protocol):
    """Whether the full check ran at open, and why (or why it waits)."""

    @property
    def full(self) -> bool: ...

    @property
    def why(self) -> str: ...


@runtime_checkable
class JournalCheck(Protocol):
    """The journal's integrity check, deferred at open when the last session closed cleanly (SqliteJournal)."""

    @property
    def path(self) -> Path: ...

    @property
    def open_check(self) -> OpenCheckFacts: ...

    def verify(self) -> str | None:
        """Run the full check (blocking: from a worker thread); None if sound, else what the trader is told.

        Raises JournalError if the journal is closed before or during the check.
        """
        ...

    def record_verified(self) -> None:
        """Note that the deferred check passed, and when."""
        ...

    def refuse_writes(self, why: str) -> None:
        """Write nothing more: every write raises JournalError(why)."""
        ...
