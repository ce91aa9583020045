"""Current usage beside each limit, for the risk limits dialog ("exposure 41,200 / 100,000 USD")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain import AccountId, StrategyId
from core.services.risk.drawdown import Drawdown
from core.services.risk.engine import RiskEngine
from core.services.risk.limits import RiskLimits
from core.services.risk.rolling_drawdown import RollingFall


@dataclass(frozen=True, slots=True)
class Usage:
    """How much of one limit is used now; `limit` None means the check is off."""

    field: str
    used: Decimal
    limit: Decimal | None
    unit: str = ""

    def text(self) -> str:
        """Return e.g. '41,200 / 100,000 USD', or '41,200 USD (no limit)'."""
        unit = f" {self.unit}" if self.unit else ""
        if self.limit is None:
            return f"{_fmt(self.used)}{unit} (no limit)"
        return f"{_fmt(self.used)} / {_fmt(self.limit)}{unit}"


def _fmt(value: Decimal) -> str:
    rounded = value.quantize(Decimal(1)) if abs(value) >= 1000 else value.quantize(Decimal("0.01"))
    return f"{rounded.normalize():,f}" if rounded == rounded.to_integral_value() else f"{rounded:,f}"


def _decimal(value: int | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def account_usage(engine: RiskEngine, account_id: AccountId) -> dict[str, Usage]:
    """Return the usage of every limit that has one, for one account."""
    limits = engine.limits_for(account_id)
    per_second, per_minute = engine.order_counts(account_id)
    usage = {
        "max_position": Usage("max_position", engine.largest_position(account_id), limits.max_position),
        "max_working_orders": Usage("max_working_orders", Decimal(engine.working_count(account_id)),
                                    _decimal(limits.max_working_orders)),
        "max_orders_per_second": Usage("max_orders_per_second", Decimal(per_second),
                                       _decimal(limits.max_orders_per_second)),
        "max_orders_per_minute": Usage("max_orders_per_minute", Decimal(per_minute),
                                       _decimal(limits.max_orders_per_minute)),
        "max_orders_per_window": Usage("max_orders_per_window", Decimal(engine.orders_in_window(account_id)),
                                       _decimal(limits.max_orders_per_window)),
    }
    exposure = engine.exposure(account_id)
    if exposure is not None:
        usage["max_gross_exposure"] = Usage("max_gross_exposure", exposure, limits.max_gross_exposure, limits.currency)
    loss = engine.daily_loss(account_id)
    if loss is not None:
        usage["daily_loss_limit"] = Usage("daily_loss_limit", loss, limits.daily_loss_limit, limits.currency)
        usage["daily_loss_halt"] = Usage("daily_loss_halt", loss, limits.daily_loss_halt, limits.currency)
    drawdown = engine.drawdown(account_id)
    usage.update(_drawdown_usage(limits, drawdown, engine.rolling_drawdown(account_id)))
    return usage


_TODAY = ("drawdown_limit", "drawdown_halt")
_OVER_DAYS = ("rolling_drawdown_limit", "rolling_drawdown_halt")


def _drawdown_usage(limits: RiskLimits, today: Drawdown | None, over_days: RollingFall | None) -> dict[str, Usage]:
    """Return the usage of both drawdowns' thresholds, in currency and (with an equity) in %."""
    usage: dict[str, Usage] = {}
    for names, drawdown in ((_TODAY, today), (_OVER_DAYS, None if over_days is None else over_days.drawdown)):
        if drawdown is None:
            continue
        for name in names:
            usage[name] = Usage(name, drawdown.amount, getattr(limits, name), limits.currency)
            if drawdown.pct is not None:
                usage[f"{name}_pct"] = Usage(f"{name}_pct", drawdown.pct, getattr(limits, f"{name}_pct"), "%")
    return usage


def global_usage(engine: RiskEngine) -> dict[str, Usage]:
    """Return, for each limit, the usage of the account that uses the most of it."""
    best: dict[str, Usage] = {}
    for account_id in engine.accounts():
        for name, usage in account_usage(engine, account_id).items():
            if name not in best or usage.used > best[name].used:
                best[name] = usage
    return best


def strategy_usage(engine: RiskEngine, strategy_id: StrategyId) -> dict[str, Usage]:
    """Return one strategy's fill-throttle usage and, on the account where it uses the most, its own position,
    working orders, daily loss and drawdown (a strategy with its own scope only)."""
    limits = engine.limits_for(None, strategy_id)
    fills = Decimal(engine.strategy_fills(strategy_id))
    usage = {"strategy_max_fills": Usage("strategy_max_fills", fills, _decimal(limits.strategy_max_fills), "fills")}
    if not engine.strategies.watched(strategy_id):
        return usage
    usage["max_orders_per_window"] = Usage("max_orders_per_window", Decimal(engine.window.strategy_count_within(
        strategy_id, engine.clock_now(), limits.order_window_h)), _decimal(limits.max_orders_per_window))
    for account_id in engine.accounts():
        own = engine.limits_for(account_id, strategy_id)
        held = engine.strategy_positions.positions(account_id, strategy_id)
        found = [Usage("max_position", max((abs(q) for q in held.values()), default=Decimal(0)), own.max_position),
                 Usage("max_working_orders", Decimal(engine.strategies.working_count(account_id, strategy_id)),
                       _decimal(own.max_working_orders))]
        pnl = engine.strategies.daily_pnl(account_id, strategy_id)
        if pnl is not None:
            found += [Usage(name, -pnl, getattr(own, name), own.currency)
                      for name in ("daily_loss_limit", "daily_loss_halt")]
        found += _drawdown_usage(own, engine.strategies.drawdown(account_id, strategy_id),
                                 engine.strategies.rolling_drawdown(account_id, strategy_id)).values()
        for item in found:
            if item.field not in usage or item.used > usage[item.field].used:
                usage[item.field] = item
    return usage


def usage_texts(engine: RiskEngine, scope: str, key: str | None = None) -> dict[str, str]:
    """Return field -> usage text for a dialog scope: "global", "account" (key = id) or "strategy" (key = id)."""
    if scope == "account" and key is not None:
        found = account_usage(engine, AccountId(key))
    elif scope == "strategy" and key is not None:
        found = strategy_usage(engine, StrategyId(key))
    else:
        found = global_usage(engine)
    texts = {name: usage.text() for name, usage in found.items()}
    if scope == "strategy" and key is not None and StrategyId(key) in engine.disabled_strategies():
        texts["strategy_max_fills"] += " — disabled"
    return texts
