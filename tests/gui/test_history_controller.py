"""The history window's reads run off the GUI thread, and a page that arrives late never replaces a newer one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from core.ports.history import ALL_ORDERS, Cursor, OrderFilter, OrderRow, Page
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage import SqliteJournal
from core.storage.history_queries import HistoryReader
from gui.async_op import OpReporter
from gui.controllers.history import HistoryController
from tests.factories import make_instrument, make_order

T0 = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


class GatedReader(HistoryReader):
    """The real reader, except that a search for 'slow' waits in its worker thread until the gate opens."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.threads: set[int] = set()

    def orders_page(self, where: OrderFilter = ALL_ORDERS, after: Cursor | None = None, limit: int = 200,
                    newest_first: bool = True) -> Page[OrderRow]:
        self.threads.add(threading.get_ident())
        if where.text == "slow":
            assert self.gate.wait(10), "the test never opened the gate"
        return super().orders_page(where, after, limit, newest_first)


@pytest.fixture
def journal_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "journal.sqlite"
    with SqliteJournal(path) as journal:
        for i, symbol in enumerate(("AAPL", "MSFT")):
            order = make_order(make_instrument(symbol), client_order_id=f"slow-{symbol}" if i == 0 else "quick-MSFT")
            order.created_at = T0 + timedelta(minutes=i)
            journal.record_order(order)
    yield path


async def test_a_slow_read_keeps_the_window_live_and_its_late_page_is_dropped(journal_path: Path,
                                                                              tmp_path: Path) -> None:
    reader = GatedReader(journal_path)
    with SqliteJournal(tmp_path / "session.sqlite") as own:
        parent = QWidget()
        controller = HistoryController(parent, TradingSession(EventBus(), own), OpReporter(parent),
                                       lambda: reader, lambda *_: None)
        view = controller.open()
        assert controller.loaded is not None
        await controller.loaded
        assert view.orders_model.rowCount() == 2

        view.search_edit.setText("slow")
        view.apply()
        slow = controller.loaded
        ticks = 0
        for _ in range(5):  # the GUI thread's loop runs while the read waits in its worker
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 5 and not slow.done()
        assert threading.get_ident() not in reader.threads, "no read ran on the GUI thread"

        view.search_edit.setText("quick")
        view.apply()
        await controller.loaded
        assert [view.orders_model.cell(r, "order_id") for r in range(view.orders_model.rowCount())] == ["quick-MSFT"]

        reader.gate.set()
        await slow
        assert [view.orders_model.cell(r, "order_id") for r in range(view.orders_model.rowCount())] == \
            ["quick-MSFT"], "the late page of the older search did not replace the newer one"
        await controller.close()
        parent.deleteLater()
