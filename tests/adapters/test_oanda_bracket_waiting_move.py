"""Moving an OANDA bracket's stop before its entry fills (the chart's drag on a resting bracket): the stop is only the
entry's stopLossOnFill, so the move replaces the entry at OANDA (a new order id, our ids kept), and the moved stop is
the STOP_LOSS order OANDA creates at the fill. A move OANDA refuses leaves the old price and says why in OANDA's
words; a fill that overtakes the move leaves exactly one stop, and our books agree with OANDA's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.domain import OrderModifyRejected, OrderStatus, Price, Quantity
from tests.adapters.oanda_desk import ACCOUNT, PIP, Desk, desk_fixture, until
from tests.sims.oanda.testing import sim_fixture

sim = sim_fixture()
desk = desk_fixture()


def stops_at_oanda(desk: Desk) -> list[dict[str, Any]]:
    """OANDA's pending stop-loss orders on trades."""
    return [o.wire for o in desk.sim.exchange.orders.values() if o.wire.get("type") == "STOP_LOSS"
            and o.state == "PENDING"]


async def test_a_stop_moved_before_the_fill_is_the_stop_oanda_creates_at_the_fill(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    assert stop.stop_price is not None and entry.limit_price is not None
    old, before = stop.stop_price.value, str(entry.broker_order_id)
    moved = old + 10 * PIP  # still below the entry's price
    await desk.session.modify(stop.client_order_id, "1000", None, moved)
    await until(lambda: stop.stop_price is not None and stop.stop_price.value == moved
                and stop.status is OrderStatus.ACCEPTED)
    wire = desk.at_oanda(entry)
    assert wire["id"] != before and wire["state"] == "PENDING", "OANDA replaced the entry with a new order"
    assert entry.status is OrderStatus.ACCEPTED
    assert Decimal(wire["stopLossOnFill"]["price"]) == moved
    assert wire["stopLossOnFill"]["clientExtensions"]["id"] == str(stop.client_order_id), "our child id kept"
    assert wire["takeProfitOnFill"]["clientExtensions"]["id"] == str(target.client_order_id), "the target kept"
    assert Decimal(wire["price"]) == entry.limit_price.value and wire["units"] == "1000", "the entry as it was"

    desk.sim.exchange.move("EUR_USD", -260)
    await until(lambda: entry.status is OrderStatus.FILLED and stop.broker_order_id != entry.broker_order_id)
    [made] = stops_at_oanda(desk)
    assert Decimal(made["price"]) == moved, "OANDA's stop on the trade is the moved one"
    assert made["clientExtensions"]["id"] == str(stop.client_order_id) and str(stop.broker_order_id) == made["id"]
    assert desk.sim.order_posts == 1, "one entry sent (POST); the move replaced it (PUT)"
    desk.sim.exchange.move("EUR_USD", -600)
    await until(lambda: stop.status is OrderStatus.FILLED and target.status is OrderStatus.CANCELED)


async def test_a_move_oanda_refuses_keeps_the_old_stop_and_says_why_in_oandas_words(desk: Desk) -> None:
    """A refusal TradeTerm's own check does not foresee, sent as the session sends a move after its checks: OANDA
    refuses a stop-loss on fill above a buy's price (STOP_LOSS_ON_FILL_LOSS); the entry stays as it was."""
    entry, stop, _target = await desk.bracket_buy()
    assert stop.stop_price is not None and entry.limit_price is not None
    old, before = stop.stop_price.value, desk.at_oanda(entry)["id"]
    wrong = entry.limit_price.value + PIP
    await desk.adapter.modify(stop, Quantity(Decimal(1000)), None, Price(wrong))
    refused = await desk.events.wait_for(OrderModifyRejected, lambda e: e.client_order_id == stop.client_order_id)
    assert "STOP_LOSS_ON_FILL_LOSS" in refused.reason and f"stays at {old}" in refused.reason, refused.reason
    assert "would result in a gain" in refused.reason, "OANDA's words"
    wire = desk.at_oanda(entry)
    assert wire["id"] == before and Decimal(wire["stopLossOnFill"]["price"]) == old, "OANDA kept the entry as it was"
    assert stop.stop_price.value == old and stop.status is OrderStatus.ACCEPTED
    assert entry.status is OrderStatus.ACCEPTED


async def test_the_entry_filling_as_the_move_arrives_leaves_one_stop_at_the_moved_price(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    assert stop.stop_price is not None
    moved = stop.stop_price.value + 10 * PIP

    def fill_first() -> None:  # the entry fills at OANDA just before the replace reaches it
        desk.sim.exchange.move("EUR_USD", -260)
        desk.sim.exchange.step()

    desk.sim.before_replace = fill_first
    await desk.session.modify(stop.client_order_id, "1000", None, moved)
    await until(lambda: entry.status is OrderStatus.FILLED and stop.status is OrderStatus.ACCEPTED
                and stop.stop_price is not None and stop.stop_price.value == moved)
    [at_oanda] = stops_at_oanda(desk)
    assert Decimal(at_oanda["price"]) == moved, "the move ended on OANDA's real stop"
    assert at_oanda["clientExtensions"]["id"] == str(stop.client_order_id), "under our child's id"
    assert target.status is OrderStatus.ACCEPTED and str(target.broker_order_id) != str(entry.broker_order_id)
    ours = desk.session.portfolio.position(ACCOUNT, "EUR_USD")
    assert ours is not None and ours.quantity == desk.sim.exchange.positions["EUR_USD"].units == 1000
    working = {o.client_order_id for o in desk.session.oms.working(ACCOUNT)}
    assert working == {stop.client_order_id, target.client_order_id}, "one stop and one target in our books too"
    snapshot = await desk.adapter.snapshot()
    states = [s for s in snapshot.orders if s.client_order_id == stop.client_order_id]
    assert [(s.status, s.stop_price) for s in states] == [(OrderStatus.ACCEPTED, moved)], "OANDA's books say the same"


async def test_a_move_whose_answer_is_lost_is_found_at_oanda_by_the_entrys_id_and_never_sent_again(
        desk: Desk) -> None:
    entry, stop, _target = await desk.bracket_buy()
    assert stop.stop_price is not None
    moved = stop.stop_price.value + 10 * PIP
    desk.sim.cuts["modify"] = True  # OANDA replaces the entry, and the answer never comes back
    await desk.session.modify(stop.client_order_id, "1000", None, moved)
    await until(lambda: stop.stop_price is not None and stop.stop_price.value == moved
                and stop.status is OrderStatus.ACCEPTED and not stop.needs_reconciliation)
    assert desk.sim.cut_done["modify"] == 1
    replaced = [t for t in desk.sim.exchange.transactions if t["type"] == "LIMIT_ORDER" and t.get("replacesOrderID")]
    assert len(replaced) == 1, "the entry was replaced once: nothing sent again"
    wire = desk.at_oanda(entry)
    assert Decimal(wire["stopLossOnFill"]["price"]) == moved and wire["state"] == "PENDING"
    assert entry.status is OrderStatus.ACCEPTED


async def test_a_target_moved_before_the_fill_is_the_take_profit_oanda_creates_at_the_fill(desk: Desk) -> None:
    entry, stop, target = await desk.bracket_buy()
    assert target.limit_price is not None and stop.stop_price is not None
    moved = target.limit_price.value - 10 * PIP  # nearer, still above the entry's price
    await desk.session.modify(target.client_order_id, "1000", moved)
    await until(lambda: target.limit_price is not None and target.limit_price.value == moved
                and target.status is OrderStatus.ACCEPTED)
    assert stop.stop_price is not None and stop.status is OrderStatus.ACCEPTED, "the stop is left as it was"
    desk.sim.exchange.move("EUR_USD", -260)
    await until(lambda: entry.status is OrderStatus.FILLED and target.broker_order_id != entry.broker_order_id)
    made = [o.wire for o in desk.sim.exchange.orders.values() if o.wire.get("type") == "TAKE_PROFIT"]
    assert [(Decimal(w["price"]), w["clientExtensions"]["id"]) for w in made] == [(moved, str(target.client_order_id))]
