"""Trading states, daily loss, the strategy fill throttle, and replays of real erroneous-order incidents."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import OrderCanceled, OrderType, Side, StrategyId, TradingState
from core.services.risk import DEFAULT_LIMITS, HoldCause, RiskConfig, RiskLimits
from core.services.risk.engine import MARK_WATCH_S
from core.services.risk.usage import usage_texts
from tests.factories import make_instrument
from tests.unit.risk_harness import ACCOUNT, Harness

# --- trading states ----------------------------------------------------------------------------


def test_reducing_lets_a_closing_order_through_and_refuses_an_opening_one() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    h.engine.hold(ACCOUNT, HoldCause.DAILY_LOSS, TradingState.REDUCING, "Daily loss beyond the limit.")
    assert h.check(h.order(Side.SELL, qty="100")) is None
    assert "may only reduce" in (h.check(h.order(Side.BUY, qty="1")) or "")
    assert h.check(h.order(Side.SELL, qty="101")) is not None  # would turn the position short
    h.work(h.order(Side.SELL, qty="60"))
    assert h.check(h.order(Side.SELL, qty="41", price="100.01")) is not None  # 60 working + 41 > 100
    assert h.check(h.order(Side.SELL, qty="40", price="100.01")) is None


def test_halted_lets_nothing_through_and_says_why() -> None:
    h = Harness()
    h.fill(Side.BUY, "100", "100.00")
    h.engine.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED, "Kill switch pulled by ana.")
    reason = h.check(h.order(Side.SELL, qty="100"))
    assert reason is not None and "halted" in reason and "ana" in reason
    assert h.states[-1].state is TradingState.HALTED
    assert {e.account_id for e in h.states} == {None, ACCOUNT}


def test_a_connection_hold_and_the_kill_switch_are_lifted_separately() -> None:
    h = Harness()
    h.engine.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED, "Kill switch.")
    h.engine.hold(ACCOUNT, HoldCause.CONNECTION, TradingState.HALTED, "Disconnected.")
    h.engine.release(ACCOUNT, HoldCause.CONNECTION)  # reconnected and reconciled
    assert h.state() is TradingState.HALTED
    assert h.engine.resume(None)[0] is TradingState.ACTIVE
    assert h.check(h.order()) is None


def test_daily_loss_moves_the_account_to_reducing_then_halted() -> None:
    h = Harness(RiskLimits(daily_loss_limit=Decimal(1000), daily_loss_halt=Decimal(2000)))
    h.fill(Side.BUY, "100", "100.00")
    h.quote(bid="90.00", ask="90.02", last="90.01")  # loss 999
    assert h.state() is TradingState.ACTIVE
    h.quote(bid="89.98", ask="90.00", last="89.99")  # loss 1,001
    assert h.state() is TradingState.REDUCING
    assert h.states[-1].account_id == ACCOUNT and "1,001.00 USD" in h.states[-1].reason
    h.quote(bid="80.00", ask="80.02", last="80.01")  # loss 1,999: still reducing
    assert h.state() is TradingState.REDUCING
    h.quote(bid="79.98", ask="80.00", last="79.99")  # loss 2,001
    assert h.state() is TradingState.HALTED


async def test_under_a_running_loop_a_burst_of_marks_is_checked_once_and_an_order_in_between_is_still_stopped() -> None:
    h = Harness(RiskLimits(daily_loss_limit=Decimal(1000), daily_loss_halt=Decimal(2000)))
    h.fill(Side.BUY, "100", "100.00")
    checks: list[object] = []
    real = h.engine.daily_loss
    h.engine.daily_loss = lambda account: checks.append(account) or real(account)  # type: ignore[method-assign]
    for cents in range(100):
        h.quote(bid="79.00", ask="79.02", last=f"79.{cents:02d}")  # losses of 2,001 to 2,100
    assert h.state() is TradingState.ACTIVE  # the watch takes the marks in a moment later...
    await asyncio.sleep(MARK_WATCH_S * 3)
    assert h.state() is TradingState.HALTED  # ...on its own, with no order needed
    assert len(checks) <= 2  # not one check per mark


async def test_an_order_right_after_a_losing_mark_is_checked_against_it_at_once() -> None:
    h = Harness(RiskLimits(daily_loss_limit=Decimal(1000), daily_loss_halt=Decimal(2000)))
    h.fill(Side.BUY, "100", "100.00")
    h.quote(bid="79.00", ask="79.02", last="79.00")  # a loss of 2,100, not yet taken in by the watch
    assert "halted" in (h.check(h.order(Side.BUY, qty="1")) or "")
    assert h.state() is TradingState.HALTED


def test_a_recovered_loss_does_not_resume_by_itself_and_resume_needs_the_loss_within_the_limit() -> None:
    h = Harness(RiskLimits(daily_loss_limit=Decimal(1000)))
    h.fill(Side.BUY, "100", "100.00")
    h.quote(last="80.00", bid="80.00", ask="80.01")
    assert h.state() is TradingState.REDUCING
    assert h.engine.resume(ACCOUNT)[0] is TradingState.REDUCING  # still 2,000 down
    h.quote(last="100.00")
    assert h.state() is TradingState.REDUCING
    assert h.engine.resume(ACCOUNT)[0] is TradingState.ACTIVE


def test_new_limits_apply_without_restart() -> None:
    h = Harness(RiskLimits(max_order_qty=Decimal(100)))
    assert h.check(h.order(qty="150")) is not None
    h.engine.set_config(RiskConfig(RiskLimits(max_order_qty=Decimal(200))))
    assert h.check(h.order(qty="150")) is None


# --- strategy fill throttle --------------------------------------------------------------------


def test_the_fill_throttle_disables_a_strategy_until_it_is_re_enabled() -> None:
    h = Harness(RiskLimits(strategy_max_fills=3, strategy_fill_window_s=Decimal(60)))
    for n in range(3):
        order = h.work(h.order(qty="10", price=f"{99 - n}.00", strategy="knight"))
        h.fill(Side.BUY, "10", f"{99 - n}.00", order=order)
    assert h.check(h.order(qty="1", strategy="knight")) is None  # three fills: at the limit
    order = h.work(h.order(qty="10", price="95.00", strategy="knight"))
    h.fill(Side.BUY, "10", "95.00", order=order)
    reason = h.check(h.order(qty="2", strategy="knight"))
    assert reason is not None and "knight is disabled" in reason
    assert h.logs[-1].level == "ERROR"
    assert h.check(h.order(qty="3", strategy="other")) is None
    assert h.check(h.order(qty="4")) is None  # manual orders still trade
    h.clock.advance(120)
    assert h.check(h.order(qty="5", strategy="knight")) is not None  # time alone does not re-enable it
    h.engine.enable_strategy(StrategyId("knight"))
    assert h.check(h.order(qty="6", strategy="knight")) is None


# --- replays -----------------------------------------------------------------------------------

JCOM = make_instrument("JCOM", currency="JPY", tick_size="1")
JPY = (("JPY", Decimal("0.0067")),)


def test_mizuho_2005_sell_610000_shares_at_1_yen_is_stopped_by_each_layer() -> None:
    layers = [
        DEFAULT_LIMITS.merged({"fx_rates": JPY}),
        RiskLimits(max_order_qty=Decimal(10_000)),
        RiskLimits(collar_pct=Decimal(5)),
    ]
    for limits in layers:
        h = Harness(limits, instruments=[JCOM])
        h.quote("JCOM", bid="609000", ask="610000", last="610000")
        assert h.check(h.order(Side.SELL, qty="610000", price="1", instrument=JCOM)) is not None, limits
        assert h.check(h.order(Side.SELL, qty="1", price="610000", instrument=JCOM)) is None  # what was meant


def test_citigroup_2022_a_notional_typed_as_quantity_is_stopped() -> None:
    spy = make_instrument("SPY")
    for limits in (DEFAULT_LIMITS, RiskLimits(max_order_notional=Decimal(5_000_000))):
        h = Harness(limits, instruments=[spy])
        h.quote("SPY", bid="512.29", ask="512.30", last="512.30")
        meant = h.order(Side.SELL, qty="5000", price=None, instrument=spy, order_type=OrderType.MARKET)
        typed = h.order(Side.SELL, qty="58000000", price=None, instrument=spy, order_type=OrderType.MARKET)
        assert h.check(typed) is not None
        if limits.max_order_qty is None:
            assert h.check(meant) is None


def test_a_knight_style_runaway_strategy_is_stopped() -> None:
    h = Harness(DEFAULT_LIMITS)
    h.quote(bid="99.99", ask="100.00")
    passed = sum(h.check(h.order(qty="100", price="100.00", strategy="smars")) is None for _ in range(1000))
    assert passed == 1  # the same order, again and again: the duplicate window
    varied = 0
    for n in range(1000):
        varied += h.check(h.order(qty=str(101 + n), price="100.00", strategy="smars")) is None
        h.clock.advance(0.01)
    assert varied <= DEFAULT_LIMITS.max_orders_per_minute  # type: ignore[operator]
    h.clock.advance(60)
    fills = 0
    for n in range(100):  # the orders that get through fill at once, until the fill throttle disables it
        order = h.order(qty="1", price=f"{Decimal('99.50') + Decimal(n) / 100}", strategy="smars")
        if h.check(order) is not None:
            break
        h.work(order)
        h.fill(Side.BUY, "1", str(order.limit_price), order=order)
        fills += 1
        h.clock.advance(0.3)
    assert fills == DEFAULT_LIMITS.strategy_max_fills + 1  # type: ignore[operator]
    assert "disabled" in (h.check(h.order(qty="7", price="99.00", strategy="smars")) or "")


# --- the exposure limit holds whatever the sequence --------------------------------------------

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 400),
                  st.integers(-200, 200)),
        st.tuples(st.just("fill"), st.integers(0, 50)),
        st.tuples(st.just("cancel"), st.integers(0, 50)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(ACTIONS)
def test_no_sequence_of_orders_exceeds_the_exposure_limit(actions: list[tuple[object, ...]]) -> None:
    cap = Decimal(50_000)
    h = Harness(RiskLimits(max_gross_exposure=cap, collar_pct=Decimal(2)))
    h.quote(bid="99.99", ask="100.00", last="100.00")
    for action in actions:
        working = h.book.working(ACCOUNT)
        if action[0] == "order":
            _, side, qty, cents = action
            price = f"{Decimal(100) + Decimal(cents) / 100:.2f}"
            order = h.order(side, qty=str(qty), price=price)  # type: ignore[arg-type]
            if h.check(order) is None:
                h.work(order)
        elif working and action[0] == "fill":
            order = working[int(action[1]) % len(working)]  # type: ignore[call-overload]
            h.fill(order.side, str(order.leaves_qty), str(order.limit_price), order=order)
        elif working:
            order = working[int(action[1]) % len(working)]  # type: ignore[call-overload]
            order.apply(OrderCanceled(order.client_order_id))
        position = sum((p.quantity for p in h.portfolio.positions(ACCOUNT)), Decimal(0))
        buys = sum((o.leaves_qty for o in h.book.working(ACCOUNT) if o.side is Side.BUY), Decimal(0))
        sells = sum((o.leaves_qty for o in h.book.working(ACCOUNT) if o.side is Side.SELL), Decimal(0))
        for outcome in (position, position + buys, position - sells):  # now, all buys fill, all sells fill
            assert abs(outcome) * 100 <= cap


def test_usage_is_shown_beside_each_limit() -> None:
    h = Harness(RiskLimits(max_gross_exposure=Decimal(100_000), max_working_orders=10))
    h.quote(bid="102.99", ask="103.00", last="103.00")
    h.fill(Side.BUY, "400", "103.00")
    assert usage_texts(h.engine, "account", str(ACCOUNT))["max_gross_exposure"] == "41,200 / 100,000 USD"
    h.work(h.order(qty="1", price="100.00"))
    assert usage_texts(h.engine, "global")["max_working_orders"] == "1 / 10"
    assert usage_texts(h.engine, "strategy", "momo")["strategy_max_fills"] == "0 fills (no limit)"
