"""Watchlists: the trader's named lists of (symbol, feed) rows, the one shown, and each account's reference feed.

Pure values and their JSON shape (stored by core/storage/watchlists.py). A row's feed is the account
whose market data it shows (None: the first feed that quotes the symbol).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

WATCHLISTS_VERSION: Final = 1


class WatchlistsError(Exception):
    """The watchlists file cannot be read or written; the message names the file, the field and what to do."""


@dataclass(frozen=True, slots=True)
class WatchRow:
    """One symbol on a watchlist and the feed (account) it is quoted from; None: the first feed that quotes it."""

    symbol: str
    feed: str | None = None


@dataclass(frozen=True, slots=True)
class Watchlist:
    """A named list of rows, in the order the trader put them."""

    name: str
    rows: tuple[WatchRow, ...] = ()

    def symbols(self) -> list[str]:
        return [row.symbol for row in self.rows]


@dataclass(frozen=True, slots=True)
class WatchlistsDocument:
    """Every watchlist (tabs, in order), the one shown, and the reference feed chosen per account."""

    lists: tuple[Watchlist, ...]
    current: int = 0
    reference_feeds: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": WATCHLISTS_VERSION,
            "current": self.current,
            "lists": [{"name": w.name, "rows": [{"symbol": r.symbol, "feed": r.feed} for r in w.rows]}
                      for w in self.lists],
            "reference_feeds": dict(sorted(self.reference_feeds.items())),
        }

    @classmethod
    def from_json(cls, raw: object) -> WatchlistsDocument:
        """Return the document raw describes; a bad field raises ValueError naming it."""
        if not isinstance(raw, dict) or raw.get("version") != WATCHLISTS_VERSION:
            raise ValueError(f"expected an object with \"version\": {WATCHLISTS_VERSION}")
        lists_raw = raw.get("lists")
        if not isinstance(lists_raw, list) or not lists_raw:
            raise ValueError("lists: expected a non-empty list of watchlists")
        lists = tuple(_watchlist(item, f"lists[{i}]") for i, item in enumerate(lists_raw))
        names = [w.name for w in lists]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"lists: the name {twice[0]!r} is used twice")
        current = raw.get("current", 0)
        if type(current) is not int or not 0 <= current < len(lists):
            raise ValueError(f"current: expected a list number from 0 to {len(lists) - 1}, got {current!r}")
        references = raw.get("reference_feeds", {})
        if not isinstance(references, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k and v and k != v for k, v in references.items()):
            raise ValueError("reference_feeds: expected an object of account: another account's feed")
        return cls(lists, current, dict(references))


def _watchlist(raw: object, where: str) -> Watchlist:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise ValueError(f"{where}.name: expected a non-empty name")
    rows_raw = raw.get("rows", [])
    if not isinstance(rows_raw, list):
        raise ValueError(f"{where}.rows: expected a list")
    rows: list[WatchRow] = []
    seen: set[str] = set()
    for index, row in enumerate(rows_raw):
        at = f"{where}.rows[{index}]"
        if not isinstance(row, dict) or not isinstance(row.get("symbol"), str) or not row["symbol"].strip():
            raise ValueError(f"{at}.symbol: expected a symbol")
        feed = row.get("feed")
        if feed is not None and (not isinstance(feed, str) or not feed.strip()):
            raise ValueError(f"{at}.feed: expected an account id or null, got {feed!r}")
        if row["symbol"] in seen:  # a set: a scan of the rows read so far made 1,000 symbols a 90 ms start
            raise ValueError(f"{at}.symbol: {row['symbol']!r} is on this list twice")
        seen.add(row["symbol"])
        rows.append(WatchRow(row["symbol"], feed))
    return Watchlist(raw["name"], tuple(rows))
