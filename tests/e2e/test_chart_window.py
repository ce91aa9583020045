"""The chart dock on the real window and the paper broker: history candles, fill markers, drag-to-modify."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPushButton, QTableView

from core.domain import AccountId, Instrument, Order, OrderStatus, Quote, Side
from core.ports.bar_history import ONE_MINUTE
from core.services.risk.limits import RiskConfig
from gui.controllers.chart_controller import ChartController
from gui.widgets.chart.chart_view import ChartView
from gui.widgets.chart.order_lines import OrderLine
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import cell, click_cell, move_mouse, open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


async def _chart(window: MainWindow) -> ChartView:
    await until(lambda: window.findChild(ChartView, "chartView") is not None, "the chart (built after the first paint)")
    chart = window.findChild(ChartView, "chartView")
    window.findChild(object, "dock.chart").raise_()
    await until(lambda: chart.symbol == "AAPL" and chart.series.size > 100, "the AAPL history on the chart")
    return chart


def _at(chart: ChartView, x: float, price: float) -> QPointF:
    scene = chart.price_box.mapViewToScene(QPointF(x, price))
    return QPointF(chart.plots.mapFromScene(scene))


async def _drag(chart: ChartView, start: float, end: float, across: float = 0.5,
                meanwhile: Callable[[], Awaitable[None]] | None = None) -> None:
    """Drag with the left button from price start to price end, `across` the price pane (0 left, 1 right).

    The hand aims where start is drawn and rests there; meanwhile (if given) happens before it presses, and the
    hand stays where it is on the screen, wherever the window has moved the chart under it.
    pyqtgraph drops mouse moves that come closer than a frame apart, so the hand pauses between moves.
    """
    (x0, x1), _ = chart.price_box.viewRange()
    x = x0 + (x1 - x0) * across
    here, there = _at(chart, x, start).toPoint(), _at(chart, x, end).toPoint()
    viewport = chart.plots.viewport()
    move_mouse(viewport, here)
    await asyncio.sleep(0.05)
    if meanwhile is not None:
        on_screen, path = viewport.mapToGlobal(here), there - here
        await meanwhile()
        here = viewport.mapFromGlobal(on_screen)
        there = here + path
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, here)
    for step in range(1, 11):
        await asyncio.sleep(0.05)
        move_mouse(viewport, here + (there - here) * (step / 10), Qt.MouseButton.LeftButton)
    await asyncio.sleep(0.05)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, there)


async def _send(window: MainWindow, side: Side, quantity: int, price: Decimal) -> None:
    """Send an order the trader's way: the ticket, then its confirm dialog."""
    ticket = window.ticket
    ticket.prefill("AAPL", side, quantity=Decimal(quantity), price=price, account=str(ACCOUNT))
    ticket.findChild(QPushButton, "orderTicket.sendButton").click()
    await until(lambda: ticket.confirm_dialog is not None, "the confirm dialog")
    dialog = ticket.confirm_dialog
    assert dialog is not None
    dialog.findChild(QPushButton, "orderTicket.confirmDialog.sendButton").click()


def _limit(window: MainWindow, order: Order) -> Decimal | None:
    now = window.session.oms.get(order.client_order_id)
    if now is None or now.status is not OrderStatus.ACCEPTED or now.limit_price is None:
        return None
    return now.limit_price.value


async def _working_line(window: MainWindow, chart: ChartView) -> tuple[Order, OrderLine]:
    bid, _ask = window.bridge.bid_ask("AAPL")
    assert bid is not None
    await _send(window, Side.BUY, 10, bid - Decimal(1))
    await until(lambda: len(chart.order_lines) == 1, "the working order's line on the chart")
    (line,) = chart.order_lines.values()
    await until(lambda: line.order.status is OrderStatus.ACCEPTED, "the order to be working")
    assert line.label() == "BUY 10 LMT"
    assert line.value() == float(bid - 1)
    return line.order, line


