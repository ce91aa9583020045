"""RiskLimits: every pre-trade check's setting, typed, frozen and validated; RiskConfig holds the scopes.

Scopes: a global default, then per-account overrides, then per-strategy overrides. An override sets only
the fields it names (None switches a check off). Monetary limits are in `currency`; instruments quoted in
another currency are converted with `fx_rates` (value of one unit of that currency in `currency`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from core.domain import AccountId, NumberError, StrategyId, parse_number


class LimitError(ValueError):
    """A risk setting is invalid; `field` names it and the message says what is allowed."""

    def __init__(self, field_name: str, message: str, scope: str = "global") -> None:
        self.field = field_name
        self.scope = scope
        self.message = message
        super().__init__(f"risk limits ({scope}): {field_name}: {message}")


MAX_DRAWDOWN_DAYS = 366
"""The longest rolling drawdown window that may be set, in days (a year)."""


# --- parsers: each returns the typed value or raises LimitError naming the field ----------------------


def to_plain(value: object) -> object:
    """Return a typed setting as a plain JSON value (Decimal as plain digits, lists sorted, FX rates as an object).

    Decimals are written without an exponent (str() would write 1E-7), so every saved value reads back.
    """
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return {ccy: format(rate, "f") for ccy, rate in value}
    return value


def _number(name: str, raw: object) -> Decimal:
    if isinstance(raw, float) and math.isfinite(raw):
        raw = Decimal(repr(raw))  # a hand-edited settings file's JSON number: its shortest text is what was written
    elif isinstance(raw, float):
        raise LimitError(name, f"{raw!r} is not a finite number (JSON reads 1e999 as infinite); write digits, "
                               "e.g. \"1000\"")
    try:
        return parse_number(raw, name)
    except NumberError as exc:
        raise LimitError(name, exc.problem) from None


def _positive(name: str, raw: object) -> Decimal:
    value = _number(name, raw)
    if value <= 0:
        raise LimitError(name, f"must be greater than zero, got {value}")
    return value


def _optional(parse: Callable[[str, object], Any]) -> Callable[[str, object], Any]:
    def parse_optional(name: str, raw: object) -> Any:
        if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "off")):
            return None
        return parse(name, raw)

    return parse_optional


def _whole(name: str, raw: object) -> int:
    value = _positive(name, raw)
    if value != value.to_integral_value():
        raise LimitError(name, f"must be a whole number, got {value}")
    return int(value)


def _percent(name: str, raw: object) -> Decimal:
    value = _positive(name, raw)
    if value > 100:
        raise LimitError(name, f"is a percentage of the bid/ask: at most 100, got {value}")
    return value


def _share(name: str, raw: object) -> Decimal:
    value = _positive(name, raw)
    if value > 100:
        raise LimitError(name, f"is a percentage of the account's buying power: at most 100, got {value}")
    return value


def _drawdown_pct(name: str, raw: object) -> Decimal:
    value = _positive(name, raw)
    if value > 100:
        raise LimitError(name, f"is a percentage of the equity at its peak: at most 100, got {value}")
    return value


def _window_days(name: str, raw: object) -> int:
    value = _whole(name, raw)
    if value > MAX_DRAWDOWN_DAYS:
        raise LimitError(name, f"is a rolling window in days: at most {MAX_DRAWDOWN_DAYS}, got {value}")
    return value


def _window_hours(name: str, raw: object) -> Decimal:
    value = _positive(name, raw)
    if value > 168:
        raise LimitError(name, f"is a rolling window in hours: at most 168 (a week), got {value}")
    return value


def _currency(name: str, raw: object) -> str:
    if not (isinstance(raw, str) and len(raw.strip()) == 3 and raw.strip().isalpha()):
        raise LimitError(name, f"must be a three-letter currency code such as USD, got {raw!r}")
    return raw.strip().upper()


def _symbols(name: str, raw: object) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    if not isinstance(raw, list | tuple | set | frozenset):
        raise LimitError(name, f"must be a list of symbols, got {raw!r}")
    symbols = set()
    for item in raw:
        if not isinstance(item, str):
            raise LimitError(name, f"must be a list of symbols, got {item!r}")
        if item.strip():
            symbols.add(item.strip().upper())
    return frozenset(symbols)


def _fx(name: str, raw: object) -> tuple[tuple[str, Decimal], ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        pairs: list[tuple[object, object]] = []
        for part in raw.replace(";", ",").split(","):
            if not part.strip():
                continue
            code, sep, value = part.partition("=")
            if not sep:
                raise LimitError(name, f"write each rate as CCY=rate, e.g. INR=0.012; got {part.strip()!r}")
            pairs.append((code.strip(), value.strip()))
    elif isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, tuple):
        pairs = list(raw)
    else:
        raise LimitError(name, f"must map currency codes to rates, e.g. {{'INR': '0.012'}}, got {raw!r}")
    rates: dict[str, Decimal] = {}
    for ccy, rate in pairs:
        code = _currency(name, ccy)
        rates[code] = _positive(f"{name}.{code}", rate)
    return tuple(sorted(rates.items()))


_PARSERS: dict[str, Callable[[str, object], Any]] = {
    "currency": _currency,
    "max_order_qty": _optional(_positive),
    "max_order_notional": _optional(_positive),
    "collar_pct": _optional(_percent),
    "collar_ticks": _optional(_whole),
    "max_quote_age_s": _positive,
    "max_position": _optional(_positive),
    "max_gross_exposure": _optional(_positive),
    "daily_loss_limit": _optional(_positive),
    "daily_loss_halt": _optional(_positive),
    "drawdown_limit": _optional(_positive),
    "drawdown_halt": _optional(_positive),
    "drawdown_limit_pct": _optional(_drawdown_pct),
    "drawdown_halt_pct": _optional(_drawdown_pct),
    "rolling_drawdown_days": _window_days,
    "rolling_drawdown_limit": _optional(_positive),
    "rolling_drawdown_halt": _optional(_positive),
    "rolling_drawdown_limit_pct": _optional(_drawdown_pct),
    "rolling_drawdown_halt_pct": _optional(_drawdown_pct),
    "duplicate_window_s": _optional(_positive),
    "max_orders_per_second": _optional(_whole),
    "max_orders_per_minute": _optional(_whole),
    "max_orders_per_window": _optional(_whole),
    "order_window_h": _window_hours,
    "max_working_orders": _optional(_whole),
    "allowed_symbols": _symbols,
    "blocked_symbols": _symbols,
    "strategy_max_fills": _optional(_whole),
    "strategy_fill_window_s": _positive,
    "fx_rates": _fx,
    "max_buying_power_pct": _optional(_share),
}

LIMIT_FIELDS: tuple[str, ...] = tuple(_PARSERS)
"""Every setting, in the order the dialog shows them."""


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """The limits that apply to one order. None switches a check off.

    max_order_qty and max_position are in units of the instrument; max_order_notional,
    max_gross_exposure and the daily loss thresholds in `currency`; collar_pct in percent of
    the bid/ask; a market order needs a quote at most max_quote_age_s old.
    """

    currency: str = "USD"
    max_order_qty: Decimal | None = None
    max_order_notional: Decimal | None = None
    collar_pct: Decimal | None = None
    collar_ticks: int | None = None
    max_quote_age_s: Decimal = Decimal(10)
    max_position: Decimal | None = None
    max_gross_exposure: Decimal | None = None
    daily_loss_limit: Decimal | None = None
    daily_loss_halt: Decimal | None = None
    drawdown_limit: Decimal | None = None
    """Beyond this fall of equity from the day's peak (in `currency`) the account may only reduce positions."""
    drawdown_halt: Decimal | None = None
    drawdown_limit_pct: Decimal | None = None
    """As drawdown_limit, in % of the equity at the peak (needs the account's equity from its funds). For a strategy,
    its own fall in % of its account's equity at the strategy's peak (the account's equity now + that fall)."""
    drawdown_halt_pct: Decimal | None = None
    rolling_drawdown_days: int = 5
    """The rolling window of the second drawdown limit, in local days including today (1: today only)."""
    rolling_drawdown_limit: Decimal | None = None
    """Beyond this fall of equity (in `currency`) from its peak within the last rolling_drawdown_days days the
    account may only reduce positions, until a person resets the drawdown (counted across restarts)."""
    rolling_drawdown_halt: Decimal | None = None
    """The second threshold of the drawdown over the window: beyond it the account (or strategy) is HALTED."""
    rolling_drawdown_limit_pct: Decimal | None = None
    """As rolling_drawdown_limit, in % of the equity at the peak (needs the account's equity from its funds)."""
    rolling_drawdown_halt_pct: Decimal | None = None
    duplicate_window_s: Decimal | None = None
    max_orders_per_second: int | None = None
    max_orders_per_minute: int | None = None
    max_orders_per_window: int | None = None
    """At most this many orders in any rolling order_window_h hours (counted across a restart, from the journal)."""
    order_window_h: Decimal = Decimal(24)
    max_working_orders: int | None = None
    allowed_symbols: frozenset[str] = frozenset()
    blocked_symbols: frozenset[str] = frozenset()
    strategy_max_fills: int | None = None
    strategy_fill_window_s: Decimal = Decimal(60)
    fx_rates: tuple[tuple[str, Decimal], ...] = ()
    max_buying_power_pct: Decimal | None = None
    """An order that opens or grows a position may use at most this % of its account's buying power (off: None)."""
    live_fx: Callable[[str, str], Decimal | None] | None = field(default=None, init=False, compare=False, repr=False)
    """Not a setting (never parsed or saved): where a rate fx_rates lacks comes from, live_fx(currency, home) —
    the risk engine attaches its LiveFx (live_fx.py) to the limits it uses, with `with_live_fx`."""

    def __post_init__(self) -> None:
        for item in fields(self):
            if not item.init:
                continue
            object.__setattr__(self, item.name, _PARSERS[item.name](item.name, getattr(self, item.name)))
        if (
            self.daily_loss_limit is not None
            and self.daily_loss_halt is not None
            and self.daily_loss_halt < self.daily_loss_limit
        ):
            raise LimitError("daily_loss_halt", "must be at least the daily loss limit (it is the second threshold)")
        for halt, limit in (("drawdown_halt", "drawdown_limit"), ("drawdown_halt_pct", "drawdown_limit_pct"),
                            ("rolling_drawdown_halt", "rolling_drawdown_limit"),
                            ("rolling_drawdown_halt_pct", "rolling_drawdown_limit_pct")):
            high, low = getattr(self, halt), getattr(self, limit)
            if high is not None and low is not None and high < low:
                raise LimitError(halt, f"is the second threshold: it must be at least the reduce-only one ({limit} = "
                                       f"{format(low, 'f')}), got {format(high, 'f')}")

    def fx_rate(self, currency: str) -> Decimal | None:
        """Return the value of one unit of currency in the limits' currency, or None if unknown.

        A fixed rate in fx_rates first, else the live one (live_fx), else None.
        """
        if currency == self.currency:
            return Decimal(1)
        fixed = dict(self.fx_rates).get(currency)
        if fixed is None and self.live_fx is not None:
            return self.live_fx(currency, self.currency)
        return fixed

    def with_live_fx(self, live_fx: Callable[[str, str], Decimal | None]) -> RiskLimits:
        """Return these limits taking a rate that fx_rates lacks from live_fx."""
        attached = replace(self)
        object.__setattr__(attached, "live_fx", live_fx)
        return attached

    def merged(self, overrides: Mapping[str, object]) -> RiskLimits:
        """Return these limits with the fields named in overrides replaced."""
        return replace(self, **overrides) if overrides else self  # type: ignore[arg-type]  # re-validated

    def to_dict(self) -> dict[str, Any]:
        """Return the limits as plain JSON values (Decimals as strings)."""
        return {item.name: to_plain(getattr(self, item.name)) for item in fields(self) if item.init}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object], base: RiskLimits | None = None) -> RiskLimits:
        """Build limits from plain values (missing fields come from base); raise LimitError naming a bad field."""
        return (base or cls()).merged(parse_overrides(raw))


