"""Every dock tab reads whole at the window sizes traders use: seven tabs in one group were squeezed to "F…"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QTabBar

from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until, write_paper_settings


def squeezed_tabs(window: MainWindow) -> list[str]:
    """Return the window's dock tabs a trader cannot read whole: narrower than their label needs, or scrolled out."""
    bad = []
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if not bar.isVisible():
            continue
        for index in range(bar.count()):
            text, rect = bar.tabText(index), bar.tabRect(index)
            whole = bar.elideMode() is Qt.TextElideMode.ElideNone or rect.width() >= bar.tabSizeHint(index).width()
            if not whole or rect.left() < 0 or rect.right() >= bar.width():
                bad.append(f"{text} ({rect.width()} of {bar.tabSizeHint(index).width()} px)")
    return bad


def tab_texts(window: MainWindow) -> set[str]:
    return {bar.tabText(i) for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
            for i in range(bar.count())}


@pytest.mark.parametrize("size", [(1600, 1000), (1500, 900)])
async def test_every_dock_tab_shows_its_whole_label_at_the_default_sizes_and_after_reset_layout(
        tmp_path: Path, size: tuple[int, int]) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path, size=size) as window:
        await until(lambda: window.findChild(QDockWidget, "dock.pnlCurve") is not None, "the late docks")
        approvals = window.findChild(QDockWidget, "dock.approvals")
        approvals.setWindowTitle("Approvals (12)")  # as it reads while a dozen strategy orders wait
        await until(lambda: "Approvals (12)" in tab_texts(window), "the count on the tab")
        assert {"Fills", "Funds", "By strategy", "PnL", "Strategy API", "Alerts",
                "Accounts", "Log"} <= tab_texts(window)
        await until(lambda: squeezed_tabs(window) == [], f"every tab whole at {size}, not {squeezed_tabs(window)}",
                    timeout=2)
        window.reset_layout()
        await until(lambda: squeezed_tabs(window) == [], f"every tab whole after Reset layout, not "
                                                         f"{squeezed_tabs(window)}", timeout=2)
