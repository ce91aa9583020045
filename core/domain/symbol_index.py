"""SymbolIndex: find items by symbol or name prefix in a large list (30,000+ instruments) within a keystroke.

Pure and generic (stdlib only): the paper and Kite adapters index their instrument lists with it, and the
search service ranks merged results with the same `rank`.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
_WORD = re.compile(r"[A-Z0-9&]+|[\u3400-\u9fff]+")

EXACT, SYMBOL_PREFIX, NAME_PREFIX, NO_MATCH = 0, 1, 2, 9
"""How well an entry matches a query: exact symbol, then symbol prefix, then a word of the name."""


def normalize(query: str) -> tuple[str, tuple[str, ...]]:
    """Split a query into its head (matched against symbol and name) and further words (all must appear)."""
    words = query.strip().upper().split()
    return (words[0], tuple(words[1:])) if words else ("", ())


def rank(head: str, symbol: str, name: str) -> int:
    """Return EXACT, SYMBOL_PREFIX, NAME_PREFIX or NO_MATCH for an upper-case query head."""
    upper = symbol.upper()
    if not head:
        return NO_MATCH
    if upper == head:
        return EXACT
    if upper.startswith(head):
        return SYMBOL_PREFIX
    if any(word.startswith(head) for word in _WORD.findall(name.upper())):
        return NAME_PREFIX
    return NO_MATCH


class SymbolIndex(Generic[T]):
    """Items keyed by symbol and by each word of their name; `find` returns the best `limit` for a query.

    Build once (O(n log n)); each query is two binary searches plus a partial sort of the prefix range.
    """

    def __init__(self, entries: Iterable[tuple[str, str, str, T]]) -> None:
        """entries: (symbol, name, text, item); `text` is what a query's further words must all appear in."""
        self._items: list[tuple[str, str, str, T]] = []
        symbols: list[tuple[str, int]] = []
        words: list[tuple[str, int]] = []
        for position, (symbol, name, text, item) in enumerate(entries):
            self._items.append((symbol.upper(), name, text.upper(), item))
            symbols.append((symbol.upper(), position))
            words.extend((word, position) for word in set(_WORD.findall(name.upper())))
        symbols.sort()
        words.sort()
        self._symbols = [s for s, _ in symbols]
        self._symbol_pos = [p for _, p in symbols]
        self._words = [w for w, _ in words]
        self._word_pos = [p for _, p in words]

    def __len__(self) -> int:
        return len(self._items)

    def find(self, query: str, limit: int) -> list[tuple[int, T]]:
        """Return up to limit (rank, item) pairs, best first: exact symbol, symbol prefix (shortest first), name."""
        head, rest = normalize(query)
        if not head or limit <= 0:
            return []
        picked: dict[int, int] = {}
        for position in self._range(self._symbols, self._symbol_pos, head):
            picked[position] = EXACT if self._items[position][0] == head else SYMBOL_PREFIX
        for position in self._range(self._words, self._word_pos, head):
            picked.setdefault(position, NAME_PREFIX)
        if rest:
            picked = {p: r for p, r in picked.items() if all(w in self._items[p][2] for w in rest)}
        best = heapq.nsmallest(limit, picked.items(),
                               key=lambda pr: (pr[1], len(self._items[pr[0]][0]), self._items[pr[0]][0]))
        return [(r, self._items[p][3]) for p, r in best]

    @staticmethod
    def _range(keys: list[str], positions: list[int], head: str) -> list[int]:
        start = bisect_left(keys, head)
        end = bisect_left(keys, head + "\uffff", start)
        return positions[start:end]
