"""A toast never covers the bottom tab group: its Approve all, Cancel selected and Record fill buttons stay
clickable while fills are being announced."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QDockWidget, QPushButton

from gui.widgets.toast import ToastWidget
from tests.e2e.window_helpers import open_window, write_paper_settings


async def test_a_toast_sits_above_the_bottom_tab_group_not_over_its_buttons(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    for size in ((1500, 900), (1600, 1000)):
        async with open_window(tmp_path, size=size) as window:
            approvals = window.findChild(QDockWidget, "dock.approvals")
            approvals.raise_()
            await asyncio.sleep(0.05)
            toast = window.findChild(ToastWidget, "toast")
            for n in range(3):
                toast.show_message(f"Fill: BUY 2 ESZ6 @ 5199.00 (PAPER-1) #{n}")
            shown = toast.geometry()
            for dock in (window.findChild(QDockWidget, "dock.fills"), approvals):
                area = QRect(dock.mapTo(window, QPoint(0, 0)), dock.size())
                assert not shown.intersects(area), f"at {size} the toast {shown} covers {dock.objectName()} {area}"
            for button in approvals.findChildren(QPushButton):
                if button.isVisible():
                    where = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
                    assert not shown.intersects(where), f"the toast covers {button.text()!r}"
