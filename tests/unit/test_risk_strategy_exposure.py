"""Per-strategy exposure: a strategy's own limits hold against its own position, the account's on top."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import FillRecorded, Order, OrderOrigin, Side, StrategyId
from core.services.risk import RiskConfig, RiskLimits
from core.services.risk.strategy_book import MANUAL
from core.services.risk.usage import usage_texts
from tests.factories import make_fill
from tests.unit.risk_harness import ACCOUNT, Harness

ALPHA_CAP = Decimal(10)


def harness(account: RiskLimits | None = None, **strategies: dict[str, object]) -> Harness:
    return Harness(RiskConfig(account or RiskLimits(max_position=Decimal(1000)), strategies=strategies))


def manual_fill(h: Harness, side: Side, qty: str) -> None:
    """A person's trade (no strategy on the order): it belongs to the 'manual' strategy."""
    h.fill(side, qty, "100.00", order=h.work(h.order(side, qty=qty)))


def test_a_strategy_is_held_to_its_own_position_though_the_account_is_short() -> None:
    h = harness(alpha={"max_position": "10"})
    manual_fill(h, Side.SELL, "50")  # the account is short 50
    assert h.check(h.order(Side.BUY, qty="10", strategy="alpha")) is None
    refusal = h.check(h.order(Side.BUY, qty="11", strategy="alpha"))
    assert refusal == ("Strategy alpha could reach 11 long AAPL with its working orders, above its 10 position "
                       "limit: reduce the quantity.")
    assert h.engine.strategy_positions.position(ACCOUNT, MANUAL, "AAPL") == Decimal(-50)


def test_a_strategy_counts_its_own_fills_and_working_orders() -> None:
    h = harness(alpha={"max_position": "10"})
    manual_fill(h, Side.SELL, "20")  # the account nets to short 14: only alpha's own 6 long counts
    h.fill(Side.BUY, "6", "100.00", order=h.work(h.order(Side.BUY, qty="6", strategy="alpha")))
    h.work(h.order(Side.BUY, qty="3", strategy="alpha", price="99.00"))
    assert h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="98.00")) is None  # 6 + 3 + 1
    assert "could reach 11 long" in (h.check(h.order(Side.BUY, qty="2", strategy="alpha", price="98.00")) or "")
    assert h.check(h.order(Side.BUY, qty="500")) is None  # a person's order: only the account's 1,000 limit


def test_a_strategy_is_held_to_its_own_working_orders() -> None:
    h = harness(alpha={"max_working_orders": "2"})
    for price in ("99.00", "98.00"):
        h.work(h.order(Side.BUY, qty="1", strategy="alpha", price=price))
    assert "Strategy alpha already has 2 working orders" in (
        h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="97.00")) or "")
    assert h.check(h.order(Side.BUY, qty="1", strategy="beta", price="97.00")) is None


def test_the_accounts_limit_still_applies_to_a_strategy_with_a_looser_one() -> None:
    h = harness(RiskLimits(max_position=Decimal(100)), alpha={"max_position": "1000"})
    manual_fill(h, Side.BUY, "95")
    assert h.check(h.order(Side.BUY, qty="5", strategy="alpha")) is None
    assert "above the 100 position limit" in (h.check(h.order(Side.BUY, qty="6", strategy="alpha")) or "")


SEND = st.tuples(st.just("send"), st.sampled_from(["alpha", "beta", None]), st.sampled_from([Side.BUY, Side.SELL]),
                 st.integers(min_value=1, max_value=25))
FILL = st.tuples(st.just("fill"), st.integers(min_value=0, max_value=5), st.integers(min_value=1, max_value=25))
CANCEL = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=5))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(SEND, FILL, CANCEL), max_size=40))
def test_no_sequence_of_fills_takes_a_strategy_past_its_own_limit(actions: list[tuple[object, ...]]) -> None:
    """Alpha and beta may each hold at most 10 either way; a person's trades net against them in the account."""
    h = harness(alpha={"max_position": "10"}, beta={"max_position": "10"})
    manual_fill(h, Side.SELL, "40")  # another strategy (manual) holds the opposite position from the start
    own: dict[str, Decimal] = {"alpha": Decimal(0), "beta": Decimal(0)}
    working: list[Order] = []
    for action in actions:
        if action[0] == "send":
            _, strategy, side, qty = action
            order = h.order(side, qty=str(qty), strategy=strategy)  # type: ignore[arg-type]
            if h.check(order) is None:
                working.append(h.work(order))
        elif working and action[0] == "fill":
            order = working[int(action[1]) % len(working)]  # type: ignore[call-overload]
            qty = min(Decimal(int(action[2])), order.leaves_qty)  # type: ignore[call-overload]
            fill = make_fill(order, quantity=str(qty), price="100.00", account_id=ACCOUNT)
            h.fill(order.side, str(qty), "100.00", order=order)
            if order.strategy_id is not None:
                own[str(order.strategy_id)] += fill.quantity.value * order.side.sign
            if not order.is_working:
                working.remove(order)
        elif working and action[0] == "cancel":
            order = working.pop(int(action[1]) % len(working))  # type: ignore[call-overload]
            h.book.orders.pop(order.client_order_id)
        for strategy, qty in own.items():
            assert abs(qty) <= ALPHA_CAP, f"{strategy} holds {qty}"


