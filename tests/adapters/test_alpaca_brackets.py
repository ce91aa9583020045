"""Native Alpaca brackets through a real TradingSession and alpaca-py against the Alpaca simulator: the entry and
its stop-loss/take-profit go to Alpaca as one order_class bracket (or oto), Alpaca holds the legs, and our books
follow each leg under the child's own client order id."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.adapters.alpaca.adapter import create
from core.domain import AccountId, Event, Order, OrderRequest, OrderStatus, OrderType, Quote, Side, TimeInForce
from core.domain.protection import Bracket, Oto, ProtectionLeg, child_order_id
from core.ports.native_protection import NativeProtection
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.alpaca.brackets import fill_now
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

sim = sim_fixture()
ACCOUNT = AccountId("ALPACA-B")


class Desk:
    """A real TradingSession with a SqliteJournal, wired to an AlpacaBroker, as the app composes them."""

    def __init__(self, sim: AlpacaSimulator, tmp_path: Path) -> None:
        self.sim = sim
        self.journal = SqliteJournal(tmp_path / "journal.sqlite")
        self.session = TradingSession(EventBus(), self.journal)
        self.events = EventRecorder()
        self.session.bus.subscribe(Event, self.events)
        self.adapter = create(ACCOUNT, sim_settings(sim), self.session.bus.publish)
        self.session.add_account(self.adapter)

    async def entry(self, below_ask: str = "5", side: Side = Side.BUY, **fields: Any) -> OrderRequest:
        quote = await self.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.ask is not None)
        assert quote.ask is not None and quote.bid is not None
        touch = quote.ask if side is Side.BUY else quote.bid
        price = touch - Decimal(below_ask) * side.sign
        return OrderRequest(ACCOUNT, "AAPL", side, "10", OrderType.LIMIT, str(price), **fields)

    def legs(self, entry: Order) -> tuple[Order, Order]:
        stop = self.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.STOP_LOSS))
        target = self.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
        assert stop is not None and target is not None, "the children are orders in our books"
        return stop, target

    async def close(self) -> None:
        await self.session.close()
        await self.adapter.disconnect()
        self.journal.close()


@pytest.fixture
async def desk(sim: AlpacaSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(sim, tmp_path)
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def at_alpaca(sim: AlpacaSimulator, order: Order) -> dict[str, Any]:
    """Return Alpaca's order for one of ours: the entry by its client_order_id, a leg by its Alpaca id."""
    assert order.broker_order_id is not None, f"{order.client_order_id} has no Alpaca id"
    return sim.exchange.orders[str(order.broker_order_id)]


async def bracket_buy(desk: Desk) -> tuple[Order, Order, Order]:
    request = await desk.entry()
    price = Decimal(str(request.limit_price))
    entry = await desk.session.submit_bracket(request, Bracket(stop_loss=price - 3, take_profit=price + 10))
    stop, target = desk.legs(entry)
    return entry, stop, target


async def test_the_adapter_offers_native_protection(desk: Desk) -> None:
    assert isinstance(desk.adapter, NativeProtection), "a bracket on Alpaca is Alpaca's, not held by TradeTerm"


