"""A position's stop-loss and take-profit on the chart (the real window, the paper broker): their own lines,
coloured apart from working orders, dragged to move (a held child moves in TradeTerm's journal, a child at the
broker is modified there), and gone once the child triggers or is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from core.domain import OrderOrigin, OrderRequest, OrderStatus, OrderType, Quote, Side
from core.domain.protection import Bracket, HeldState, ProtectionLeg
from gui.controllers.chart_controller import ChartController
from gui.widgets.chart.bracket_lines import STOP_COLOR, TARGET_COLOR, BracketLine, bracket_legs
from gui.widgets.chart.chart_view import ChartView
from gui.widgets.chart.order_lines import BUY_COLOR, SELL_COLOR
from gui.widgets.main_window import MainWindow
from tests.e2e.test_chart_window import ACCOUNT, _at, _chart, _drag
from tests.e2e.window_helpers import open_window, until, write_paper_settings
from tests.factories import make_order


def _lines(chart: ChartView) -> dict[str, BracketLine]:
    return {line.label.textItem.toPlainText().split(" ")[0]: line for line in chart.bracket_lines.values()}


async def _until_in_view(chart: ChartView, *prices: Decimal) -> None:
    """Wait until the price pane shows prices: the chart fits its lines into view on its next bar, and a drag must
    start on a line the trader can see."""
    def shown() -> bool:
        _, (y0, y1) = chart.price_box.viewRange()
        return all(y0 < float(price) < y1 for price in prices)
    await until(shown, f"{', '.join(map(str, prices))} in view")


async def _drag_line(chart: ChartView, start: Decimal, end: float, took: Callable[[], object],
                     meanwhile: Callable[[], Awaitable[None]] | None = None) -> None:
    """Drag the line at start to end, once, and wait until took() says the drag registered."""
    await _drag(chart, float(start), end, across=0.85, meanwhile=meanwhile)  # clear of the lines' labels
    await until(took, "the drag to register", timeout=3.0)


def _pixel(chart: ChartView) -> Decimal:
    _, (y0, y1) = chart.price_box.viewRange()
    return Decimal(repr((y1 - y0) / chart.price_box.height()))


@pytest.mark.slow
async def test_held_stop_and_target_are_lines_a_drag_moves_the_stop_and_they_go_when_it_triggers(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        _bid, ask = window.bridge.bid_ask("AAPL")
        assert ask is not None
        stop, target = ask - Decimal("1.50"), ask + Decimal("2.00")
        entry = await window.session.submit_bracket(
            OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=ask), Bracket(stop, target))
        assert entry.status is OrderStatus.FILLED
        await until(lambda: set(_lines(chart)) == {"SL", "TP"}, "the stop and target lines")
        lines = _lines(chart)
        assert lines["SL"].label.textItem.toPlainText() == "SL SELL 10 (held by TradeTerm)"
        assert lines["TP"].label.textItem.toPlainText() == "TP SELL 10 (held by TradeTerm)"
        assert (lines["SL"].value(), lines["TP"].value()) == (float(stop), float(target))
        colours = {lines["SL"].pen.color().name(), lines["TP"].pen.color().name()}
        assert colours == {STOP_COLOR, TARGET_COLOR} and not colours & {BUY_COLOR, SELL_COLOR}
        assert chart.order_lines == {}, "protective children are not drawn as working orders"

        await _until_in_view(chart, stop, target)
        await _drag_line(chart, stop, float(stop) + 0.5,
                         lambda: window.findChild(QMessageBox, "chartView.confirmMove") is not None)
        box = window.findChild(QMessageBox, "chartView.confirmMove")
        assert box.text().startswith(f"Move held stop-loss of AAPL from {stop} to ")
        new = Decimal(box.text().rsplit(" to ", 1)[1].rstrip("?"))
        assert abs(new - (stop + Decimal("0.5"))) <= _pixel(chart) + Decimal("0.01"), "where the line was dropped"
        box.button(QMessageBox.StandardButton.Ok).click()
        held = {c.leg: c for c in window.session.protection.protecting(ACCOUNT, "AAPL")}
        await until(lambda: window.session.protection.protecting(ACCOUNT, "AAPL")
                    and {c.leg: c.trigger for c in window.session.protection.protecting(ACCOUNT, "AAPL")}
                    [ProtectionLeg.STOP_LOSS] == new, "the held stop moved")
        assert {c.trigger for c in window.session.journal.load_held() if c.leg is ProtectionLeg.STOP_LOSS} == {new}
        assert _lines(chart)["SL"].value() == float(new) and _lines(chart)["SL"].price == new
        assert held[ProtectionLeg.TAKE_PROFIT].trigger == target

        window.session.bus.publish_quotes([Quote("AAPL", bid=new - Decimal("0.01"), ask=new, source=ACCOUNT)])
        await until(lambda: {c.state for c in window.session.protection.children(ACCOUNT)}
                    == {HeldState.TRIGGERED, HeldState.CANCELED}, "the stop to trigger and cancel the target")
        await until(lambda: chart.bracket_lines == {}, "both lines to go")


@pytest.mark.slow
async def test_a_refused_held_move_snaps_back_and_says_why(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        window.ticket.set_confirm_required(False)
        bid, ask = window.bridge.bid_ask("AAPL")
        assert ask is not None and bid is not None
        stop, target = ask - Decimal("1.50"), ask + Decimal("2.00")
        await window.session.submit_bracket(
            OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=ask), Bracket(stop, target))
        await until(lambda: set(_lines(chart)) == {"SL", "TP"}, "the stop and target lines")
        line = _lines(chart)["SL"]
        await _until_in_view(chart, stop, target)
        # A long's stop above the market would fire at once.
        await _drag_line(chart, stop, float(ask) + 0.5, lambda: "Not moved" in chart.status.text())
        assert "through the market" in chart.status.text() and "put it below" in chart.status.text()
        assert line.value() == float(stop), "back where the stop stands"
        held = {c.leg: c.trigger for c in window.session.protection.protecting(ACCOUNT, "AAPL")}
        assert held[ProtectionLeg.STOP_LOSS] == stop


@pytest.mark.slow
async def test_children_waiting_for_a_resting_entry_read_its_size_not_zero(tmp_path: Path) -> None:
    """Before the entry fills, a held child holds 0: the lines read "SL SELL 0 (held by TradeTerm waits for the
    fill)", as if the stop would close nothing. They read the entry's size and when they arm."""
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        bid, _ask = window.bridge.bid_ask("AAPL")
        assert bid is not None
        below = bid - Decimal("3.00")  # rests: the children wait for its fill
        entry = await window.session.submit_bracket(
            OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=below),
            Bracket(below - Decimal("1.50"), below + Decimal("2.00")))
        assert entry.status is OrderStatus.ACCEPTED
        await until(lambda: set(_lines(chart)) == {"SL", "TP"}, "the stop and target lines")
        lines = _lines(chart)
        assert lines["SL"].label.textItem.toPlainText() == "SL SELL 10 (held by TradeTerm, arms at the fill)"
        assert lines["TP"].label.textItem.toPlainText() == "TP SELL 10 (held by TradeTerm, arms at the fill)"


