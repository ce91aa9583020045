"""Size a validated order by risk, as the risk engine would let it pass now: for the ticket and the strategy API.

A SizingSpec says the risk per trade (risk_pct of the account's equity, or risk_amount, in the account's
risk-limit currency) and the stop (a price, ticks from the entry, or k × ATR(n) of the symbol's bars).
The entry is the order's limit (or stop) price, else the touch of its account's feed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from core.domain import Quote, ValidatedRequest
from core.domain.bars import Bar
from core.services.order_preview import preview_order
from core.services.risk import RiskEngine
from core.services.sizing import Sized, SizingError, risk_budget, size_by_risk, stop_from_atr, stop_from_ticks

SPEC_FIELDS = ("risk_pct", "risk_amount", "stop", "stop_ticks", "atr_k", "atr_n")


@dataclass(frozen=True, slots=True)
class SizingSpec:
    """How to size: one of risk_pct / risk_amount, and one of stop / stop_ticks / atr_k (with atr_n)."""

    risk_pct: Decimal | None = None
    risk_amount: Decimal | None = None
    stop: Decimal | None = None
    stop_ticks: int | None = None
    atr_k: Decimal | None = None
    atr_n: int = 14

    @classmethod
    def from_json(cls, raw: object) -> SizingSpec:
        """Read {"risk_pct" | "risk_amount": …, "stop" | "stop_ticks" | "atr_k" (+ "atr_n"): …}; SizingError if bad."""
        if not isinstance(raw, Mapping):
            raise SizingError("sizing", 'sizing must be an object such as {"risk_pct": "1", "stop": "98.50"}.')
        for name in raw:
            if name not in SPEC_FIELDS:
                raise SizingError(f"sizing.{name}", f"Unknown sizing field {str(name)[:40]!r}; allowed: "
                                                    f"{', '.join(SPEC_FIELDS)}.")
        values: dict[str, object] = {}
        for name in ("risk_pct", "risk_amount", "stop", "atr_k"):
            if raw.get(name) is not None:
                values[name] = _decimal(name, raw[name])
        for name in ("stop_ticks", "atr_n"):
            if raw.get(name) is not None:
                values[name] = _whole(name, raw[name])
        spec = cls(**values)  # type: ignore[arg-type]
        if sum(v is not None for v in (spec.stop, spec.stop_ticks, spec.atr_k)) != 1:
            raise SizingError("sizing.stop",
                              "Give exactly one stop: stop (a price), stop_ticks, or atr_k (with atr_n).")
        return spec


def _decimal(name: str, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise SizingError(f"sizing.{name}", f"{name} must be a decimal string such as \"1.5\", got {raw!r}.")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise SizingError(f"sizing.{name}", f"{name} must be a decimal string such as \"1.5\", got {raw!r}.") from None
    if not value.is_finite():
        raise SizingError(f"sizing.{name}", f"{name} must be a finite number, got {raw!r}.")
    return value


def _whole(name: str, raw: object) -> int:
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        return int(raw)  # the API reads JSON numbers as Decimal
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise SizingError(f"sizing.{name}", f"{name} must be a whole number, got {raw}.")
    return raw


def size_request(
    risk: RiskEngine,
    quote_of: Callable[[str, str], Quote | None],
    valid: ValidatedRequest,
    spec: SizingSpec,
    now: datetime,
    bars_of: Callable[[str], Sequence[Bar]] = lambda symbol: (),
    whole_units: bool = False,
) -> Sized:
    """Return the size of valid by spec, capped by every risk limit as risk would check it now; SizingError if not.

    whole_units: size in whole units however fine the instrument's lot (the account takes no fraction on this
    order: Alpaca's limit orders), so the size is one the order can be sent with."""
    account = valid.request.account_id
    instrument = valid.instrument
    probe = preview_order(risk, quote_of, dataclasses.replace(valid, quantity=instrument.lot_size), now)
    entry = probe.price
    if entry is None:
        raise SizingError("limit_price", f"No price for {instrument.symbol} to size from: give a limit price "
                                         "or wait for quotes.")
    limits = risk.limits_for(account, valid.request.strategy_id)
    rate = limits.fx_rate(instrument.currency)
    if rate is None:
        raise SizingError("risk", f"No exchange rate from {instrument.currency} to {limits.currency}: add one "
                                  "under FX rates in Risk limits, or watch a pair of the two, to size this "
                                  "instrument by risk.")
    budget = risk_budget(spec.risk_amount, spec.risk_pct, risk.equity_of(account, limits.currency), limits.currency)
    if spec.stop is not None:
        stop = spec.stop
    elif spec.stop_ticks is not None:
        stop = stop_from_ticks(instrument, valid.side, entry, spec.stop_ticks)
    else:
        assert spec.atr_k is not None
        stop = stop_from_atr(instrument, valid.side, entry, bars_of(instrument.symbol), spec.atr_k, spec.atr_n)

    def allowed(quantity: Decimal) -> str | None:
        refusal = preview_order(risk, quote_of, dataclasses.replace(valid, quantity=quantity), now).refusal
        return None if refusal is None or refusal.confirm else refusal.reason

    lot = Decimal(1) if whole_units and instrument.lot_size < 1 else None
    return size_by_risk(instrument, valid.side, entry, stop, budget, rate=rate, allowed=allowed, lot=lot)
