"""Pre-trade checks: each returns a reason a trader understands, or None when the order may pass."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from core.domain import Order, OrderType, Side, TradingState
from core.services.risk.context import RiskContext, duplicate_key
from core.services.risk.limits import RiskLimits
from core.services.risk.prices import order_price, quote_price

Check = Callable[[Order, RiskLimits, RiskContext], str | None]


def num(value: Decimal) -> str:
    """Format a number for a message: thousands separators, no trailing zeros."""
    text = f"{value.normalize():,f}"
    return text


def on_tick(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    """Return value rounded to a whole number of ticks (ROUND_CEILING: up, ROUND_FLOOR: down)."""
    return (value / tick).quantize(Decimal(1), rounding=rounding) * tick


def money(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01')):,f} {currency}"


def _missing_rate(currency: str, limits: RiskLimits) -> str:
    return (f"No exchange rate from {currency} to {limits.currency} in Risk limits: "
            f"add one under FX rates to trade {currency} instruments.")


def reduces_position(order: Order, ctx: RiskContext) -> bool:
    """Return True if the order (with the account's working orders on that side) only shrinks the position."""
    position = ctx.position_qty(order.symbol)
    if position == 0 or (position > 0) == (order.side is Side.BUY):
        return False
    pending = ctx.working_leaves(order.symbol, order.side) + order.quantity.value
    return pending <= abs(position)


def check_trading_state(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    if ctx.state is TradingState.HALTED:
        return f"{order.account_id} is halted: {ctx.state_reason} No new orders until trading is resumed."
    if ctx.state is TradingState.REDUCING and not reduces_position(order, ctx):
        return (f"{order.account_id} may only reduce positions ({ctx.state_reason}); "
                f"this {order.side.value.lower()} would open or add to {order.symbol}.")
    return None


def check_strategy_enabled(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    return ctx.strategy_disabled


def check_symbol_lists(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    symbol = order.symbol.upper()
    if symbol in limits.blocked_symbols:
        return f"{order.symbol} is on the block list in Risk limits."
    if limits.allowed_symbols and symbol not in limits.allowed_symbols:
        return f"{order.symbol} is not on the allow list in Risk limits."
    return None


def check_order_quantity(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = limits.max_order_qty
    if cap is not None and order.quantity.value > cap:
        return (f"Quantity {num(order.quantity.value)} is above the {num(cap)} limit per order: "
                "check for a typo, or split the order.")
    return None


def check_quote_fresh(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    if order.order_type is not OrderType.MARKET:
        return None
    quote = ctx.quote_of(order.symbol)
    if quote is None or quote_price(quote, order.side) is None:
        return f"No quote for {order.symbol}: a market order needs a current price; use a limit order."
    age = Decimal(str((ctx.now - quote.ts).total_seconds()))
    if age > limits.max_quote_age_s:
        return (f"The last {order.symbol} quote is {age.quantize(Decimal('0.1'))} s old "
                f"(limit {num(limits.max_quote_age_s)} s): a market order needs a fresh price; use a limit order.")
    return None


def check_order_notional(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = limits.max_order_notional
    if cap is None:
        return None
    price = order_price(order, ctx.quote_of(order.symbol))
    if price is None:
        return f"No price for {order.symbol} to value the order: use a limit order or wait for quotes."
    rate = limits.fx_rate(order.instrument.currency)
    if rate is None:
        return _missing_rate(order.instrument.currency, limits)
    value = abs(order.instrument.notional(order.quantity.value, price)) * rate
    if value > cap:
        return (f"Order value {money(value, limits.currency)} is above the {money(cap, limits.currency)} "
                "limit per order: check the quantity and price.")
    return None


def check_price_collar(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    if order.limit_price is None or (limits.collar_pct is None and limits.collar_ticks is None):
        return None
    quote = ctx.quote_of(order.symbol)
    bid = quote.bid if quote is not None and quote.bid is not None else quote_price(quote)
    ask = quote.ask if quote is not None and quote.ask is not None else quote_price(quote)
    if bid is None or ask is None:
        return f"No quote for {order.symbol} to check the limit price against: wait for quotes."
    tick = order.instrument.tick_size
    lows: list[Decimal] = []
    highs: list[Decimal] = []
    if limits.collar_pct is not None:
        lows.append(bid * (1 - limits.collar_pct / 100))
        highs.append(ask * (1 + limits.collar_pct / 100))
    if limits.collar_ticks is not None:
        lows.append(bid - limits.collar_ticks * tick)
        highs.append(ask + limits.collar_ticks * tick)
    # Inward onto the tick: the same verdict for any on-tick price, and bounds a trader can type.
    low, high = on_tick(max(lows), tick, ROUND_CEILING), on_tick(min(highs), tick, ROUND_FLOOR)
    price = order.limit_price.value
    if price < low or price > high:
        return (f"Limit {num(price)} is outside the price collar {low:,f}–{high:,f} "
                f"around bid {num(bid)} / ask {num(ask)}: check the price.")
    return None


def check_working_orders(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = limits.max_working_orders
    working = ctx.book.working_count
    if cap is not None and working + 1 > cap:
        return f"{order.account_id} already has {working} working orders (limit {cap}): cancel some first."
    return None


def check_duplicate(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    window = limits.duplicate_window_s
    if window is None:
        return None
    same = ctx.recent.latest_same(duplicate_key(order), without=order.client_order_id)
    if same is None:
        return None
    age = Decimal(str(ctx.monotonic - same.at))
    if age > window:
        return None
    return (f"The same order was sent {age.quantize(Decimal('0.1'))} s ago "
            f"(duplicate window {num(window)} s): wait, or change the quantity or price.")


def check_order_rate(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    for cap, span, unit in ((limits.max_orders_per_second, 1, "second"), (limits.max_orders_per_minute, 60, "minute")):
        if cap is None:
            continue
        count = ctx.recent.count_within(ctx.monotonic, span, without=order.client_order_id)
        if count + 1 > cap:
            return f"Order rate limit: {count} orders in the last {unit} on {order.account_id} (limit {cap}). Wait."
    return None


def check_position(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = limits.max_position
    if cap is None:
        return None
    position = ctx.position_qty(order.symbol)
    if order.side is Side.BUY:
        worst = position + ctx.working_leaves(order.symbol, Side.BUY) + order.quantity.value
    else:
        worst = -(position - ctx.working_leaves(order.symbol, Side.SELL) - order.quantity.value)
    if worst > cap:
        side = "long" if order.side is Side.BUY else "short"
        return (f"{order.symbol} could reach {num(worst)} {side} with working orders, above the "
                f"{num(cap)} position limit: reduce the quantity.")
    return None


def check_gross_exposure(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = limits.max_gross_exposure
    if cap is None:
        return None
    exposure = ctx.book.exposure(limits.fx_rate, extra=order)
    if exposure.missing_rate is not None:
        return _missing_rate(exposure.missing_rate, limits)
    if exposure.amount > cap:
        return (f"Gross exposure would reach {money(exposure.amount, limits.currency)}, above the "
                f"{money(cap, limits.currency)} limit: reduce the quantity or close positions.")
    return None


CHECKS: tuple[tuple[str, Check], ...] = (
    ("account_id", check_trading_state),
    ("account_id", check_strategy_enabled),
    ("symbol", check_symbol_lists),
    ("quantity", check_order_quantity),
    ("order_type", check_quote_fresh),
    ("quantity", check_order_notional),
    ("limit_price", check_price_collar),
    ("account_id", check_working_orders),
    ("quantity", check_duplicate),
    ("account_id", check_order_rate),
    ("quantity", check_position),
    ("quantity", check_gross_exposure),
)
"""Every check in the order it runs, with the order-ticket field its refusal is shown next to."""
