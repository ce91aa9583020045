"""HeldChildChanged: a held stop-loss or take-profit changed (armed, resized, moved, triggered, cancelled).

Published by HeldProtection each time it holds a child's new state, so a view that draws the children
(the chart's bracket lines) follows them without polling.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.events import StampedEvent
from core.domain.protection import HeldChild


@dataclass(frozen=True, slots=True)
class HeldChildChanged(StampedEvent):
    """child is the held child's newest state (child.state.is_live False once triggered or cancelled)."""

    child: HeldChild
