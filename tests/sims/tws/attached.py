"""Attached orders as TWS works them: brackets (parentId, transmit) and OCA groups (ocaGroup, ocaType).

- A placeOrder with transmit=0 is held in TWS, unsent and unreported, until a leg of its group (same parent)
  arrives with transmit=1; that one sends the whole group, parent first (IBKR bracket_order docs).
- A child (parentId set) is booked PreSubmitted for the parent's quantity and does not work until the
  parent has filled (ibkrguides "attached orders"); a partial parent fill leaves it waiting.
- Cancelling the parent cancels its waiting children (ib_insync#636).
- When an order of an OCA group fills, TWS cancels the group's other working orders (ocaType 1 and 2 with
  block; 3 without: all cancel the rest here, since the simulator fills an order all at once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from core.adapters.paper.matching import Execution, Outcome, PaperOrder
from core.domain import OrderStatus

if TYPE_CHECKING:
    from tests.sims.tws.faults import Faults
    from tests.sims.tws.market import SimMarket
    from tests.sims.tws.orders import OrderBook, SimExecution, SimOrder

TRANSMIT_INDEX = 27
PARENT_ID_INDEX = 28
OCA_GROUP_INDEX = 22
OCA_TYPE_INDEX_BEFORE_177 = 47
"""placeOrder's ocaType field (46 from server 177 on, where faProfile is gone)."""


def attached_fields(f: list[str], server_version: int) -> dict[str, str]:
    """Return the bracket and OCA fields of a placeOrder (3) message."""
    oca_type = OCA_TYPE_INDEX_BEFORE_177 - (1 if server_version >= 177 else 0)
    return {"transmit": f[TRANSMIT_INDEX], "parent_id": f[PARENT_ID_INDEX], "oca_group": f[OCA_GROUP_INDEX],
            "oca_type": f[oca_type]}


@dataclass
class AttachedOrders:
    """Legs held until transmitted, and children waiting for their parent's fill."""

    held: dict[int, list[list[str]]] = field(default_factory=dict)
    """Per client id: the raw placeOrder messages sent with transmit=0, in order."""
    waiting: dict[tuple[int, int], list[tuple[SimOrder, PaperOrder]]] = field(default_factory=dict)
    """Per parent (clientId, orderId): its children, booked PreSubmitted, not yet in the matching engine."""
    releasing: bool = False

    def hold(self, client_id: int, f: list[str], place: Callable[[list[str]], None]) -> bool:
        """Keep a transmit=0 leg; when a transmit=1 leg of its group comes (the parent, or a child of the same
        parent), place the group's held legs then it. Return True when this message was taken care of here
        (held, or placed with its group). Unrelated orders of the client pass and leave the held legs held."""
        if self.releasing:
            return False
        if f[TRANSMIT_INDEX] == "0":
            self.held.setdefault(client_id, []).append(f)
            return True
        parent_id = f[PARENT_ID_INDEX] or "0"
        held = self.held.get(client_id, [])
        group = [leg for leg in held if parent_id != "0" and parent_id in (leg[1], leg[PARENT_ID_INDEX])]
        if not group:
            return False  # a standalone order: whatever the client holds untransmitted stays held
        self.held[client_id] = [leg for leg in held if leg not in group]
        self.releasing = True
        try:
            for leg in [*group, f]:
                place(leg)
        finally:
            self.releasing = False
        return True

    def park(self, order: SimOrder, paper: PaperOrder, parent: SimOrder | None) -> bool:
        """Book a child to wait for its parent's fill (PreSubmitted); False if it works at once."""
        if not order.parent_id or parent is None or parent.status == "Filled":
            return False
        order.status = "PreSubmitted"
        self.waiting.setdefault(parent.key, []).append((order, paper))
        return True

    def release(self, parent: SimOrder) -> list[tuple[SimOrder, PaperOrder]]:
        """Return the children of a parent that has just filled, taken off the waiting list."""
        return self.waiting.pop(parent.key, [])

    def forget(self, order: SimOrder) -> bool:
        """Take a waiting child off the list (it is being cancelled); False if it was not waiting."""
        for children in self.waiting.values():
            for item in children:
                if item[0] is order:
                    children.remove(item)
                    return True
        return False

    def children_of(self, parent: SimOrder) -> list[SimOrder]:
        """Return the children still waiting for parent."""
        return [child for child, _ in self.waiting.get(parent.key, [])]


class AttachedServer(Protocol):
    """What the server offers attached.py (tests/sims/tws/server.py)."""

    book: OrderBook
    market: SimMarket
    faults: Faults

    def _report_status(self, order: SimOrder) -> None: ...
    def _cancel_and_tell(self, order: SimOrder) -> None: ...
    def _settle_outcomes(self, outcomes: list[Outcome]) -> list[SimExecution]: ...


def after_fill(server: AttachedServer, order: SimOrder) -> None:
    """An order has just filled completely: its waiting children start working; its OCA siblings are cancelled."""
    book = server.book
    for child, paper in book.attached.release(order):
        child.status = "PreSubmitted" if paper.order_type.needs_stop else "Submitted"
        quote = server.market.quote(child.listing.key)
        if server.faults.rest_orders:
            quote = type(quote)(symbol=quote.symbol)  # no prices: nothing matches until a test fills it
        outcomes = book.engine.add(paper, quote)
        server._report_status(child)
        server._settle_outcomes(outcomes)
    if order.oca_group:
        for sibling in [o for o in book.orders.values() if o is not order and o.is_working
                        and o.client_id == order.client_id and o.oca_group == order.oca_group]:
            server._cancel_and_tell(sibling)


def cancel_children(server: AttachedServer, parent: SimOrder) -> None:
    """The parent was cancelled: TWS cancels its children that still wait for it."""
    for child in server.book.attached.children_of(parent):
        server._cancel_and_tell(child)


def check_parent_of_change(book: OrderBook, order: SimOrder, fields: dict[str, str]) -> None:
    """A change that still names a parent TWS no longer works (it filled) is refused with 135 (ib_insync#647)."""
    parent_id = int(fields.get("parent_id") or 0)
    if not parent_id:
        return
    parent = book.orders.get((order.client_id, parent_id))
    if parent is None or not parent.is_working:
        from tests.sims.tws.orders import SimReject

        raise SimReject(135, f"Can't find order with id ={parent_id}")


def fill_part(server: AttachedServer, order: SimOrder, quantity: Decimal, price: Decimal) -> None:
    """Fill part of a working order now at price, as a partial execution at the exchange would (tests)."""
    paper = server.book.engine.orders[order.coid]
    paper.filled_qty += quantity
    paper.status = OrderStatus.PARTIALLY_FILLED
    server._settle_outcomes([Execution(paper.client_order_id, paper.broker_order_id, paper.instrument, paper.side,
                                       quantity, price, Decimal(0))])
