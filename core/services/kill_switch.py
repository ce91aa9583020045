"""The kill switch's reach: what it stops (for its confirm) and the event that tells the approval queue.

Pulling the kill switch (SessionCommands.kill_switch) halts every account, publishes KillSwitchPulled,
then cancels every working order and every held protective child. The approval queue answers the event
by rejecting each strategy order waiting for approval through its own reject path (journaled DENIED,
which the strategy reads as its order's status), and refuses every approval while the switch is on.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import OrderStatus
from core.domain.events import StampedEvent
from core.services.held_protection import HeldProtection
from core.services.oms import OrderManager

KILL_SWITCH_REJECT = "kill switch pulled; all trading halted"
"""The reason a waiting strategy order is rejected with (after 'Rejected by <actor>: ')."""


@dataclass(frozen=True, slots=True)
class KillSwitchPulled(StampedEvent):
    """Someone pulled the kill switch: every account is halted already, the cancels go out next."""

    actor: str


@dataclass(frozen=True, slots=True)
class KillSwitchScope:
    """What the kill switch would stop now, as its confirm names it."""

    working: int
    """Working orders it asks the brokers to cancel."""
    waiting_approval: int
    """Strategy orders waiting for approval that it rejects."""
    held_children: int
    """Protective stops and targets TradeTerm holds (not at the broker) that it cancels."""

    def lines(self) -> list[str]:
        """Say each part, e.g. 'cancels 3 working order(s) on every account'."""
        return [
            f"cancels {self.working} working order(s) on every account",
            f"rejects {self.waiting_approval} strategy order(s) waiting for approval (their strategies see them "
            "rejected; none can be approved while the kill switch is on)",
            f"cancels {self.held_children} protective stop/target order(s) TradeTerm holds for open positions",
        ]


def kill_switch_scope(oms: OrderManager, protection: HeldProtection) -> KillSwitchScope:
    """Count what the kill switch would stop now (one pass over the day's orders: its first step freezes the
    window for as long as it takes)."""
    working = waiting = 0
    for order in oms.orders():
        status = order.status
        if status.is_working:
            working += 1
        elif status is OrderStatus.PENDING_APPROVAL:
            waiting += 1
    return KillSwitchScope(working=working, waiting_approval=waiting,
                           held_children=sum(1 for c in protection.children() if c.state.is_live))
