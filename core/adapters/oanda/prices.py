"""OandaPrices: the subscribed pairs' quotes, the pricing stream's bid and ask with each pair's previous close.

The previous close comes from OANDA's daily candles (daily_close.py): asked when a pair is subscribed and again
after each 17:00 New York roll, never per quote. A pair whose candles cannot be read keeps the close it had (None
at first) and is asked again within RETRY_S; its prices flow all the same. A close learned after the pair's
prices began is sent at once on a copy of its newest quote (the bid and ask as they were), so the row's change
shows without waiting for the next price.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from core.adapters.oanda.client import OandaClient
from core.adapters.oanda.config import OandaConfig
from core.adapters.oanda.daily_close import candle_params, fx_day_start, next_roll, previous_close
from core.adapters.oanda.parsing import parse_price
from core.domain import Quote
from core.ports.broker import QuoteSink
from core.ports.errors import BrokerError

log = logging.getLogger(__name__)
RETRY_S: Final = 60.0
"""A pair whose previous close could not be read is asked again after this long (not at every quote)."""
ROLL_GRACE_S: Final = 2.0
"""Asked this long after 17:00 New York: the day just ended is a complete candle by then on OANDA's clock too."""
ASKS_AT_ONCE: Final = 4


class OandaPrices:
    """Quotes of the subscribed pairs for one account's QuoteSink; its two loops run as the adapter's tasks."""

    def __init__(self, client: OandaClient, config: OandaConfig, source: str, quotes: QuoteSink,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._client = client
        self._config = config
        self._source = source
        self._quotes = quotes
        self._clock = clock
        self.closes: dict[str, Decimal] = {}
        """Each pair's previous close, once read."""
        self._of_day: dict[str, datetime] = {}
        """The FX day (its start) each pair's close was read for: another day's is read again."""
        self._newest: dict[str, Quote] = {}
        self._wanted = asyncio.Event()

    def want_closes(self) -> None:
        """Read the previous close of pairs that have none for today (a pair was just subscribed)."""
        self._wanted.set()

    async def stream(self, symbols: Sequence[str]) -> None:
        """Stream the pairs' prices until cancelled, reconnecting with a growing pause when the stream breaks."""
        config = self._config
        pause = config.reconnect_initial_s
        params = {"instruments": ",".join(symbols), "snapshot": "True"}
        while True:
            try:
                async for line in self._client.lines("/pricing/stream", params, config.heartbeat_timeout_s / 2):
                    pause = config.reconnect_initial_s
                    if line.get("type") == "PRICE":
                        symbol = str(line.get("instrument"))
                        quote = parse_price(line, self._source, self.closes.get(symbol))
                        if quote is not None:
                            self._newest[symbol] = quote
                            self._quotes([quote])
            except BrokerError as exc:
                log.warning("OANDA pricing stream: %s; reconnecting in %.1f s", exc, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)

    async def keep_closes(self, symbols: Callable[[], Sequence[str]]) -> None:
        """Keep each of symbols()'s previous close until cancelled: read when wanted and after each roll."""
        limit = asyncio.Semaphore(ASKS_AT_ONCE)

        async def ask(symbol: str, day: datetime) -> bool:
            async with limit:
                return await self._read_close(symbol, day)

        while True:
            self._wanted.clear()
            now = self._clock()
            day = fx_day_start(now)
            due = [s for s in symbols() if self._of_day.get(s) != day]
            read = await asyncio.gather(*(ask(s, day) for s in due))
            wait = (next_roll(now) - now).total_seconds() + ROLL_GRACE_S
            if not all(read):
                wait = min(wait, RETRY_S)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wanted.wait()

    async def _read_close(self, symbol: str, day: datetime) -> bool:
        """Read symbol's previous close for the FX day begun at `day`; False when OANDA did not give it."""
        url = f"{self._config.rest}/v3/instruments/{symbol}/candles"
        try:
            status, payload = await self._client.request("GET", url, params=candle_params())
        except BrokerError as exc:
            log.warning("OANDA daily candles of %s: %s; its previous close is asked again later", symbol, exc)
            return False
        candles = payload.get("candles") if status == 200 and isinstance(payload, dict) else None
        close = previous_close(candles, day) if isinstance(candles, list) else None
        if close is None:
            log.warning("OANDA gave no previous close of %s (%s); it is asked again later", symbol, status)
            return False
        self._of_day[symbol] = day
        if self.closes.get(symbol) != close:
            self.closes[symbol] = close
            newest = self._newest.get(symbol)
            if newest is not None:
                self._newest[symbol] = newest = newest.replace(close=close)
                self._quotes([newest])
        return True
