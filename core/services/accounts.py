"""AccountSlot: what the session keeps per account: its adapter, connection and trading state, and why."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from core.domain import ConnectionState, TradingState
from core.ports.broker import BrokerAdapter


@dataclass(slots=True)
class AccountSlot:
    """One account's adapter and the states the window shows for it (trading mirrors the risk engine's)."""

    adapter: BrokerAdapter
    connection: ConnectionState = ConnectionState.DISCONNECTED
    trading: TradingState = TradingState.HALTED
    reason: str = "Not connected."
    connecting: bool = False
    lost_at: datetime | None = None  # when the connection was lost, until the next reconciliation
    connect_under_way: asyncio.Future[object] | None = None
    """The connect in flight (session_connections.connect): a second connect meanwhile joins it."""
    connection_number: int = 0
    """Counts the connections made (each change to CONNECTED): what a reconciliation was of."""
    reconciled: tuple[int, object, float] | None = None
    """The connection number, report (ReconciliationReport) and monotonic end of a reconnect's reconciliation, until
    a connect of the same connection moments later takes it as its own answer (once)."""
    reconcile_under_way: asyncio.Future[object] | None = None
    """The reconciliation in flight: a connect's or a reconnect's reconciliation of the same connection joins it."""
    reconcile_of: int = 0
    """The connection number the reconciliation in flight (or the last one) began under."""
    reconcile_turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One reconciliation of the account at a time: an adoption's waits for the one in flight, then runs."""


REMOVE_ACCOUNT_AUDIT = "remove_account"


class AccountInUse(ValueError):
    """An account cannot be removed now; the message says why and what to do first."""