@pytest.mark.slow
async def test_a_native_child_at_the_broker_is_a_bracket_line_and_goes_when_cancelled(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        instrument = window.session.account(ACCOUNT).adapter.instruments()[0]
        child = replace(make_order(instrument, Side.SELL, "10", OrderType.STOP, None, "90.00"),
                        origin=OrderOrigin.PROTECTIVE, status=OrderStatus.ACCEPTED)
        working = replace(make_order(instrument, Side.BUY, "10", OrderType.LIMIT, "95.00"), status=OrderStatus.ACCEPTED)
        chart.symbol = instrument.symbol
        chart.show_orders([child, working])
        chart.show_brackets(bracket_legs([child, working], []))
        assert [line.label.textItem.toPlainText() for line in chart.bracket_lines.values()] == [
            "SL SELL 10 STP (at the broker)"]
        assert [line.order for line in chart.order_lines.values()] == [working]
        chart.show_brackets(bracket_legs([replace(child, status=OrderStatus.CANCELED)], []))
        assert chart.bracket_lines == {}


async def _bracket_on_chart(window: MainWindow) -> tuple[ChartView, Decimal, Decimal]:
    """Buy 10 AAPL with a held stop 1.50 under the ask and a target 2.00 over it; return the chart, stop, target."""
    chart = await _chart(window)
    _bid, ask = window.bridge.bid_ask("AAPL")
    assert ask is not None
    stop, target = ask - Decimal("1.50"), ask + Decimal("2.00")
    await window.session.submit_bracket(
        OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=ask), Bracket(stop, target))
    await until(lambda: set(_lines(chart)) == {"SL", "TP"}, "the stop and target lines")
    await _until_in_view(chart, stop, target)
    return chart, stop, target


