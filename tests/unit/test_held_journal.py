"""The held children's journal format (4): written with their entry in one transaction, migrated from format 3."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AccountId, Side
from core.domain.protection import Bracket, HeldState, ProtectionLeg, child_order_id, protected_quantity, touched
from core.storage.journal import SqliteJournal
from core.storage.schema import SCHEMA_VERSION
from tests.factories import make_order


def test_children_are_committed_with_their_entry_or_not_at_all(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "j.sqlite") as journal:
        entry = make_order(client_order_id="T2612061200000ABCDE")
        children = Bracket(Decimal("95"), Decimal("110")).children(entry.client_order_id, entry.account_id,
                                                                 entry.symbol, Side.BUY)
        journal.record_orders([entry], None, children)
        with pytest.raises(ValueError, match="already journaled"):  # a second entry with them writes neither
            journal.record_orders([entry], None, [children[0].sized(Decimal(5))])
        assert [(c.leg, c.state, c.quantity) for c in journal.load_held()] == [
            (ProtectionLeg.STOP_LOSS, HeldState.PENDING, Decimal(0)),
            (ProtectionLeg.TAKE_PROFIT, HeldState.PENDING, Decimal(0))]
        journal.record_held([children[0].sized(Decimal(7))])
        assert journal.load_held()[0].state is HeldState.ARMED and journal.load_held()[0].quantity == 7


def test_a_child_order_id_is_the_entrys_with_the_legs_letter() -> None:
    entry = make_order(client_order_id="T2612061200000ABCDE").client_order_id
    assert child_order_id(entry, ProtectionLeg.STOP_LOSS) == "S2612061200000ABCDE"
    assert child_order_id(entry, ProtectionLeg.TAKE_PROFIT) == "P2612061200000ABCDE"


def test_a_journal_of_format_3_gains_the_held_orders(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with SqliteJournal(path) as journal:
        journal.record_order(make_order(client_order_id="OLD1"))
    with closing(sqlite3.connect(path)) as conn:  # as the history branch's TradeTerm left it
        conn.execute("ALTER TABLE orders DROP COLUMN expire_at")  # format 8's
        conn.execute("ALTER TABLE orders DROP COLUMN trail_limit_offset")  # format 7's
        conn.execute("ALTER TABLE orders DROP COLUMN trail")  # format 6's
        conn.execute("DROP TABLE held_orders")
        conn.execute("ALTER TABLE orders DROP COLUMN product")  # format 5's
        conn.execute("PRAGMA user_version = 3")
        conn.commit()
    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        assert journal.load_held() == []
        (child,) = Bracket(Decimal("1")).children(make_order(client_order_id="OLD1").client_order_id,
                                                  AccountId("PAPER-1"), "AAPL", Side.BUY)
        journal.record_held([child])
        assert journal.load_held() == [child]


def test_a_short_entrys_stop_triggers_on_the_ask_rising_and_its_target_on_the_ask_falling() -> None:
    stop, target = Bracket(Decimal("105"), Decimal("95")).children(
        make_order(client_order_id="T2612061200000ABCDE").client_order_id, AccountId("PAPER-1"), "AAPL", Side.SELL)
    assert stop.exit_side is Side.BUY
    assert not touched(stop, Decimal("106"), Decimal("104.99"), None)  # a short closes at the ask
    assert touched(stop, None, Decimal("105"), None)
    assert touched(target, None, Decimal("95"), None) and not touched(target, None, Decimal("95.01"), None)
    assert touched(stop, None, None, Decimal("105.5"))  # no ask: the last trade
    assert Bracket(Decimal("95")).problems(Side.SELL, Decimal("100")) == [
        ("stop_loss", "The stop-loss 95 must be above the entry price 100.")]
    assert protected_quantity(Decimal(10), Decimal(-4), Side.SELL) == 4
    assert protected_quantity(Decimal(10), Decimal(3), Side.SELL) == 0
