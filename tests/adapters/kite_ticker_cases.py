"""Kite tests that need KiteTicker, run in their own process by test_kite_contract.py.

Twisted's reactor is global and cannot be restarted, so these never run inside the main pytest process:
the adapter starts the reactor thread once in this child process and every test shares it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import (
    AccountId,
    AssetClass,
    ConnectionChanged,
    ConnectionState,
    LogMessage,
    OrderAccepted,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
)
from core.domain.depth import DepthBook
from core.domain.market_data_error import FeedChanged
from core.domain.tape import TradePrint
from core.ports.depth_feed import DepthFeed
from core.ports.time_and_sales import TimeAndSales
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.services.symbol_search import SymbolSearchService
from core.storage.journal import SqliteJournal
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.kite import KiteSimulator
from tests.sims.kite.catalog import ALL_LISTINGS
from tests.sims.kite.testing import sim_credentials, sim_fixture, sim_settings

sim = sim_fixture(tick_interval_s=0.02)


class TestKiteContract(BrokerContract):
    @pytest.fixture
    async def subject(self, sim: KiteSimulator) -> AsyncIterator[ContractSubject]:
        events = EventRecorder()
        adapter = KiteBroker(AccountId("KITE-C"), KiteConfig.from_mapping(sim_settings(sim)), events,
                             sim_credentials(sim))
        instrument = sim.exchange.listings["INFY"].instrument()
        try:
            yield ContractSubject(adapter, events, instrument)
        finally:
            await adapter.disconnect()


class TestKiteTicker:
    async def connected(self, sim: KiteSimulator) -> tuple[KiteBroker, EventRecorder]:
        events = EventRecorder()
        adapter = KiteBroker(AccountId("KITE-T"), KiteConfig.from_mapping(sim_settings(sim)), events,
                             sim_credentials(sim))
        await adapter.connect()
        await adapter.subscribe(adapter.instruments())
        return adapter, events

    async def test_index_streams_last_price_and_stocks_stream_depth(self, sim: KiteSimulator) -> None:
        adapter, events = await self.connected(sim)
        try:
            nifty = await events.wait_for(Quote, lambda q: q.symbol == "NIFTY 50")
            infy = await events.wait_for(Quote, lambda q: q.symbol == "INFY")
            assert nifty.last is not None and nifty.bid is None and nifty.close is not None
            assert infy.bid is not None and infy.ask is not None and infy.bid < infy.ask
            # Each quote names its feed, so this account's positions and risk use Kite's own prices.
            assert nifty.source == infy.source == "KITE-T"
            assert sim.subscriptions() == [{listing.token: "full" for listing in sim.exchange.listings.values()}]
        finally:
            await adapter.disconnect()

    async def test_full_mode_ticks_publish_the_five_level_book_with_order_counts(self, sim: KiteSimulator) -> None:
        adapter, events = await self.connected(sim)
        try:
            assert isinstance(adapter, DepthFeed)
            infy = sim.exchange.listings["INFY"]
            await adapter.subscribe_depth(infy.instrument())
            book = await events.wait_for(DepthBook, lambda b: b.symbol == "INFY" and len(b.bids) == 5)
            assert book.source == "KITE-T" and len(book.asks) == 5
            top_bid, top_ask = book.bids[0], book.asks[0]
            assert [(lv.price, lv.size, lv.orders) for lv in book.bids] == [
                (top_bid.price - i * infy.tick, top_bid.size * (i + 1), i + 1) for i in range(5)]
            assert [(lv.price, lv.size, lv.orders) for lv in book.asks] == [
                (top_ask.price + i * infy.tick, top_ask.size * (i + 1), i + 1) for i in range(5)]
            assert isinstance(adapter, TimeAndSales)
            await adapter.subscribe_tape(infy.instrument())
            trade = await events.wait_for(TradePrint, lambda t: t.symbol == "INFY")
            assert trade.source == "KITE-T" and trade.size > 0 and trade.price > 0
        finally:
            await adapter.disconnect()

    async def test_dropped_ticker_reconnects_and_resubscribes(self, sim: KiteSimulator) -> None:
        adapter, events = await self.connected(sim)
        try:
            await events.wait_for(Quote, lambda q: q.symbol == "TCS")
            assert sim.drop_ticker() == 1
            dropped_at = len(events.events)
            await events.wait_for(LogMessage, lambda m: "dropped" in m.text)

            def fresh_tcs(q: Quote) -> bool:
                return q.symbol == "TCS" and events.events.index(q) > dropped_at and sim.ticker_connects == 2

            down = await events.wait_for(FeedChanged, lambda e: not e.live)
            assert down.account_id == "KITE-T", "the views showing Kite's prices mark them not live"
            await events.wait_for(Quote, fresh_tcs, timeout=8)
            assert sim.subscriptions() == [{listing.token: "full" for listing in sim.exchange.listings.values()}]
            assert events.of_type(ConnectionChanged)[-1].state is ConnectionState.CONNECTED
            assert events.of_type(FeedChanged)[-1].live, "live again once the ticker streams"
        finally:
            await adapter.disconnect()

    async def test_order_postback_reports_acceptance_without_waiting_for_polling(self, sim: KiteSimulator) -> None:
        events = EventRecorder()
        adapter = KiteBroker(AccountId("KITE-P"), KiteConfig.from_mapping(sim_settings(sim, poll_interval_s=60)),
                             events, sim_credentials(sim))
        await adapter.connect()
        await adapter.subscribe(adapter.instruments())
        try:
            contract = BrokerContract()
            subject = ContractSubject(adapter, events, sim.exchange.listings["RELIANCE"].instrument())
            order = await contract.resting_buy(subject)
            await adapter.submit(order)
            await events.wait_for(OrderAccepted, lambda e: e.client_order_id == order.client_order_id)
            sim.exchange.fill_now(str(order.broker_order_id or events.of_type(OrderAccepted)[-1].broker_order_id))
            await sim._postbacks()
            await contract.until_status(subject, order, OrderStatus.FILLED)
        finally:
            await adapter.disconnect()

    async def test_update_duplicate_and_reversed_postbacks_give_each_fill_once(self, sim: KiteSimulator) -> None:
        from tests.sims.kite.faults import KiteFaults

        events = EventRecorder()
        adapter = KiteBroker(AccountId("KITE-D"), KiteConfig.from_mapping(sim_settings(sim, poll_interval_s=60)),
                             events, sim_credentials(sim))
        await adapter.connect()
        await adapter.subscribe(adapter.instruments())
        try:
            sim.faults = KiteFaults(postback_update=True, postback_duplicates=True, postback_reversed=True)
            contract = BrokerContract()
            subject = ContractSubject(adapter, events, sim.exchange.listings["TCS"].instrument())
            order = await contract.resting_buy(subject)
            await adapter.submit(order)
            accepted = await events.wait_for(OrderAccepted, lambda e: e.client_order_id == order.client_order_id)
            sim.exchange.fill_now(str(accepted.broker_order_id))
            await sim._postbacks()
            await contract.until_status(subject, order, OrderStatus.FILLED)
            await asyncio.sleep(0.3)  # the duplicate and the older postbacks have arrived too
            fills = [e for e in events.for_order(order) if type(e).__name__ == "OrderFilled"]
            assert len(fills) == 1 and order.filled_qty == order.quantity.value
            assert [type(e).__name__ for e in events.for_order(order)].count("OrderAccepted") == 1
            assert order.status is OrderStatus.FILLED, "an older OPEN postback after COMPLETE changes nothing"
        finally:
            await adapter.disconnect()

    async def test_token_refused_at_the_ticker_halts_and_asks_for_login(self, sim: KiteSimulator) -> None:
        adapter, events = await self.connected(sim)
        try:
            await events.wait_for(Quote)
            sim.access_tokens.clear()  # REST would refuse too; the ticker notices first here
            sim.drop_ticker()
            failed = await events.wait_for(ConnectionChanged, lambda e: e.state is ConnectionState.FAILED, timeout=8)
            assert "Log in again" in failed.message
            assert sim.upgrades_refused >= 1
            assert adapter.login_required
            ticks_then = sim.upgrades_refused
            await asyncio.sleep(0.5)
            assert sim.upgrades_refused == ticks_then, "a refused token must not be retried"
        finally:
            await adapter.disconnect()


class TestKiteTwoExchanges:
    async def test_bse_infy_picked_in_search_is_priced_sent_and_held_on_bse(self, tmp_path: Path) -> None:
        """INFY trades on NSE and on BSE at different prices: the BSE one a trader picks is a different instrument."""
        simulator = KiteSimulator(listings=ALL_LISTINGS, tick_interval_s=0.02)
        await simulator.start()
        bus = EventBus()
        session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"),
                                 risk=RiskConfig(accounts={"KITE-X": {"collar_pct": "0.5"}}))
        session.add_account(KiteBroker(AccountId("KITE-X"), KiteConfig.from_mapping(sim_settings(
            simulator, instruments_cache_dir=str(tmp_path))), bus.publish, sim_credentials(simulator)))
        session.restore()
        try:
            await session.connect(AccountId("KITE-X"))
            found = await SymbolSearchService(session).search("INFY")
            listed = [(m.symbol, m.venue) for m in found.matches if m.root == "INFY" and m.kind is AssetClass.STOCK]
            assert listed == [("INFY", "NSE"), ("BSE:INFY", "BSE")]
            (bse,) = [m for m in found.matches if m.venue == "BSE" and m.root == "INFY"]
            instrument = await SymbolSearchService(session).add(bse)
            assert (instrument.symbol, instrument.venue) == ("BSE:INFY", "BSE")
            for _ in range(300):  # the BSE ticks reach the session under their own symbol
                quote = session.quotes.latest("BSE:INFY", "KITE-X")
                if quote is not None and quote.ask is not None:
                    break
                await asyncio.sleep(0.01)
            assert quote is not None and quote.ask is not None and quote.source == "KITE-X"
            bse_ask = simulator.exchange.market.quote("BSE:INFY").ask
            nse_ask = simulator.exchange.market.quote("INFY").ask
            assert bse_ask is not None and nse_ask is not None
            assert abs(quote.ask - bse_ask) < abs(quote.ask - nse_ask), "the ticket shows BSE's price, not NSE's"
            # A limit at BSE's ask passes the 0.5% collar only against BSE's own quote (NSE's is ~1% away).
            order = await session.submit(OrderRequest(AccountId("KITE-X"), "BSE:INFY", Side.BUY, "1",
                                                      OrderType.LIMIT, str(quote.ask + 2)))
            placed = [sim.order for sim in simulator.exchange.orders.values()]
            assert [(o["exchange"], o["tradingsymbol"]) for o in placed] == [("BSE", "INFY")]
            for _ in range(300):
                if order.status is OrderStatus.FILLED:
                    break
                await asyncio.sleep(0.01)
            assert order.status is OrderStatus.FILLED
            assert simulator.exchange.trades[-1]["exchange"] == "BSE"
            position = session.portfolio.position(AccountId("KITE-X"), "BSE:INFY")
            assert position is not None and position.quantity == 1
            held = session.portfolio.position(AccountId("KITE-X"), "INFY")
            assert held is None or held.quantity == 0, "the NSE INFY position is untouched"
        finally:
            await session.close()
            session.journal.close()
            await simulator.stop()
