"""Faults: what the simulated TWS does wrong next, switched on by tests through `sim.faults`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class Faults:
    """What goes wrong next. One-shot faults reset themselves once they have fired."""

    delay_s: float = 0.0
    """Wait this long before answering any request."""
    refuse_connects: bool = False
    """Close every new socket at once, as a TWS that is restarting does."""
    reject_next: str | None = None
    """Reject the next new order with error 201 and this reason."""
    drop_on_receive: bool = False
    """Drop the client as its next new order arrives, without booking it (the order never reached IB)."""
    drop_before_ack: bool = False
    """Book the next order, then drop its client before any reply (the broker has it; the client cannot know)."""
    drop_after_ack: bool = False
    """Book and acknowledge the next order, then drop its client before any fill is reported."""
    partial_fills: int = 0
    """Split the next order's fill into this many executions."""
    drop_between_partials: bool = False
    """With partial_fills: drop the client after the first execution has been reported."""
    drop_before_cancel: bool = False
    """Drop the client as its next cancel arrives, without canceling (the cancel never reached IB)."""
    drop_after_cancel: bool = False
    """Cancel the next order asked to be canceled, then drop its client before the cancel is confirmed."""
    rest_orders: bool = False
    """Do not match new orders at once: they rest until the market (or fill_order) reaches them."""
    drops: Counter[str] = field(default_factory=Counter)
    """How many client connections the simulator dropped, by cause (the fault's name, or 'drop_client')."""

    def clear_one_shots(self) -> None:
        """Switch off every one-shot fault that has not fired (drops keeps counting)."""
        self.reject_next = None
        self.drop_on_receive = self.drop_before_ack = self.drop_after_ack = False
        self.drop_between_partials = self.drop_before_cancel = self.drop_after_cancel = False
        self.partial_fills = 0
