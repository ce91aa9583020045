"""Native IB brackets through a real TradingSession and ib_async against the TWS simulator: the entry and its
stop-loss/take-profit go to IB as parent/child orders in an OCA group, and our books follow IB's reports."""

from __future__ import annotations

from decimal import Decimal

from core.domain import Order, OrderOrigin, OrderRequest, OrderStatus, OrderType, Quote, Side, TradingState
from core.domain.protection import BRACKET_LEGS, Bracket, ProtectionLeg, child_order_id
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk, at_ib, until
from tests.sims.tws import TwsSimulator
from tests.sims.tws.attached import fill_part

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True)
desk = ib_desk.desk_fixture()


async def bracket_buy(desk: Desk) -> tuple[Order, Order, Order]:
    """Send a resting 10-share buy with a stop-loss 1.00 below and a take-profit 1.00 above; return its legs."""
    request = await desk.order(-5)
    assert request.limit_price is not None
    entry_price = Decimal(str(request.limit_price))
    bracket = Bracket(stop_loss=entry_price - Decimal(1), take_profit=entry_price + Decimal(1))
    entry = await desk.session.submit_bracket(request, bracket)
    stop = desk.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.STOP_LOSS))
    target = desk.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
    assert stop is not None and target is not None, "the children are orders in our books"
    return entry, stop, target


async def test_bracket_entry_fills_then_the_stop_fills_and_ib_cancels_the_target(
    sim: TwsSimulator, desk: Desk
) -> None:
    entry, stop, target = await bracket_buy(desk)
    parent = at_ib(sim, entry.client_order_id)
    ib_stop, ib_target = at_ib(sim, stop.client_order_id), at_ib(sim, target.client_order_id)
    assert ib_stop.parent_id == ib_target.parent_id == parent.order_id, "attached to the entry at IB"
    assert ib_stop.oca_group and ib_stop.oca_group == ib_target.oca_group and ib_stop.oca_type == 1
    assert stop.stop_price is not None and target.limit_price is not None
    assert (ib_stop.order_type, ib_stop.action, ib_stop.aux_price) == ("STP", "SELL", stop.stop_price.value)
    assert (ib_target.order_type, ib_target.limit_price) == ("LMT", target.limit_price.value)
    assert ib_stop.status == ib_target.status == "PreSubmitted", "children wait at IB for the entry's fill"
    assert entry.status is OrderStatus.ACCEPTED
    assert stop.status is OrderStatus.ACCEPTED and target.status is OrderStatus.ACCEPTED

    sim.fill_order(parent)
    await until(lambda: entry.status is OrderStatus.FILLED)
    assert ib_target.status == "Submitted", "the target works at IB once the entry filled"

    sim.fill_order(ib_stop, stop.stop_price.value)
    await until(lambda: stop.status is OrderStatus.FILLED and target.status is OrderStatus.CANCELED)
    assert ib_target.status == "Cancelled", "IB cancelled the other side of the OCA group"
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is None or position.quantity == 0, "the stop closed the position"


async def test_cancelling_the_entry_cancels_its_children_at_ib_and_in_our_books(
    sim: TwsSimulator, desk: Desk
) -> None:
    entry, stop, target = await bracket_buy(desk)
    await desk.session.cancel(entry.client_order_id)
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in (entry, stop, target)))
    assert [at_ib(sim, o.client_order_id).status for o in (entry, stop, target)] == ["Cancelled"] * 3
    assert desk.session.oms.working(ACCOUNT) == []


async def test_a_sell_bracket_journals_every_leg_before_ib_sees_any(sim: TwsSimulator, desk: Desk) -> None:
    await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.bid is not None)
    request = await desk.order(-5, Side.SELL)
    assert request.limit_price is not None
    price = Decimal(str(request.limit_price))
    entry = await desk.session.submit_bracket(request, Bracket(stop_loss=price + 1, take_profit=price - 1))
    journaled = {str(o.client_order_id) for o in desk.journal.load().orders}
    legs = [entry.client_order_id, *(child_order_id(entry.client_order_id, leg) for leg in BRACKET_LEGS)]
    assert {str(c) for c in legs} <= journaled
    assert [at_ib(sim, c).action for c in legs] == ["SELL", "BUY", "BUY"]
    assert len(sim.book.every_order()) == 3, "each leg sent once"


async def test_closing_the_position_cancels_the_children_ib_holds_first(sim: TwsSimulator, desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    sim.fill_order(at_ib(sim, entry.client_order_id))
    await until(lambda: entry.status is OrderStatus.FILLED)
    close = OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.MARKET, origin=OrderOrigin.CLOSE)
    await desk.session.submit(close)
    await until(lambda: stop.status is OrderStatus.CANCELED and target.status is OrderStatus.CANCELED)
    assert at_ib(sim, stop.client_order_id).status == at_ib(sim, target.client_order_id).status == "Cancelled", \
        "no stop or target is left at IB to open a new position after the close"