@pytest.mark.slow
async def test_a_message_on_the_chart_does_not_move_the_line_from_under_the_pointer(tmp_path: Path) -> None:
    """The trader rests the pointer on the stop; the chart says something (a refusal, a load) before the press:
    the press still takes the stop, not the empty chart behind it (the panes used to shift by the message's height,
    which is why the first drag after a bracket was placed often panned the chart instead)."""
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart, stop, _target = await _bracket_on_chart(window)
        message = "Not moved: the stop would fire at once."

        async def a_message_comes() -> None:
            chart.show_status(message)
            await asyncio.sleep(0.1)  # the window lays itself out again before the hand presses

        await _drag_line(chart, stop, float(stop) + 0.5,
                         lambda: window.findChild(QMessageBox, "chartView.confirmMove") is not None, a_message_comes)
        box = window.findChild(QMessageBox, "chartView.confirmMove")
        assert box.text().startswith(f"Move held stop-loss of AAPL from {stop} to ")
        box.button(QMessageBox.StandardButton.Cancel).click()

        async def the_message_goes() -> None:
            chart.show_status("")
            await asyncio.sleep(0.1)

        await _drag_line(chart, stop, float(stop) + 0.5,
                         lambda: window.findChild(QMessageBox, "chartView.confirmMove") is not None, the_message_goes)


@pytest.mark.slow
async def test_right_click_on_a_held_stop_cancels_it_in_the_journal_and_the_target_stays(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart, stop, target = await _bracket_on_chart(window)
        controller = next(k for k in window.keep_alive if isinstance(k, ChartController))
        (x0, x1), _ = chart.price_box.viewRange()
        on_line = _at(chart, x0 + (x1 - x0) * 0.85, float(stop)).toPoint()
        QTest.mouseClick(chart.plots.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, on_line)
        await until(lambda: controller.line_menu is not None, "the line's menu")
        menu = controller.line_menu
        assert menu is not None
        assert [action.text() for action in menu.actions()] == [f"Cancel held stop-loss of AAPL at {stop}"]
        menu.actions()[0].trigger()
        await until(lambda: set(_lines(chart)) == {"TP"}, "the stop's line to go")
        assert _lines(chart)["TP"].value() == float(target)
        live = {c.leg: c.trigger for c in window.session.protection.protecting(ACCOUNT, "AAPL")}
        assert live == {ProtectionLeg.TAKE_PROFIT: target}, "the target still protects the position"
        journaled = {c.leg: c.state for c in window.session.journal.load_held()}
        assert journaled == {ProtectionLeg.STOP_LOSS: HeldState.CANCELED, ProtectionLeg.TAKE_PROFIT: HeldState.ARMED}
        assert any("Cancelled from the chart: held stop-loss of AAPL" in line for line in _log_lines(window))


def _log_lines(window: MainWindow) -> list[str]:
    return window.log_view.toPlainText().splitlines()
