"""Identifiers that say whose they are. Each is a distinct str subtype, validated on creation."""

from __future__ import annotations

import os
import random
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
        moment = now or datetime.now(UTC)
        second = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
        stamp = _stamps.get(second)
        if stamp is None:  # a new second: its text once, not once per order
            _stamps.clear()
            # Not strftime: it imports the time module on every call, through PySide's import hook in the app
            # (3.3 against 1.2 µs, more after idleness), and a click after a pause is always in a new second.
            year, month, day, hour, minute, sec = second
            stamp = _stamps[second] = f"{year % 100:02d}{month:02d}{day:02d}{hour:02d}{minute:02d}{sec:02d}"
        number = _draw(_TAIL_BITS)
        while number >= _TAIL_CHOICES:  # uniform over every 7-character tail (rejects 1 draw in 10)
            number = _draw(_TAIL_BITS)
        tail = []
        for _ in range(7):
            number, digit = divmod(number, 36)
            tail.append(_BASE36[digit])
        return cls(f"T{stamp}{''.join(tail)}")


_TAIL_BITS = _TAIL_CHOICES.bit_length()
_draw = random.Random(secrets.randbits(128)).getrandbits
"""Ids need to be unique, not secret: a generator seeded once from the OS, which costs no system call per id."""


def _reseed() -> None:
    """Seed a forked process's generator afresh: parent and child would otherwise draw the same ids."""
    global _draw
    _draw = random.Random(secrets.randbits(128)).getrandbits


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)
_stamps: dict[tuple[int, ...], str] = {}


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


MANUAL = StrategyId("manual")
"""The strategy of trades a person made (and of fills of no known order)."""
