"""Faults: what the simulated TWS does wrong next, switched on by tests through `sim.faults`."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

NOTICES: dict[int, str] = {
    399: "Order Message:\nBUY 10 AAPL NASDAQ.NMS\nWarning: your order will not be placed at the exchange until "
         "2026-12-07 09:30:00 US/Eastern",
    404: "Shares for this order are not immediately available for short sale. The order will be held while we "
         "attempt to locate the shares.",
    2109: 'Order Event Warning:Attribute "Outside Regular Trading Hours" is ignored based on the order type and '
          "destination. PlaceOrder is now processed.",
    10311: "This order will be directly routed to NYSE. Direct routed orders may result in higher trade fees. "
           "Restriction is specified in Precautionary Settings of Global Configuration/API.",
    10349: "Order TIF was set to DAY based on order preset.",
}
"""Informational codes TWS sends about orders it keeps working (texts from public issue threads)."""


@dataclass(slots=True)
class Faults:
    """What goes wrong next. One-shot faults reset themselves once they have fired."""

    delay_s: float = 0.0
    """Wait this long before answering any request."""
    refuse_connects: bool = False
    """Close every new socket at once, as a TWS that is restarting does."""
    reject_next: str | None = None
    """Reject the next new order with error 201 and this reason, then report it Inactive (as TWS does)."""
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
    notice_next: int | None = None
    """Send this informational code (a key of NOTICES) about the next new order, which then works as usual."""
    notice_before_ack: bool = False
    """With notice_next: send the notice before the order's openOrder/orderStatus (as TWS often does)."""
    ignore_modify_next: bool = False
    """Read the next modify and do nothing with it, answering nothing (a TWS that lost it)."""
    silent_next: bool = False
    """Book the next new order but send nothing about it (a TWS that is late to answer); it shows in open orders."""
    off_tick_next: bool = False
    """Answer the next placeOrder (new or modify) with 110: the price breaks a price-dependent tick rule."""
    slow_cancel_next: bool = False
    """Answer the next cancel with PendingCancel only; the order can still fill until confirm_pending_cancels()."""
    cancel_refused_next: bool = False
    """Answer the next cancel with 161 (not in a cancellable state); the order keeps working."""
    not_found_on_modify_next: bool = False
    """Answer the next modify with 135 (can't find order), as TWS does for a child sent with its parentId."""
    global_cancel_misses: int = 0
    """The next reqGlobalCancel leaves this many working orders alone (the client must verify and retry)."""
    realistic: float = 0.0
    """Realistic mode: this share of new orders gets one random notice of NOTICES, before or after its ack."""
    rng: random.Random = field(default_factory=lambda: random.Random(29))
    drops: Counter[str] = field(default_factory=Counter)
    """How many client connections the simulator dropped, by cause (the fault's name, or 'drop_client')."""

    def clear_one_shots(self) -> None:
        """Switch off every one-shot fault that has not fired (drops keeps counting)."""
        self.reject_next = None
        self.drop_on_receive = self.drop_before_ack = self.drop_after_ack = False
        self.drop_between_partials = self.drop_before_cancel = self.drop_after_cancel = False
        self.partial_fills = 0
        self.notice_next = None
        self.notice_before_ack = self.off_tick_next = self.cancel_refused_next = self.silent_next = False
        self.slow_cancel_next = self.ignore_modify_next = False
        self.not_found_on_modify_next = False

    def take_notice(self) -> tuple[int, bool] | None:
        """Return the (code, before_ack) notice the next new order gets, if any (one-shot or realistic mode)."""
        if self.notice_next is not None:
            code, self.notice_next = self.notice_next, None
            return code, self.notice_before_ack
        if self.realistic > 0 and self.rng.random() < self.realistic:
            return self.rng.choice(sorted(NOTICES)), self.rng.random() < 0.5
        return None
