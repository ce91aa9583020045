"""At the window's first size the watchlist shows a trader's list, not three rows above the ticket: the ticket
(with its Protect, Size and Link rows) keeps its height and the accounts and log are tabs beside the working orders."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QDockWidget, QTabBar

from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ROWS = 8
"""Rows a trader sees without scrolling (4 were left when the ticket grew its Link row)."""


def watchlist_rows(window: MainWindow) -> int:
    view = window.watchlist_view
    return view.viewport().height() // max(1, view.verticalHeader().defaultSectionSize())


def tab_texts(window: MainWindow) -> list[list[str]]:
    return [[bar.tabText(i) for i in range(bar.count())] for bar in window.findChildren(QTabBar) if bar.count()]


async def test_the_watchlist_shows_eight_rows_and_the_accounts_are_a_tab_beside_the_orders(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    for size in ((1500, 900), (1600, 1000)):
        async with open_window(tmp_path, size=size) as window:
            for _ in range(5):  # let the docks take their first sizes
                await asyncio.sleep(0.05)
            assert watchlist_rows(window) >= ROWS, \
                f"at {size} the watchlist shows {watchlist_rows(window)} rows in a " \
                f"{window.findChild(QDockWidget, 'dock.watchlist').height()} px dock"
            await until(lambda: any("Accounts" in texts and "Working orders" in texts for texts in tab_texts(window)),
                        "the Accounts tab beside the working orders")
            assert window.findChild(QDockWidget, "dock.orders").isVisible()
