"""PaperConfig: how the simulated market and the paper broker behave, validated on load."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from core.adapters.config_fields import config_from_mapping

DEFAULT_STARTING_CASH: Mapping[str, Decimal] = MappingProxyType(
    {"USD": Decimal(1_000_000), "INR": Decimal(50_000_000), "CNY": Decimal(5_000_000)}
)


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """Settings of one paper account; every field has a sane default.

    `fee_bps` and `slippage_bps` are basis points of notional and price. `leverage` is the margin
    multiplier: 1 (the default) is a cash account (buying power is the cash left), 2 a Reg T-like margin
    account; buying power is equity × leverage less the gross value of open positions (see funds.py).
    `state_path` is where the paper "broker" keeps its own books (None: in memory only).
    """

    seed: int = 1
    tick_interval_s: float = 0.25
    slippage_bps: Decimal = Decimal(0)
    fee_bps: Decimal = Decimal("0.5")
    latency_s: float = 0.0
    partial_fills: bool = False
    starting_cash: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_STARTING_CASH)
    leverage: Decimal = Decimal(1)
    state_path: str | None = None

    def __post_init__(self) -> None:
        for name, parse in _PARSERS.items():
            object.__setattr__(self, name, parse(name, getattr(self, name)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> PaperConfig:
        """Build a config from settings; raise ValueError naming the bad field and what it allows."""
        return config_from_mapping(cls, data, "paper settings")


def _decimal(name: str, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise ValueError(f"paper settings: {name} must be a number, got {raw!r}")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"paper settings: {name} must be a number, got {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"paper settings: {name} must be a finite number, got {raw!r}")
    return value


def _non_negative(name: str, raw: object) -> Decimal:
    value = _decimal(name, raw)
    if value < 0:
        raise ValueError(f"paper settings: {name} must be zero or more, got {raw!r}")
    return value


def _positive(name: str, raw: object) -> Decimal:
    value = _decimal(name, raw)
    if value <= 0:
        raise ValueError(f"paper settings: {name} must be greater than zero, got {raw!r}")
    return value


def _seconds(name: str, raw: object) -> float:
    return float(_non_negative(name, raw))


def _interval(name: str, raw: object) -> float:
    value = _positive(name, raw)
    if value < Decimal("0.001") or value > 60:
        raise ValueError(f"paper settings: {name} must be between 0.001 and 60 seconds, got {raw!r}")
    return float(value)


def _seed(name: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"paper settings: {name} must be a whole number, got {raw!r}")
    return raw


def _flag(name: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"paper settings: {name} must be true or false, got {raw!r}")
    return raw


def _cash(name: str, raw: object) -> Mapping[str, Decimal]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"paper settings: {name} must map currency codes to amounts, e.g. {{'USD': 1000000}}")
    cash: dict[str, Decimal] = {}
    for currency, amount in raw.items():
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
            raise ValueError(f"paper settings: {name} has {currency!r}; use three-letter currency codes such as USD")
        cash[currency.upper()] = _non_negative(f"{name}.{currency}", amount)
    return MappingProxyType(cash)


def _path(name: str, raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"paper settings: {name} must be a file path or null, got {raw!r}")
    return raw


_PARSERS: dict[str, Callable[[str, object], object]] = {
    "seed": _seed,
    "tick_interval_s": _interval,
    "slippage_bps": _non_negative,
    "fee_bps": _non_negative,
    "latency_s": _seconds,
    "partial_fills": _flag,
    "starting_cash": _cash,
    "leverage": _positive,
    "state_path": _path,
}