@pytest.mark.slow
async def test_the_candles_are_the_brokers_history_and_the_crosshair_reads_them(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        assert chart.status.text() == ""
        adapter = window.session.account(ACCOUNT).adapter
        t = chart.series.t
        first, last = t[0], t[-1]
        start = datetime.fromtimestamp(first, UTC)
        history = await adapter.history("AAPL", ONE_MINUTE, start, datetime.fromtimestamp(last, UTC) + ONE_MINUTE)
        shown = [tuple(column) for column in chart.series.columns().T[: len(history)]]
        assert shown == [(bar.start.timestamp(), float(bar.open), float(bar.high), float(bar.low), float(bar.close),
                          float(bar.volume)) for bar in history]
        await until(lambda: chart.candles.painted_bars > 50, "the candles to be painted")
        bar = history[-5]
        _, (y0, y1) = chart.price_box.viewRange()
        assert y0 < float(bar.low) <= float(bar.high) < y1, "the newest bars are in view"
        move_mouse(chart.plots.viewport(), _at(chart, bar.start.timestamp() + 30, float(bar.close)).toPoint())
        await until(lambda: f"{bar.start:%H:%M}" in chart.readout.text(), "the crosshair's readout")
        assert f"O {float(bar.open):g}  H {float(bar.high):g}  L {float(bar.low):g}  C {float(bar.close):g}" in (
            chart.readout.text())
        assert f"{bar.start:%H:%M}" in chart.readout.text()


@pytest.mark.slow
async def test_a_fill_appears_as_a_marker_at_its_price(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        _bid, ask = window.bridge.bid_ask("AAPL")
        assert ask is not None
        await _send(window, Side.BUY, 10, ask)
        await until(lambda: len(chart.fills.points()) == 1, "the fill's marker on the chart")
        (point,) = chart.fills.points()
        assert point.pos().y() == float(ask)
        assert point.data().startswith(f"BUY 10 @ {ask}")
        await until(lambda: chart.average_line.isVisible(), "the position's average price line")
        assert chart.average_line.value() == float(ask)


@pytest.mark.slow
async def test_dragging_an_order_line_modifies_the_order_at_the_broker(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        order, line = await _working_line(window, chart)
        old = line.price
        await _drag(chart, float(old), float(old) - 0.503)  # off tick: snapped to 0.50 below
        await until(lambda: window.findChild(QMessageBox, "chartView.confirmMove") is not None, "the move's confirm")
        box = window.findChild(QMessageBox, "chartView.confirmMove")
        new = Decimal(box.text().rsplit(" to ", 1)[1].rstrip("?"))
        _, (y0, y1) = chart.price_box.viewRange()
        pixel = Decimal(repr((y1 - y0) / chart.price_box.height()))
        assert new % Decimal("0.01") == 0, "snapped to the tick"
        assert abs(new - (old - Decimal("0.503"))) <= pixel + Decimal("0.01"), "where the line was dropped"
        assert line.value() == float(new)
        box.button(QMessageBox.StandardButton.Ok).click()
        adapter = window.session.account(ACCOUNT).adapter

        async def at_broker() -> Decimal | None:
            found = await adapter.lookup_order(window.session.oms.get(order.client_order_id))
            return None if found is None else found.state.limit_price

        await until(lambda: _limit(window, order) == new, "the modify")
        assert await at_broker() == new
        orders = window.findChild(QTableView, "ordersView")
        await until(lambda: cell(orders, order.client_order_id, "limit") == f"{new:,}", "the blotter's new limit")
        assert line.value() == float(new) and line.price == new


@pytest.mark.slow
async def test_two_orders_at_one_price_are_one_labelled_line_and_a_drag_on_it_moves_the_newest(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        bid, _ask = window.bridge.bid_ask("AAPL")
        assert bid is not None
        price = bid - Decimal(1)
        await _send(window, Side.BUY, 10, price)
        await until(lambda: len(chart.order_lines) == 1, "the first order's line")
        quantity = window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        await until(lambda: quantity.text() == "", "the ticket done with the first order")  # else it ignores a send
        await _send(window, Side.BUY, 5, price)
        await until(lambda: len(chart.order_lines) == 2 and all(
            line.order.status is OrderStatus.ACCEPTED for line in chart.order_lines.values()), "both working")
        older, newer = sorted(chart.order_lines.values(), key=lambda line: line.seq)
        assert newer.order.quantity.value == 5
        assert chart.order_item.labels_at(float(price)) == ["BUY 10 + 5 LMT"], "one line, both orders on its label"

        await _drag(chart, float(price), float(price) - 0.5)
        await until(lambda: window.findChild(QMessageBox, "chartView.confirmMove") is not None, "the move's confirm")
        box = window.findChild(QMessageBox, "chartView.confirmMove")
        assert box.text().startswith("Move BUY 5 AAPL"), "the newest order is the one to move"
        new = Decimal(box.text().rsplit(" to ", 1)[1].rstrip("?"))
        box.button(QMessageBox.StandardButton.Ok).click()
        await until(lambda: _limit(window, newer.order) == new, "the modify")
        assert _limit(window, older.order) == price, "the other order stays"
        assert chart.order_item.labels_at(float(price)) == ["BUY 10 LMT"]
        assert chart.order_item.labels_at(float(new)) == ["BUY 5 LMT"]


@pytest.mark.slow
async def test_a_drag_risk_refuses_snaps_back_and_says_why(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window.session.set_risk_config(RiskConfig(accounts={str(ACCOUNT): {"collar_pct": "1"}}))
        chart = await _chart(window)
        order, line = await _working_line(window, chart)
        old = line.price
        far = old * Decimal("0.9")
        await _drag(chart, float(old), float(far))
        await until(lambda: window.findChild(QMessageBox, "chartView.confirmMove") is not None, "the move's confirm")
        window.findChild(QMessageBox, "chartView.confirmMove").button(QMessageBox.StandardButton.Ok).click()
        await until(lambda: "Not moved" in chart.status.text(), "the refusal on the chart")
        assert "outside the price collar" in chart.status.text()
        assert line.value() == float(old), "the line is back where the order stands"
        assert _limit(window, order) == old
        adapter = window.session.account(ACCOUNT).adapter
        found = await adapter.lookup_order(window.session.oms.get(order.client_order_id))
        assert found is not None and found.state.limit_price == old


@pytest.mark.slow
async def test_right_click_places_a_limit_there_through_the_ticket_and_right_click_on_its_line_cancels(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        controller = next(k for k in window.keep_alive if isinstance(k, ChartController))
        bid, _ask = window.bridge.bid_ask("AAPL")
        assert bid is not None
        window.ticket.prefill("AAPL", Side.BUY, quantity=Decimal(5), account=str(ACCOUNT))
        (x0, x1), (y0, _y1) = chart.price_box.viewRange()
        # Below the market, in view, and well inside the 1% price collar whatever range the history spans.
        target = max(Decimal(repr((y0 + float(bid)) / 2)), bid * Decimal("0.996")).quantize(Decimal("0.01"))
        assert y0 < float(target) < float(bid)
        where = _at(chart, (x0 + x1) / 2, float(target) + 0.001).toPoint()
        QTest.mouseClick(chart.plots.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, where)
        await until(lambda: controller.place_menu is not None, "the place menu")
        menu = controller.place_menu
        assert menu is not None
        texts = [action.text() for action in menu.actions()]
        offered = Decimal(texts[0].rpartition(" @ ")[2].removesuffix(f" on {ACCOUNT}"))
        assert texts[:2] == [f"Buy limit AAPL @ {offered} on {ACCOUNT}", f"Sell stop AAPL @ {offered} on {ACCOUNT}"], (
            "below the market, on the chart's account")
        assert texts[3:] == [f"Ticket: OCO 2nd order @ {offered}", f"Ticket: OTO exit @ {offered}"], "the ticket's Link"
        # The price offered is where the pointer was: the clicked pixel's price, to the tick (a pixel may span cents).
        pixel = abs(_at(chart, x0, 0.0).y() - _at(chart, x0, 1.0).y())  # pixels per unit of price
        assert abs(offered - target) <= Decimal(repr(1 / pixel)) + Decimal("0.01"), (offered, target, pixel)
        target = offered
        menu.actions()[0].trigger()
        await until(lambda: window.ticket.confirm_dialog is not None, "the ticket's confirm dialog")
        dialog = window.ticket.confirm_dialog
        assert dialog is not None
        dialog.findChild(QPushButton, "orderTicket.confirmDialog.sendButton").click()
        await until(lambda: len(chart.order_lines) == 1, "the new order's line")
        (line,) = chart.order_lines.values()
        assert line.price == target and line.order.quantity.value == 5
        await until(lambda: line.order.status is OrderStatus.ACCEPTED, "the order to be working")
        coid = line.order.client_order_id
        on_line = _at(chart, (x0 + x1) / 2, float(target)).toPoint()
        QTest.mouseClick(chart.plots.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, on_line)
        await until(lambda: window.session.oms.get(coid).status is OrderStatus.CANCELED, "the cancel")
        await until(lambda: chart.order_lines == {}, "the line to go")


@pytest.mark.slow
async def test_without_history_the_chart_says_so_and_still_draws_live_bars(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        controller = next(k for k in window.keep_alive if isinstance(k, ChartController))
        feed_only = Instrument(symbol="ZZZ", venue="FEED", currency="USD", tick_size=Decimal("0.01"))
        window.session.instruments.add([feed_only])
        quote = Quote.tick("ZZZ", Decimal("10.00"), Decimal("10.02"), Decimal("10.01"), Decimal(10), Decimal(100),
                           Decimal(5), Decimal(5), source="FEED")
        window.session.bus.publish_quotes([quote])
        controller.show_symbol("ZZZ")
        assert chart.status.text().startswith("No history: this feed has none.")
        assert chart.series.size == 0
        frames: list[int] = []
        shown = chart.update_bars
        chart.update_bars = lambda bars: (frames.append(len(list(bars))), shown(bars))  # type: ignore[method-assign]
        for last, volume in (("10.05", 120), ("9.98", 150), ("10.03", 160)):
            window.session.bus.publish_quotes([quote.replace(last=Decimal(last), volume=Decimal(volume))])
        await until(lambda: chart.series.size == 1 and chart.series.columns()[4, 0] == 10.03, "the live bar")
        _t, o, h, lo, c, v = chart.series.columns()[:, 0]
        assert (o, h, lo, c, v) == (10.05, 10.05, 9.98, 10.03, 40.0), "first trade opens; volume grew by 40"
        assert frames == [1], "three ticks in one frame reach the chart as one update of one bar"
        await until(lambda: chart.candles.painted_bars == 1, "the live candle painted")


@pytest.mark.slow
async def test_the_chart_takes_the_window_theme(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        dark = window.findChild(QAction, "action.darkTheme")
        if dark.isChecked():
            dark.trigger()
        light_background = chart.plots.backgroundBrush().color().name()
        dark.trigger()
        await until(lambda: chart.plots.backgroundBrush().color().name() != light_background, "the dark chart")
        assert chart.plots.backgroundBrush().color().name() == "#161a20", "the dark theme's base colour"
        dark.trigger()
        await until(lambda: chart.plots.backgroundBrush().color().name() == light_background, "the light chart")


@pytest.mark.slow
async def test_new_chart_opens_another_pinned_to_the_symbol_while_the_first_follows_the_watchlist(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        chart = await _chart(window)
        controller = next(k for k in window.keep_alive if isinstance(k, ChartController))
        window.findChild(QAction, "action.newChart").trigger()
        (other,) = controller.others
        assert window.findChild(object, "dock.chart.2") is not None
        await until(lambda: other.view.series.size > 100, "the second chart's history")
        assert other.view.symbol == "AAPL" and other.view.pin.isChecked()
        click_cell(window.findChild(QTableView, "watchlistView"), "MSFT", "symbol")
        await until(lambda: chart.symbol == "MSFT", "the first chart to follow the watchlist")
        assert other.view.symbol == "AAPL", "a pinned chart keeps its symbol"
