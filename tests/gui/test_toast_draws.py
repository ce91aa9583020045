"""The toast announcing a Flatten's fills, one after another over many passes of Qt's loop, is redrawn a few times
a second, not once a pass (each redraw lays out the whole window again), and ends on the newest lines."""

from __future__ import annotations

import asyncio
import time

from PySide6.QtWidgets import QMainWindow

from gui.widgets.toast import DRAW_EVERY_MS, ToastWidget


async def test_fills_announced_pass_after_pass_are_drawn_a_few_times_a_second_ending_on_the_newest() -> None:
    host = QMainWindow()
    host.resize(800, 600)
    host.show()
    toast = ToastWidget(host)
    drawn: list[str] = []
    toast.setText = lambda text: (drawn.append(text), ToastWidget.setText(toast, text))  # type: ignore[method-assign]
    start = time.monotonic()
    for n in range(40):  # one fill a pass of the loop, as a Flatten's closes fill
        toast.show_message(f"Fill: SELL 1 S{n:04d} @ 50.00 (PAPER-1)")
        await asyncio.sleep(0.005)
    elapsed_ms = (time.monotonic() - start) * 1000
    await asyncio.sleep(2 * DRAW_EVERY_MS / 1000)
    assert len(drawn) <= elapsed_ms / DRAW_EVERY_MS + 2, f"{len(drawn)} draws in {elapsed_ms:.0f} ms"
    assert toast.text().splitlines() == [f"Fill: SELL 1 S{n:04d} @ 50.00 (PAPER-1)" for n in (37, 38, 39)]
    host.close()
