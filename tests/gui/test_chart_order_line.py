"""The chart's working-order lines: each order shows at its price as it is now; orders at one price share a line.

The chart shows only the orders that changed in a frame; the Order object is the same one as it fills or is
modified, so a line must still see a fill, a new quantity and a new price. Orders of one side at one price
are one line whose label counts them ('BUY 3×10 LMT'): two labels drawn over each other were unreadable.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from PySide6.QtWidgets import QApplication

from core.domain import (
    AccountId,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderModified,
    OrderPendingReplace,
    OrderSubmitted,
    OrderType,
    Price,
    Quantity,
    Side,
)
from gui.widgets.chart.chart_view import ChartView
from tests.factories import make_fill, make_instrument, make_order

INSTRUMENT = make_instrument()


def _chart() -> ChartView:
    QApplication.instance() or QApplication([])
    chart = ChartView()
    chart.resize(900, 500)
    chart.set_symbol(INSTRUMENT.symbol)
    t = np.arange(100) * 60.0 + 1.7e9
    close = np.full(100, 100.0)
    chart.show_history(np.vstack([t, close, close + 0.5, close - 1.5, close, np.full(100, 10.0)]))
    return chart


def _working(side: Side = Side.BUY, quantity: str = "10", price: str = "99.00",
             order_type: OrderType = OrderType.LIMIT) -> Order:
    limit, stop = (price, None) if order_type is OrderType.LIMIT else (None, price)
    order = make_order(INSTRUMENT, side, quantity, order_type, limit, stop)
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, None))
    return order


def test_a_partial_fill_of_the_same_order_object_shows_on_its_line() -> None:
    chart = _chart()
    order = _working(price="100.00")
    chart.update_orders([order])
    line = chart.order_lines[str(order.client_order_id)]
    assert line.label() == "BUY 10 LMT"

    order.apply(OrderFilled(order.client_order_id, make_fill(order, quantity="4")))
    chart.update_orders([order])
    assert line.label() == "BUY 6 LMT"
    assert chart.order_item.labels_at(100.0) == ["BUY 6 LMT"]

    line.show_order(order, Decimal("99.50"))  # the order was moved
    assert line.value() == 99.5


def test_a_line_dragged_away_from_an_unchanged_order_goes_back_to_its_price() -> None:
    chart = _chart()
    order = _working(price="100.00")
    chart.update_orders([order])
    line = chart.order_lines[str(order.client_order_id)]
    line.setValue(101.0)  # where a drag left it, the move not (yet) taken
    assert chart.order_item.labels_at(101.0) == ["BUY 10 LMT"] and chart.order_item.labels_at(100.0) == []
    chart.update_orders([order])
    assert line.value() == 100.0
    assert chart.order_item.labels_at(100.0) == ["BUY 10 LMT"] and chart.order_item.labels_at(101.0) == []


def test_orders_at_one_price_share_one_line_whose_label_counts_them() -> None:
    chart = _chart()
    first, second, third = _working(), _working(), _working()
    smaller = _working(quantity="5")
    stop = _working(quantity="20", order_type=OrderType.STOP)
    sell = _working(Side.SELL, quantity="3")
    chart.update_orders([first, second, third])
    assert chart.order_item.labels_at(99.0) == ["BUY 3×10 LMT"]
    chart.update_orders([smaller, stop, sell])
    assert chart.order_item.labels_at(99.0) == ["BUY 3×10 + 5 LMT, 20 STP", "SELL 3 LMT"], "each side its own label"
    assert len(chart.order_lines) == 6, "every order is still there to drag or cancel"


def test_many_sizes_at_one_price_are_summed() -> None:
    chart = _chart()
    chart.update_orders([_working(quantity=str(size)) for size in (1, 2, 3, 4, 5)])
    assert chart.order_item.labels_at(99.0) == ["BUY 15 LMT in 5 orders"]


def test_a_cancelled_order_leaves_its_line_and_its_count() -> None:
    chart = _chart()
    kept, cancelled, alone = _working(), _working(), _working(price="98.00")
    chart.update_orders([kept, cancelled, alone])
    cancelled.apply(OrderCanceled(cancelled.client_order_id, "cancelled"))
    alone.apply(OrderCanceled(alone.client_order_id, "cancelled"))
    chart.update_orders([cancelled, alone])
    assert chart.order_item.labels_at(99.0) == ["BUY 10 LMT"]
    assert chart.order_item.labels_at(98.0) == [], "no line where no order works"
    assert list(chart.order_lines) == [str(kept.client_order_id)]


def test_a_modified_order_moves_to_its_new_price_and_leaves_the_others() -> None:
    chart = _chart()
    stays, moves = _working(), _working()
    chart.update_orders([stays, moves])
    moves.apply(OrderPendingReplace(moves.client_order_id, Quantity("10"), Price("98.50")))
    moves.apply(OrderModified(moves.client_order_id, Quantity("10"), Price("98.50")))
    chart.update_orders([moves])
    assert chart.order_item.labels_at(99.0) == ["BUY 10 LMT"]
    assert chart.order_item.labels_at(98.5) == ["BUY 10 LMT"]
    assert chart.order_lines[str(moves.client_order_id)].value() == 98.5


def test_a_drag_or_right_click_on_a_shared_line_takes_its_newest_order() -> None:
    chart = _chart()
    older, newer = _working(), _working()
    chart.update_orders([older, newer])
    line = chart.order_item.line_at(99.0, movable=True)
    assert line is not None and line.order is newer


def test_a_cancelled_orders_line_stays_gone_when_its_refused_move_snaps_it_back() -> None:
    chart = _chart()
    order = _working()
    chart.update_orders([order])
    line = chart.order_lines[str(order.client_order_id)]
    line.setValue(98.0)  # dragged; the confirm is open when the order is cancelled
    order.apply(OrderCanceled(order.client_order_id, "cancelled"))
    chart.update_orders([order])
    line.snap_back()  # the move is refused: the order no longer works
    assert chart.order_item.labels_at(99.0) == [] and chart.order_item.labels_at(98.0) == []
    assert chart.order_lines == {}


def test_orders_of_two_accounts_at_one_price_never_share_a_line_and_their_labels_name_them() -> None:
    """A drag or a right-click acts on one line's order: one account's order must never stand in for another's."""
    chart = _chart()
    mine = _working(quantity="10")
    chart.update_orders([mine])
    assert chart.order_item.labels_at(99.0) == ["BUY 10 LMT"], "one account: no account in the label"
    theirs = make_order(INSTRUMENT, Side.BUY, "5", OrderType.LIMIT, "99.00", account_id=AccountId("IB-2"))
    theirs.apply(OrderSubmitted(theirs.client_order_id))
    theirs.apply(OrderAccepted(theirs.client_order_id, None))
    chart.update_orders([theirs])
    assert sorted(chart.order_item.labels_at(99.0)) == sorted([f"BUY 10 LMT · {mine.account_id}", "BUY 5 LMT · IB-2"])
    mine_line = chart.order_lines[str(mine.client_order_id)]
    theirs_line = chart.order_lines[str(theirs.client_order_id)]
    assert mine_line.level is not theirs_line.level, "each account its own line"
    theirs.apply(OrderCanceled(theirs.client_order_id, "cancelled"))
    chart.update_orders([theirs])
    assert chart.order_item.labels_at(99.0) == ["BUY 10 LMT"], "back to one account: the label drops it"


