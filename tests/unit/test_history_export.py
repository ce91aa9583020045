"""CSV exports of the journal: read back with the stdlib csv reader they match it; a bad path writes nothing."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AccountId, Money, OrderRejected, OrderSubmitted, Side
from core.ports.history import OrderFilter, TimeRange
from core.services.history_export import (
    ExportCancelled,
    ExportError,
    ExportKind,
    export,
    export_orders,
)
from core.storage import SqliteJournal
from core.storage.history_queries import HistoryReader
from tests.factories import make_fill, make_instrument, make_order

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
ALL = TimeRange()


@pytest.fixture
def journal_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "journal.sqlite"
    with SqliteJournal(path, now=lambda: T0) as journal:
        for i in range(5):
            order = make_order(make_instrument(("AAPL", "=HYPERLINK")[i % 2]), client_order_id=f"O-{i}",
                               side=(Side.BUY, Side.SELL)[i % 2], quantity=f"{10 + i}", limit_price=f"100.{i}5")
            order.created_at = T0 + timedelta(hours=i)
            order.apply(OrderSubmitted(order.client_order_id, ts=order.created_at))
            journal.record_order(order)
            if i == 3:
                event = OrderRejected(order.client_order_id, "Insufficient margin, \"needs\" 1,000.00\nmore",
                                      ts=order.created_at + timedelta(seconds=2))
                order.apply(event)
                journal.record_event(order, event)
        journal.record_fill(make_fill(trade_id="T-1", quantity="10", price="100.05", commission="1.00", ts=T0))
        journal.record_fill(make_fill(trade_id="T-2", quantity="4", price="101.5", side=Side.SELL,
                                      commission="0.40", ts=T0 + timedelta(days=1)))
        journal.record_fill(make_fill(trade_id="T-3", quantity="6", price="99", side=Side.SELL,
                                      account_id=AccountId("PAPER-1"), commission="0.60", ts=T0 + timedelta(days=2)))
        journal.record_audit("ann", "kill_switch", "halted all accounts; cancelling 2 working order(s)")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_orders_csv_matches_the_journal(journal_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "orders.csv"
    with SqliteJournal(journal_path) as journal:
        orders = journal.load().orders
    with HistoryReader(journal_path) as reader:
        assert export(reader, ExportKind.ORDERS, ALL, target) == 5
    rows = read_csv(target)
    assert [r["client_order_id"] for r in rows] == [o.client_order_id for o in orders]
    for row, order in zip(rows, orders, strict=True):
        assert row["symbol"] == (order.symbol if not order.symbol.startswith("=") else f"'{order.symbol}")
        assert Decimal(row["quantity"]) == order.quantity.value
        assert Decimal(row["limit_price"]) == order.limit_price.value  # type: ignore[union-attr]
        assert row["side"] == order.side.value and row["status"] == order.status.value
        assert row["reason"] == order.reason
        assert datetime.fromisoformat(row["created_at"]) == order.created_at
    assert rows[3]["reason"] == "Insufficient margin, \"needs\" 1,000.00\nmore"
    assert rows[3]["status"] == "REJECTED"


def test_fills_csv_matches_the_journal_and_the_pnl_is_fifo(journal_path: Path, tmp_path: Path) -> None:
    with SqliteJournal(journal_path) as journal:
        fills = journal.load().fills
    with HistoryReader(journal_path) as reader:
        export(reader, ExportKind.FILLS, ALL, tmp_path / "fills.csv")
        # Closed on the second and third days: lots opened the first day count; the range only picks closes.
        export(reader, ExportKind.PNL, TimeRange(T0 + timedelta(hours=1), None), tmp_path / "pnl.csv")
    rows = read_csv(tmp_path / "fills.csv")
    assert [(r["trade_id"], Decimal(r["quantity"]), Decimal(r["price"]), Money(Decimal(r["commission"]),
             r["commission_currency"]), datetime.fromisoformat(r["ts"])) for r in rows] == \
        [(f.trade_id, f.quantity.value, f.price.value, f.commission, f.ts) for f in fills]
    # Buy 10 @ 100.05 (1.00); sell 4 @ 101.5 (0.40): (101.5-100.05)*4 = 5.80, commission 0.40+0.40 -> 5.00;
    # sell 6 @ 99 (0.60): (99-100.05)*6 = -6.30, commission 0.60+0.60 -> -7.50.
    pnl = read_csv(tmp_path / "pnl.csv")
    assert [(Decimal(r["quantity"]), Decimal(r["gross_pnl"]), Decimal(r["commission"]), Decimal(r["net_pnl"]))
            for r in pnl] == [(4, Decimal("5.80"), Decimal("0.80"), Decimal("5.00")),
                              (6, Decimal("-6.30"), Decimal("1.20"), Decimal("-7.50"))]


def test_audit_csv_matches_the_journal(journal_path: Path, tmp_path: Path) -> None:
    with HistoryReader(journal_path) as reader:
        export(reader, ExportKind.AUDIT, ALL, tmp_path / "audit.csv")
    assert [(r["actor"], r["action"], r["detail"], r["ts"]) for r in read_csv(tmp_path / "audit.csv")] == [
        ("ann", "kill_switch", "halted all accounts; cancelling 2 working order(s)", T0.isoformat())]


@pytest.mark.parametrize("where", ["missing folder", "a folder", "a file as folder"])
def test_a_path_that_cannot_be_written_says_why_and_leaves_nothing(journal_path: Path, tmp_path: Path,
                                                                    where: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    target = {"missing folder": folder / "nope" / "o.csv", "a folder": folder,
              "a file as folder": folder / "notes.txt" / "o.csv"}[where]
    with HistoryReader(journal_path) as reader, pytest.raises(ExportError, match="Cannot export to") as refused:
        export(reader, ExportKind.ORDERS, ALL, target)
    assert str(target) in str(refused.value)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "mine"


def test_a_folder_the_system_refuses_to_write_says_why(journal_path: Path) -> None:
    target = Path("/proc/tradeterm-orders.csv")  # not writable by anyone, root included
    with HistoryReader(journal_path) as reader, pytest.raises(ExportError, match=r"Nothing was written|not writable"):
        export(reader, ExportKind.ORDERS, ALL, target)
    assert not target.exists()


def test_a_full_disk_midway_leaves_the_old_file_whole_and_no_partial_one(journal_path: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "orders.csv"
    target.parent.mkdir()
    target.write_text("the previous export\n")
    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with HistoryReader(journal_path) as reader, pytest.raises(ExportError, match="No space left on device"):
        export(reader, ExportKind.ORDERS, ALL, target)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in target.parent.iterdir()] == ["orders.csv"]


def test_a_cancelled_export_writes_nothing(journal_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "orders.csv"
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done:
            raise ExportCancelled("stopped")

    with HistoryReader(journal_path) as reader, pytest.raises(ExportCancelled):
        export_orders(reader, OrderFilter(), target, progress)
    assert seen == [(0, 5), (5, 5)]
    assert not target.exists()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
