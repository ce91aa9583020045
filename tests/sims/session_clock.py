"""The exchange's own clock for a simulator run by hand: open in its regular session only, as the real broker is.

Tests build simulators with the market open (or closed) on purpose; `python -m tests.sims.kite` and
`python -m tests.sims.alpaca` follow the exchange's hours by default, so the window's hours line ("NSE closed ·
opens …") and the simulator's answers agree, and an order placed after hours meets the real broker's refusal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from tests.sims.alpaca.calendar import EARLY_CLOSES, HOLIDAYS

IST = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")
HOURS_CHOICES = ("exchange", "open", "closed")


def nse_open(now: datetime) -> bool:
    """NSE's regular session: Monday to Friday, 09:15 to 15:30 IST (holidays are not known, as in the app)."""
    local = now.astimezone(IST)
    return local.weekday() < 5 and time(9, 15) <= local.time() < time(15, 30)


def nasdaq_open(now: datetime) -> bool:
    """US equities' regular session: Monday to Friday, 09:30 to 16:00 New York (13:00 on an early close), not on
    the holidays the Alpaca simulator's calendar lists."""
    local = now.astimezone(NEW_YORK)
    if local.weekday() >= 5 or local.date() in HOLIDAYS:
        return False
    close = time(13, 0) if local.date() in EARLY_CLOSES else time(16, 0)
    return time(9, 30) <= local.time() < close


async def follow_hours(choice: str, is_open: Callable[[datetime], bool], set_open: Callable[[bool], None],
                       every_s: float = 1.0) -> None:
    """Keep the simulator's market open or closed: by the exchange's clock, or always as chosen."""
    while True:
        set_open(choice == "open" or (choice == "exchange" and is_open(datetime.now(UTC))))
        if choice != "exchange":
            return
        await asyncio.sleep(every_s)
