"""The positions grid shows a Kite symbol held in two products as two rows, and a double-click on one puts its
close on the ticket in that row's product and quantity; sent through the one order path to the Kite simulator,
it closes that position and leaves the other alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, Side
from core.domain.product import Product
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from gui.bridge import CoreBridge
from gui.controllers.ticket_rows import TicketRows
from gui.widgets.order_ticket import OrderTicketWidget
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_settings

KITE = AccountId("KITE-1")


@dataclass
class Desk:
    session: TradingSession
    sim: KiteSimulator
    bridge: CoreBridge
    ticket: OrderTicketWidget
    rows: TicketRows
    sent: list[asyncio.Task[Order]]

    def symbols(self) -> list[str]:
        model = self.bridge.positions
        self.bridge.flusher.flush_now()
        return [model.cell(row, 1)[0] for row in range(model.rowCount())]

    def sim_positions(self) -> dict[str, int]:
        return {p["product"]: p["quantity"] for p in self.sim.exchange.position_lists()["net"]
                if p["tradingsymbol"] == "INFY" and p["quantity"]}


@asynccontextmanager
async def kite_desk(tmp_path: Path, qtbot: QtBot) -> AsyncIterator[Desk]:
    """A Kite account whose default product is CNC, its positions grid and the ticket the grid's clicks fill."""
    sim = KiteSimulator(tick_interval_s=0.05)
    await sim.start()
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"),
                             risk=RiskConfig(accounts={str(KITE): {"collar_pct": None}}))
    settings = sim_settings(sim, ticker=False, product="CNC", instruments_cache_dir=str(tmp_path))
    session.add_account(KiteBroker(KITE, KiteConfig.from_mapping(settings), bus.publish, sim_credentials(sim)))
    session.restore()
    bridge = CoreBridge(bus, session.quotes, session.portfolio)
    ticket = OrderTicketWidget()
    qtbot.addWidget(ticket)
    try:
        await session.connect(KITE)
        bus.publish(sim.exchange.market.quote("INFY"))
        ticket.set_instruments(dict(session.instruments))
        ticket.set_accounts([str(KITE)])
        ticket.set_product_source(session.view.products_for)
        ticket.set_quote_source(session.view.latest_quote)
        ticket.set_confirm_required(False)
        ticket.resize(380, 520)
        ticket.show()
        sent: list[asyncio.Task[Order]] = []
        ticket.submit_requested.connect(
            lambda request: sent.append(asyncio.ensure_future(session.submit(request))))
        yield Desk(session, sim, bridge, ticket, TicketRows(session.view, bridge.quotes, ticket), sent)
    finally:
        bridge.detach()
        await session.close()
        session.journal.close()
        await sim.stop()


async def bought(desk: Desk, product: Product, qty: str) -> None:
    """Buy INFY in product, filled at the simulator; the session learns of the fill when it reconciles."""
    bid = desk.sim.exchange.market.quote("INFY").bid
    assert bid is not None
    order = await desk.session.submit(OrderRequest(KITE, "INFY", Side.BUY, qty, OrderType.LIMIT, str(bid - 20),
                                                   product=product))
    assert order.status is OrderStatus.ACCEPTED and order.broker_order_id is not None
    desk.sim.exchange.fill_now(str(order.broker_order_id))
    report = await desk.session.connect(KITE)  # connected already: reconcile now, which books the fill
    assert report.differences == [], report.differences


async def test_closing_the_mis_row_sends_an_mis_order_for_its_quantity_and_leaves_the_cnc_position(
        tmp_path: Path, qtbot: QtBot) -> None:
    async with kite_desk(tmp_path, qtbot) as desk:
        await bought(desk, Product.CNC, "10")
        await bought(desk, Product.MIS, "4")
        assert desk.symbols() == ["INFY · CNC", "INFY · MIS"], "one row per product, the net row not shown"
        model = desk.bridge.positions
        (mis_row,) = [row for row in range(model.rowCount()) if model.cell(row, 1)[0] == "INFY · MIS"]
        assert model.cell(mis_row, 2)[0] == "4"
        desk.rows.on_position_double_clicked(model.index(mis_row, 2))
        intent = desk.ticket.findChild(QLabel, "orderTicket.intentLabel")
        assert intent is not None and intent.text().startswith("Close long 4 INFY · MIS on KITE-1")
        combo = desk.ticket.findChild(QComboBox, "orderTicket.productCombo")
        assert isinstance(combo, QComboBox) and combo.currentText() == "MIS · intraday"
        before = len(desk.sim.exchange.orders)
        quantity = desk.ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        assert isinstance(quantity, QLineEdit) and quantity.text() == "4"
        qtbot.keyClick(quantity, Qt.Key.Key_Return)
        (task,) = desk.sent
        order = await task
        placed = [sim.order for sim in desk.sim.exchange.orders.values()][before:]
        assert [(o["tradingsymbol"], o["transaction_type"], o["product"], o["quantity"]) for o in placed] == [
            ("INFY", "SELL", "MIS", 4)]
        assert order.product is Product.MIS and order.quantity.value == Decimal(4)
        if order.status.is_working:  # a limit at the bid may wait: the market takes it
            desk.sim.exchange.fill_now(str(order.broker_order_id))
        assert desk.sim_positions() == {"CNC": 10}, "the delivery shares are untouched"
