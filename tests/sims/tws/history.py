"""The simulated TWS's historical data: reqHistoricalData (20 -> 17, keepUpToDate updates 90), reqHeadTimeStamp
(87 -> 88), cancelHistoricalData (25), and error 162 for IB's pacing violations. A mixin of TwsSimulator.

Bars are the paper market's deterministic past (core/adapters/paper/history.py) ending at the listing's
current mid, so they agree with the live quotes. Layout (ib_async 2.1.0, no HISTORICAL_DATA_END below
server 196): 17, reqId, startStr, endStr, n, {date, open, high, low, close, volume, wap, barCount}*n, and
for keepUpToDate 90, reqId, barCount, date, open, CLOSE, HIGH, LOW, wap, volume.

An answer up to now (endDateTime "") ends with the bar under way, as TWS's does (from the current mark; a
client must not take it for a complete bar). keepUpToDate as TWS does it: every tick of the listing then
sends that bar again (90) with its new close, high, low and volume;
when the next bar begins, the first 90 carries the new bar's date (ib_async appends it then).

Pacing (TWS's rules for small bars, applied here to every request): the same request again within 15 s,
or a sixth request for one contract within 2 s, is refused with 162 '…pacing violation'.
`history_pacing_next = True` refuses the next request that way whatever it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from core.adapters.paper.history import paper_history
from core.domain import Quote
from core.domain.bars import Bar
from core.ports.bar_history import bar_start
from tests.sims.tws.market import Listing, SimMarket

if TYPE_CHECKING:
    from tests.sims.tws.server import ClientConnection

PACING = "Historical Market Data Service error message:Historical data request pacing violation"
NO_DATA = "Historical Market Data Service error message:HMDS query returned no data: {symbol}@{exchange} Trades"
CANCELLED = "Historical Market Data Service error message:API historical data query cancelled: {req_id}"
BAR_SIZES = {"1 min": 60, "2 mins": 120, "3 mins": 180, "5 mins": 300, "10 mins": 600, "15 mins": 900,
             "20 mins": 1200, "30 mins": 1800, "1 hour": 3600, "2 hours": 7200, "4 hours": 14400,
             "1 day": 86400}
DURATION_UNITS = {"S": 1, "D": 86400, "W": 7 * 86400, "M": 30 * 86400, "Y": 365 * 86400}
HEAD_TIMESTAMP = datetime(2010, 6, 29, 13, 30, tzinfo=UTC)
"""The earliest data the simulator claims for every listing (the reference's own example)."""


@dataclass(slots=True)
class _LiveBars:
    """A keepUpToDate subscription: the bar under way, built from the listing's quotes."""

    conn: ClientConnection
    req_id: int
    listing: Listing
    seconds: int
    epoch_dates: bool
    start: int = 0
    open: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    low: Decimal = Decimal(0)
    close: Decimal = Decimal(0)
    count: int = 0


@dataclass(slots=True)
class HistoryState:
    asked: list[tuple[float, str, tuple[str, ...]]] = field(default_factory=list)
    sent: list[list[Bar]] = field(default_factory=list)
    """The complete bars of each answered request, in order (tests compare what a client shows with them)."""
    live: dict[tuple[int, int], _LiveBars] = field(default_factory=dict)
    listed_since: dict[str, datetime] = field(default_factory=dict)
    """Symbols listed lately (a new issue): their history starts then, as TWS's does."""


class HistoryRequests:
    """Answer historical data requests from the market's seeded past; push keepUpToDate updates on each tick."""

    market: SimMarket
    history_pacing_next: bool = False
    _history: HistoryState | None = None

    def _find(self, contract: list[str]) -> list[Listing]:  # provided by TwsSimulator
        raise NotImplementedError

    @property
    def history_state(self) -> HistoryState:
        if self._history is None:
            self._history = HistoryState()
        return self._history

    def _req_historical_data(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[1])
        found = self._find(f[2:14])
        if len(found) != 1:
            conn.send(conn.encoder.error(req_id, 200, "No security definition has been found for the request"))
            return
        listing = found[0]
        end_text, bar_size, duration, what, format_date = f[15], f[16], f[17], f[19], f[20]
        keep_up = len(f) > 21 and f[21] == "1"
        if self._paced(listing, tuple(f[2:])):
            conn.send(conn.encoder.error(req_id, 162, PACING))
            return
        seconds = BAR_SIZES.get(bar_size)
        span = _duration(duration)
        if seconds is None or span is None:
            conn.send(conn.encoder.error(req_id, 321, f"Error validating request:-'bP' : cause - Historical data "
                                                      f"bar size {bar_size!r} or duration {duration!r} is invalid."))
            return
        if keep_up and end_text:
            conn.send(conn.encoder.error(req_id, 321, "Error validating request:-'bP' : cause - End date not "
                                                      "supported with live updates"))
            return
        now = datetime.now(UTC)
        end = now if not end_text else _parse_end(end_text)
        interval = timedelta(seconds=seconds)
        start = max(end - span, self.history_state.listed_since.get(listing.symbol, end - span))
        bars = paper_history(listing.instrument(), self.market.mark(listing.key), seed=listing.con_id, source="",
                             interval=interval, start=start, end=end, now=now)
        if what not in ("TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK") or not bars:
            conn.send(conn.encoder.error(req_id, 162, NO_DATA.format(symbol=listing.symbol, exchange=listing.exchange)))
            return
        epoch = format_date == "2"
        complete = bars
        live = _LiveBars(conn, req_id, listing, seconds, epoch) if keep_up else None
        if not end_text:
            mark = self.market.mark(listing.key)
            begins = int(time.time()) // seconds * seconds
            if live is not None:
                live.start, live.open, live.high, live.low, live.close = begins, mark, mark, mark, mark
            if not bars or bars[-1].start.timestamp() < begins:
                bars = [*bars, Bar(symbol=listing.symbol, source="", interval=interval,
                                   start=datetime.fromtimestamp(begins, UTC), open=mark, high=mark, low=mark,
                                   close=mark, volume=Decimal(0))]
        fields: list[object] = [17, req_id, _date(end - span, seconds, epoch), _date(end, seconds, epoch), len(bars)]
        for bar in bars:
            wap = ((bar.high + bar.low + bar.close) / 3).quantize(listing.min_tick)
            fields += [_date(bar.start, seconds, epoch), bar.open, bar.high, bar.low, bar.close, bar.volume, wap,
                       max(1, int(bar.volume) // 10)]
        conn.send(fields)  # type: ignore[arg-type]
        self.history_state.sent.append(complete)
        if live is not None:
            self.history_state.live[(id(conn), req_id)] = live

    def _cancel_historical_data(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[2])
        if self.history_state.live.pop((id(conn), req_id), None) is None:
            conn.send(conn.encoder.error(req_id, 366, f"No historical data query found for ticker id:{req_id}"))

    def _req_head_timestamp(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[1])
        found = self._find(f[2:14])
        if len(found) != 1:
            conn.send(conn.encoder.error(req_id, 200, "No security definition has been found for the request"))
            return
        if self._paced(found[0], (*f[2:], "head")):
            conn.send(conn.encoder.error(req_id, 162, PACING))
            return
        epoch = len(f) > 17 and f[17] == "2"
        stamp = str(int(HEAD_TIMESTAMP.timestamp())) if epoch else HEAD_TIMESTAMP.strftime("%Y%m%d-%H:%M:%S")
        conn.send([88, req_id, stamp])

    def _push_live_bars(self, quote: Quote) -> None:
        """Send a keepUpToDate update (90) to every subscription of quote's listing."""
        state = self._history
        if state is None or not state.live:
            return
        price = quote.last if quote.last is not None else quote.bid
        if price is None:
            return
        now = int(time.time())
        for live in list(state.live.values()):
            if live.listing.key != quote.symbol:
                continue
            if live.conn.writer.is_closing():
                state.live.pop((id(live.conn), live.req_id), None)
                continue
            begins = now - now % live.seconds
            if begins != live.start:
                live.start, live.open, live.high, live.low, live.count = begins, price, price, price, 0
            live.high, live.low, live.close = max(live.high, price), min(live.low, price), price
            live.count += 1
            date = _date(datetime.fromtimestamp(begins, UTC), live.seconds, live.epoch_dates)
            live.conn.send([90, live.req_id, live.count, date, live.open, live.close, live.high, live.low,
                            live.close, live.count])

    def _paced(self, listing: Listing, request: tuple[str, ...]) -> bool:
        if self.history_pacing_next:
            self.history_pacing_next = False
            return True
        state = self.history_state
        now = time.monotonic()
        state.asked[:] = [entry for entry in state.asked if now - entry[0] < 15]
        same = any(asked == request for _, _, asked in state.asked)
        recent = sum(1 for at, key, _ in state.asked if key == listing.key and now - at < 2)
        state.asked.append((now, listing.key, request))
        return same or recent >= 5


def _duration(text: str) -> timedelta | None:
    count, _, unit = text.strip().partition(" ")
    if not count.isdigit() or unit not in DURATION_UNITS:
        return None
    return timedelta(seconds=int(count) * DURATION_UNITS[unit])


def _parse_end(text: str) -> datetime:
    text = text.strip().removesuffix(" UTC").strip()
    for pattern in ("%Y%m%d %H:%M:%S", "%Y%m%d-%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return datetime.now(UTC)


def _date(moment: datetime, seconds: int, epoch: bool) -> str:
    if seconds >= 86400:
        return bar_start(moment, timedelta(days=1)).strftime("%Y%m%d")
    if epoch:
        return str(int(moment.timestamp()))
    return moment.strftime("%Y%m%d %H:%M:%S UTC")
