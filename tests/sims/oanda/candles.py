"""GET /v3/instruments/{instrument}/candles for the OANDA simulator: seeded mid candles, the same for the same range.

Granularities S5..D (the chart asks M1, M5, M15, H1, D); `from`/`to` RFC3339; at most 5000 candles (400 above);
`count` alone: the newest `count` candles, the one under way among them (the watchlist's previous close asks
count=3 of D). Daily candles begin at `dailyAlignment` o'clock in `alignmentTimezone` (OANDA's defaults: 17,
America/New_York, the FX day; the chart asks 0, UTC), so a day across a clock change lasts 23 or 25 hours. As at
OANDA, no daily candle lies wholly in the weekend (Friday 17:00 to Sunday 17:00 New York): the FX week has five
17:00-aligned days, and Monday's previous close is Friday's. (The live prices here tick through the weekend; the
minute and hourly candles follow them, so a chart opened on a Saturday has bars.)
The candle under way (its end after now) has complete=false, as OANDA's.

The mid price is one continuous path in time, as a market's is: each candle opens where the one before closed,
and minute, hourly and daily candles are cut from the same path. It passes through the listing's start price
when the simulator started, where the live prices begin, so the chart's history meets the live bars.
"""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from tests.sims.oanda.exchange import OandaExchange

SECONDS = {"S5": 5, "S10": 10, "S15": 15, "S30": 30, "M1": 60, "M2": 120, "M4": 240, "M5": 300, "M10": 600,
           "M15": 900, "M30": 1800, "H1": 3600, "H2": 7200, "H3": 10800, "H4": 14400, "H6": 21600, "H8": 28800,
           "H12": 43200, "D": 86400}
MAX_COUNT = 5000


NEW_YORK: Final = ZoneInfo("America/New_York")
_FRIDAY, _SATURDAY, _SUNDAY = 4, 5, 6


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


def mid_at(exchange: OandaExchange, name: str, moment: datetime) -> Decimal:
    """Return the listing's mid at `moment`, on its tick: the close of the candle that ends then."""
    listing = exchange.listings[name]
    tick = Decimal(10) ** -listing.display_precision
    return _Path(name, listing.start, exchange.started).at(moment.timestamp()).quantize(tick)


def _when(raw: str) -> datetime:
    head, _, rest = raw.rstrip("Z").partition(".")
    return datetime.fromisoformat(head + (f".{rest[:6]}" if rest else "")).replace(tzinfo=UTC)


def candles(exchange: OandaExchange, request: web.Request) -> web.Response:
    name = request.match_info["instrument"]
    listing = exchange.listings.get(name)
    if listing is None:
        return web.json_response({"errorMessage": "Invalid value specified for 'instrument'"}, status=400)
    query = request.query
    granularity = query.get("granularity", "S5")
    step = SECONDS.get(granularity)
    if step is None:
        return web.json_response({"errorMessage": f"Invalid value specified for 'granularity': {granularity}"},
                                 status=400)
    try:
        count = int(query.get("count", "500"))
        end = _when(query["to"]) if "to" in query else datetime.now(UTC)
        back = timedelta(days=count * 7 // 5 + 3) if granularity == "D" else timedelta(seconds=step * (count + 2))
        start = _when(query["from"]) if "from" in query else end - back  # (five daily candles a week)
    except ValueError:
        return web.json_response({"errorMessage": "Invalid value specified for 'from', 'to' or 'count'"},
                                 status=400)
    try:
        spans = _spans(granularity, step, start, end, int(query.get("dailyAlignment", "17")),
                       ZoneInfo(query.get("alignmentTimezone", "America/New_York")))
    except (ValueError, ZoneInfoNotFoundError):
        return web.json_response({"errorMessage": "Invalid value specified for 'dailyAlignment' or "
                                                  "'alignmentTimezone'"}, status=400)
    if "from" not in query:
        spans = spans[-count:]
    elif "to" not in query and "count" in query:
        spans = spans[:count]
    if len(spans) > MAX_COUNT or count > MAX_COUNT:
        return web.json_response({"errorMessage": "Maximum value for 'count' exceeded"}, status=400)
    places = listing.display_precision
    tick = Decimal(10) ** -places
    now = datetime.now(UTC).timestamp()
    out: list[dict[str, Any]] = []
    path = _Path(name, listing.start, exchange.started)
    for moment, length in spans:
        rng = random.Random(f"{name}:{step}:{moment}")
        inside = [path.at(moment + length * k / 4) for k in range(5)]
        o, c = (price.quantize(tick) for price in (inside[0], inside[-1]))
        h = max(max(inside).quantize(tick), o, c) + rng.randint(0, 3) * tick
        low = min(min(inside).quantize(tick), o, c) - rng.randint(0, 3) * tick
        out.append({"time": datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000000Z"),
                    "volume": rng.randint(1, 500), "complete": moment + length <= now,
                    "mid": {k: f"{v:.{places}f}" for k, v in (("o", o), ("h", h), ("l", low), ("c", c))}})
    return web.json_response({"instrument": name, "granularity": granularity, "candles": out})


def _spans(granularity: str, step: int, start: datetime, end: datetime, hour: int,
           zone: ZoneInfo) -> list[tuple[float, float]]:
    """Return (start, length) in epoch seconds of each candle that begins from `start` and before `end`."""
    first, last = start.timestamp(), end.timestamp()
    if granularity != "D":
        aligned = int(first) // step * step
        return [(t, float(step)) for t in range(aligned if aligned >= first else aligned + step, int(last), step)]
    if not 0 <= hour <= 23:
        raise ValueError(hour)
    day = start.astimezone(zone).date() - timedelta(days=1)
    bounds = []
    while not bounds or bounds[-1] < last:
        bounds.append(datetime.combine(day, time(hour), zone).timestamp())
        day += timedelta(days=1)
    return [(b, after - b) for b, after in itertools.pairwise(bounds)
            if first <= b < last and not (_weekend(b) and _weekend(after - 1))]


def _weekend(moment: float) -> bool:
    """Whether the FX market is shut at moment: Friday 17:00 to Sunday 17:00 New York."""
    local = datetime.fromtimestamp(moment, NEW_YORK)
    evening = local.hour >= 17
    return local.weekday() == _SATURDAY or (local.weekday() == _FRIDAY and evening) or (
        local.weekday() == _SUNDAY and not evening)
