"""SnapshotPoll: which subscribed symbols to ask Alpaca's snapshots of (snapshots.py), and when. Pure: the caller
gives the time."""

from __future__ import annotations

from collections.abc import Collection, Iterable

REFRESH_S = 15.0
"""While prices stream, how often every symbol's snapshot is read again: the stream carries the bid, ask and last;
the day's volume (and, across midnight, the previous close) come from the snapshots."""


class SnapshotPoll:
    """Ask for a symbol's snapshot
    - at the first poll after it is subscribed (subscribe wakes the poll), streaming or not: its previous close,
      day's volume and last are known at once, even with the market closed and the stream silent;
    - every poll (at most every 0.9 poll interval) while the stream is silent, refused or off: the snapshot carries
      the bid and ask too, so a polled account gets every field;
    - every REFRESH_S while the stream speaks.
    A failed ask (a 429, no answer) asks for its symbols again at the next poll.
    """

    def __init__(self, poll_interval_s: float, refresh_s: float = REFRESH_S) -> None:
        self._poll_s = poll_interval_s * 0.9
        self._refresh_s = max(refresh_s, self._poll_s)
        self._new: set[str] = set()
        self._asked_all_at = float("-inf")

    def add(self, symbols: Iterable[str]) -> None:
        """Ask for these symbols at the next poll."""
        self._new.update(symbols)

    def due(self, now: float, subscribed: Collection[str], streaming: bool) -> list[str]:
        """Return the symbols to ask for now (none: nothing is due)."""
        if now - self._asked_all_at >= (self._refresh_s if streaming else self._poll_s):
            self._asked_all_at = now
            self._new.clear()
            return sorted(subscribed)
        new = sorted(symbol for symbol in self._new if symbol in subscribed)
        self._new.clear()
        return new

    def retry(self, symbols: Iterable[str]) -> None:
        """The ask for symbols failed: ask again at the next poll."""
        self._new.update(symbols)
