"""Trailing stops (TRAIL) and trailing stop-limits (TRAIL LIMIT) as TWS works them: a stop that follows the market
by an amount or a percent; a TRAIL LIMIT's limit follows its stop by lmtPriceOffset and works once touched.

placeOrder carries the trailing amount in auxPrice or the percent in trailingPercent (one of them, else error
158), and optionally the first stop in trailStopPrice. A SELL trail's stop rises with the bid (never falls),
a BUY trail's falls with the ask (never rises); when the market touches it, it goes out at market. The
matching engine holds it as a stop order whose stop price this module moves before each match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Protocol

from core.adapters.paper.matching import MatchingEngine, PaperOrder
from core.domain import ClientOrderId, OrderType, Quote, Side

if TYPE_CHECKING:
    from tests.sims.tws.orders import SimExecution, SimOrder

TRAIL_STOP_INDEX_BEFORE_177 = 69
TRAILING_PERCENT_INDEX_BEFORE_177 = 70
"""placeOrder's trailStopPrice and trailingPercent (68 and 69 from server 177 on, where faProfile is gone)."""
NO_OFFSET = "You must specify an offset amount or a percent offset value."
NO_LIMIT_OFFSET = "Order rejected - reason:A TRAIL LIMIT order needs a limit price offset (lmtPriceOffset)."
_AFTER_LIMIT_OFFSET = 16
"""placeOrder's fields after lmtPriceOffset (adjustedStopPrice .. usePriceMgmtAlgo), before the versioned tail."""
_VERSIONED_TAIL = (158, 160, 162, 166, 169)
"""Server versions from which placeOrder ends with one more field (duration, postToAts, autoCancelParent,
advancedErrorOverride, manualOrderTime)."""


def trailing_fields(f: list[str], server_version: int) -> dict[str, str]:
    """Return the trailing fields of a placeOrder (3) message.

    lmtPriceOffset sits after the message's variable parts, so it is counted from the end: right for every order
    without the PEG BEST/PEG MID or IBKRATS fields (the only ones TradeTerm sends).
    """
    shift = 1 if server_version >= 177 else 0
    tail = _AFTER_LIMIT_OFFSET + sum(server_version >= v for v in _VERSIONED_TAIL)
    return {"trail_stop": f[TRAIL_STOP_INDEX_BEFORE_177 - shift],
            "trailing_percent": f[TRAILING_PERCENT_INDEX_BEFORE_177 - shift],
            "limit_offset": f[len(f) - 1 - tail] if len(f) > tail else ""}


@dataclass(frozen=True, slots=True)
class Trail:
    side: Side
    tick: Decimal
    amount: Decimal | None
    percent: Decimal | None
    limit_offset: Decimal | None = None
    """A TRAIL LIMIT's limit distance beyond its stop (below for a SELL, above for a BUY)."""

    def limit_from(self, stop: Decimal) -> Decimal | None:
        if self.limit_offset is None:
            return None
        return stop - self.limit_offset if self.side is Side.SELL else stop + self.limit_offset

    def stop_from(self, reference: Decimal) -> Decimal:
        """Return the stop this trail keeps from a reference price, on tick, on the safe side of it."""
        distance = self.amount if self.amount is not None else reference * (self.percent or Decimal(0)) / 100
        if self.side is Side.SELL:
            return ((reference - distance) / self.tick).to_integral_value(ROUND_FLOOR) * self.tick
        return ((reference + distance) / self.tick).to_integral_value(ROUND_CEILING) * self.tick

    def reference(self, quote: Quote) -> Decimal | None:
        """The price it follows: the bid for a SELL (it protects a long), the ask for a BUY; else the last."""
        touch = quote.bid if self.side is Side.SELL else quote.ask
        return touch if touch is not None else quote.last


@dataclass
class TrailingStops:
    """The working TRAIL orders of the book, by the matching engine's key."""

    trails: dict[ClientOrderId, Trail] = field(default_factory=dict)
    moved: list[ClientOrderId] = field(default_factory=list)
    """Trails whose stop moved, in order, until the server reports them (openOrder with the new trailStopPrice)."""
    orders: dict[ClientOrderId, SimOrder] = field(default_factory=dict)

    def start(self, order: SimOrder, paper: PaperOrder, fields: dict[str, str], quote: Quote) -> None:
        """Set up a new TRAIL or TRAIL LIMIT order's first stop (SimReject 158 without a trail, 201 without a
        TRAIL LIMIT's limit offset); others pass through."""
        if order.order_type not in ("TRAIL", "TRAIL LIMIT"):
            return
        from tests.sims.tws.orders import SimReject, optional_price

        percent = optional_price(fields.get("trailing_percent", ""))
        if order.aux_price is None and percent is None:
            raise SimReject(158, NO_OFFSET)
        limit_offset = None
        if order.order_type == "TRAIL LIMIT":
            limit_offset = optional_price(fields.get("limit_offset", ""))
            if limit_offset is None or limit_offset < 0:
                raise SimReject(201, NO_LIMIT_OFFSET)
        trail = Trail(paper.side, order.listing.min_tick, order.aux_price, None if order.aux_price else percent,
                      limit_offset)
        first = optional_price(fields.get("trail_stop", ""))
        reference = trail.reference(quote)
        if first is None and reference is None:
            raise SimReject(201, "Order rejected - reason:There is no price to trail from yet; give trailStopPrice.")
        paper.order_type = OrderType.STOP if limit_offset is None else OrderType.STOP_LIMIT
        paper.stop_price = first if first is not None else trail.stop_from(reference)  # type: ignore[arg-type]
        paper.limit_price = trail.limit_from(paper.stop_price)
        order.trail_stop, order.limit_offset = paper.stop_price, limit_offset
        self.trails[order.coid] = trail
        self.orders[order.coid] = order

    def follow(self, engine: MatchingEngine, quote: Quote) -> None:
        """Move each working trail of quote's symbol after the market, before the engine matches it."""
        for coid, trail in list(self.trails.items()):
            paper = engine.orders.get(coid)
            if paper is None or not paper.is_working:
                del self.trails[coid]
                self.orders.pop(coid, None)
                continue
            reference = trail.reference(quote)
            if paper.symbol != quote.symbol or reference is None or paper.stop_price is None or paper.triggered:
                continue
            candidate = trail.stop_from(reference)
            if (candidate > paper.stop_price) if trail.side is Side.SELL else (candidate < paper.stop_price):
                paper.stop_price = candidate
                paper.limit_price = trail.limit_from(candidate)
                self.orders[coid].trail_stop = candidate
                self.moved.append(coid)

    def stop_of(self, order: SimOrder, engine: MatchingEngine) -> Decimal | None:
        """Return a TRAIL order's current stop price (None for other orders)."""
        paper = engine.orders.get(order.coid)
        return paper.stop_price if order.coid in self.trails and paper is not None else None


def trade_at(server: _Server, quote: Quote) -> None:
    """Match the book against quote and report what it did, as if the market had printed it (tests)."""
    server.match_quote(quote)


class _Server(Protocol):
    def match_quote(self, quote: Quote) -> list[SimExecution]: ...
