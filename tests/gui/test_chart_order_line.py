"""A chart order line shows its order as it is now, though the chart shows it again only when it changed.

The chart shows every line of its symbol again whenever any of its orders changes; a line whose order
did not change skips the redraw. The Order object is the same one as it fills or is modified, so the
line must still see a fill, a new quantity and a new price.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QApplication

from core.domain import OrderAccepted, OrderFilled, OrderSubmitted
from gui.widgets.chart.overlays import OrderLine
from tests.factories import make_fill, make_order


def _line_text(line: OrderLine) -> str:
    return str(line.label.textItem.toPlainText())


def test_a_partial_fill_of_the_same_order_object_shows_on_its_line() -> None:
    QApplication.instance() or QApplication([])
    order = make_order(quantity="10", limit_price="100.00")
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, None))
    line = OrderLine(order, Decimal("100.00"), lambda _line: None, lambda _line: None)
    assert _line_text(line) == "BUY 10 LMT"

    order.apply(OrderFilled(order.client_order_id, make_fill(order, quantity="4")))
    line.show_order(order, Decimal("100.00"))
    assert _line_text(line) == "BUY 6 LMT"

    line.show_order(order, Decimal("99.50"))  # the order was moved
    assert line.value() == 99.5


def test_a_line_dragged_away_from_an_unchanged_order_goes_back_to_its_price() -> None:
    QApplication.instance() or QApplication([])
    order = make_order(quantity="10", limit_price="100.00")
    line = OrderLine(order, Decimal("100.00"), lambda _line: None, lambda _line: None)
    line.setValue(101.0)  # where a drag left it, the move not (yet) taken
    line.show_order(order, Decimal("100.00"))
    assert line.value() == 100.0
