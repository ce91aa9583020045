"""The ladder's quantity, typed: a text the box cannot take stays as typed and an armed click sends nothing, instead
of the plain spin box's dropping the refused key ("10.5" became 105, "2k" became 2) and the click sending that."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton

from tests.e2e.test_ladder_window import PAPER, click_level, pick_in_watchlist
from tests.e2e.window_helpers import open_window, until, write_paper_settings


def type_quantity(window: object, text: str) -> None:
    box = window.ladder.widget.quantity  # type: ignore[attr-defined]
    box.setFocus()
    box.lineEdit().selectAll()
    QTest.keyClicks(box, text)


async def test_a_quantity_the_ladder_cannot_take_stays_as_typed_and_an_armed_click_sends_nothing(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        window.findChild(QPushButton, "ladderView.arm").click()
        status = window.findChild(QLabel, "ladderView.status")
        box = window.ladder.widget.quantity
        bid = window.ladder.model.best_bid * window.ladder.model.tick
        for typed in ("10.5", "2k"):
            type_quantity(window, typed)
            assert box.text() == typed, "kept as typed, never a number of another size"
            await click_level(window, bid - 2 * window.ladder.model.tick, "buy")
            assert box.text() == typed, "the click on the levels does not put the last number back"
            await until(lambda t=typed: f"Quantity '{t}' is not a whole number" in status.text(), "why nothing went")
            assert not window.session.oms.orders(PAPER), "nothing sent"

        type_quantity(window, "7")
        QTest.keyClick(box, Qt.Key.Key_Tab)
        await click_level(window, bid - 2 * window.ladder.model.tick, "buy")
        await until(lambda: len(window.session.oms.orders(PAPER)) == 1, "the armed click's order")
        assert window.session.oms.orders(PAPER)[0].quantity.value == 7
