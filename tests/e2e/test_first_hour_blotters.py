"""Readable blotters in the real window: what a trader reads fits at the default size; columns chosen and kept."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDockWidget, QMenu, QTableView

from core.domain import AccountId, OrderRequest, OrderType, Side
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import model_of, open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def shown_keys(view: QTableView) -> list[str]:
    """The column keys a trader sees without scrolling, left to right."""
    header, keys = view.horizontalHeader(), [c.key for c in model_of(view).columns]
    width = view.viewport().width()
    visible = []
    for visual in range(header.count()):
        index = header.logicalIndex(visual)
        if not header.isSectionHidden(index) and header.sectionPosition(index) + header.sectionSize(index) <= width:
            visible.append(keys[index])
    return visible


async def rest_an_order(window: MainWindow) -> None:
    bid, _ = window.bridge.bid_ask("AAPL")
    assert bid is not None
    order = await window.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, Decimal(10), OrderType.LIMIT,
                                                     bid - 5))
    await window.session.submit(OrderRequest(ACCOUNT, "MSFT", Side.BUY, Decimal(10), OrderType.MARKET))
    await until(lambda: window.bridge.working_orders.row_of(order.client_order_id) is not None, "the resting order")
    await until(lambda: window.bridge.fills.rowCount() == 1, "the fill")


@pytest.mark.slow
async def test_the_blotters_show_what_a_trader_reads_without_scrolling_at_the_default_size(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await rest_an_order(window)
        orders, fills = window.findChild(QTableView, "ordersView"), window.findChild(QTableView, "fillsView")
        readable = {"symbol", "account", "side", "quantity", "price", "status"}
        assert readable <= set(shown_keys(orders)), shown_keys(orders)
        assert shown_keys(orders)[0] != "id" and "id" not in shown_keys(orders)
        status = [c.key for c in model_of(orders).columns].index("status")
        assert orders.columnWidth(status) >= orders.fontMetrics().horizontalAdvance("Partially filled") + 8, (
            "a part-filled order's status is read whole, not 'Partia…filled'")
        assert {"time", "symbol", "side", "quantity", "price"} <= set(shown_keys(fills)), shown_keys(fills)
        watchlist = window.findChild(QTableView, "watchlistView")
        feed = [c.key for c in model_of(watchlist).columns].index("feed")
        assert watchlist.columnWidth(feed) >= watchlist.fontMetrics().horizontalAdvance("auto: PAPER-1") + 8, (
            "a row on auto names the feed it shows whole, not 'auto…ER-1'")
        window.findChild(QDockWidget, "dock.approvals").raise_()
        approvals = window.findChild(QTableView, "approvalsView")
        await until(approvals.isVisible, "the approvals tab")
        assert {"symbol", "account", "side", "quantity", "price", "verdict"} <= set(
            shown_keys(approvals)), "an order's account is read before it is approved, without a scroll"
        row = model_of(orders).row_of(next(iter(model_of(orders).row_keys())))
        price = [c.key for c in model_of(orders).columns].index("price")
        assert model_of(orders).index(row, price).data() != ""
        quantity = [c.key for c in model_of(orders).columns].index("quantity")
        for index in (quantity, price):
            alignment = model_of(orders).headerData(index, Qt.Orientation.Horizontal,
                                                    Qt.ItemDataRole.TextAlignmentRole)
            assert alignment is not None and Qt.AlignmentFlag(alignment) & Qt.AlignmentFlag.AlignRight, \
                "a number's header sits over its digits"


def chooser_menu(view: QTableView) -> QMenu:
    view.horizontalHeader().customContextMenuRequested.emit(QPoint(10, 5))  # a right-click on the header
    menus = [m for m in view.findChildren(QMenu, f"columnChooser.{view.objectName()}") if m.isVisible()]
    assert len(menus) == 1
    return menus[0]


def toggle(menu: QMenu, key: str) -> None:
    action = next(a for a in menu.actions() if a.objectName() == f"columnChooser.{key}")
    action.trigger()


@pytest.mark.slow
async def test_columns_chosen_from_the_header_menu_come_back_after_a_restart(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        orders = window.findChild(QTableView, "ordersView")
        await rest_an_order(window)
        menu = chooser_menu(orders)
        assert [a.text() for a in menu.actions() if a.isCheckable()][:3] == ["Time", "Account", "Symbol"]
        toggle(menu, "id")
        menu.close()
        menu = chooser_menu(orders)
        toggle(menu, "tif")
        menu.close()
        header = orders.horizontalHeader()
        keys = [c.key for c in model_of(orders).columns]
        header.moveSection(header.visualIndex(keys.index("status")), 0)  # the trader drags Status to the front
        assert shown_keys(orders)[0] == "status"
        await asyncio.sleep(0.05)  # never processEvents inside the loop: a re-entered qasync loses wake-ups
    saved = json.loads((tmp_path / "settings.json").read_text())["columns"]["ordersView"]
    assert "tif" in saved["hidden"] and "id" not in saved["hidden"] and saved["order"][0] == "status"
    async with open_window(tmp_path) as window:
        orders = window.findChild(QTableView, "ordersView")
        keys = [c.key for c in model_of(orders).columns]
        header = orders.horizontalHeader()
        assert header.isSectionHidden(keys.index("tif")) and not header.isSectionHidden(keys.index("id"))
        assert header.logicalIndex(0) == keys.index("status")
        menu = chooser_menu(orders)
        next(a for a in menu.actions() if a.objectName() == "columnChooser.reset").trigger()
        menu.close()
        assert header.isSectionHidden(keys.index("id")) and not header.isSectionHidden(keys.index("tif"))
        assert header.logicalIndex(0) == keys.index("symbol")
