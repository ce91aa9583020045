"""GET /v2/stocks/bars of the Alpaca simulator: made-up but repeatable bars (the same symbol and minute, the same bar).

Answers {"bars": {SYMBOL: [{t, o, h, l, c, v, n, vw}]}, "next_page_token": str|null} as the data API does
(../shared/reference/alpaca-oanda.md A7); alpaca-py follows next_page_token until it is null.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.sims.alpaca.exchange import AlpacaError, Listing

TIMEFRAMES = {"1Min": timedelta(minutes=1), "5Min": timedelta(minutes=5), "15Min": timedelta(minutes=15),
              "1Hour": timedelta(hours=1), "1Day": timedelta(days=1)}
CENT = Decimal("0.01")


def bars_answer(listings: dict[str, Listing], query: dict[str, str]) -> dict[str, Any]:
    interval = TIMEFRAMES.get(query.get("timeframe", ""))
    if interval is None:
        raise AlpacaError(422, None, f"invalid timeframe {query.get('timeframe')!r}")
    start, end = _time(query.get("start")), _time(query.get("end")) or datetime.now(UTC)
    if start is None:
        raise AlpacaError(422, None, "start is required")
    limit = min(int(query.get("limit") or 1000), 10_000)
    first = datetime.fromtimestamp(_floor(start, interval), UTC)
    if query.get("page_token"):
        first = datetime.fromisoformat(query["page_token"])
    bars: dict[str, list[dict[str, Any]]] = {}
    token = None
    for symbol in [s for s in query.get("symbols", "").split(",") if s in listings]:
        moment, rows = first, []
        while moment < end:
            if len(rows) == limit:
                token = moment.isoformat()
                break
            rows.append(made_up_bar(listings[symbol], moment, interval))
            moment += interval
        bars[symbol] = rows
    return {"bars": bars, "next_page_token": token}


def made_up_bar(listing: Listing, start: datetime, interval: timedelta) -> dict[str, Any]:
    seed = hashlib.sha256(f"{listing.symbol}{start.isoformat()}".encode()).digest()
    drift = Decimal(int.from_bytes(seed[:2], "big") - 32768) / Decimal(32768) / 50  # within ±2%
    open_ = (listing.start * (1 + drift)).quantize(CENT)
    close = (open_ * (1 + Decimal(seed[2] - 128) / Decimal(128_00))).quantize(CENT)
    high = max(open_, close) + Decimal(seed[3] % 20) * CENT
    low = min(open_, close) - Decimal(seed[4] % 20) * CENT
    volume = 1000 + int.from_bytes(seed[5:7], "big")
    return {"t": start.isoformat().replace("+00:00", "Z"), "o": float(open_), "h": float(high), "l": float(low),
            "c": float(close), "v": volume, "n": volume // 50, "vw": float(((high + low) / 2).quantize(CENT))}


def _floor(moment: datetime, interval: timedelta) -> int:
    epoch, step = int(moment.timestamp()), int(interval.total_seconds())
    return epoch - epoch % step + (step if epoch % step else 0)


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AlpacaError(422, None, f"invalid time {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
