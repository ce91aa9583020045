"""A trailing stop's trail in the journal (format 5) and the Trail value's arithmetic."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import Order, OrderType, Side
from core.domain.trailing import Trail, TrailUnit
from core.storage.journal import SqliteJournal
from core.storage.schema import SCHEMA_VERSION
from tests.factories import make_order

TICK = Decimal("0.01")


def trailing(coid: str, trail: Trail) -> Order:
    return replace(make_order(client_order_id=coid, side=Side.SELL, order_type=OrderType.MARKET, limit_price=None),
                   order_type=OrderType.TRAIL, trail=trail)


def test_a_trail_is_journaled_with_its_order_and_read_back(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "j.sqlite") as journal:
        journal.record_orders([trailing("TA", Trail(Decimal("1.5"))),
                               trailing("TP", Trail(Decimal("2"), TrailUnit.PERCENT))])
    with SqliteJournal(tmp_path / "j.sqlite") as journal:
        assert [(o.order_type, o.trail) for o in journal.load().orders] == [
            (OrderType.TRAIL, Trail(Decimal("1.5"))), (OrderType.TRAIL, Trail(Decimal("2"), TrailUnit.PERCENT))]


def test_a_journal_of_format_5_opens_keeps_its_orders_and_takes_trails(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with SqliteJournal(path) as journal:
        journal.record_order(make_order(client_order_id="OLD1"))
    with closing(sqlite3.connect(path)) as conn:  # as the products' TradeTerm left it
        conn.execute("ALTER TABLE orders DROP COLUMN expire_at")  # format 8's
        conn.execute("ALTER TABLE orders DROP COLUMN trail_limit_offset")  # format 7's
        conn.execute("ALTER TABLE orders DROP COLUMN trail")
        conn.execute("PRAGMA user_version = 5")
        conn.commit()
    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        (old,) = journal.load().orders
        assert (old.client_order_id, old.order_type, old.trail) == ("OLD1", OrderType.LIMIT, None)
        journal.record_order(trailing("NEW1", Trail(Decimal("0.5"))))
        assert journal.load().orders[1].trail == Trail(Decimal("0.5"))


def test_a_sell_trail_ratchets_up_only_and_a_buy_trail_down_only() -> None:
    trail = Trail(Decimal("1"))
    stop = trail.ratchet(None, Decimal("100"), Side.SELL, TICK)
    assert stop == 99
    assert trail.ratchet(stop, Decimal("103"), Side.SELL, TICK) == 102
    assert trail.ratchet(Decimal(102), Decimal("101"), Side.SELL, TICK) == 102, "never loosens"
    assert trail.ratchet(Decimal(101), Decimal("97"), Side.BUY, TICK) == 98
    assert trail.ratchet(Decimal(98), Decimal("99.5"), Side.BUY, TICK) == 98, "never loosens"
    percent = Trail(Decimal("1"), TrailUnit.PERCENT)
    assert percent.stop_from(Decimal("201.55"), Side.SELL, TICK) == Decimal("199.53")  # floored to the tick
    assert percent.stop_from(Decimal("201.55"), Side.BUY, TICK) == Decimal("203.57")  # ceilinged


@pytest.mark.parametrize("text", ["1.5", "2%", "0.01"])
def test_a_trails_text_reads_back(text: str) -> None:
    assert Trail.from_text(text).text() == text


@pytest.mark.parametrize(("offset", "unit"), [(Decimal(0), TrailUnit.AMOUNT), (Decimal(100), TrailUnit.PERCENT)])
def test_a_trail_that_keeps_no_distance_is_refused(offset: Decimal, unit: TrailUnit) -> None:
    with pytest.raises(ValueError, match="trail"):
        Trail(offset, unit)


def test_a_journal_of_format_6_opens_keeps_its_trails_and_takes_trailing_stop_limits(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with SqliteJournal(path) as journal:
        journal.record_order(trailing("OLD1", Trail(Decimal("1.5"))))
    with closing(sqlite3.connect(path)) as conn:  # as the trailing stops' TradeTerm left it
        conn.execute("ALTER TABLE orders DROP COLUMN expire_at")  # format 8's
        conn.execute("ALTER TABLE orders DROP COLUMN trail_limit_offset")
        conn.execute("PRAGMA user_version = 6")
        conn.commit()
    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        (old,) = journal.load().orders
        assert (old.order_type, old.trail) == (OrderType.TRAIL, Trail(Decimal("1.5")))
        limit = replace(make_order(client_order_id="NEW1", side=Side.SELL, order_type=OrderType.MARKET,
                                   limit_price=None), order_type=OrderType.TRAIL_LIMIT,
                        trail=Trail(Decimal("1"), TrailUnit.PERCENT, Decimal("0.05")))
        journal.record_order(limit)
    with SqliteJournal(path) as journal:
        new = journal.load().orders[1]
        assert (new.order_type, new.trail) == (OrderType.TRAIL_LIMIT,
                                               Trail(Decimal("1"), TrailUnit.PERCENT, Decimal("0.05")))


def test_a_trailing_stop_limits_limit_sits_beyond_its_stop_on_each_side() -> None:
    trail = Trail(Decimal("1"), limit_offset=Decimal("0.10"))
    assert trail.limit_from(Decimal(99), Side.SELL) == Decimal("98.90")
    assert trail.limit_from(Decimal(101), Side.BUY) == Decimal("101.10")
    assert Trail(Decimal("1")).limit_from(Decimal(99), Side.SELL) is None
    assert trail.words() == "1, limit 0.1 beyond the stop"
