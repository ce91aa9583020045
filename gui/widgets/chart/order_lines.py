"""Working orders as the chart draws them: one OrderLine per order, one labelled line per price, side and account.

An OrderLine is no graphics item: it is where one order stands (its price) and where it is drawn (value(),
elsewhere while the trader drags it or waits on the confirm). The orders drawn at one price and side share
one line and one label (OrderLevel) that counts them, 'BUY 3×100 LMT'. Orders of two accounts never share a
line (a drag or a right-click acts on one account's order, never another's): while the chart shows orders of
more than one account, each label names its account, 'BUY 100 LMT · IB-2'. OrderLinesItem
(gui/widgets/chart/order_lines_item.py) paints the levels in view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from core.domain import Order, OrderType

BUY_COLOR = "#2f9e44"
SELL_COLOR = "#e03131"
SIZES_LISTED = 3
"""A label lists at most this many different sizes of one type; beyond, it says the total and the count."""

LevelKey = tuple[float, str, str]
"""Where a level is drawn, whose side and account it is: (price, 'BUY' or 'SELL', account id); levels sort by
price."""


def order_kind(order: Order) -> str:
    """Say the order's type as a label does: 'LMT', 'STP', 'STP LMT', 'TRAIL 0.5', 'TRAIL LMT 0.5'."""
    kind = {OrderType.LIMIT: "LMT", OrderType.STOP: "STP", OrderType.STOP_LIMIT: "STP LMT"}.get(
        order.order_type, order.order_type.value)
    if order.trail is not None:
        kind = f"{'TRAIL LMT' if order.trail.limit_offset is not None else 'TRAIL'} {order.trail.text()}"
    return kind


def _remaining(order: Order) -> Decimal:
    return order.quantity.value - order.filled_qty


def order_label(order: Order) -> str:
    """Say what the order's line is: side, quantity still working, type (e.g. 'BUY 100 LMT')."""
    return f"{order.side.value} {_remaining(order).normalize():f} {order_kind(order)}"


def level_label(orders: Iterable[Order]) -> str:
    """Say what one line of orders of one side is: 'BUY 100 LMT' for one order, 'BUY 3×100 LMT' for three alike,
    'BUY 2×100 + 50 LMT, 200 STP' for a mix, 'BUY 45 LMT in 5 orders' past SIZES_LISTED sizes of one type."""
    side = ""
    kinds: dict[str, Counter[Decimal]] = {}
    for order in orders:
        side = order.side.value
        kinds.setdefault(order_kind(order), Counter())[_remaining(order)] += 1
    parts = []
    for kind, sizes in kinds.items():
        if len(sizes) > SIZES_LISTED:
            total = sum((size * count for size, count in sizes.items()), Decimal(0))
            parts.append(f"{total.normalize():f} {kind} in {sum(sizes.values())} orders")
        else:
            listed = (f"{count}×{size.normalize():f}" if count > 1 else f"{size.normalize():f}"
                      for size, count in sizes.items())
            parts.append(f"{' + '.join(listed)} {kind}")
    return f"{side} {', '.join(parts)}"


def line_price(order: Order) -> Decimal | None:
    """Return the price the order's line sits at: its stop for a stop order (a trailing order's where the broker
    last put it), else its limit."""
    if order.order_type.is_trailing:
        return None if order.trail_stop is None else order.trail_stop.value
    if order.order_type in (OrderType.STOP, OrderType.STOP_LIMIT) and order.stop_price is not None:
        return order.stop_price.value
    return None if order.limit_price is None else order.limit_price.value


class LineOwner(Protocol):
    """What draws the lines: told when a line is to be drawn elsewhere or its order changed."""

    def place(self, line: OrderLine, value: float) -> None: ...

    def relabel(self, line: OrderLine) -> None: ...


class OrderLine:
    """One working order on the chart: drag it to move the order, right-click it to cancel it.

    A trailing order's line follows its stop as the broker moves it and cannot be dragged: the broker's ratchet
    owns that level (a dropped line would be pulled back to a trail from the market at once); to change the trail,
    the trader cancels it and sends a new one.
    """

    def __init__(self, owner: LineOwner, order: Order, price: Decimal, seq: int) -> None:
        self._owner = owner
        self.order = order
        self.price = price
        """Where the order stands (the line snaps back here when a move is refused)."""
        self.seq = seq
        """Its place in the order the lines came: at one level, a drag or right-click takes the newest."""
        self.text = order_label(order)
        """The order's own part of its level's label ('BUY 100 LMT')."""
        self.movable = not order.order_type.is_trailing
        self.moving = False
        """True while the trader drags it."""
        self.level: OrderLevel | None = None
        """The level it is drawn in (its owner files it there)."""
        self.gone = False
        """Its order no longer works: it is drawn nowhere, wherever it is put (a refused move snaps it back)."""
        self.y = float(price)
        """Where it is drawn; its owner moves it (place)."""

    def value(self) -> float:
        """Where the line is drawn (where a drag left it, until the move is taken or refused)."""
        return self.y

    def setValue(self, value: float) -> None:
        """Draw the line at value (its order stays where it is until moved)."""
        self._owner.place(self, float(value))

    def snap_back(self) -> None:
        """Put the line back where the order stands."""
        self.setValue(float(self.price))

    def label(self) -> str:
        """The label the trader reads at the line: its level's, which counts every order drawn there."""
        return "" if self.level is None else self.level.label()

    def show_order(self, order: Order, price: Decimal) -> None:
        """Show the order as it is now (the same Order object changes in place as it fills or is modified)."""
        text = order_label(order)
        self.order = order
        if text == self.text and price == self.price and (self.moving or self.y == float(price)):
            return
        self.price = price
        if text != self.text:
            self.text = text
            self._owner.relabel(self)
        if not self.moving:
            self.setValue(float(price))


class OrderLevel:
    """The orders drawn at one price on one side: one line, one label counting them."""

    __slots__ = ("_label", "drawn", "key", "lines", "named")

    def __init__(self, key: LevelKey) -> None:
        self.key = key
        self.lines: dict[int, OrderLine] = {}
        """By OrderLine.seq, oldest first."""
        self._label: str | None = None
        self.named = False
        """Whether the label names the account (the chart shows orders of more than one account)."""
        self.drawn: object = None
        """What the painter keeps for the label (its QStaticText), dropped with the label."""

    def label(self) -> str:
        if self._label is None:
            self._label = level_label(line.order for line in self.lines.values())
            if self.named:
                self._label += f" · {self.key[2]}"
        return self._label

    def relabel(self) -> None:
        self._label = None
        self.drawn = None

    def newest(self, movable: bool = False) -> OrderLine | None:
        """Return the newest line here (movable: the newest that can be dragged), None if there is none."""
        for seq in reversed(self.lines):
            line = self.lines[seq]
            if line.movable or not movable:
                return line
        return None

    @property
    def movable(self) -> bool:
        return any(line.movable for line in self.lines.values())
