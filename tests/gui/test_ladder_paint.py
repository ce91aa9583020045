"""The ladder under a depth storm: it paints only what changed, once per frame, and ends on the newest book.

What the trader sees is what is in the window's backing store (the offscreen platform grabs it), so the
checks compare pixels there, not what the model would answer if asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QImage

from core.domain.depth import BookLevel, DepthBook
from gui.widgets.ladder.model import COLUMNS, LadderModel
from gui.widgets.ladder.widget import LadderWidget
from tests.gui.test_frame_feed import IB, World, frames_pass

D = Decimal
TICK = D("0.01")


def book(mid: int, seed: int, rows: int = 20) -> DepthBook:
    """A whole book around mid (in ticks) whose sizes differ with seed at every level."""
    bids = tuple(BookLevel((mid - i) * TICK, D(1 + (i * 7 + seed) % 50)) for i in range(rows))
    asks = tuple(BookLevel((mid + 1 + i) * TICK, D(1 + (i * 11 + seed) % 50)) for i in range(rows))
    return DepthBook("AAPL", IB, bids, asks)


def open_ladder(size: tuple[int, int] = (420, 900)) -> tuple[LadderModel, LadderWidget]:
    """A ladder on AAPL's tick, touch at 100.00/100.01, shown and centred."""
    model = LadderModel()
    model.reset(TICK, 2)
    widget = LadderWidget(model)
    widget.resize(*size)
    model.set_touch(D("100.00"), D("100.01"), None)
    widget.show()
    widget.centre()
    return model, widget


@pytest.fixture
def ladder(qtbot: object) -> Iterator[tuple[LadderModel, LadderWidget]]:
    model, widget = open_ladder()
    yield model, widget
    widget.close()


def shown(widget: LadderWidget) -> QImage:
    """The ladder's grid as it is on screen now (the backing store, not a fresh render)."""
    viewport = widget.table.viewport()
    corner = viewport.mapTo(widget, viewport.rect().topLeft())
    screen = widget.screen()
    return screen.grabWindow(widget.winId(), corner.x(), corner.y(), viewport.width(), viewport.height()).toImage()


class PaintSpy(QObject):
    """Collect the rectangles of every paint a watched widget gets (each rect of the event's region)."""

    def __init__(self, painted: list[QRect]) -> None:
        super().__init__()
        self.painted = painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted.extend(event.region())  # type: ignore[attr-defined]
        return False


async def repaints(model: LadderModel, widget: LadderWidget, first: DepthBook, bids: list[BookLevel]) -> list[QRect]:
    """Show first, then the same book with these bids; return the rectangles repainted for the change."""
    model.set_book(first.bids, first.asks)
    model.flush()
    await settle()
    painted: list[QRect] = []
    spy = PaintSpy(painted)
    widget.table.viewport().installEventFilter(spy)
    model.set_book(bids, first.asks)
    model.flush()
    await settle()
    widget.table.viewport().removeEventFilter(spy)
    return painted


async def settle() -> None:
    """Let the running loop paint (never processEvents inside it: a re-entered qasync loop loses wake-ups)."""
    for _ in range(5):
        await asyncio.sleep(0.02)


async def test_after_a_depth_storm_the_ladder_shows_the_newest_book_on_every_level(
        ladder: tuple[LadderModel, LadderWidget]) -> None:
    world = World()
    model, widget = ladder
    world.flusher.register(model)
    world.feed.watch_depth(["AAPL"], lambda books: model.set_book(books["AAPL"].bids, books["AAPL"].asks),
                           feed=IB, paint_with=model)
    await settle()
    for k in range(600):  # the touch moves and every size changes, many books a frame
        world.bus.publish(book(10_000 + k % 7, k))
        if k % 40 == 0:
            await asyncio.sleep(0.005)
    newest = book(10_003, 7777)
    world.bus.publish(newest)
    await frames_pass(world.flusher)
    await settle()
    after_storm = shown(widget)

    fresh_model, fresh = open_ladder((widget.width(), widget.height()))  # shown only the newest book
    fresh_model.set_book(newest.bids, newest.asks)
    fresh_model.flush()
    await settle()
    fresh.table.verticalScrollBar().setValue(widget.table.verticalScrollBar().value())
    await settle()
    try:
        row = model.row_of_price(newest.bids[0].price)
        assert row is not None
        assert model.index(row, COLUMNS.index("bid")).data() == f"{newest.bids[0].size.normalize():f}"
        assert after_storm == shown(fresh), "the ladder's pixels differ from a ladder shown only the newest book"
    finally:
        fresh.close()


async def test_a_depth_change_at_one_level_repaints_that_cell_only(
        ladder: tuple[LadderModel, LadderWidget]) -> None:
    model, widget = ladder
    first = book(10_000, 1)
    bids = list(first.bids)
    bids[3] = BookLevel(bids[3].price, D(999))
    painted = await repaints(model, widget, first, bids)

    row = model.row_of_price(bids[3].price)
    assert row is not None
    cell = widget.table.visualRect(model.index(row, COLUMNS.index("bid")))
    assert painted, "the change was never painted"
    assert all(cell.contains(rect) or rect.intersected(cell) == rect for rect in painted), \
        f"repainted {painted} for a change in the cell at {cell}"


async def test_a_trade_below_the_top_volume_repaints_only_its_own_volume_cell(
        ladder: tuple[LadderModel, LadderWidget]) -> None:
    model, widget = ladder
    profile = {D("100.00"): D(50), D("99.99"): D(10)}
    model.set_volume(profile)
    model.flush()
    await settle()
    painted: list[QRect] = []
    spy = PaintSpy(painted)
    widget.table.viewport().installEventFilter(spy)
    profile[D("99.99")] += D(5)
    model.set_volume(profile, {D("99.99")})
    model.flush()
    await settle()
    widget.table.viewport().removeEventFilter(spy)

    row = model.row_of_price(D("99.99"))
    assert row is not None
    assert model.index(row, COLUMNS.index("volume")).data() == "15"
    cell = widget.table.visualRect(model.index(row, COLUMNS.index("volume")))
    assert painted and all(rect.intersected(cell) == rect for rect in painted), f"repainted {painted} for {cell}"


async def test_a_level_the_book_left_is_repainted_over_every_pixel_its_colour_had(
        ladder: tuple[LadderModel, LadderWidget]) -> None:
    """Under Xvfb a 1-pixel line of the ask's pink (and the bid's blue) stayed at the edge of levels the book had
    left: Qt's region of a changed cell (its visualRect, with the grid on) left out the cell's last column of
    pixels, which the fill of a coloured size paints. (The offscreen platform's grab renders afresh, so the check
    is on the region the view repaints, not on the grabbed pixels.)"""
    model, widget = ladder
    first = book(10_000, 1)
    bids = list(first.bids)
    gone = bids.pop(3)  # that level's size is gone: its cell goes back to the plain background
    painted = await repaints(model, widget, first, bids)

    row = model.row_of_price(gone.price)
    assert row is not None
    table, column = widget.table, COLUMNS.index("bid")
    coloured = QRect(table.columnViewportPosition(column), table.rowViewportPosition(row),
                     table.columnWidth(column), table.rowHeight(row) - 1)  # what the size's fill covered
    assert painted, "the change was never painted"
    covered = painted[0]
    for rect in painted[1:]:
        covered = covered.united(rect)
    assert covered.contains(coloured), f"repainted {painted}, not all of {coloured}"
