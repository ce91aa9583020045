"""MarketHours: each account's instruments' trading hours, asked of the broker once a day and kept.

A view reads `known` (never waits); `load` asks the account's broker (TradingHoursSource) and keeps the answer
for the rest of the exchange's day, or until its known sessions run out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.domain import AccountId, Instrument
from core.domain.trading_hours import TradingHours
from core.ports.capability_check import has_capability
from core.ports.trading_hours import TradingHoursSource

AdapterOf = Callable[[AccountId], object]


class MarketHours:
    """Trading hours by (account, symbol): the account's own broker's answer, its instrument's own listing."""

    def __init__(self, adapter_of: AdapterOf, now: Callable[[], datetime]) -> None:
        self._adapter_of = adapter_of
        self._now = now
        self._kept: dict[tuple[str, str], tuple[TradingHours | None, datetime]] = {}

    def has_hours(self, account_id: AccountId) -> bool:
        """True when account's broker can say when its instruments trade."""
        return has_capability(self._adapter_of(account_id), TradingHoursSource)  # asked on every ticket refresh

    def known(self, account_id: AccountId, instrument: Instrument) -> TradingHours | None:
        """Return the hours kept for instrument on account (None: not asked yet, or the broker has none)."""
        kept = self._kept.get((str(account_id), instrument.symbol))
        if kept is None or self._stale(*kept):
            return None
        return kept[0]

    def needs_load(self, account_id: AccountId, instrument: Instrument) -> bool:
        """True when the broker should be asked (it knows hours and none are kept for today)."""
        kept = self._kept.get((str(account_id), instrument.symbol))
        return self.has_hours(account_id) and (kept is None or self._stale(*kept))

    async def load(self, account_id: AccountId, instrument: Instrument) -> TradingHours | None:
        """Ask account's broker for instrument's hours and keep them (BrokerError when it cannot be asked)."""
        adapter = self._adapter_of(account_id)
        if not isinstance(adapter, TradingHoursSource):
            return None
        now = self._now()
        hours = await adapter.trading_hours(instrument, now)
        self._kept[(str(account_id), instrument.symbol)] = (hours, now)
        return hours

    def _stale(self, hours: TradingHours | None, asked: datetime) -> bool:
        now = self._now()
        if hours is None:
            return now.date() != asked.date()
        state = hours.state_at(now)
        ran_out = state.next_open is None and not state.is_open
        return ran_out or hours.local(now).date() != hours.local(asked).date()
