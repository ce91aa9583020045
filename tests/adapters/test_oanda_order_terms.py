"""OANDA's market-if-touched and good-till-date orders through the adapter against the v20 simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.adapters.oanda.adapter import OandaBroker, create
from core.domain import (
    AccountId,
    Order,
    OrderAccepted,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderSubmitted,
    OrderType,
    Price,
    Side,
    TimeInForce,
)
from core.ports.errors import OrderRejected
from core.ports.order_terms import terms_problem
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_fixture, sim_settings

sim = sim_fixture()


@pytest.fixture
async def broker(sim: OandaSimulator) -> AsyncIterator[tuple[OandaBroker, EventRecorder]]:
    events = EventRecorder()
    adapter = create(AccountId("OANDA-T"), sim_settings(sim), events)
    await adapter.connect()
    yield adapter, events
    await adapter.disconnect()


def eur_usd(adapter: OandaBroker, order_type: OrderType, *, limit: str | None = None, stop: str | None = None,
            tif: TimeInForce = TimeInForce.GTC, expire_at: datetime | None = None, side: Side = Side.BUY) -> Order:
    instrument = next(i for i in adapter.instruments() if i.symbol == "EUR_USD")
    order = make_order(instrument=instrument, side=side, quantity="1000", order_type=order_type, limit_price=limit,
                       stop_price=stop, tif=tif, account_id=adapter.account_id)
    order.expire_at = expire_at
    order.apply(OrderSubmitted(order.client_order_id))
    return order


def ask(sim: OandaSimulator) -> Decimal:
    quote = sim.exchange.market.quote("EUR_USD")
    assert quote.ask is not None
    return quote.ask


async def test_a_market_if_touched_buy_above_the_market_waits_for_the_touch(
        broker: tuple[OandaBroker, EventRecorder], sim: OandaSimulator) -> None:
    adapter, events = broker
    trigger = ask(sim) + Decimal("0.00300")  # 30 pips up: a limit there would buy at once
    order = eur_usd(adapter, OrderType.MARKET_IF_TOUCHED, stop=str(trigger))
    await adapter.submit(order)
    accepted = await events.wait_for(OrderAccepted, lambda e: e.client_order_id == order.client_order_id)
    wire = sim.exchange.orders[str(accepted.broker_order_id)].wire
    assert (wire["type"], wire["price"], wire["timeInForce"]) == ("MARKET_IF_TOUCHED", str(trigger), "GTC")
    for _ in range(10):
        sim.exchange.step()
    assert events.of_type(OrderFilled) == []
    sim.exchange.move("EUR_USD", 600)
    filled = await events.wait_for(OrderFilled, lambda e: e.client_order_id == order.client_order_id)
    assert filled.fill.price.value >= trigger


async def test_a_gtd_order_carries_its_end_and_expires_there(broker: tuple[OandaBroker, EventRecorder],
                                                             sim: OandaSimulator) -> None:
    adapter, events = broker
    ends = datetime.now(UTC) + timedelta(milliseconds=400)
    order = eur_usd(adapter, OrderType.LIMIT, limit=str(ask(sim) - Decimal("0.01000")), tif=TimeInForce.GTD,
                    expire_at=ends)
    await adapter.submit(order)
    accepted = await events.wait_for(OrderAccepted, lambda e: e.client_order_id == order.client_order_id)
    wire = sim.exchange.orders[str(accepted.broker_order_id)].wire
    assert (wire["timeInForce"], wire["gtdTime"]) == ("GTD", ends.strftime("%Y-%m-%dT%H:%M:%S.%f000Z"))
    expired = await events.wait_for(OrderExpired, lambda e: e.client_order_id == order.client_order_id)
    assert "good-till-date" in expired.reason


async def test_a_gtd_end_in_the_past_is_refused_in_oandas_words(broker: tuple[OandaBroker, EventRecorder],
                                                                sim: OandaSimulator) -> None:
    adapter, _ = broker
    past = eur_usd(adapter, OrderType.LIMIT, limit=str(ask(sim) - Decimal("0.01000")), tif=TimeInForce.GTD,
                   expire_at=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(OrderRejected, match=r"TIME_IN_FORCE_GTD_TIMESTAMP_IN_PAST.*end in the future"):
        await adapter.submit(past)
    assert not [o for o in sim.exchange.orders.values() if o.client_id == str(past.client_order_id)]


async def test_oanda_takes_mit_fok_and_gtd_but_no_stop_limit(broker: tuple[OandaBroker, EventRecorder]) -> None:
    adapter, _ = broker
    assert terms_problem(adapter, "OANDA-T", OrderType.MARKET_IF_TOUCHED, TimeInForce.GTD) is None
    assert terms_problem(adapter, "OANDA-T", OrderType.LIMIT, TimeInForce.FOK) is None
    assert terms_problem(adapter, "OANDA-T", OrderType.STOP_LIMIT, TimeInForce.GTC) == (
        "order_type", "OANDA-T does not take STP_LMT orders: choose one of MKT, LMT, STP, MIT.")
    assert terms_problem(adapter, "OANDA-T", OrderType.LIMIT, TimeInForce.OPG) is not None


async def test_a_gtd_order_read_back_from_the_journal_keeps_its_end_when_changed(
        broker: tuple[OandaBroker, EventRecorder], sim: OandaSimulator) -> None:
    adapter, events = broker
    ends = datetime.now(UTC) + timedelta(hours=2)
    order = eur_usd(adapter, OrderType.LIMIT, limit=str(ask(sim) - Decimal("0.01000")), tif=TimeInForce.GTD,
                    expire_at=ends)
    await adapter.submit(order)
    await events.wait_for(OrderAccepted, lambda e: e.client_order_id == order.client_order_id)
    order.expire_at = None  # the journal keeps no end time
    lower = order.limit_price.value - Decimal("0.00010")  # type: ignore[union-attr]
    await adapter.modify(order, order.quantity, Price(lower), None)
    await events.wait_for(OrderModified, lambda e: e.client_order_id == order.client_order_id)
    replacement = sim.exchange.find(f"@{order.client_order_id}").wire
    assert (replacement["price"], replacement["gtdTime"]) == (str(lower), ends.strftime("%Y-%m-%dT%H:%M:%S.%f000Z"))
