"""Reconcile now: compare an account's positions with the broker's on demand, changing nothing.

The reconciliation a connect runs also closes orders the broker does not list, which is only safe
before any order is sent; mid-session an order on its way would be closed as never sent. So the
check a trader asks for reads the broker's snapshot and compares, and a difference opens the same
reconciliation view, where adopting the broker's positions is the trader's explicit, audited act.

It also lists an order TradeTerm had ended that the broker still works (ended_orders.py), proven as a
reconciliation proves it: by a second read, asked for after the order ended here. Listing it changes
nothing; the reconnect's reconciliation reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain import AccountId, ClientOrderId, ConnectionState
from core.ports.broker import BrokerOrderState, BrokerSnapshot
from core.services.ended_orders import proves_alive
from core.services.product_positions import comparable, key_text, ordered, ours_by_product, theirs_by_product
from core.services.session import TradingSession

ALIVE_LISTED = (
    "{symbol} {side} order {coid}: TradeTerm has it {ours}, the broker still works it ({filled} of {quantity} "
    "filled): reconnect the account to have it working here again (then cancel it if you do not want it)."
)


class NotConnected(Exception):
    """The account is not connected: the broker's books cannot be read."""


@dataclass(frozen=True, slots=True)
class BooksCheck:
    """What a check found: the positions that differ, each in words, and how many broker fills we lack."""

    account_id: AccountId
    differences: tuple[str, ...]
    positions_checked: int
    unjournaled_fills: int

    @property
    def ok(self) -> bool:
        return not self.differences


async def check_books(session: TradingSession, account_id: AccountId) -> BooksCheck:
    """Read the broker's positions and executions since the journal's newest fill; compare them with ours."""
    slot = session.account(account_id)
    if slot.connection is not ConnectionState.CONNECTED:
        raise NotConnected(f"{account_id} is not connected ({slot.connection.value.lower()}); connect it, then "
                           "check again.")
    snapshot = await slot.adapter.snapshot(session.journal.watermark(account_id))
    suspects = _ended_alive(session, snapshot)
    if suspects:  # the read may predate their end here: only a read asked for after it proves them alive
        snapshot = await slot.adapter.snapshot(session.journal.watermark(account_id))
    missing = sum(1 for fill in snapshot.fills if not session.journal.has_fill(fill))
    ours, broker = comparable(ours_by_product(session.portfolio, account_id), theirs_by_product(snapshot.positions))
    differences = [
        f"{key_text(key)}: TradeTerm has {ours.get(key, Decimal(0)).normalize():f}, "
        f"the broker has {broker.get(key, Decimal(0)).normalize():f}"
        for key in ordered(set(broker) | set(ours)) if broker.get(key, Decimal(0)) != ours.get(key, Decimal(0))
    ]
    if missing and differences:
        differences.append(f"{missing} execution(s) at the broker are not in TradeTerm's journal yet; a reconnect "
                           "applies them (adopting books the difference as an adjustment instead).")
    for coid, remote in _ended_alive(session, snapshot).items():
        order = session.oms.get(coid)
        if coid in suspects and order is not None:
            differences.append(ALIVE_LISTED.format(
                symbol=order.symbol, side=order.side.value, coid=coid, ours=order.status.value,
                filled=f"{remote.filled_qty.normalize():f}", quantity=f"{remote.quantity.normalize():f}"))
    return BooksCheck(account_id, tuple(differences), len(set(broker) | set(ours)), missing)


def _ended_alive(session: TradingSession, snapshot: BrokerSnapshot) -> dict[ClientOrderId, BrokerOrderState]:
    """Return the broker's state of each order we ended that it shows as still able to trade."""
    found: dict[ClientOrderId, BrokerOrderState] = {}
    for remote in snapshot.orders:
        order = session.oms.get(remote.client_order_id) if remote.client_order_id is not None else None
        if order is not None and order.account_id == snapshot.account_id and proves_alive(order, remote):
            found[order.client_order_id] = remote
    return found
