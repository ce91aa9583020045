"""Decimal-backed values: Price, Quantity, Money. Floats are refused; adapters convert with Decimal(str(x))."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain.numbers import parse_number

DecimalLike = Decimal | int | str


def to_decimal(value: object, what: str = "value") -> Decimal:
    """Return value as a finite Decimal; refuse floats, NaN, infinities and non-numbers with a clear error.

    Text is read by core.domain.numbers.parse_number (plain digits, bounded; a NumberError names `what`);
    a Decimal or int from code is taken as it is, only required to be finite.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"{what}: {value!r} is a float; pass a Decimal, int or numeric string")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        result = parse_number(value, what, signed=True)
    else:
        raise TypeError(f"{what}: {value!r} is not a number")
    if not result.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return result


@dataclass(frozen=True, slots=True, order=True)
class Price:
    """A price in an instrument's quote currency (may be negative for spreads)."""

    value: Decimal

    def __init__(self, value: DecimalLike) -> None:
        object.__setattr__(self, "value", to_decimal(value, "price"))

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True, order=True)
class Quantity:
    """A non-negative amount of an instrument (shares, contracts, lots)."""

    value: Decimal

    def __init__(self, value: DecimalLike) -> None:
        number = to_decimal(value, "quantity")
        if number < 0:
            raise ValueError(f"quantity: {value!r} is negative; use the side for direction")
        object.__setattr__(self, "value", number)

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency; arithmetic across currencies raises."""

    amount: Decimal
    currency: str

    def __init__(self, amount: DecimalLike, currency: str) -> None:
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
            raise ValueError(f"currency: {currency!r} is not a three-letter ISO code")
        object.__setattr__(self, "amount", to_decimal(amount, "amount"))
        object.__setattr__(self, "currency", currency.upper())

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
