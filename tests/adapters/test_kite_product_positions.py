"""Kite keeps positions apart per product: a CNC and an MIS position of INFY are two positions, each closed with
its own product. Flatten sends one closing order per product, and reconciliation compares each product's
position with the broker's; through the real session, the real kiteconnect client and the Kite simulator."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, OrderOrigin, OrderRequest, OrderStatus, OrderType, Side
from core.domain.product import Product
from core.domain.protection import Bracket, HeldState
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import ConfirmRequired, OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_settings

KITE = AccountId("KITE-1")


@dataclass
class Desk:
    session: TradingSession
    sim: KiteSimulator

    def sim_positions(self) -> dict[tuple[str, str], int]:
        """The simulator's own positions of INFY by (exchange's symbol, product), flat ones left out."""
        return {(p["tradingsymbol"], p["product"]): p["quantity"]
                for p in self.sim.exchange.position_lists()["net"] if p["quantity"]}

    def placed_since(self, count: int) -> list[tuple[str, str, str, int]]:
        """The orders the simulator took after the first count: (symbol, side, product, quantity)."""
        orders = [sim.order for sim in self.sim.exchange.orders.values()][count:]
        return [(o["tradingsymbol"], o["transaction_type"], o["product"], o["quantity"]) for o in orders]


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    """A Kite account whose default product is CNC, holding INFY: 10 CNC (delivery) and 4 MIS (intraday)."""
    sim = KiteSimulator(tick_interval_s=0.05)
    await sim.start()
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"),
                             risk=RiskConfig(accounts={str(KITE): {"collar_pct": None}}))
    settings = sim_settings(sim, ticker=False, product="CNC", instruments_cache_dir=str(tmp_path))
    session.add_account(KiteBroker(KITE, KiteConfig.from_mapping(settings), bus.publish, sim_credentials(sim)))
    session.restore()
    try:
        await session.connect(KITE)
        bus.publish(sim.exchange.market.quote("INFY"))
        world = Desk(session, sim)
        for product, qty in ((Product.CNC, "10"), (Product.MIS, "4")):
            await bought(world, product, qty)
        yield world
    finally:
        await session.close()
        session.journal.close()
        await sim.stop()


async def bought(desk: Desk, product: Product, qty: str, side: Side = Side.BUY) -> None:
    """Buy (or sell) INFY in product, filled at the simulator; the session learns of the fill when it reconciles."""
    bid = desk.sim.exchange.market.quote("INFY").bid
    assert bid is not None
    price = bid - 20 if side is Side.BUY else bid + 20
    order = await desk.session.submit(OrderRequest(KITE, "INFY", side, qty, OrderType.LIMIT, str(price),
                                                   product=product))
    assert order.status is OrderStatus.ACCEPTED and order.broker_order_id is not None
    desk.sim.exchange.fill_now(str(order.broker_order_id))
    report = await desk.session.connect(KITE)  # connected already: reconcile now, which books the fill
    assert report.differences == [], report.differences
    assert order.filled_qty == Decimal(qty)


async def test_each_product_is_a_position_of_its_own_in_the_session(desk: Desk) -> None:
    assert desk.sim_positions() == {("INFY", "CNC"): 10, ("INFY", "MIS"): 4}
    products = {p.product: p.quantity for p in desk.session.portfolio.products(KITE, "INFY")}
    assert products == {Product.CNC: 10, Product.MIS: 4}
    net = desk.session.portfolio.position(KITE, "INFY")
    assert net is not None and net.quantity == 14, "risk and P&L still read the net position"


async def test_flatten_sends_one_closing_order_per_product_each_with_its_own_product(desk: Desk) -> None:
    before = len(desk.sim.exchange.orders)
    result = await desk.session.flatten(KITE)
    assert result.not_sent == ()
    assert sorted(desk.placed_since(before)) == [("INFY", "SELL", "CNC", 10), ("INFY", "SELL", "MIS", 4)]
    assert sorted((o.product, o.quantity.value) for o in result.sent) == [(Product.CNC, 10), (Product.MIS, 4)]


async def test_after_the_kill_switch_flatten_asks_naming_each_product_then_closes_each_in_its_own(
        desk: Desk) -> None:
    await desk.session.kill_switch("trader")
    before = len(desk.sim.exchange.orders)
    with pytest.raises(ConfirmRequired, match=r"long 10 INFY · CNC, long 4 INFY · MIS"):
        await desk.session.flatten()
    assert desk.placed_since(before) == []
    result = await desk.session.flatten(confirmed_by="trader")
    assert result.not_sent == ()
    assert sorted(desk.placed_since(before)) == [("INFY", "SELL", "CNC", 10), ("INFY", "SELL", "MIS", 4)]


async def test_a_long_cnc_and_a_short_mis_are_each_closed_though_their_net_is_smaller(desk: Desk) -> None:
    await bought(desk, Product.MIS, "8", Side.SELL)  # MIS now short 4: net long 6
    assert desk.sim_positions() == {("INFY", "CNC"): 10, ("INFY", "MIS"): -4}
    before = len(desk.sim.exchange.orders)
    result = await desk.session.flatten(KITE)
    assert result.not_sent == (), "each close is measured against its own product's position, not the net"
    assert sorted(desk.placed_since(before)) == [("INFY", "BUY", "MIS", 4), ("INFY", "SELL", "CNC", 10)]


async def test_a_close_of_more_than_its_products_position_is_refused_though_the_net_holds_it(desk: Desk) -> None:
    before = len(desk.sim.exchange.orders)
    with pytest.raises(OrderRefused, match="more than your long 4 INFY"):
        await desk.session.submit(OrderRequest(KITE, "INFY", Side.SELL, "6", OrderType.MARKET,
                                               origin=OrderOrigin.CLOSE, product=Product.MIS))
    assert desk.placed_since(before) == [], "selling 6 MIS would have left MIS short 2 beside the CNC shares"


async def test_flatten_after_a_mismatch_closes_the_brokers_positions_per_product(desk: Desk) -> None:
    convert(desk, 3)  # the trader converted 3 of the MIS shares to CNC on Kite's own site
    report = await desk.session.connect(KITE)
    assert report.differences
    before = len(desk.sim.exchange.orders)
    await desk.session.flatten(KITE, confirmed_by="trader")
    assert sorted(desk.placed_since(before)) == [("INFY", "SELL", "CNC", 13), ("INFY", "SELL", "MIS", 1)]


async def test_reconciliation_reports_a_product_whose_position_differs_though_the_net_agrees(desk: Desk) -> None:
    convert(desk, 3)
    report = await desk.session.connect(KITE)
    assert report.differences == ["INFY · CNC: TradeTerm has 10, the broker has 13",
                                  "INFY · MIS: TradeTerm has 4, the broker has 1"]


def convert(desk: Desk, qty: int) -> None:
    """Move qty of the simulator's INFY MIS position to CNC, as Kite's position conversion does."""
    books = desk.sim.exchange.positions
    mis, cnc = books[("INFY", "MIS")], books[("INFY", "CNC")]
    price = mis["buy_value"] / mis["buy_quantity"]
    mis["buy_quantity"] -= qty
    mis["buy_value"] -= price * qty
    cnc["buy_quantity"] += qty
    cnc["buy_value"] += price * qty


async def test_each_products_position_comes_back_from_the_journal_after_a_restart(desk: Desk, tmp_path: Path) -> None:
    copy = tmp_path / "restarted" / "journal.sqlite"  # the desk's journal as a restarted TradeTerm reads it
    copy.parent.mkdir()
    with closing(sqlite3.connect(tmp_path / "journal.sqlite")) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    journal = SqliteJournal(copy)
    restarted = TradingSession(EventBus(), journal)
    settings = sim_settings(desk.sim, ticker=False, product="CNC", instruments_cache_dir=str(tmp_path))
    restarted.add_account(KiteBroker(KITE, KiteConfig.from_mapping(settings), lambda _event: None,
                                     sim_credentials(desk.sim)))
    try:
        restarted.restore()
        products = {p.product: p.quantity for p in restarted.portfolio.products(KITE, "INFY")}
        assert products == {Product.CNC: 10, Product.MIS: 4}
    finally:
        await restarted.close()
        journal.close()


async def placed_outside(desk: Desk, product: str, qty: int) -> None:
    """Buy qty INFY in product on Kite's own site (no tag of ours), filled; then the session reconciles."""
    bid = desk.sim.exchange.market.quote("INFY").bid
    assert bid is not None
    order_id = desk.sim.exchange.place("regular", {
        "exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY", "order_type": "LIMIT",
        "product": product, "quantity": str(qty), "price": str(bid - 20)})
    while desk.sim.exchange.orders[order_id].order["status"] != "OPEN":
        await asyncio.sleep(0.01)
    desk.sim.exchange.fill_now(order_id)
    report = await desk.session.connect(KITE)
    assert report.differences == [], report.differences


