"""The ticket's Kite product and freeze quantity, driven as a trader drives it, sent through the real order path
to the Kite simulator: a Product choice for Kite accounts only, carried to kiteconnect's `product`; a quantity
above the freeze quantity refused at the ticket with how to split it, before anything is sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Order
from core.domain.product import Product
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.services.symbol_search import SymbolSearchService
from core.storage.journal import SqliteJournal
from gui.widgets.order_ticket import OrderTicketWidget
from tests.sims.kite import KiteSimulator
from tests.sims.kite.catalog import ALL_LISTINGS
from tests.sims.kite.testing import sim_credentials, sim_settings

KITE, PAPER = AccountId("KITE-1"), AccountId("PAPER-1")


@dataclass
class Desk:
    session: TradingSession
    sim: KiteSimulator
    ticket: OrderTicketWidget
    sent: list[asyncio.Task[Order]]

    def child(self, kind: type[QWidget], name: str) -> QWidget:
        found = self.ticket.findChild(kind, f"orderTicket.{name}")
        assert found is not None, name
        return found

    def product_combo(self) -> QComboBox:
        combo = self.child(QComboBox, "productCombo")
        assert isinstance(combo, QComboBox)
        return combo

    def shows_product(self) -> bool:
        return self.child(QWidget, "productChoice").isVisible()


@asynccontextmanager
async def kite_desk(tmp_path: Path, qtbot: QtBot) -> AsyncIterator[Desk]:
    """A Kite account (set to MIS) on the simulator and a paper account, and a ticket sending to their session."""
    sim = KiteSimulator(listings=ALL_LISTINGS, tick_interval_s=0.05)
    sim.exchange.cash = sim.exchange.opening_cash = Decimal(5_000_000)
    await sim.start()
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"),
                             risk=RiskConfig(accounts={str(KITE): {"collar_pct": None}}))  # no ticker: no quotes
    settings = sim_settings(sim, ticker=False, product="MIS", instruments_cache_dir=str(tmp_path))
    session.add_account(KiteBroker(KITE, KiteConfig.from_mapping(settings), bus.publish, sim_credentials(sim)))
    session.add_account(PaperBroker(PAPER, PaperConfig.from_mapping(
        {"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60}), bus.publish))
    session.restore()
    ticket = OrderTicketWidget()
    qtbot.addWidget(ticket)
    try:
        await session.connect(KITE)
        await session.connect(PAPER)
        service = SymbolSearchService(session)
        (future,) = (await service.search("NIFTY26DECFUT")).matches
        await service.add(future)
        ticket.set_instruments(dict(session.instruments))
        ticket.set_accounts([str(PAPER), str(KITE)])
        ticket.set_product_source(session.view.products_for)
        ticket.set_confirm_required(False)
        ticket.resize(380, 520)
        ticket.show()
        sent: list[asyncio.Task[Order]] = []
        ticket.submit_requested.connect(
            lambda request: sent.append(asyncio.ensure_future(session.submit(request))))
        yield Desk(session, sim, ticket, sent)
    finally:
        await session.close()
        session.journal.close()
        await sim.stop()


def type_into(desk: Desk, qtbot: QtBot, name: str, text: str) -> None:
    edit = desk.child(QLineEdit, name)
    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def choose_account(desk: Desk, account: AccountId) -> None:
    combo = desk.child(QComboBox, "accountCombo")
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findText(str(account)))


async def test_a_kite_ticket_offers_the_products_of_the_instrument_and_sends_the_one_chosen(
        tmp_path: Path, qtbot: QtBot) -> None:
    async with kite_desk(tmp_path, qtbot) as desk:
        await a_kite_ticket_offers_and_sends_products(desk, qtbot)


async def a_kite_ticket_offers_and_sends_products(desk: Desk, qtbot: QtBot) -> None:
    choose_account(desk, PAPER)
    type_into(desk, qtbot, "symbolEdit", "AAPL")
    assert not desk.shows_product(), "a paper account has no product"
    choose_account(desk, KITE)
    type_into(desk, qtbot, "symbolEdit", "INFY")
    combo = desk.product_combo()
    assert desk.shows_product()
    assert [combo.itemText(i) for i in range(combo.count())] == ["CNC · delivery", "MIS · intraday"]
    assert combo.currentText() == "MIS · intraday", "the Kite account is set to MIS"
    type_into(desk, qtbot, "symbolEdit", "NIFTY26DECFUT")
    assert [combo.itemText(i) for i in range(combo.count())] == ["NRML · F&O overnight", "MIS · intraday"]
    combo.setCurrentIndex(combo.findText("NRML · F&O overnight"))
    type_into(desk, qtbot, "quantityEdit", "75")
    type_into(desk, qtbot, "limitPriceEdit", "24400")
    qtbot.keyClick(desk.child(QLineEdit, "limitPriceEdit"), Qt.Key.Key_Return)
    assert len(desk.sent) == 1
    order = await desk.sent[0]
    (placed,) = [sim.order for sim in desk.sim.exchange.orders.values()]
    assert (placed["exchange"], placed["tradingsymbol"], placed["product"], placed["quantity"]) == (
        "NFO", "NIFTY26DECFUT", "NRML", 75)
    (journaled,) = [o for o in desk.session.journal.load().orders if o.client_order_id == order.client_order_id]
    assert journaled.product is Product.NRML


async def test_a_quantity_above_the_freeze_quantity_is_refused_at_the_ticket_and_nothing_is_sent(
        tmp_path: Path, qtbot: QtBot) -> None:
    async with kite_desk(tmp_path, qtbot) as desk:
        await freeze_quantity_refused_at_the_ticket(desk, qtbot)


async def freeze_quantity_refused_at_the_ticket(desk: Desk, qtbot: QtBot) -> None:
    choose_account(desk, KITE)
    type_into(desk, qtbot, "symbolEdit", "NIFTY26DECFUT")
    type_into(desk, qtbot, "quantityEdit", "1875")
    type_into(desk, qtbot, "limitPriceEdit", "24400")
    qtbot.keyClick(desk.child(QLineEdit, "limitPriceEdit"), Qt.Key.Key_Return)
    error = desk.child(QLabel, "quantityError")
    assert isinstance(error, QLabel) and error.isVisible()
    assert error.text() == ("1875 is above NIFTY26DECFUT's freeze quantity: the exchange takes at most 1800 "
                            "(24 lots) in one order. Split it into 2 orders of at most 1800.")
    assert desk.sent == [] and desk.sim.exchange.orders == {}
    assert desk.sim.requests.get("POST /orders/regular", 0) == 0
    assert desk.session.journal.load().orders == (), "nothing journaled either"

