"""Reconcile now: compare an account's positions with the broker's on demand, changing nothing.

The reconciliation a connect runs also closes orders the broker does not list, which is only safe
before any order is sent; mid-session an order on its way would be closed as never sent. So the
check a trader asks for reads the broker's snapshot and compares, and a difference opens the same
reconciliation view, where adopting the broker's positions is the trader's explicit, audited act.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain import AccountId, ConnectionState
from core.services.session import TradingSession


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
    missing = sum(1 for fill in snapshot.fills if not session.journal.has_fill(fill))
    broker = {p.symbol: p.quantity for p in snapshot.positions}
    ours = {p.symbol: p.quantity for p in session.portfolio.positions(account_id)}
    differences = [
        f"{symbol}: TradeTerm has {ours.get(symbol, Decimal(0)).normalize():f}, "
        f"the broker has {broker.get(symbol, Decimal(0)).normalize():f}"
        for symbol in sorted(set(broker) | set(ours)) if broker.get(symbol, Decimal(0)) != ours.get(symbol, Decimal(0))
    ]
    if missing and differences:
        differences.append(f"{missing} execution(s) at the broker are not in TradeTerm's journal yet; a reconnect "
                           "applies them (adopting books the difference as an adjustment instead).")
    return BooksCheck(account_id, tuple(differences), len(set(broker) | set(ours)), missing)