def test_the_price_axis_takes_in_an_order_near_the_market_and_lets_it_go_when_it_ends() -> None:
    """Bars span 98.5-100.5; an order within 5% of the last close widens the axis to it, one far away does not,
    and the axis narrows back when the near one is cancelled or moved far (a far order's frame refits nothing)."""
    chart = _chart()

    def axis() -> tuple[float, float]:
        _, (low, high) = chart.price_box.viewRange()
        return low, high

    bars_only = axis()
    far = _working(price="80.00")
    chart.update_orders([far])
    assert axis() == bars_only, "an order 20% away leaves the axis to the bars"
    near = _working(price="96.00")
    chart.update_orders([near])
    low, _high = axis()
    assert low < 96.0 < bars_only[0], "an order 4% under the market is brought into view"
    near.apply(OrderPendingReplace(near.client_order_id))
    near.apply(OrderModified(near.client_order_id, Quantity(Decimal(10)), Price(Decimal("85.00")), None))
    chart.update_orders([near])
    assert axis() == bars_only, "moved far away: the axis is the bars' again"
    chart.update_orders([near])
    near.apply(OrderPendingReplace(near.client_order_id))
    near.apply(OrderModified(near.client_order_id, Quantity(Decimal(10)), Price(Decimal("97.00")), None))
    chart.update_orders([near])
    assert axis()[0] < 97.0 < bars_only[0]
    near.apply(OrderCanceled(near.client_order_id))
    chart.update_orders([near])
    assert axis() == bars_only, "cancelled: its line and its room are gone"
