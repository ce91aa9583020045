"""Helpers for tests that drive the real main window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTableView, QWidget

from core.storage.settings import AccountSettings, SettingsStore
from gui.app import create_main_window
from gui.models.table_model import RowTableModel
from gui.widgets.main_window import MainWindow


async def until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll condition on the running loop until it is true, or fail saying what did not happen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def click_from_qt(button: QWidget) -> None:
    """Click button as the trader's click arrives: from Qt's event loop, outside any asyncio task.

    QTest.mouseClick called in the test runs the slot inside the test's own task, so the order path's eager
    first step (gui/async_op.start_eagerly) would find a task there that a real click never has: the OANDA
    window test passed that way while the real window refused the order ('Timeout should be used inside a task').
    """
    loop = asyncio.get_running_loop()
    clicked = loop.create_future()

    def click() -> None:
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        clicked.set_result(None)

    loop.call_soon(click)
    await clicked


def move_mouse(widget: QWidget, pos: QPoint, buttons: Qt.MouseButton = Qt.MouseButton.NoButton) -> None:
    """Move the pointer over widget to pos (buttons: those held down, in a drag), as QTest.mouseMove does but
    without its processEvents.

    QTest.mouseMove processes events, so on a qasync loop it runs the loop's due callbacks inside the test's own
    task step; a task woken there cannot be entered ('Cannot enter into task ... while another task is being
    executed') and its step is lost: the test hangs until pytest-timeout ends the run. It happened only when a
    callback fell due at that moment, under load (tests/e2e/test_chart_window.py, twice in a day).
    """
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                        Qt.MouseButton.NoButton, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def write_paper_settings(data_dir: Path, fee_bps: str = "0.5", tick_interval_s: float = 60) -> None:
    """Configure PAPER-1 with a slow tick, so quotes stay still between a click and a send."""
    SettingsStore(data_dir / "settings.json").set_accounts([
        AccountSettings("PAPER-1", "paper", {"state_path": str(data_dir / "paper" / "PAPER-1.json"),
                                              "tick_interval_s": tick_interval_s, "fee_bps": fee_bps}),
    ])


@asynccontextmanager
async def open_window(data_dir: Path, active: bool = True, size: tuple[int, int] = (1500, 900)
                      ) -> AsyncIterator[MainWindow]:
    """Open the real window; it lives and closes inside the test, on the running qasync loop.

    (A fixture would close it after pytest-qt has processed Qt events with no asyncio loop running.)
    """
    window = create_main_window(data_dir, "paper", api_port=0)
    window.resize(*size)
    window.show()
    try:
        if active:
            await until(lambda: all(window.session.account(a).trading.value == "ACTIVE"
                                    for a in window.session.account_ids()), "the accounts to be active")
            await until(lambda: window.bridge.bid_ask("AAPL")[1] is not None, "AAPL quotes")
        yield window
    finally:
        window.close()
        await window.shutdown()


async def until_row(view: QTableView, key: object) -> None:
    """Wait until the grid shows the row `key` (a grid fills in once per frame, after the accounts list theirs)."""
    await until(lambda: model_of(view).row_of(key) is not None, f"{key} in {view.objectName()}")


def model_of(view: QTableView) -> RowTableModel:
    model = view.model()
    assert isinstance(model, RowTableModel)
    return model


def cell(view: QTableView, key: object, column: str) -> str:
    """Return the text a trader sees in the row `key`, column `column`."""
    model = model_of(view)
    row = model.row_of(key)
    assert row is not None, f"{key} is not in {view.objectName()}"
    col = [c.key for c in model.columns].index(column)
    return str(model.index(row, col).data())


def click_cell(view: QTableView, key: object, column: str, double: bool = False) -> None:
    model = model_of(view)
    row = model.row_of(key)
    assert row is not None, f"{key} is not in {view.objectName()}"
    index = model.index(row, [c.key for c in model.columns].index(column))
    view.scrollTo(index)
    center: QPoint = view.visualRect(index).center()
    click = QTest.mouseDClick if double else QTest.mouseClick
    if double:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
    click(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
