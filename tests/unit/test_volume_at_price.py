"""VolumeAtPrice: the session's traded volume at each price, counted from the tape, starting over each day."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from core.domain.tape import TradePrint
from core.services.volume_at_price import VolumeAtPrice

D = Decimal
NOON = datetime(2026, 12, 7, 12, 0).astimezone()  # noon local time: its day is the session whatever the zone


def trade(price: str, size: str, at: datetime = NOON) -> TradePrint:
    return TradePrint("AAPL", "PAPER-1", D(price), D(size), ts=at)


def test_prints_add_up_at_their_price_and_only_those_prices_are_said_to_change() -> None:
    profile = VolumeAtPrice()
    assert profile.add([trade("100.01", "5"), trade("100.02", "1")]) == {D("100.01"), D("100.02")}
    assert profile.add([trade("100.01", "7")]) == {D("100.01")}
    assert dict(profile.levels) == {D("100.01"): D(12), D("100.02"): D(1)}


def test_the_first_print_of_the_next_day_starts_a_new_session_and_a_late_print_of_the_last_is_dropped() -> None:
    profile = VolumeAtPrice()
    profile.add([trade("100.01", "5")])
    assert profile.add([trade("99.50", "3", NOON + timedelta(days=1))]) is None  # everything changed
    assert dict(profile.levels) == {D("99.50"): D(3)}
    assert profile.add([trade("100.01", "9", NOON)]) == set()
    assert dict(profile.levels) == {D("99.50"): D(3)}