async def test_a_position_reduced_then_closed_by_ordinary_orders_cuts_then_cancels_the_children_ib_holds(
        sim: TwsSimulator, desk: Desk) -> None:
    """A sell typed on the ticket (not the position's Close) flattened the bracket's position, and its stop and
    target stayed working at IB for 10: the next touch of the stop would have sold 10 more, short. A part sale
    left them for 10 too."""
    entry, stop, target = await bracket_buy(desk)
    sim.fill_order(at_ib(sim, entry.client_order_id))
    await until(lambda: entry.status is OrderStatus.FILLED)
    part = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "4", OrderType.MARKET))
    sim.fill_order(at_ib(sim, part.client_order_id))
    await until(lambda: part.status is OrderStatus.FILLED)
    await until(lambda: stop.quantity.value == target.quantity.value == 6
                and at_ib(sim, stop.client_order_id).quantity == at_ib(sim, target.client_order_id).quantity == 6)
    assert stop.status is OrderStatus.ACCEPTED and target.status is OrderStatus.ACCEPTED, \
        "6 are left to protect: the children work on, cut to 6 (for 10, the stop would have sold 4 short)"
    rest = await desk.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "6", OrderType.MARKET))
    sim.fill_order(at_ib(sim, rest.client_order_id))
    await until(lambda: stop.status is OrderStatus.CANCELED and target.status is OrderStatus.CANCELED)
    assert at_ib(sim, stop.client_order_id).status == at_ib(sim, target.client_order_id).status == "Cancelled"
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is not None and position.quantity == 0


async def test_moving_the_stop_after_the_entry_filled_changes_it_at_ib(sim: TwsSimulator, desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    sim.fill_order(at_ib(sim, entry.client_order_id))
    await until(lambda: entry.status is OrderStatus.FILLED)
    assert stop.stop_price is not None
    moved = stop.stop_price.value + Decimal("0.50")
    await desk.session.modify(stop.client_order_id, "10", None, moved)
    await until(lambda: stop.stop_price is not None and stop.stop_price.value == moved
                and stop.status is OrderStatus.ACCEPTED, )
    assert at_ib(sim, stop.client_order_id).aux_price == moved, stop.reason
    assert target.status is OrderStatus.ACCEPTED, "the target still works, in the same OCA group"


async def test_cancel_all_cancels_every_leg_once(sim: TwsSimulator, desk: Desk) -> None:
    legs = await bracket_buy(desk)
    await desk.session.cancel_all(ACCOUNT)
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in legs))
    assert [at_ib(sim, o.client_order_id).status for o in legs] == ["Cancelled"] * 3
    assert desk.session.oms.working(ACCOUNT) == [] and desk.trading().value == "ACTIVE"


async def test_changing_the_resting_entry_goes_out_to_ib_and_keeps_the_children(
    sim: TwsSimulator, desk: Desk
) -> None:
    entry, stop, _target = await bracket_buy(desk)
    assert entry.limit_price is not None
    lower = entry.limit_price.value - Decimal("0.05")
    await desk.session.modify(entry.client_order_id, "10", lower)
    await until(lambda: entry.limit_price is not None and entry.limit_price.value == lower
                and entry.status is OrderStatus.ACCEPTED)
    assert at_ib(sim, entry.client_order_id).limit_price == lower, "the change was transmitted, not held in TWS"
    assert at_ib(sim, stop.client_order_id).status == "PreSubmitted", "the children still wait for the entry"


async def test_a_partly_filled_entry_leaves_its_children_waiting_at_ib_for_the_rest(
    sim: TwsSimulator, desk: Desk
) -> None:
    entry, stop, target = await bracket_buy(desk)
    parent = at_ib(sim, entry.client_order_id)
    assert parent.limit_price is not None
    fill_part(sim, parent, Decimal(4), parent.limit_price)
    await until(lambda: entry.status is OrderStatus.PARTIALLY_FILLED and entry.filled_qty == 4)
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is not None and position.quantity == 4
    ib_target = at_ib(sim, target.client_order_id)
    assert ib_target.status == "PreSubmitted" and ib_target.quantity == 10, "sized to the entry, waiting for it"
    sim.fill_order(parent)
    await until(lambda: entry.status is OrderStatus.FILLED)
    assert ib_target.status == "Submitted", "working once the entry filled"
    assert stop.status is OrderStatus.ACCEPTED and stop.quantity.value == 10


async def test_entry_and_stop_filling_while_disconnected_are_booked_once_on_reconnect(
    sim: TwsSimulator, desk: Desk
) -> None:
    entry, stop, target = await bracket_buy(desk)
    sim.faults.refuse_connects = True
    sim.drop_client(1)
    await until(lambda: desk.trading() is TradingState.HALTED)
    sim.fill_order(at_ib(sim, entry.client_order_id))
    assert stop.stop_price is not None
    sim.fill_order(at_ib(sim, stop.client_order_id), stop.stop_price.value)  # IB works the bracket meanwhile
    assert at_ib(sim, target.client_order_id).status == "Cancelled"
    sim.faults.refuse_connects = False
    await until(lambda: desk.trading() is TradingState.ACTIVE)
    await until(lambda: entry.status is OrderStatus.FILLED and stop.status is OrderStatus.FILLED
                and target.status is OrderStatus.CANCELED)
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is not None and position.quantity == 0
    assert len(desk.journal.load().fills) == 2, "each execution booked once"


async def test_flatten_cancels_the_children_then_closes_the_position(sim: TwsSimulator, desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    sim.fill_order(at_ib(sim, entry.client_order_id))
    await until(lambda: entry.status is OrderStatus.FILLED)
    sim.faults.rest_orders = False  # the close goes out at market and fills
    result = await desk.session.flatten(ACCOUNT)
    assert result.not_sent == () and len(result.sent) == 1, result.not_sent
    await until(lambda: stop.status is OrderStatus.CANCELED and target.status is OrderStatus.CANCELED)
    await until(lambda: (p := desk.session.portfolio.position(ACCOUNT, "AAPL")) is not None and p.quantity == 0)
