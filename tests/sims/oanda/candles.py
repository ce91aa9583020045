"""GET /v3/instruments/{instrument}/candles for the OANDA simulator: seeded mid candles, the same for the same range.

Granularities S5..M (the chart asks M1, M5, M15, H1, D); `from`/`to` RFC3339; at most 5000 candles (400 above).
The candle under way (its end after now) has complete=false, as OANDA's.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

from tests.sims.oanda.exchange import OandaExchange

SECONDS = {"S5": 5, "S10": 10, "S15": 15, "S30": 30, "M1": 60, "M2": 120, "M4": 240, "M5": 300, "M10": 600,
           "M15": 900, "M30": 1800, "H1": 3600, "H2": 7200, "H3": 10800, "H4": 14400, "H6": 21600, "H8": 28800,
           "H12": 43200, "D": 86400}
MAX_COUNT = 5000


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
    for moment in times:
        rng = random.Random(f"{name}:{step}:{moment}")
        mid = listing.start * (1 + Decimal(rng.randint(-200, 200)) / 10000)
        o, c = mid, mid + rng.randint(-20, 20) * tick
        h, low = max(o, c) + rng.randint(0, 10) * tick, min(o, c) - rng.randint(0, 10) * tick
        out.append({"time": datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000000Z"),
                    "volume": rng.randint(1, 500), "complete": moment + step <= now,
                    "mid": {k: f"{v:.{places}f}" for k, v in (("o", o), ("h", h), ("l", low), ("c", c))}})
    return web.json_response({"instrument": name, "granularity": granularity, "candles": out})
