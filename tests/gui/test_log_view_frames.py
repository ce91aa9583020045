"""The Log dock shows a burst of lines together, once a frame: every line, in order, with no one reading it; lines
said while its tab is behind another are all there, in order, when the trader opens it."""

from __future__ import annotations

import asyncio

from gui.widgets.log_view import FRAME_MS, LogView


async def test_a_burst_of_lines_is_on_screen_after_a_frame_in_order_with_its_levels() -> None:
    view = LogView()
    view.show()
    view.add("INFO", "first")
    for n in range(200):
        view.add("INFO", f"order {n} accepted")
    view.add("WARNING", "order 200 refused: risk")
    for _ in range(50):  # the frame timer runs on the loop; nothing here asks the view for its text
        if view.document().blockCount() == 202:
            break
        await asyncio.sleep(FRAME_MS / 1000)
    shown = view.document().toPlainText().splitlines()  # what is painted, not LogView.lines() (which flushes)
    assert len(shown) == 202
    assert shown[0].endswith("  first") and shown[1].endswith("  order 0 accepted")
    assert shown[-1].endswith("  WARNING: order 200 refused: risk")


async def test_reading_the_log_right_after_a_line_includes_it() -> None:
    view = LogView()
    view.add("ERROR", "Connect failed")
    assert view.lines()[-1].endswith("  ERROR: Connect failed")


async def test_lines_said_while_the_log_is_hidden_are_shown_in_order_when_it_is_opened() -> None:
    view = LogView(max_lines=100)
    view.show()
    view.add("INFO", "before")
    view.flush()
    view.hide()  # the trader raised the working orders' tab over the log
    for n in range(150):
        view.add("WARNING" if n % 50 == 49 else "INFO", f"order {n} accepted")
    await asyncio.sleep(3 * FRAME_MS / 1000)  # frames pass while nobody looks
    view.show()
    shown = view.document().toPlainText().splitlines()  # what is painted, not LogView.lines() (which flushes)
    assert len(shown) == 100  # the newest max_lines, as if each had been shown as it came
    assert shown[0].endswith("  order 50 accepted") and shown[-1].endswith("  WARNING: order 149 accepted")
    assert [line.split("  ", 1)[1] for line in shown[:3]] == ["order 50 accepted", "order 51 accepted",
                                                               "order 52 accepted"]
    assert shown[48].endswith("  order 98 accepted") and shown[49].endswith("  WARNING: order 99 accepted")


async def test_the_windows_frame_shows_the_log_lines_said_since_the_last_one_with_the_grids() -> None:
    from gui.models.flusher import FrameFlusher

    flusher = FrameFlusher()
    view = LogView()
    view.show()
    flusher.register(view)  # as the main window does: the Log dock flushes in the pass of the grids' frame
    for n in range(40):
        view.add("INFO", f"order {n} accepted")
    assert flusher.is_ticking  # the first line woke the frame
    for _ in range(50):  # the flusher's frame runs on the loop; nothing here asks the view for its text
        if view.document().blockCount() == 40:
            break
        await asyncio.sleep(FRAME_MS / 1000)
    shown = view.document().toPlainText().splitlines()  # what is painted, not LogView.lines() (which flushes)
    assert [line.split("  ", 1)[1] for line in shown] == [f"order {n} accepted" for n in range(40)]
    view.add("WARNING", "order 40 refused: risk")
    flusher.flush_now()  # as before a screenshot: every view the frame feeds is current, the Log dock's too
    assert view.document().toPlainText().splitlines()[-1].endswith("  WARNING: order 40 refused: risk")
    assert not flusher.is_ticking
