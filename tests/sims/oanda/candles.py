"""GET /v3/instruments/{instrument}/candles for the OANDA simulator: seeded mid candles, the same for the same range.

Granularities S5..M (the chart asks M1, M5, M15, H1, D); `from`/`to` RFC3339; at most 5000 candles (400 above).
The candle under way (its end after now) has complete=false, as OANDA's.

The mid price is one continuous path in time, as a market's is: each candle opens where the one before closed,
and minute, hourly and daily candles are cut from the same path. It passes through the listing's start price
when the simulator started, where the live prices begin, so the chart's history meets the live bars.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from aiohttp import web

from tests.sims.oanda.exchange import OandaExchange

SECONDS = {"S5": 5, "S10": 10, "S15": 15, "S30": 30, "M1": 60, "M2": 120, "M4": 240, "M5": 300, "M10": 600,
           "M15": 900, "M30": 1800, "H1": 3600, "H2": 7200, "H3": 10800, "H4": 14400, "H6": 21600, "H8": 28800,
           "H12": 43200, "D": 86400}
MAX_COUNT = 5000


_WAVES: Final = ((7 * 60, 0.0004), (53 * 60, 0.0009), (6.1 * 3600, 0.0022), (2.3 * 86400, 0.005),
                  (17 * 86400, 0.011))
"""(period s, relative amplitude) of the waves that make the path: a few pips a minute, about 2% over weeks."""


class _Path:
    """The listing's mid price at any moment: its start price times one plus a sum of seeded waves."""

    def __init__(self, name: str, start: Decimal, anchored_at: float) -> None:
        rng = random.Random(f"path:{name}")
        self._waves = [(2 * math.pi / period, amplitude * rng.uniform(0.6, 1.0), rng.uniform(0, 2 * math.pi))
                       for period, amplitude in _WAVES]
        self._start, self._offset = start, self._wave(anchored_at)

    def _wave(self, moment: float) -> float:
        return sum(amplitude * math.sin(speed * moment + phase) for speed, amplitude, phase in self._waves)

    def at(self, moment: float) -> Decimal:
        return self._start * Decimal(repr(1 + self._wave(moment) - self._offset))


def _when(raw: str) -> datetime:
    head, _, rest = raw.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + (f".{rest[:6]}" if rest else "")).replace(tzinfo=UTC)


def candles(exchange: OandaExchange, request: web.Request) -> web.Response:
    name = request.match_info["instrument"]
    listing = exchange.listings.get(name)
    if listing is None:
        return web.json_response({"errorMessage": "Invalid value specified for 'instrument'"}, status=400)
    granularity = request.query.get("granularity", "S5")
    step = SECONDS.get(granularity)
    if step is None:
        return web.json_response({"errorMessage": f"Invalid value specified for 'granularity': {granularity}"},
                                 status=400)
    try:
        end = _when(request.query["to"]) if "to" in request.query else datetime.now(UTC)
        start = _when(request.query["from"]) if "from" in request.query else end - timedelta(
            seconds=step * int(request.query.get("count", "500")))
    except ValueError:
        return web.json_response({"errorMessage": "Invalid value specified for 'from' or 'to'"}, status=400)
    first = int(start.timestamp()) // step * step
    times = range(first if first >= start.timestamp() else first + step, int(end.timestamp()), step)
    if len(times) > MAX_COUNT:
        return web.json_response({"errorMessage": "Maximum value for 'count' exceeded"}, status=400)
    places = listing.display_precision
    tick = Decimal(10) ** -places
    now = datetime.now(UTC).timestamp()
    out: list[dict[str, Any]] = []
    path = _Path(name, listing.start, exchange.started)
    for moment in times:
        rng = random.Random(f"{name}:{step}:{moment}")
        inside = [path.at(moment + step * k / 4) for k in range(5)]
        o, c = (price.quantize(tick) for price in (inside[0], inside[-1]))
        h = max(max(inside).quantize(tick), o, c) + rng.randint(0, 3) * tick
        low = min(min(inside).quantize(tick), o, c) - rng.randint(0, 3) * tick
        out.append({"time": datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000000Z"),
                    "volume": rng.randint(1, 500), "complete": moment + step <= now,
                    "mid": {k: f"{v:.{places}f}" for k, v in (("o", o), ("h", h), ("l", low), ("c", c))}})
    return web.json_response({"instrument": name, "granularity": granularity, "candles": out})