def parse_overrides(raw: Mapping[str, object], scope: str = "global") -> dict[str, object]:
    """Validate the named fields of an override; raise LimitError naming the first bad one."""
    if not isinstance(raw, Mapping):
        raise LimitError("*", f"expected an object of field: value, got {raw!r}", scope)
    parsed: dict[str, object] = {}
    for name, value in raw.items():
        parser = _PARSERS.get(str(name))
        if parser is None:
            raise LimitError(str(name), f"unknown setting; known: {', '.join(sorted(_PARSERS))}", scope)
        try:
            parsed[str(name)] = parser(str(name), value)
        except LimitError as exc:
            raise LimitError(exc.field, exc.message, scope) from None
    return parsed


DEFAULT_LIMITS = RiskLimits(
    currency="USD",
    max_order_qty=Decimal(10_000),
    max_order_notional=Decimal(1_000_000),
    collar_pct=Decimal(5),
    max_quote_age_s=Decimal(10),
    duplicate_window_s=Decimal(2),
    max_orders_per_second=5,
    max_orders_per_minute=120,
    max_working_orders=200,
    strategy_max_fills=50,
    strategy_fill_window_s=Decimal(60),
    fx_rates=(("CNY", Decimal("0.14")), ("INR", Decimal("0.012"))),
)
"""What a new installation starts with: protective, and loose enough for paper trading."""


