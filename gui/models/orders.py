"""OrdersTableModel: the orders blotter (all orders, or working orders only), newest first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from core.domain import ClientOrderId, Order, Price, Side
from core.domain.protection import HeldChild, ProtectionLeg
from gui.models.columns import GAIN, LEFT, LOSS, RIGHT, Column
from gui.models.format import fmt_enum_label, fmt_price, fmt_qty, fmt_time
from gui.models.table_model import RowTableModel


def side_color(side: Side) -> QColor:
    """Return the color a side is shown in: buys as gains, sells as losses."""
    return GAIN if side is Side.BUY else LOSS


def _price(order: Order, price: Price | None) -> str:
    return "" if price is None else fmt_price(price.value, order.instrument.price_places)


def limit_stop(order: Order) -> str:
    """Both of an order's prices in one cell: the limit, the stop, or 'stop → limit' for a stop-limit; a trailing
    order's stop where the broker last put it, with its trail: '188.85 (trail 0.50)'."""
    if order.trail is not None:
        return _trail_level(order)
    limit, stop = _price(order, order.limit_price), _price(order, order.stop_price)
    return f"{stop} → {limit}" if limit and stop else limit or stop


def _trail_level(order: Order) -> str:
    trail = order.trail
    assert trail is not None
    places = order.instrument.price_places
    words = f"trail {trail.text() if trail.is_percent else fmt_price(trail.offset, places)}"
    stop, limit = _price(order, order.trail_stop), _price(order, order.trail_limit)
    if not stop:
        return f"({words})"
    return f"{stop} → {limit} ({words})" if limit else f"{stop} ({words})"


def _type_text(order: Order) -> str:
    """Return the order's type as the grid shows it: 'LMT', 'TRAIL 1.5%', 'TRAIL LMT 0.5 off 0.05'."""
    trail = order.trail
    if trail is None:
        return order.order_type.value
    if trail.limit_offset is None:
        return f"TRAIL {trail.text()}"
    return f"TRAIL LMT {trail.text()} off {format(trail.limit_offset.normalize(), 'f')}"


ORDER_COLUMNS = (
    Column("time", "Time", lambda o: fmt_time(o.created_at), LEFT),
    Column("account", "Account", lambda o: str(o.account_id), LEFT),
    Column("symbol", "Symbol", lambda o: o.symbol, LEFT),
    Column("side", "Side", lambda o: o.side.value, LEFT, lambda o: side_color(o.side)),
    Column("quantity", "Qty", lambda o: fmt_qty(o.quantity.value), RIGHT),
    Column("filled", "Filled", lambda o: fmt_qty(o.filled_qty), RIGHT),
    Column("type", "Type", lambda o: _type_text(o), LEFT),
    Column("limit", "Limit", lambda o: _price(o, o.limit_price or o.trail_limit), RIGHT),
    Column("stop", "Stop", lambda o: _price(o, o.working_stop), RIGHT),
    Column("price", "Limit/Stop", limit_stop, RIGHT),
    Column("tif", "TIF", lambda o: o.tif.value, LEFT),
    Column("status", "Status", lambda o: fmt_enum_label(o.status.value), LEFT),
    Column("reason", "Reason", lambda o: o.reason, LEFT),
    Column("id", "Id", lambda o: str(o.client_order_id), LEFT),
)


def _is_working(order: Order) -> bool:
    return order.status.is_working


Held = dict[ClientOrderId, dict[ProtectionLeg, HeldChild]]
"""The live stop-loss and take-profit TradeTerm holds for each entry order (they are no order at the broker)."""


def bracket_text(order: Order, held: Held) -> str:
    """The entry's held stop-loss and take-profit in one cell: 'SL 185.00 · TP 195.00 (held)'; '' when none."""
    legs = held.get(order.client_order_id)
    if not legs:
        return ""
    places = order.instrument.price_places
    parts = [f"{'SL' if leg is ProtectionLeg.STOP_LOSS else 'TP'} {fmt_price(child.trigger, places)}"
             for leg, child in sorted(legs.items(), key=lambda item: not item[0].is_stop)]
    return " · ".join(parts) + " (held)"


class OrdersTableModel(RowTableModel):
    """Order rows keyed by client_order_id, newest first (RawRole: the Order).

    With `working_only`, an order shows only while it is working: one that reaches any other
    status (filled, canceled, rejected...) leaves the grid at the next flush.
    """

    def __init__(self, *, working_only: bool = False, parent: QObject | None = None) -> None:
        held: Held = {}
        super().__init__(
            (*ORDER_COLUMNS, Column("bracket", "Bracket", lambda o: bracket_text(o, held), LEFT)),
            sort_key=lambda o: (o.created_at, str(o.client_order_id)),
            descending=True,
            accepts=_is_working if working_only else None,
            parent=parent,
        )
        self._working_only = working_only
        self._held = held

    @property
    def working_only(self) -> bool:
        """True for the working-orders blotter."""
        return self._working_only

    def update_order(self, order: Order) -> None:
        """Show order's current state (it is read at the next flush, never changed)."""
        self.upsert(order.client_order_id, order)

    def show_orders(self, orders: Mapping[ClientOrderId, Order]) -> None:
        """Show a frame's changed orders, keyed by client order id as the frame feed hands them."""
        self.upsert_many(orders.items())

    def show_held(self, children: Iterable[HeldChild]) -> None:
        """Show the newest state of held children in their entry's Bracket cell (gone once not live)."""
        entries = set()
        for child in children:
            legs = self._held.setdefault(child.entry, {})
            if child.state.is_live:
                legs[child.leg] = child
            else:
                legs.pop(child.leg, None)
            if not legs:
                del self._held[child.entry]
            entries.add(child.entry)
        self.mark_dirty_many(entries)
