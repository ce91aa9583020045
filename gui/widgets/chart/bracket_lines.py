"""A position's protective children on the chart: its stop-loss and take-profit, each its own line.

A child is either a protective order working at the broker (a native bracket's leg: an ordinary order of
origin PROTECTIVE) or a child TradeTerm holds (HeldChild, core/services/held_protection.py). Both draw
the same way, apart from working orders: a stop-loss in magenta, a take-profit in blue, dash-dot,
labelled 'SL'/'TP' with side, quantity and where it is held. Dragging one moves it (the controller
sends the broker's child through the order path's modify and moves a held one in HeldProtection), and a
right-click offers to cancel it (at the broker through the order path's cancel, a held one in HeldProtection);
when the child is cancelled, triggered or filled it is no longer live and its line goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt

from core.domain import ClientOrderId, Order, OrderOrigin
from core.domain.protection import HeldChild, HeldState, ProtectionLeg
from gui.widgets.chart.order_lines import line_price, order_label
from gui.widgets.chart.trade_line import TradeLine

STOP_COLOR = "#c2255c"
TARGET_COLOR = "#1971c2"


@dataclass(frozen=True, slots=True)
class BracketLeg:
    """One protective child as the chart draws it: exactly one of order (at the broker) and held is set."""

    key: str
    leg: ProtectionLeg
    price: Decimal
    label: str
    order: Order | None = None
    held: HeldChild | None = None


def bracket_legs(orders: Iterable[Order], held: Iterable[HeldChild],
                 entries: Mapping[ClientOrderId, Order] | None = None) -> list[BracketLeg]:
    """Return the live protective children among working orders and held children, as lines to draw.

    entries: the working orders by id, to size a child that waits for its entry's fill by that entry (it holds 0
    until then: "SL SELL 0" read as if it would close nothing)."""
    legs: list[BracketLeg] = []
    for order in orders:
        price = line_price(order)
        if order.origin is not OrderOrigin.PROTECTIVE or not order.is_working or price is None:
            continue
        stops = order.order_type.needs_stop or order.order_type.is_trailing
        leg = ProtectionLeg.STOP_LOSS if stops else ProtectionLeg.TAKE_PROFIT
        legs.append(BracketLeg(f"order:{order.client_order_id}", leg, price,
                               f"{_short(leg)} {order_label(order)} (at the broker)", order=order))
    for child in held:
        if not child.state.is_live:
            continue
        quantity, waits = child.quantity, ""
        if child.state is HeldState.PENDING:
            entry = (entries or {}).get(child.entry)
            quantity, waits = (entry.leaves_qty if entry is not None else None), ", arms at the fill"
        size = "" if quantity is None else f" {quantity.normalize():f}"
        legs.append(BracketLeg(f"held:{child.entry}:{child.leg.value}", child.leg, child.trigger,
                               f"{_short(child.leg)} {child.exit_side.value}{size} (held by TradeTerm{waits})",
                               held=child))
    return legs


def _short(leg: ProtectionLeg) -> str:
    return "SL" if leg is ProtectionLeg.STOP_LOSS else "TP"


class BracketLine(TradeLine):
    """A protective child's line: drag it to move the child; right-click it to cancel the child."""

    def __init__(self, leg: BracketLeg, on_moved: Callable[[BracketLine], None],
                 on_cancel: Callable[[BracketLine, QPoint], None]) -> None:
        color = STOP_COLOR if leg.leg is ProtectionLeg.STOP_LOSS else TARGET_COLOR
        trailing = leg.order is not None and leg.order.order_type.is_trailing  # the broker's ratchet moves it
        super().__init__(leg.price, on_moved, on_cancel, movable=not trailing,
                         pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashDotLine),
                         hoverPen=pg.mkPen(color, width=3), label=leg.label,
                         labelOpts={"position": 0.3, "color": color, "movable": False, "anchors": [(0, 0), (0, 1)]})
        self.leg = leg

    @property
    def order(self) -> Order | None:
        """The child's order at the broker (None for a child TradeTerm holds)."""
        return self.leg.order

    def show_leg(self, leg: BracketLeg) -> None:
        self.leg, self.price = leg, leg.price
        self.label.setFormat(leg.label)
        if not self.moving:
            self.setValue(float(leg.price))
