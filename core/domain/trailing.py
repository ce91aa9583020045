"""Trail: how far a trailing stop keeps behind the market, by an amount in price or by a percent of the price.

A SELL trailing stop protects a long: its stop sits `offset` below the best price the market has offered since
it was placed and only ever rises; a BUY trailing stop (protecting a short) sits above and only ever falls.
When the market touches the stop, the order goes out at market (OrderType.TRAIL).
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
    """A trailing stop's distance from the market: a positive amount of price, or a percent below 100."""

    offset: Decimal
    unit: TrailUnit = TrailUnit.AMOUNT

    def __post_init__(self) -> None:
        if not isinstance(self.offset, Decimal) or not self.offset.is_finite() or self.offset <= 0:
            raise ValueError(f"a trail must be a positive number, not {self.offset!r}")
        if self.unit is TrailUnit.PERCENT and self.offset >= _HUNDRED:
            raise ValueError(f"a trailing percent must be below 100, not {self.offset}")

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


def trail_reference(side: Side, bid: Decimal | None, ask: Decimal | None, last: Decimal | None) -> Decimal | None:
    """Return the price a trailing stop follows: the bid for a SELL (what a long exits at), the ask for a BUY;
    the last trade when that side is missing."""
    touch = bid if side is Side.SELL else ask
    return touch if touch is not None else last


def trail_touched(stop: Decimal, side: Side, reference: Decimal) -> bool:
    """Return True when the market reached a trailing stop: a SELL's bid at or below it, a BUY's ask at or above."""
    return reference <= stop if side is Side.SELL else reference >= stop
