"""Identifiers that say whose they are. Each is a distinct str subtype, validated on creation."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


class _Identifier(str):
    __slots__ = ()

    def __new__(cls, value: str) -> _Identifier:
        if not isinstance(value, str) or not value or value != value.strip():
            raise ValueError(f"{cls.__name__}: {value!r} must be a non-empty string without surrounding spaces")
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAIL_CHOICES = 36**7


class ClientOrderId(_Identifier):
    """Our id for an order, created with the intent and persisted before anything is sent.

    Carried in the broker's reference field (IB orderRef, Kite tag), so it is at most 20
    alphanumerics: 'T' + UTC yymmddHHMMSS + 7 random base-36 characters.
    """

    __slots__ = ()

    @classmethod
    def generate(cls, now: datetime | None = None) -> ClientOrderId:
        """Return a new, practically unique id that sorts by creation time."""
        stamp = (now or datetime.now(UTC)).strftime("%y%m%d%H%M%S")
        number = secrets.randbelow(_TAIL_CHOICES)  # one draw, uniform over every 7-character tail
        tail = []
        for _ in range(7):
            number, digit = divmod(number, 36)
            tail.append(_BASE36[digit])
        return cls(f"T{stamp}{''.join(tail)}")


class BrokerOrderId(_Identifier):
    """The broker's id for an order."""

    __slots__ = ()


class TradeId(_Identifier):
    """The broker's id for one execution; fills are deduplicated by it."""

    __slots__ = ()


class AccountId(_Identifier):
    """An account as TradeTerm names it, e.g. 'PAPER-1' or an IB account code."""

    __slots__ = ()


class StrategyId(_Identifier):
    """An automated strategy that posts orders."""

    __slots__ = ()
