"""IB's historical bars through ib_async (reqHistoricalDataAsync): request layout and the answer as Bars.

Pure helpers; the adapter sends the request and waits. Bars are TRADES, all hours (useRTH off), with
epoch dates (formatDate 2) so no time-zone name can drop a message. A request that ends now asks for
keepUpToDate: TWS then sends the bar under way (message 90) as it changes, which the adapter keeps
(kept_bars.py) and publishes for the chart's live bar.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from ib_async import IB, Contract

from core.domain.bars import Bar
from core.ports.bar_history import FIFTEEN_MINUTES, FIVE_MINUTES, ONE_DAY, ONE_HOUR, ONE_MINUTE, HistoryUnavailable

BAR_SIZES: Final = {ONE_MINUTE: "1 min", FIVE_MINUTES: "5 mins", FIFTEEN_MINUTES: "15 mins", ONE_HOUR: "1 hour",
                    ONE_DAY: "1 day"}
Request = Callable[[Awaitable[Any], str], Awaitable[Any]]
"""The adapter's request wrapper: its timeout and connection-loss messages."""
PACING_CODE: Final = 162
PACING_TEXT: Final = "pacing violation"


def duration_for(interval: timedelta, start: datetime, end: datetime) -> str:
    """Return IB's durationStr covering start..end for bars of interval (days below a year, else years)."""
    days = max(1, math.ceil((end - start).total_seconds() / 86_400))
    if interval >= ONE_DAY or days > 365:
        return f"{max(1, math.ceil(days / 365))} Y"
    return f"{days} D"


def end_for(end: datetime, now: datetime) -> str:
    """Return IB's endDateTime: '' for now (within a minute), else 'yyyymmdd hh:mm:ss UTC'."""
    return "" if end >= now - ONE_MINUTE else end.astimezone(UTC).strftime("%Y%m%d %H:%M:%S UTC")


def to_bars(items: Iterable[Any], symbol: str, source: str, interval: timedelta, start: datetime,
            end: datetime) -> list[Bar]:
    """Return ib_async's BarData as Bars from start to end (the bar under way, IB's last, is left out)."""
    bars: list[Bar] = []
    for item in items:
        at = bar_time(item)
        if at is None or at < start or at + interval > end:
            continue
        bars.append(bar_of(item, at, symbol, source, interval, at + interval))
    return bars


def bar_time(item: Any) -> datetime | None:
    """Return the start (UTC) of one of ib_async's BarData (a datetime, or a date for daily bars)."""
    moment = item.date
    if isinstance(moment, datetime):
        at = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    elif isinstance(moment, date):
        at = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    else:
        return None
    return at.astimezone(UTC)


def bar_of(item: Any, at: datetime, symbol: str, source: str, interval: timedelta, ts: datetime) -> Bar:
    return Bar(symbol=symbol, source=source, interval=interval, start=at, open=_dec(item.open),
               high=_dec(item.high), low=_dec(item.low), close=_dec(item.close),
               volume=_dec(max(0.0, item.volume)), ts=ts)


def ends_now(end: datetime) -> bool:
    """Return True when a request up to end asks for the bars up to now (the one IB can keep up to date)."""
    return end_for(end, datetime.now(UTC)) == ""


async def load_history(ib: IB, contract: Contract, request: Request, symbol: str, source: str,
                       interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
    """Ask IB for the bars; raise HistoryUnavailable with IB's reason when it refuses (162 pacing, no data)."""
    items = await request_history(ib, contract, request, symbol, interval, start, end, keep_up=False)
    return to_bars(items, symbol, source, interval, start, end)


async def request_history(ib: IB, contract: Contract, request: Request, symbol: str, interval: timedelta,
                          start: datetime, end: datetime, *, keep_up: bool) -> Any:
    """Return ib_async's BarDataList (kept up to date by TWS when keep_up); raise HistoryUnavailable if IB refuses."""
    refusals: list[tuple[int, str]] = []

    def on_error(req_id: int, code: int, message: str, about: object) -> None:
        if code in (162, 165, 166, 200, 321, 366) and getattr(about, "conId", None) == contract.conId:
            refusals.append((code, message))

    ib.errorEvent += on_error
    try:
        items = await request(ib.reqHistoricalDataAsync(
            contract, end_for(end, datetime.now(UTC)), duration_for(interval, start, end), BAR_SIZES[interval],
            "TRADES", False, 2, keep_up), f"{symbol} history")
    finally:
        ib.errorEvent -= on_error
    if keep_up and items is not None and not items:  # nothing to keep (ib_async cannot update an empty list)
        if refusals:
            ib.wrapper.endSubscription(items)  # type: ignore[no-untyped-call]
        else:
            ib.cancelHistoricalData(items)
    if not items and refusals:
        code, message = refusals[0]
        if code == PACING_CODE and PACING_TEXT in message:
            raise HistoryUnavailable("IB refused: too many history requests (error 162, pacing). Wait 15 s "
                                     "before asking for the same bars again.")
        raise HistoryUnavailable(f"IB refused (error {code}): {message}")
    return items if items is not None else []


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))