async def test_a_fill_of_an_order_placed_outside_tradeterm_lands_on_its_own_product(desk: Desk) -> None:
    await placed_outside(desk, "MIS", 2)
    products = {p.product: p.quantity for p in desk.session.portfolio.products(KITE, "INFY")}
    assert products == {Product.CNC: 10, Product.MIS: 6}, "Kite's trade says MIS: the 2 shares are intraday"
    before = len(desk.sim.exchange.orders)
    await desk.session.flatten(KITE)
    assert sorted(desk.placed_since(before)) == [("INFY", "SELL", "CNC", 10), ("INFY", "SELL", "MIS", 6)]


async def test_after_an_outside_order_a_product_that_differs_is_still_reported(desk: Desk) -> None:
    await placed_outside(desk, "MIS", 2)
    convert(desk, 3)  # the net still agrees; only the products moved
    report = await desk.session.connect(KITE)
    assert report.differences == ["INFY · CNC: TradeTerm has 10, the broker has 13",
                                  "INFY · MIS: TradeTerm has 6, the broker has 3"]


async def test_an_mis_brackets_stop_ends_when_the_mis_position_is_closed_whatever_the_cnc_shares(desk: Desk) -> None:
    """The children were sized to the symbol's net: MIS sold by hand left the CNC shares, so the MIS stop stayed
    armed for 5 over a flat MIS position, to sell 5 MIS short when touched."""
    bid = desk.sim.exchange.market.quote("INFY").bid
    assert bid is not None
    entry = await desk.session.submit_bracket(
        OrderRequest(KITE, "INFY", Side.BUY, "5", OrderType.LIMIT, str(bid - 20), product=Product.MIS),
        Bracket(stop_loss=bid - 100, take_profit=None))
    assert entry.broker_order_id is not None
    desk.sim.exchange.fill_now(str(entry.broker_order_id))
    await desk.session.connect(KITE)  # books the fill
    (stop,) = desk.session.protection.protecting(KITE, "INFY")
    assert (stop.state, stop.quantity) == (HeldState.ARMED, Decimal(5))
    await bought(desk, Product.MIS, "9", Side.SELL)  # the 4 MIS bought before and the bracket's 5: MIS flat
    assert {p.product: p.quantity for p in desk.session.portfolio.products(KITE, "INFY")}[Product.MIS] == 0
    assert desk.session.protection.protecting(KITE, "INFY") == [], "the MIS stop ended with the MIS position"
