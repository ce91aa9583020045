"""Native OANDA brackets through a real TradingSession against the v20 simulator: the entry carries
takeProfitOnFill / stopLossOnFill, OANDA makes them orders on the trade when the entry fills, and our bracket's
children follow those orders (their creates, fills and OANDA's cancel of the other) under their own ids."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.domain import OrderRequest, OrderStatus, OrderType, Side
from core.domain.protection import Bracket, ProtectionLeg, child_order_id
from core.ports.native_protection import NativeProtection
from tests.adapters.oanda_desk import ACCOUNT, PIP, Desk, desk_fixture, posts, until
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_fixture

sim = sim_fixture()
desk = desk_fixture()


async def test_the_adapter_offers_native_protection(desk: Desk) -> None:
    assert isinstance(desk.adapter, NativeProtection), "a bracket on OANDA is OANDA's, not held by TradeTerm"


async def test_the_entry_carries_the_children_as_on_fill_details_under_their_ids(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    wire = desk.at_oanda(entry)
    assert stop.stop_price is not None and target.limit_price is not None
    assert Decimal(wire["takeProfitOnFill"]["price"]) == target.limit_price.value
    assert Decimal(wire["stopLossOnFill"]["price"]) == stop.stop_price.value
    assert wire["takeProfitOnFill"]["clientExtensions"]["id"] == str(target.client_order_id)
    assert wire["stopLossOnFill"]["clientExtensions"]["id"] == str(stop.client_order_id)
    assert [o.status for o in (entry, stop, target)] == [OrderStatus.ACCEPTED] * 3, "OANDA holds them on the entry"
    assert posts(desk.sim) == 1, "one order at OANDA"


async def test_the_entry_fills_oanda_makes_the_orders_then_the_stop_fills_and_the_target_is_cancelled(
    desk: Desk
) -> None:
    entry, stop, target = await desk.bracket_buy()
    desk.sim.exchange.move("EUR_USD", -260)
    await until(lambda: entry.status is OrderStatus.FILLED)
    await until(lambda: str(target.broker_order_id) != str(entry.broker_order_id))
    made = {t["type"]: t for t in desk.sim.exchange.transactions if t.get("reason") == "ON_FILL"}
    assert set(made) == {"TAKE_PROFIT_ORDER", "STOP_LOSS_ORDER"}
    fill = next(t for t in desk.sim.exchange.transactions if t["type"] == "ORDER_FILL")
    assert made["STOP_LOSS_ORDER"]["tradeID"] == made["TAKE_PROFIT_ORDER"]["tradeID"] == fill["tradeOpened"]["tradeID"]
    assert str(stop.broker_order_id) == made["STOP_LOSS_ORDER"]["id"], "the child is OANDA's stop-loss order"
    desk.sim.exchange.move("EUR_USD", -600)
    await until(lambda: stop.status is OrderStatus.FILLED and target.status is OrderStatus.CANCELED)
    assert "other side of the bracket" in (target.reason or "")
    position = desk.session.portfolio.position(ACCOUNT, "EUR_USD")
    assert position is None or position.quantity == 0, "the stop closed the trade"


async def test_cancelling_the_entry_ends_the_children_it_held(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    await desk.session.cancel(entry.client_order_id)
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in (entry, stop, target)))
    assert desk.session.oms.working(ACCOUNT) == []


async def test_a_take_profit_under_the_fill_cancels_the_market_entry_as_oanda_does(desk: Desk) -> None:
    """OANDA answers 201 and cancels a market entry whose take-profit would close it at once at a loss."""
    quote, seen = desk.sim.exchange.market.quote("EUR_USD"), desk.session.quotes.latest("EUR_USD", ACCOUNT)
    assert quote.ask is not None
    ask = max(quote.ask, seen.ask if seen is not None and seen.ask is not None else quote.ask)  # the session's too
    request = OrderRequest(ACCOUNT, "EUR_USD", Side.BUY, "1000", OrderType.MARKET)
    bracket = Bracket(stop_loss=ask - 50 * PIP, take_profit=ask + PIP / 10)
    desk.sim.exchange.move("EUR_USD", 300)  # the market jumps past the target before the order gets there
    entry = await desk.session.submit_bracket(request, bracket)
    stop = desk.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.STOP_LOSS))
    target = desk.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
    assert stop is not None and target is not None
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in (entry, stop, target)))
    assert "take-profit would have closed the trade" in (entry.reason or "")
    assert desk.session.portfolio.position(ACCOUNT, "EUR_USD") is None


async def test_after_a_restart_the_waiting_children_stay_and_then_follow_oanda(
    sim: OandaSimulator, tmp_path: Path
) -> None:
    first = Desk(sim, tmp_path)
    await first.connect()
    entry, stop, target = await first.bracket_buy()
    await first.close()

    back = Desk(sim, tmp_path)
    try:
        back.session.restore()
        report = await back.session.connect(ACCOUNT)
        assert report.ok, report
        entry2 = back.session.oms.get(entry.client_order_id)
        stop2, target2 = back.session.oms.get(stop.client_order_id), back.session.oms.get(target.client_order_id)
        assert entry2 is not None and stop2 is not None and target2 is not None
        assert [o.status for o in (entry2, stop2, target2)] == [OrderStatus.ACCEPTED] * 3, \
            "OANDA still holds the children on the entry: they are not closed as gone"
        sim.exchange.move("EUR_USD", -260)
        await until(lambda: entry2.status is OrderStatus.FILLED)
        sim.exchange.move("EUR_USD", 1000)
        await until(lambda: target2.status is OrderStatus.FILLED and stop2.status is OrderStatus.CANCELED)
        assert posts(sim) == 1, "nothing sent again"
    finally:
        await back.close()


async def test_changing_the_entry_keeps_its_children_on_it(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    assert entry.limit_price is not None
    lower = entry.limit_price.value - 5 * PIP
    await desk.session.modify(entry.client_order_id, "1000", lower)
    await until(lambda: entry.limit_price is not None and entry.limit_price.value == lower)
    wire = desk.at_oanda(entry)
    assert wire["stopLossOnFill"]["clientExtensions"]["id"] == str(stop.client_order_id), "still protected"
    assert [o.status for o in (stop, target)] == [OrderStatus.ACCEPTED] * 2


async def test_moving_the_stop_after_the_entry_filled_replaces_oandas_stop_loss_on_the_trade(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    desk.sim.exchange.move("EUR_USD", -260)
    await until(lambda: entry.status is OrderStatus.FILLED and stop.broker_order_id != entry.broker_order_id)
    assert stop.stop_price is not None
    moved = stop.stop_price.value + 10 * PIP
    await desk.session.modify(stop.client_order_id, "1000", None, moved)
    await until(lambda: stop.stop_price is not None and stop.stop_price.value == moved
                and stop.status is OrderStatus.ACCEPTED)
    assert stop.quantity.value == 1000, "still the whole trade"
    wire = desk.at_oanda(stop)
    trade = next(t for t in desk.sim.exchange.transactions if t["type"] == "ORDER_FILL")["tradeOpened"]["tradeID"]
    assert (wire["type"], wire["tradeID"], Decimal(wire["price"]), wire["state"]) == ("STOP_LOSS", trade, moved,
                                                                                       "PENDING")
    desk.sim.exchange.move("EUR_USD", -600)
    await until(lambda: stop.status is OrderStatus.FILLED and target.status is OrderStatus.CANCELED)


async def test_cancelling_the_target_before_the_fill_takes_it_off_the_entry_at_oanda(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    await desk.session.cancel(target.client_order_id)
    await until(lambda: target.status is OrderStatus.CANCELED)
    wire = desk.at_oanda(entry)
    assert "takeProfitOnFill" not in wire and "stopLossOnFill" in wire, "the entry keeps only its stop-loss"
    assert entry.status is OrderStatus.ACCEPTED and stop.status is OrderStatus.ACCEPTED
    desk.sim.exchange.move("EUR_USD", -260)
    await until(lambda: entry.status is OrderStatus.FILLED and stop.broker_order_id != entry.broker_order_id)
    made = [t["type"] for t in desk.sim.exchange.transactions if t.get("reason") == "ON_FILL"]
    assert made == ["STOP_LOSS_ORDER"], "only the stop-loss is made on the trade"
    assert target.status is OrderStatus.CANCELED
