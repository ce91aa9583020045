"""The simulated Kite's historical candles: GET /instruments/historical/{token}/{interval}?from=…&to=….

Candles are the paper market's deterministic past (core/adapters/paper/history.py) ending at the
instrument's current price, in Kite's layout: [["2019-12-04T09:15:00+0530", o, h, l, c, volume], …].
Times in the query and the answer are IST. Kite's limits: 3 historical requests a second (429
NetworkException "Too many requests"), and a most days per request by interval (400 InputException).
"""

from __future__ import annotations

import time
from collections import deque
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from aiohttp import web

from core.adapters.paper.history import paper_history
from tests.sims.kite.exchange import KiteError, KiteExchange

IST = timezone(timedelta(hours=5, minutes=30))
INTERVALS = {"minute": 60, "3minute": 180, "5minute": 300, "10minute": 600, "15minute": 900, "30minute": 1800,
             "60minute": 3600, "day": 86400}
MAX_DAYS = {"minute": 60, "3minute": 100, "5minute": 100, "10minute": 100, "15minute": 200, "30minute": 200,
            "60minute": 400, "day": 2000}
PER_SECOND = 3


class HistoricalCandles:
    """Serve historical candles of the exchange's listings; count what was asked."""

    def __init__(self, exchange: KiteExchange) -> None:
        self.exchange = exchange
        self.asked: list[tuple[int, str, str, str]] = []
        self.rate_limited = 0
        self._window: deque[float] = deque()

    async def handle(self, request: web.Request) -> web.Response:
        token_text, interval = request.match_info["token"], request.match_info["interval"]
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= PER_SECOND:
            self.rate_limited += 1
            raise KiteError(429, "NetworkException", "Too many requests")
        self._window.append(now)
        listing = next((item for item in self.exchange.listings.values() if str(item.token) == token_text), None)
        if listing is None:
            raise KiteError(400, "InputException", "invalid token")
        if interval not in INTERVALS:
            raise KiteError(400, "InputException", "invalid interval")
        start, end = _ist(request.query.get("from", "")), _ist(request.query.get("to", ""))
        if start is None or end is None:
            raise KiteError(400, "InputException", "invalid from date or to date")
        if (end - start).days > MAX_DAYS[interval]:
            raise KiteError(400, "InputException", f"interval exceeds max limit: {MAX_DAYS[interval]} days")
        self.asked.append((listing.token, interval, request.query["from"], request.query["to"]))
        quote = self.exchange.market.quote(self.exchange.market_symbol(listing))
        price = quote.last if quote.last is not None else quote.bid or Decimal(1)
        bars = paper_history(listing.instrument(), price, seed=listing.token, source="",
                             interval=timedelta(seconds=INTERVALS[interval]), start=start,
                             end=end + timedelta(seconds=1), now=datetime.now(UTC))
        candles = [[bar.start.astimezone(IST).strftime("%Y-%m-%dT%H:%M:%S%z"), float(bar.open), float(bar.high),
                    float(bar.low), float(bar.close), int(bar.volume)] for bar in bars]
        return web.json_response({"status": "success", "data": {"candles": candles}})


def _ist(text: str) -> datetime | None:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=IST)
        except ValueError:
            continue
    return None
