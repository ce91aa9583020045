"""Every dock's tab reads as its title: a tab takes '&' for a keyboard mnemonic ("P&L" showed as "PL")."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDockWidget, QTabBar

from tests.e2e.window_helpers import open_window, until, write_paper_settings


async def test_every_dock_tab_shows_its_whole_title(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await until(lambda: window.findChild(QDockWidget, "dock.pnlCurve") is not None, "the late docks")
        titles = {dock.objectName(): dock.windowTitle() for dock in window.findChildren(QDockWidget)}
        assert [name for name, title in titles.items() if "&" in title.replace("&&", "")] == []
        tabs = [bar.tabText(i) for bar in window.findChildren(QTabBar) for i in range(bar.count())]
        assert "PnL" in tabs, tabs