def test_a_fill_of_no_known_order_is_manual() -> None:
    h = harness()
    h.bus.publish(FillRecorded(make_fill(quantity="7", side=Side.BUY, account_id=ACCOUNT)))
    assert h.engine.strategy_positions.positions(ACCOUNT, MANUAL) == {"AAPL": Decimal(7)}


def mark(h: Harness, last: str) -> None:
    h.quote(bid=str(Decimal(last) - Decimal("0.01")), ask=last, last=last)


def test_a_strategys_own_daily_loss_holds_it_one_cent_past_its_limit_and_halt() -> None:
    h = harness(alpha={"daily_loss_limit": "100", "daily_loss_halt": "200"})
    manual_fill(h, Side.BUY, "100")  # a person's long: the account's loss is theirs too, but not alpha's
    h.fill(Side.BUY, "10", "100.00", order=h.work(h.order(Side.BUY, qty="10", strategy="alpha")))
    mark(h, "90.00")  # alpha loses 100.00: not beyond
    assert h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="90.00")) is None
    mark(h, "89.99")  # 100.10
    assert h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="89.99")) == (
        "Strategy alpha may only reduce its own positions on PAPER-1: its daily loss 100.10 USD is beyond its "
        "100.00 USD limit.")
    assert h.check(h.order(Side.SELL, qty="10", strategy="alpha", price="89.99")) is None
    assert "may only reduce" in (h.check(h.order(Side.SELL, qty="11", strategy="alpha", price="89.99")) or "")
    assert h.check(h.order(Side.BUY, qty="1", price="89.99")) is None  # the account (and a person) trade on
    mark(h, "80.00")  # 200.00
    assert h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="80.00")) is None
    mark(h, "79.99")
    assert "Strategy alpha is halted on PAPER-1: its daily loss 200.10 USD" in (
        h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="79.99")) or "")


def test_manual_trades_answer_to_a_manual_strategy_scope() -> None:
    h = harness(manual={"max_position": "50"})
    h.fill(Side.BUY, "40", "100.00", order=h.work(h.order(Side.BUY, qty="40", strategy="alpha")))
    manual_fill(h, Side.BUY, "50")
    assert "Strategy manual could reach 51 long" in (h.check(h.order(Side.BUY, qty="1")) or "")


def test_the_dialog_shows_a_strategys_own_usage_not_the_accounts() -> None:
    h = harness(alpha={"max_position": "10", "daily_loss_limit": "100"})
    manual_fill(h, Side.SELL, "50")
    h.fill(Side.BUY, "6", "100.00", order=h.work(h.order(Side.BUY, qty="6", strategy="alpha")))
    mark(h, "95.00")
    texts = usage_texts(h.engine, "strategy", "alpha")
    assert texts["max_position"] == "6 / 10"  # the account is short 44; alpha holds its own 6
    assert texts["daily_loss_limit"] == "30 / 100 USD"


def test_a_strategys_gross_exposure_counts_its_own_book_one_unit_past_its_limit() -> None:
    h = harness(alpha={"max_gross_exposure": "1000"})
    h.quote()
    manual_fill(h, Side.SELL, "50")  # a person's 5,000 short is not alpha's exposure
    h.fill(Side.BUY, "4", "100.00", order=h.work(h.order(Side.BUY, qty="4", strategy="alpha")))
    h.work(h.order(Side.BUY, qty="3", strategy="alpha", price="100.00"))
    assert h.check(h.order(Side.BUY, qty="3", strategy="alpha")) is None  # 4 + 3 + 3 = 10 x 100.00
    assert h.check(h.order(Side.BUY, qty="4", strategy="alpha")) == (
        "Strategy alpha's gross exposure would reach 1,100.00 USD, above its 1,000.00 USD limit: reduce the "
        "quantity or close its positions.")


def test_a_flatten_closes_each_strategys_own_position() -> None:
    h = harness(alpha={"max_position": "10"})
    h.fill(Side.BUY, "10", "100.00", order=h.work(h.order(Side.BUY, qty="10", strategy="alpha")))
    manual_fill(h, Side.BUY, "5")
    flatten = h.work(h.order(Side.SELL, qty="15", origin=OrderOrigin.FLATTEN))
    h.fill(Side.SELL, "15", "100.00", order=flatten)
    positions = h.engine.strategy_positions
    assert positions.positions(ACCOUNT, StrategyId("alpha")) == {}
    assert positions.positions(ACCOUNT, MANUAL) == {}
    assert h.check(h.order(Side.BUY, qty="10", strategy="alpha")) is None  # its own 10 are gone with the account's
