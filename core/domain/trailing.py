"""Trail: how far a trailing stop keeps behind the market, by an amount in price or by a percent of the price.

A SELL trailing stop protects a long: its stop sits `offset` below the best price the market has offered since
it was placed and only ever rises; a BUY trailing stop (protecting a short) sits above and only ever falls.
When the market touches the stop, the order goes out at market (OrderType.TRAIL), or as a limit `limit_offset`
beyond the stop (OrderType.TRAIL_LIMIT: below it for a SELL, above it for a BUY; IB's lmtPriceOffset).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from core.domain.enums import Side

_HUNDRED = Decimal(100)


class TrailUnit(StrEnum):
    """What a trail's offset is measured in."""

    AMOUNT = "AMOUNT"
    """In the instrument's price (IB auxPrice)."""
    PERCENT = "PERCENT"
    """In percent of the price it follows (IB trailingPercent)."""


@dataclass(frozen=True, slots=True)
class Trail:
    """A trailing stop's distance from the market: a positive amount of price, or a percent below 100; for a
    trailing stop-limit also how far beyond the stop its limit sits (limit_offset, in price, zero or more)."""

    offset: Decimal
    unit: TrailUnit = TrailUnit.AMOUNT
    limit_offset: Decimal | None = None
    """A trailing stop-limit's limit distance from its stop, in price (None: a trailing stop, at market)."""

    def __post_init__(self) -> None:
        if not isinstance(self.offset, Decimal) or not self.offset.is_finite() or self.offset <= 0:
            raise ValueError(f"a trail must be a positive number, not {self.offset!r}")
        if self.unit is TrailUnit.PERCENT and self.offset >= _HUNDRED:
            raise ValueError(f"a trailing percent must be below 100, not {self.offset}")
        limit = self.limit_offset
        if limit is not None and (not isinstance(limit, Decimal) or not limit.is_finite() or limit < 0):
            raise ValueError(f"a trailing stop-limit's limit offset must be zero or more, not {limit!r}")

    def limit_from(self, stop: Decimal, side: Side) -> Decimal | None:
        """Return the limit of a trailing stop-limit whose stop is at `stop` (None for a trailing stop)."""
        if self.limit_offset is None:
            return None
        return stop - self.limit_offset if side is Side.SELL else stop + self.limit_offset

    def words(self) -> str:
        """Return the trail as the window says it: '1.5', '2%', or '1.5, limit 0.05 beyond the stop'."""
        if self.limit_offset is None:
            return self.text()
        return f"{self.text()}, limit {format(self.limit_offset.normalize(), 'f')} beyond the stop"

    @property
    def is_percent(self) -> bool:
        return self.unit is TrailUnit.PERCENT

    def distance(self, reference: Decimal) -> Decimal:
        """Return how far the stop keeps from reference, in price."""
        return reference * self.offset / _HUNDRED if self.is_percent else self.offset

    def stop_from(self, reference: Decimal, side: Side, tick: Decimal) -> Decimal:
        """Return the stop a `side` trailing order keeps from reference, on tick, on the safe side of the offset."""
        if side is Side.SELL:
            return ((reference - self.distance(reference)) / tick).to_integral_value(ROUND_FLOOR) * tick
        return ((reference + self.distance(reference)) / tick).to_integral_value(ROUND_CEILING) * tick

    def ratchet(self, stop: Decimal | None, reference: Decimal, side: Side, tick: Decimal) -> Decimal:
        """Return the stop after the market printed reference: moved toward the market, never loosened."""
        candidate = self.stop_from(reference, side, tick)
        if stop is None:
            return candidate
        return max(stop, candidate) if side is Side.SELL else min(stop, candidate)

    def text(self) -> str:
        """Return the trail as the journal and the window write it: '1.5' (an amount) or '2%' (a percent)."""
        number = format(self.offset.normalize(), "f")
        return f"{number}%" if self.is_percent else number

    @classmethod
    def from_text(cls, text: str) -> Trail:
        """Return the Trail that `text()` wrote; ValueError for anything else."""
        percent = text.endswith("%")
        try:
            offset = Decimal(text.removesuffix("%"))
        except ArithmeticError:
            raise ValueError(f"{text!r} is not a trail") from None
        return cls(offset, TrailUnit.PERCENT if percent else TrailUnit.AMOUNT)


def trail_from_ticks(ticks: Decimal, tick_size: Decimal) -> Decimal:
    """Return a trail of `ticks` ticks as an amount of price (what the broker is sent: IB has no tick unit)."""
    return ticks * tick_size


def trail_reference(side: Side, bid: Decimal | None, ask: Decimal | None, last: Decimal | None) -> Decimal | None:
    """Return the price a trailing stop follows: the bid for a SELL (what a long exits at), the ask for a BUY;
    the last trade when that side is missing."""
    touch = bid if side is Side.SELL else ask
    return touch if touch is not None else last


def trail_touched(stop: Decimal, side: Side, reference: Decimal) -> bool:
    """Return True when the market reached a trailing stop: a SELL's bid at or below it, a BUY's ask at or above."""
    return reference <= stop if side is Side.SELL else reference >= stop
