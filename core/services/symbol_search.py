"""SymbolSearchService: search every connected account's broker at once, merge and rank, add the one picked.

Accounts whose adapter has the SymbolSearch capability are asked concurrently, each within its own time
limit; one that is not connected, cannot search (an e-mail desk) or fails is skipped with a note, and the
others' results still show. Results are ranked exact symbol first, then symbol prefix, then a word of the
name; futures of one root by expiry.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

from core.domain import AccountId, ConnectionState, Instrument
from core.domain.symbol_index import normalize, rank
from core.ports.errors import BrokerError, InvalidInstrument
from core.ports.symbol_search import InstrumentMatch, SymbolSearch
from core.services.session import TradingSession

log = logging.getLogger(__name__)
MAX_QUERY = 64
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What one search found: the ranked matches, and a note per account that was skipped or failed."""

    query: str
    matches: tuple[InstrumentMatch, ...]
    notes: tuple[str, ...] = ()
    searched: tuple[AccountId, ...] = ()

    @property
    def message(self) -> str:
        """A line for the trader: how many were found, or that nothing was and where it looked."""
        if not self.query.strip():
            return "Type a symbol or a name to search."
        if self.matches:
            return f"{len(self.matches)} found for {self.query.strip()!r}."
        where = ", ".join(self.searched) if self.searched else "no account (none connected can search)"
        return (f"Nothing matches {self.query.strip()!r} on {where}: check the spelling, try the symbol or the "
                "name, or connect an account that trades it (Connect account).")


class SymbolSearchService:
    """Search instruments on every account that can, and add a chosen one to the session."""

    def __init__(self, session: TradingSession, timeout_s: float = 6.0) -> None:
        self._session = session
        self.timeout_s = timeout_s

    def check_query(self, query: str) -> str:
        """Return the query trimmed; raise ValueError saying what is wrong with it."""
        text = query.strip()
        if len(text) > MAX_QUERY:
            raise ValueError(f"The search is {len(text)} characters long; type at most {MAX_QUERY}.")
        if any(not ch.isprintable() for ch in text):
            raise ValueError("The search holds control characters; type letters, digits and spaces only.")
        return text

    async def search(self, query: str, limit: int = DEFAULT_LIMIT) -> SearchResult:
        """Ask every connected searchable account; return merged, ranked matches (at most limit) and notes."""
        text = self.check_query(query)
        if not text:
            return SearchResult(query, ())
        notes: list[str] = []
        asked: list[tuple[AccountId, SymbolSearch]] = []
        for account_id in self._session.account_ids():
            slot = self._session.account(account_id)
            adapter = slot.adapter
            if not isinstance(adapter, SymbolSearch):
                notes.append(f"{account_id} ({adapter.kind}) cannot search instruments; skipped.")
            elif slot.connection is not ConnectionState.CONNECTED:
                notes.append(f"{account_id} is not connected; connect it to search its instruments.")
            else:
                asked.append((account_id, adapter))
        answers = await asyncio.gather(*(self._ask(a, adapter, text, limit) for a, adapter in asked),
                                       return_exceptions=True)
        found: dict[tuple[AccountId, str], InstrumentMatch] = {}
        for (account_id, _), answer in zip(asked, answers, strict=True):
            if isinstance(answer, BaseException):
                notes.append(f"{account_id}: {_reason(answer)}")
                continue
            for match in answer:
                found.setdefault((match.account_id, match.symbol), match)
        head, _ = normalize(text)
        order = {a: i for i, a in enumerate(self._session.account_ids())}
        ranked = sorted(found.values(), key=lambda m: (
            rank(head, m.symbol, m.name) if rank(head, m.symbol, m.name) < 9 else rank(head, m.root, m.name),
            m.root.upper() != head, len(m.root or m.symbol), m.root, m.expiry or date.min,
            m.strike or 0, m.right, order.get(m.account_id, 0), m.symbol.startswith(f"{m.venue}:"), m.symbol,
        ))
        return SearchResult(query, tuple(ranked[:limit]), tuple(notes), tuple(a for a, _ in asked))

    async def _ask(self, account_id: AccountId, adapter: SymbolSearch, text: str, limit: int) -> list[InstrumentMatch]:
        try:
            return await asyncio.wait_for(adapter.search_symbols(text, limit), self.timeout_s)
        except TimeoutError:
            raise TimeoutError(f"no answer within {self.timeout_s:g} s; its results are missing.") from None

    async def add(self, match: InstrumentMatch) -> Instrument:
        """Load the match's instrument on its account, add it to the session and stream its quotes.

        Raise InvalidInstrument with the broker's reason when it cannot be loaded (nothing is added then).
        """
        slot = self._session.account(match.account_id)
        adapter = slot.adapter
        if not isinstance(adapter, SymbolSearch):
            raise InvalidInstrument(f"{match.account_id} cannot search instruments, so {match.symbol} cannot be "
                                    "added from it.")
        instrument = await adapter.instrument_for(match)
        self._session.instruments.add([instrument], match.account_id)
        try:
            await slot.adapter.subscribe([instrument])
        except BrokerError as exc:
            log.warning("%s: added %s but its quotes do not stream: %s", match.account_id, instrument.symbol, exc)
        return instrument


def _reason(error: BaseException) -> str:
    if isinstance(error, (BrokerError, TimeoutError, ValueError)):
        return str(error)
    log.error("symbol search failed", exc_info=error)
    return f"the search failed ({type(error).__name__}); see the log."
