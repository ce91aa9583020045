"""SymbolIndex: find items by symbol or name prefix in a large list (30,000+ instruments) within a keystroke.

Pure and generic (stdlib only): the paper and Kite adapters index their instrument lists with it, and the
search service ranks merged results with the same `rank`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
_WORD = re.compile(r"[A-Z0-9&]+|[\u3400-\u9fff]+")

EXACT, SYMBOL_PREFIX, NAME_PREFIX, NO_MATCH = 0, 1, 2, 9
_SORT_AT_MOST = 2000
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
        self._symbols_upper: list[str] = []
        self._texts: list[str] = []
        self._values: list[T] = []
        words: list[str] = []
        word_pos: list[int] = []
        for position, (symbol, name, text, item) in enumerate(entries):
            self._symbols_upper.append(symbol.upper())
            self._texts.append(text.upper())
            self._values.append(item)
            for word in set(_WORD.findall(name.upper())):
                words.append(word)
                word_pos.append(position)
        upper = self._symbols_upper
        self._symbol_pos = sorted(range(len(upper)), key=upper.__getitem__)
        self._symbols = [upper[p] for p in self._symbol_pos]
        order = sorted(range(len(words)), key=words.__getitem__)
        self._words = [words[i] for i in order]
        self._word_pos = [word_pos[i] for i in order]
        self._by_length = sorted(self._symbol_pos, key=lambda p: len(upper[p]))  # stable: by symbol within a length
        """Every position, shortest symbol first: the order symbol-prefix matches are ranked in."""
        self._rank = [0] * len(upper)
        for rank_, position in enumerate(self._by_length):
            self._rank[position] = rank_

    def __len__(self) -> int:
        return len(self._values)

    def find(self, query: str, limit: int) -> list[tuple[int, T]]:
        """Return up to limit (rank, item) pairs, best first: exact symbol, symbol prefix (shortest first), name."""
        head, rest = normalize(query)
        if not head or limit <= 0:
            return []
        best = self._symbol_matches(head, rest, limit)
        if len(best) < limit:
            taken = {p for p, _ in best}
            named = [p for p in self._range(self._words, self._word_pos, head)
                     if p not in taken and self._wanted(p, rest)]
            named.sort(key=self._rank.__getitem__)
            best += [(p, NAME_PREFIX) for p in named[:limit - len(best)]]
        return [(r, self._values[p]) for p, r in best]

    def _symbol_matches(self, head: str, rest: tuple[str, ...], limit: int) -> list[tuple[int, int]]:
        """The best symbol-prefix matches. A small prefix range is sorted; a large one (typing "N" over 30,000
        options) is read in shortest-first order until limit are found, so no query sorts the whole list."""
        start = bisect_left(self._symbols, head)
        end = bisect_left(self._symbols, head + "\uffff", start)
        if end - start <= _SORT_AT_MOST:
            found = [p for p in self._symbol_pos[start:end] if self._wanted(p, rest)]
            found.sort(key=self._rank.__getitem__)
            chosen = found[:limit]
        else:
            chosen = []
            symbols = self._symbols_upper
            for p in self._by_length:
                if symbols[p].startswith(head) and self._wanted(p, rest):
                    chosen.append(p)
                    if len(chosen) == limit:
                        break
        return [(p, EXACT if self._symbols_upper[p] == head else SYMBOL_PREFIX) for p in chosen]

    def _wanted(self, position: int, rest: tuple[str, ...]) -> bool:
        text = self._texts[position]
        return all(word in text for word in rest)

    @staticmethod
    def _range(keys: list[str], positions: list[int], head: str) -> list[int]:
        start = bisect_left(keys, head)
        end = bisect_left(keys, head + "\uffff", start)
        return positions[start:end]