@dataclass(frozen=True, slots=True)
class RiskConfig:
    """All scopes: global limits, then per-account and per-strategy overrides (validated field: value maps)."""

    global_limits: RiskLimits = DEFAULT_LIMITS
    accounts: Mapping[str, Mapping[str, object]] = field(default_factory=lambda: MappingProxyType({}))
    strategies: Mapping[str, Mapping[str, object]] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in ("accounts", "strategies"):
            scopes = getattr(self, name)
            checked = {str(key): MappingProxyType(parse_overrides(value, f"{name[:-1]} {key}"))
                       for key, value in scopes.items()}
            object.__setattr__(self, name, MappingProxyType(checked))
        bases = {"global": self.global_limits}
        for key, overrides in self.accounts.items():
            bases[f"account {key}"] = _combine(self.global_limits, overrides, f"account {key}")
        for strategy, more in self.strategies.items():
            for where, base in bases.items():
                _combine(base, more, f"strategy {strategy}" + ("" if where == "global" else f" with {where}"))

    def check_accounts(self, known: Collection[str]) -> None:
        """Refuse an override for an account that is not configured: it would silently limit nothing.

        Raise LimitError naming the first such account id and the configured ones.
        """
        unknown = sorted(set(self.accounts) - set(known))
        if unknown:
            listed = ", ".join(sorted(known)) or "none"
            raise LimitError(
                "accounts", f"{unknown[0]!r} is not a configured account (configured: {listed}); "
                "correct the id or remove the override", "account overrides"
            )

    def limits_for(self, account_id: AccountId | None, strategy_id: StrategyId | None = None) -> RiskLimits:
        """Return the limits for an order of this account (and strategy): global, then account, then strategy."""
        limits = self.global_limits
        if account_id is not None:
            limits = limits.merged(self.accounts.get(str(account_id), {}))
        if strategy_id is not None:
            limits = limits.merged(self.strategies.get(str(strategy_id), {}))
        return limits

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as stored under "risk" in the settings document."""
        return {
            "global": self.global_limits.to_dict(),
            "accounts": {key: {n: to_plain(v) for n, v in value.items()} for key, value in self.accounts.items()},
            "strategies": {key: {n: to_plain(v) for n, v in value.items()} for key, value in self.strategies.items()},
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, object] | None) -> RiskConfig:
        """Build the configuration from the settings document's "risk" section (None: the defaults)."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise LimitError("risk", f"expected an object with global, accounts and strategies, got {raw!r}")
        unknown = sorted(set(raw) - {"global", "accounts", "strategies"})
        if unknown:
            raise LimitError(unknown[0], "unknown section; known: global, accounts, strategies")
        global_raw = raw.get("global", {})
        if not isinstance(global_raw, Mapping):
            raise LimitError("global", f"expected an object of field: value, got {global_raw!r}")
        scopes: dict[str, Mapping[str, Mapping[str, object]]] = {}
        for name in ("accounts", "strategies"):
            section = raw.get(name, {})
            if not isinstance(section, Mapping):
                raise LimitError(name, f"expected an object of id: {{field: value}}, got {section!r}")
            scopes[name] = section
        return cls(RiskLimits.from_dict(global_raw, DEFAULT_LIMITS), scopes["accounts"], scopes["strategies"])


def _combine(base: RiskLimits, overrides: Mapping[str, object], scope: str) -> RiskLimits:
    try:
        return base.merged(overrides)
    except LimitError as exc:
        raise LimitError(exc.field, exc.message, scope) from None
