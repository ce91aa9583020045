"""DepthService: ask an account's broker for a symbol's market depth (and its tape) for views, counting who watches.

Views never touch an adapter (DESIGN rule 4): a ladder asks here, and the books arrive as DepthBook events on
the bus (the GUI's frame feed hands them out per frame). Several views of the same symbol on the same account
share one broker request (IB allows only a few: error 309); the last to stop ends it.
"""

from __future__ import annotations

import logging
from collections import Counter

from core.domain import AccountId, ConnectionState, Instrument
from core.ports.depth_feed import DepthFeed
from core.ports.errors import BrokerError
from core.ports.time_and_sales import TimeAndSales
from core.services.session import TradingSession

log = logging.getLogger(__name__)


class DepthService:
    """Start and stop depth per (account, symbol) for the views that show it."""

    def __init__(self, session: TradingSession) -> None:
        self._session = session
        self._watchers: Counter[tuple[AccountId, str]] = Counter()
        self._tapes: Counter[tuple[AccountId, str]] = Counter()

    def has_depth(self, account_id: AccountId) -> bool:
        """True when the account's broker can stream depth (the DepthFeed capability)."""
        return isinstance(self._session.account(account_id).adapter, DepthFeed)

    async def watch(self, account_id: AccountId, instrument: Instrument) -> str:
        """Ask for instrument's depth on account; return "" when asked, else why the view has top of book only."""
        adapter = self._session.account(account_id).adapter
        if not isinstance(adapter, DepthFeed):
            return f"{account_id} has no market depth: top of book only."
        key = (account_id, instrument.symbol)
        self._watchers[key] += 1
        if self._watchers[key] > 1:
            return ""
        if self._session.account(account_id).connection is not ConnectionState.CONNECTED:
            log.info("%s: depth of %s asked while not connected; the adapter asks on connect", account_id,
                     instrument.symbol)
        try:
            await adapter.subscribe_depth(instrument)
        except BrokerError as exc:
            self._watchers[key] -= 1
            return f"No market depth from {account_id}: {exc} Top of book only."
        return ""

    async def watch_tape(self, account_id: AccountId, instrument: Instrument) -> str:
        """Ask for instrument's trade prints on account; return "" when asked, else why there is no tape."""
        adapter = self._session.account(account_id).adapter
        if not isinstance(adapter, TimeAndSales):
            return f"{account_id} reports no time and sales."
        key = (account_id, instrument.symbol)
        self._tapes[key] += 1
        if self._tapes[key] == 1:
            try:
                await adapter.subscribe_tape(instrument)
            except BrokerError as exc:
                self._tapes[key] -= 1
                return f"No time and sales from {account_id}: {exc}"
        return ""

    async def unwatch_tape(self, account_id: AccountId, symbol: str) -> None:
        """One view stops showing symbol's prints on account; the last one ends the broker's request."""
        key = (account_id, symbol)
        if self._tapes[key] <= 0:
            return
        self._tapes[key] -= 1
        if self._tapes[key] == 0:
            del self._tapes[key]
            adapter = self._session.account(account_id).adapter
            if isinstance(adapter, TimeAndSales):
                await adapter.unsubscribe_tape(symbol)

    async def unwatch(self, account_id: AccountId, symbol: str) -> None:
        """One view stops showing symbol's depth on account; the last one ends the broker's request."""
        key = (account_id, symbol)
        if self._watchers[key] <= 0:
            return
        self._watchers[key] -= 1
        if self._watchers[key] == 0:
            del self._watchers[key]
            adapter = self._session.account(account_id).adapter
            if isinstance(adapter, DepthFeed):
                await adapter.unsubscribe_depth(symbol)