async def test_one_post_books_the_entry_and_alpaca_holds_the_legs_until_it_fills(desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    assert desk.sim.requests.count(("POST", "/v2/orders")) == 1, "the bracket is one order at Alpaca"
    parent = at_alpaca(desk.sim, entry)
    assert parent["order_class"] == "bracket" and parent["client_order_id"] == str(entry.client_order_id)
    alpaca_stop, alpaca_target = at_alpaca(desk.sim, stop), at_alpaca(desk.sim, target)
    assert stop.stop_price is not None and target.limit_price is not None
    assert (alpaca_stop["type"], alpaca_stop["side"], Decimal(alpaca_stop["stop_price"])) == (
        "stop", "sell", stop.stop_price.value)
    assert (alpaca_target["type"], Decimal(alpaca_target["limit_price"])) == ("limit", target.limit_price.value)
    assert alpaca_stop["status"] == alpaca_target["status"] == "held", "the legs wait for the entry at Alpaca"
    assert [o.status for o in (entry, stop, target)] == [OrderStatus.ACCEPTED] * 3
    assert len(desk.sim.exchange.orders) == 3, "each leg booked once"


async def test_the_entry_fills_then_the_stop_fills_and_alpaca_cancels_the_target(desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    assert entry.limit_price is not None and stop.stop_price is not None
    fill_now(desk.sim.exchange, str(entry.broker_order_id), entry.limit_price.value)
    await until(lambda: entry.status is OrderStatus.FILLED)
    await until(lambda: at_alpaca(desk.sim, target)["status"] == "new")
    fill_now(desk.sim.exchange, str(stop.broker_order_id), stop.stop_price.value)
    await until(lambda: stop.status is OrderStatus.FILLED and target.status is OrderStatus.CANCELED)
    assert at_alpaca(desk.sim, target)["status"] == "canceled", "Alpaca cancelled the other leg"
    assert stop.filled_qty == 10
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is None or position.quantity == 0, "the stop closed the position"


async def test_cancelling_the_entry_cancels_its_legs_at_alpaca_and_in_our_books(desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    await desk.session.cancel(entry.client_order_id)
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in (entry, stop, target)))
    assert [at_alpaca(desk.sim, o)["status"] for o in (entry, stop, target)] == ["canceled"] * 3
    assert desk.session.oms.working(ACCOUNT) == []


async def test_an_oto_goes_as_alpacas_oto_with_its_one_leg(desk: Desk) -> None:
    request = await desk.entry()
    price = Decimal(str(request.limit_price))
    entry = await desk.session.submit_oto(request, Oto(price=price + 4, stop=False))
    target = desk.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
    assert target is not None and target.status is OrderStatus.ACCEPTED
    assert at_alpaca(desk.sim, entry)["order_class"] == "oto"
    assert at_alpaca(desk.sim, target)["status"] == "held"
    assert len(desk.sim.exchange.orders) == 2


async def test_a_bracket_on_an_ioc_entry_is_refused_in_words_before_alpaca_sees_it(desk: Desk) -> None:
    request = await desk.entry(tif=TimeInForce.IOC)
    price = Decimal(str(request.limit_price))
    entry = await desk.session.submit_bracket(request, Bracket(stop_loss=price - 3, take_profit=price + 10))
    stop, target = desk.legs(entry)
    assert [o.status for o in (entry, stop, target)] == [OrderStatus.REJECTED] * 3
    assert "DAY or GTC" in (entry.reason or "")
    assert desk.sim.requests.count(("POST", "/v2/orders")) == 0


async def test_alpacas_base_price_refusal_reaches_every_leg_with_what_to_do(desk: Desk) -> None:
    """Alpaca measures a market entry's legs from its own price: a target under it is refused with a 422."""
    quote = await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.ask is not None)
    assert quote.ask is not None
    entry = make_order(instrument=desk.sim.exchange.by_symbol["AAPL"].instrument(), quantity="10",
                       order_type=OrderType.MARKET, account_id=ACCOUNT)
    target = make_order(instrument=entry.instrument, side=Side.SELL, quantity="10", order_type=OrderType.LIMIT,
                        limit_price=str(quote.ask - 20), account_id=ACCOUNT,
                        client_order_id=child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
    stop = make_order(instrument=entry.instrument, side=Side.SELL, quantity="10", order_type=OrderType.STOP,
                      stop_price=str(quote.ask - 30), account_id=ACCOUNT,
                      client_order_id=child_order_id(entry.client_order_id, ProtectionLeg.STOP_LOSS))
    outcomes = await desk.adapter.submit_bracket(entry, [target, stop])
    assert len(outcomes) == 3 and all(o is not None for o in outcomes)
    assert "take_profit.limit_price must be >= base_price + 0.01" in str(outcomes[0])
    assert "at least a cent beyond" in str(outcomes[0])
    assert desk.sim.exchange.orders == {}, "Alpaca booked nothing"


async def test_after_a_restart_the_legs_are_ours_again_and_their_fills_arrive(
    sim: AlpacaSimulator, tmp_path: Path
) -> None:
    first = Desk(sim, tmp_path)
    await first.session.connect(ACCOUNT)
    entry, _stop, target = await bracket_buy(first)
    await first.close()

    back = Desk(sim, tmp_path)
    try:
        back.session.restore()
        report = await back.session.connect(ACCOUNT)
        assert report.ok, report
        entry2, (stop2, target2) = back.session.oms.get(entry.client_order_id), back.legs(entry)
        assert entry2 is not None
        assert [o.status for o in (entry2, stop2, target2)] == [OrderStatus.ACCEPTED] * 3
        assert entry.limit_price is not None and target.limit_price is not None
        fill_now(sim.exchange, str(entry.broker_order_id), entry.limit_price.value)
        await until(lambda: at_alpaca(sim, target)["status"] == "new")
        fill_now(sim.exchange, str(target.broker_order_id), target.limit_price.value)
        await until(lambda: target2.status is OrderStatus.FILLED and stop2.status is OrderStatus.CANCELED)
        assert sim.exchange.faults.cut_after == 0 and sim.requests.count(("POST", "/v2/orders")) == 1
    finally:
        await back.close()


async def test_a_lost_answer_finds_the_bracket_and_its_legs_by_our_id_never_resent(desk: Desk) -> None:
    desk.sim.exchange.faults.cut_after = 1
    entry, stop, target = await bracket_buy(desk)
    await until(lambda: all(o.status is OrderStatus.ACCEPTED for o in (entry, stop, target)))
    assert desk.sim.requests.count(("POST", "/v2/orders")) == 1, "never sent twice"
    assert at_alpaca(desk.sim, stop)["status"] == "held"


async def test_moving_the_stop_after_the_entry_filled_keeps_it_in_the_bracket(desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    assert entry.limit_price is not None and stop.stop_price is not None and target.limit_price is not None
    fill_now(desk.sim.exchange, str(entry.broker_order_id), entry.limit_price.value)
    await until(lambda: entry.status is OrderStatus.FILLED and at_alpaca(desk.sim, stop)["status"] == "new")
    moved = stop.stop_price.value + 1
    await desk.session.modify(stop.client_order_id, "10", None, moved)
    await until(lambda: stop.stop_price is not None and stop.stop_price.value == moved
                and stop.status is OrderStatus.ACCEPTED)
    legs = [desk.sim.exchange.orders[i] for i in desk.sim.exchange.multi_leg.legs_of[str(entry.broker_order_id)]]
    (alpaca_stop,) = [leg for leg in legs if leg["type"] == "stop"]
    assert Decimal(alpaca_stop["stop_price"]) == moved and alpaca_stop["status"] == "new", \
        "the replacement is the bracket's stop at Alpaca"
    fill_now(desk.sim.exchange, str(target.broker_order_id), target.limit_price.value)
    await until(lambda: target.status is OrderStatus.FILLED and stop.status is OrderStatus.CANCELED)
    assert alpaca_stop["status"] == "canceled", "Alpaca cancelled the moved stop with the fill"


async def test_held_legs_wait_then_work_once_the_entry_fills_and_each_can_be_changed_or_canceled(desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    assert entry.limit_price is not None and stop.stop_price is not None and target.limit_price is not None
    assert [at_alpaca(desk.sim, o)["status"] for o in (stop, target)] == ["held", "held"]
    assert stop.is_working and target.is_working, "our books show the waiting legs as working orders"

    await desk.session.modify(target.client_order_id, "10", target.limit_price.value + 1, None)
    assert target.limit_price.value == entry.limit_price.value + 10, "Alpaca does not change a held leg"
    assert "once its entry has filled" in (target.reason or ""), target.reason
    assert at_alpaca(desk.sim, target)["status"] == "held" and target.status is OrderStatus.ACCEPTED

    fill_now(desk.sim.exchange, str(entry.broker_order_id), entry.limit_price.value)
    await until(lambda: entry.status is OrderStatus.FILLED)
    await until(lambda: [at_alpaca(desk.sim, o)["status"] for o in (stop, target)] == ["new", "new"])

    raised = target.limit_price.value + 1
    await desk.session.modify(target.client_order_id, "10", raised, None)
    await until(lambda: target.limit_price is not None and target.limit_price.value == raised
                and target.status is OrderStatus.ACCEPTED)
    legs = [desk.sim.exchange.orders[i] for i in desk.sim.exchange.multi_leg.legs_of[str(entry.broker_order_id)]]
    (alpaca_target,) = [leg for leg in legs if leg["type"] == "limit"]  # the replacement (a new Alpaca id)
    assert Decimal(alpaca_target["limit_price"]) == raised and alpaca_target["status"] == "new"

    await desk.session.cancel(stop.client_order_id)
    await until(lambda: stop.status is OrderStatus.CANCELED)
    assert at_alpaca(desk.sim, stop)["status"] == "canceled"
    assert target.status is OrderStatus.ACCEPTED and alpaca_target["status"] == "new", "the target still works"
    fill_now(desk.sim.exchange, str(alpaca_target["id"]), raised)
    await until(lambda: target.status is OrderStatus.FILLED)
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is None or position.quantity == 0, "the target closed the position"
    assert desk.sim.requests.count(("POST", "/v2/orders")) == 1


async def test_a_position_reduced_then_closed_by_ordinary_orders_cuts_then_cancels_the_legs_at_alpaca(
        desk: Desk) -> None:
    """Alpaca works a bracket's legs for the entry's quantity: a part sale left them for 10 (the stop would have
    sold 4 short), and a sale of the rest left them working to open a new position."""
    entry, stop, target = await bracket_buy(desk)
    assert entry.limit_price is not None
    fill_now(desk.sim.exchange, str(entry.broker_order_id), entry.limit_price.value)
    await until(lambda: entry.status is OrderStatus.FILLED)
    await until(lambda: at_alpaca(desk.sim, target)["status"] == "new")
    part = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "4", OrderType.MARKET))
    await until(lambda: part.status is OrderStatus.FILLED)
    await until(lambda: stop.quantity.value == target.quantity.value == 6
                and {o["qty"] for o in desk.sim.exchange.list_orders("open")} == {"6"})
    rest = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "6", OrderType.MARKET))
    await until(lambda: rest.status is OrderStatus.FILLED)
    await until(lambda: stop.status is OrderStatus.CANCELED and target.status is OrderStatus.CANCELED)
    assert desk.sim.exchange.list_orders("open") == [], "nothing is left working at Alpaca"
