"""The account's table models as the trader reads them: positions, orders and fills (columns, colors, sorting)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.domain import (
    BrokerOrderId,
    OrderAccepted,
    OrderFilled,
    OrderStatus,
    OrderSubmitted,
    OrderTrailMoved,
    OrderType,
    Price,
    Side,
)
from core.domain.trailing import Trail, TrailUnit
from gui.models.columns import GAIN, LOSS
from gui.models.fills import FillsTableModel
from gui.models.format import DASH, fmt_time
from gui.models.orders import OrdersTableModel
from gui.models.positions import PositionsTableModel
from tests.factories import make_fill, make_instrument, make_order
from tests.gui.model_checks import FOREGROUND, OTHER, SignalLog, cell, position, texts

D = Decimal


# --- positions ----------------------------------------------------------------------------------


def test_positions_show_pnl_with_sign_and_color_sorted_by_account_and_symbol(checked) -> None:
    model = checked(PositionsTableModel())
    long = position("MSFT")
    long.apply(make_fill(symbol="MSFT", quantity="100", price="400.00"))
    long.apply(make_fill(symbol="MSFT", quantity="50", price="400.03"))
    long.mark(D("405.00"), prev_close=D("402.00"))
    short = position("AAPL", account=OTHER)
    short.apply(make_fill(symbol="AAPL", side=Side.SELL, quantity="10", price="190.00", account_id=OTHER))
    short.apply(make_fill(symbol="AAPL", side=Side.BUY, quantity="5", price="191.00", commission="1.25",
                          account_id=OTHER))
    short.mark(D("192.50"))
    for item in (short, long):
        model.update_position(item)
    model.flush()

    assert list(model.row_keys()) == [(long.account_id, "MSFT"), (OTHER, "AAPL")]
    key = (long.account_id, "MSFT")
    assert texts(model, key) == {
        "account": "PAPER-1", "symbol": "MSFT", "quantity": "150", "avg_cost": "400.010",
        "last": "405.00", "market_value": "60,750.00", "unrealized": "+748.50", "realized": "0.00",
        "daily_pnl": "+748.50", "currency": "USD", "protection": "",
    }
    assert cell(model, key, "unrealized", FOREGROUND) == GAIN
    assert cell(model, key, "realized", FOREGROUND) is None
    short_key = (OTHER, "AAPL")
    assert cell(model, short_key, "quantity") == "-5"
    assert cell(model, short_key, "unrealized") == "-12.50"
    assert cell(model, short_key, "unrealized", FOREGROUND) == LOSS
    assert cell(model, short_key, "realized") == "-6.25"
    assert cell(model, short_key, "realized", FOREGROUND) == LOSS


def test_average_cost_shows_the_ticks_places_plus_one_however_the_fills_summed() -> None:
    model = PositionsTableModel()
    item = position("MSFT")
    item.apply(make_fill(symbol="MSFT", quantity="1", price="400.00"))
    item.apply(make_fill(symbol="MSFT", quantity="2", price="400.01"))  # 400.00666…
    model.update_position(item)
    model.flush()
    assert cell(model, (item.account_id, "MSFT"), "avg_cost") == "400.007"


def test_positions_without_a_mark_show_dashes() -> None:
    model = PositionsTableModel()
    item = position("IBM")
    item.apply(make_fill(symbol="IBM", quantity="10", price="150.00"))
    model.update_position(item)
    model.flush()
    key = (item.account_id, "IBM")
    assert [cell(model, key, c) for c in ("last", "market_value", "unrealized", "daily_pnl")] == [DASH] * 4


def test_hide_flat_drops_a_flat_position_without_realized_pnl_at_flush() -> None:
    model = PositionsTableModel(hide_flat=True)
    flat, closed, open_ = position("FLAT"), position("CLOSED"), position("OPEN")
    closed.apply(make_fill(symbol="CLOSED", quantity="10", price="10"))
    closed.apply(make_fill(symbol="CLOSED", side=Side.SELL, quantity="10", price="12"))
    open_.apply(make_fill(symbol="OPEN", quantity="10", price="10"))
    for item in (flat, closed, open_):
        model.update_position(item)
    model.flush()
    assert [key[1] for key in model.row_keys()] == ["CLOSED", "OPEN"]
    assert cell(model, (closed.account_id, "CLOSED"), "avg_cost") == DASH

    open_.apply(make_fill(symbol="OPEN", side=Side.SELL, quantity="10", price="10"))
    model.update_position(open_)
    model.flush()
    assert [key[1] for key in model.row_keys()] == ["CLOSED"]
    assert PositionsTableModel().hide_flat is False


def test_a_frame_of_marks_taken_at_once_shows_new_and_known_positions_and_revives_a_removed_row(checked) -> None:
    model = checked(PositionsTableModel())
    known, gone, new = position("KNOWN"), position("GONE"), position("NEW")
    for item in (known, gone, new):
        item.apply(make_fill(symbol=item.symbol, quantity="10", price="10"))
    model.show_positions({(p.account_id, p.symbol): p for p in (known, gone)})
    model.flush()
    model.remove((gone.account_id, "GONE"))  # staged; the frame's marks bring it back
    known.mark(Decimal("12.5"))
    gone.mark(Decimal("9"))
    new.mark(Decimal("11"))
    model.show_positions({(p.account_id, p.symbol): p for p in (known, gone, new)})
    model.flush()
    assert [key[1] for key in model.row_keys()] == ["GONE", "KNOWN", "NEW"]
    assert texts(model, (known.account_id, "KNOWN"))["unrealized"] == "+25.00"
    assert texts(model, (gone.account_id, "GONE"))["unrealized"] == "-10.00"
    assert texts(model, (new.account_id, "NEW"))["last"] == "11.00"


# --- orders -------------------------------------------------------------------------------------


def test_orders_show_newest_first_with_places_and_readable_status(checked) -> None:
    model = checked(OrdersTableModel())
    eurusd = make_instrument("EURUSD", tick_size="0.00005")
    early = make_order(eurusd, side=Side.SELL, quantity="100000",
                       limit_price="1.0835", client_order_id="TEARLY")
    early.created_at = datetime.now(UTC) - timedelta(minutes=5)
    late = make_order(client_order_id="TLATE", limit_price="189.5")
    late.apply(OrderSubmitted(late.client_order_id))
    for order in (early, late):
        model.update_order(order)
    model.flush()

    assert list(model.row_keys()) == ["TLATE", "TEARLY"]
    assert texts(model, "TEARLY") | {"time": ""} == {
        "time": "", "account": "PAPER-1", "symbol": "EURUSD", "side": "SELL", "quantity": "100,000",
        "filled": "0", "type": "LMT", "limit": "1.08350", "stop": "", "price": "1.08350", "tif": "DAY",
        "status": "Initialized", "reason": "", "id": "TEARLY", "bracket": "",
    }
    assert cell(model, "TEARLY", "time") == fmt_time(early.created_at)
    assert cell(model, "TEARLY", "side", FOREGROUND) == LOSS
    assert cell(model, "TLATE", "limit") == "189.50"
    assert cell(model, "TLATE", "status") == "Submitted"


def test_a_trailing_stop_shows_its_trail_in_the_type(checked) -> None:
    model = checked(OrdersTableModel())
    trail = replace(make_order(client_order_id="TTRAIL", side=Side.SELL, order_type=OrderType.MARKET,
                               limit_price=None), order_type=OrderType.TRAIL, trail=Trail(D("1.5"), TrailUnit.PERCENT))
    model.update_order(trail)
    model.flush()
    assert (cell(model, "TTRAIL", "type"), cell(model, "TTRAIL", "price")) == ("TRAIL 1.5%", "(trail 1.5%)")
    limit = replace(make_order(client_order_id="TTLMT", side=Side.SELL, order_type=OrderType.MARKET,
                               limit_price=None), order_type=OrderType.TRAIL_LIMIT,
                    trail=Trail(D("0.50"), limit_offset=D("0.05")))
    model.update_order(limit)
    model.flush()
    assert cell(model, "TTLMT", "type") == "TRAIL LMT 0.5 off 0.05", "a trailing stop-limit says its limit offset"


def test_a_trailing_order_shows_where_its_stop_stands_now(checked) -> None:
    model = checked(OrdersTableModel())
    trail = replace(make_order(client_order_id="TTRAIL", side=Side.SELL, order_type=OrderType.MARKET,
                               limit_price=None), order_type=OrderType.TRAIL, trail=Trail(D("0.5")))
    trail.apply(OrderTrailMoved(trail.client_order_id, Price(D("188.85"))))
    limit = replace(make_order(client_order_id="TTLMT", side=Side.SELL, order_type=OrderType.MARKET,
                               limit_price=None), order_type=OrderType.TRAIL_LIMIT,
                    trail=Trail(D("0.50"), limit_offset=D("0.05")))
    limit.apply(OrderTrailMoved(limit.client_order_id, Price(D("188.85")), Price(D("188.80"))))
    model.update_order(trail)
    model.update_order(limit)
    model.flush()
    assert [cell(model, "TTRAIL", c) for c in ("price", "stop", "limit")] == ["188.85 (trail 0.50)", "188.85", ""]
    assert [cell(model, "TTLMT", c) for c in ("price", "stop", "limit")] == [
        "188.85 → 188.80 (trail 0.50)", "188.85", "188.80"]


def test_working_only_removes_an_order_that_fills_at_the_next_flush(checked) -> None:
    working = checked(OrdersTableModel(working_only=True))
    everything = OrdersTableModel()
    order = make_order(client_order_id="TFILL")
    pending = make_order(client_order_id="TNEW")
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, BrokerOrderId("B1")))
    for model in (working, everything):
        model.update_order(order)
        model.update_order(pending)
        model.flush()
    assert list(working.row_keys()) == ["TFILL"], "an order not yet sent is not working"
    log = SignalLog(working)

    order.apply(OrderFilled(order.client_order_id, make_fill(order, quantity="40", price="99.99")))
    working.update_order(order)
    everything.update_order(order)
    working.flush()
    everything.flush()
    assert cell(working, "TFILL", "status") == "Partially filled"
    assert cell(working, "TFILL", "filled") == "40"

    order.apply(OrderFilled(order.client_order_id, make_fill(order, quantity="60", price="100.00")))
    assert order.status is OrderStatus.FILLED
    working.update_order(order)
    everything.update_order(order)
    assert working.rowCount() == 1, "nothing changes before the flush"
    working.flush()
    everything.flush()
    assert working.rowCount() == 0
    assert log.removed == [(0, 0)]
    assert cell(everything, "TFILL", "status") == "Filled"
    assert working.working_only and not everything.working_only


# --- fills --------------------------------------------------------------------------------------


def test_fills_show_newest_first_in_local_time_once_per_trade_id(checked) -> None:
    model = checked(FillsTableModel())
    order = make_order(client_order_id="TORDER")
    base = datetime(2024, 5, 6, 13, 0, 0, tzinfo=UTC)
    first = make_fill(order, quantity="30", price="187.5", commission="0.0035", trade_id="E1", ts=base)
    second = make_fill(order, quantity="70", price="187.52", commission="1", trade_id="E2",
                       ts=base + timedelta(seconds=2))
    orphan = make_fill(side=Side.SELL, quantity="5", price="10", trade_id="E0", ts=base - timedelta(hours=1))
    for fill in (first, second, orphan):
        model.add_fill(fill)
    model.add_fill(first)
    model.flush()

    assert [key[1] for key in model.row_keys()] == ["E2", "E1", "E0"]
    assert texts(model, (first.account_id, "E1")) == {
        "time": base.astimezone().strftime("%H:%M:%S"), "account": "PAPER-1", "symbol": "AAPL", "side": "BUY",
        "quantity": "30", "price": "187.50", "commission": "0.0035", "order_id": "TORDER",
    }
    assert cell(model, (orphan.account_id, "E0"), "order_id") == DASH
    assert cell(model, (orphan.account_id, "E0"), "side", FOREGROUND) == LOSS

    later = make_fill(order, quantity="1", price="188", trade_id="E3", ts=base + timedelta(minutes=1))
    model.add_fill(later)
    model.add_fill(first)
    model.flush()
    assert [key[1] for key in model.row_keys()] == ["E3", "E2", "E1", "E0"]
