"""The status bar's busy line: what is running ("Send order…") shows and goes without moving the bar's fields."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QLabel

from tests.e2e.window_helpers import open_window, write_paper_settings
from tests.layout_requests import LayoutRequests


async def test_an_order_on_its_way_shows_in_the_status_bar_without_laying_the_bar_out_again(tmp_path: Path) -> None:
    """Every order says "Send order…" until the broker answers: as a QLabel's text, each change laid out the whole
    status bar again (twice per order), though a text that fits moves nothing."""
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window._status_timer.stop()  # the P&L line's own changes lay the bar out: not what is tested here
        bar = window.statusBar()
        busy = bar.findChild(QLabel, "status.busy")
        pnl = bar.findChild(QLabel, "status.pnl")
        await asyncio.sleep(0.1)
        where = pnl.geometry()
        requests = LayoutRequests()
        bar.installEventFilter(requests)
        for on in (True, False, True, False):
            window.reporter.busy.emit("Send order", on)  # what run_op says at a send and at its answer
            assert busy.text() == ("Send order…" if on else "")
            await asyncio.sleep(0.05)  # a frame: laid out and painted
        assert requests.count == 0
        assert pnl.geometry() == where
