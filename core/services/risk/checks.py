"""Pre-trade checks: each returns a reason a trader understands, or None when the order may pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from core.domain import Instrument, Order, OrderType, Side, TradingState
from core.services.risk.context import RiskContext, duplicate_key
from core.services.risk.drawdown import drawdown_levels
from core.services.risk.limits import RiskLimits
from core.services.risk.prices import collar, collar_on, order_price, quote_price
from core.services.risk.rolling_drawdown import rolling_levels, span_text
from core.services.risk.strategy_book import StrategyView
from core.services.risk.thresholds import Breach, Levels, breach, pct_text
from core.services.working_orders import at_market

Check = Callable[[Order, RiskLimits, RiskContext], str | None]


def num(value: Decimal) -> str:
    """Format a number for a message: thousands separators, no trailing zeros."""
    text = f"{value.normalize():,f}"
    return text


def px(value: Decimal, instrument: Instrument) -> str:
    """Format a price with the places of the instrument's tick (99.50, not 99.5), or in full when off the tick."""
    places = instrument.price_places
    try:
        on_places = value == value.quantize(Decimal(1).scaleb(-places))
    except ArithmeticError:  # more digits than the context holds: show it as it is
        return num(value)
    return f"{value:,.{places}f}" if on_places else num(value)


def money(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01')):,f} {currency}"


def _missing_rate(currency: str, limits: RiskLimits) -> str:
    return (f"No exchange rate from {currency} to {limits.currency}: add one under FX rates in Risk limits, or "
            f"watch a {currency} pair (such as {limits.currency}_{currency}) so its price gives one.")


def reduces_position(order: Order, ctx: RiskContext) -> bool:
    """Return True if the order (with the account's working orders on that side) only shrinks the position."""
    position = ctx.position_qty(order.symbol)
    if position == 0 or (position > 0) == (order.side is Side.BUY):
        return False
    pending = ctx.working_leaves(order.symbol, order.side) + order.quantity.value
    return pending <= abs(position)


def check_trading_state(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    if ctx.state is TradingState.ACTIVE:
        return None
    if order.origin.reduce_only and ctx.overridable:
        return None  # check_reduce_only decides; the engine asks for a confirm once every check has passed
    if ctx.state is TradingState.HALTED:
        return f"{order.account_id} is halted: {ctx.state_reason} No new orders until trading is resumed."
    if ctx.state is TradingState.REDUCING and not reduces_position(order, ctx):
        return (f"{order.account_id} may only reduce positions ({ctx.state_reason}); "
                f"this {order.side.value.lower()} would open or add to {order.symbol}.")
    return None


def check_reduce_only(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse a close or Flatten order that would not only reduce its position, counting the other closes working."""
    if not order.origin.reduce_only:
        return None
    position = ctx.closable_qty(order.symbol)
    if position == 0:
        return (f"There is no {order.symbol} position on {order.account_id} to close: "
                "a close order only reduces a position.")
    held = f"{'long' if position > 0 else 'short'} {num(abs(position))} {order.symbol} on {order.account_id}"
    if (position > 0) == (order.side is Side.BUY):
        return (f"This {order.side.value.lower()} would add to your {held}: "
                "a close order only reduces a position.")
    closing = ctx.closing_leaves(order.symbol, order.side)
    left = abs(position) - closing
    if left <= 0:
        return f"Your {held} is already being closed by working orders; nothing left to close."
    if order.quantity.value <= left:
        return None
    if closing > 0:
        return (f"Only {num(left)} of your {held} is left to close ({num(closing)} is being closed by working "
                f"orders): reduce the quantity to {num(left)}.")
    return (f"Quantity {num(order.quantity.value)} is more than your {held}: a close order may not take a "
            f"position through zero; reduce the quantity to {num(left)}.")


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
        return (f"Quantity {num(order.quantity.value)} is above the {num(cap)} limit per order: check for a typo, "
                f"split the order, or raise Max order quantity in Risk limits (for {order.account_id} alone if it "
                "trades in larger units, as FX does).")
    return None


def check_quote_fresh(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse an order that may fill at the market (market, stop, stop-limit) without a fresh quote to value it."""
    if not at_market(order):
        return None
    quote = ctx.quote_of(order.symbol)
    if quote is None or quote_price(quote, order.side) is None:
        needs, instead = _needs(order, ctx)
        return f"No quote for {order.symbol}: {needs} a current price; {instead}."
    age = Decimal(str((ctx.now - quote.ts).total_seconds()))
    if age > limits.max_quote_age_s:
        needs, instead = _needs(order, ctx)
        return (f"The last {order.symbol} quote is {age.quantize(Decimal('0.1'))} s old "
                f"(limit {num(limits.max_quote_age_s)} s): {needs} a fresh price; {instead}.")
    return None


def _needs(order: Order, ctx: RiskContext) -> tuple[str, str]:
    """Why an order at the market needs a quote, and what to do without one (asked only when refusing)."""
    if order.order_type is OrderType.MARKET:
        return "a market order needs", "use a limit order"
    return "a stop order is valued and collared against the market, so it needs", ctx.quote_advice()


def check_order_notional(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = limits.max_order_notional
    if cap is None:
        return None
    price = order_price(order, ctx.quote_of(order.symbol))
    if price is None:
        return f"No price for {order.symbol} to value the order: use a limit order or {ctx.quote_advice()}."
    rate = limits.fx_rate(order.instrument.currency)
    if rate is None:
        return _missing_rate(order.instrument.currency, limits)
    value = abs(order.instrument.notional(order.quantity.value, price)) * rate
    if value > cap:
        return (f"Order value {money(value, limits.currency)} is above the {money(cap, limits.currency)} "
                "limit per order: check the quantity and price.")
    return None


def _collared(label: str, price: Decimal, order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    if not collar_on(limits):
        return None
    band = collar(limits, ctx.quote_of(order.symbol), order.instrument.tick_size)
    if band is None:
        return f"No quote for {order.symbol} to check the {label.lower()} price against: {ctx.quote_advice()}."
    if band.contains(price):
        return None
    i = order.instrument
    return (f"{label} {px(price, i)} is outside the price collar {px(band.low, i)}–{px(band.high, i)} "
            f"around bid {px(band.bid, i)} / ask {px(band.ask, i)}: check the price.")


def check_price_collar(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse a limit price (of a limit or stop-limit order) outside the collar around the market."""
    if order.limit_price is None:
        return None
    return _collared("Limit", order.limit_price.value, order, limits, ctx)


def check_stop_collar(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse a stop price outside the collar around the market: a fat-fingered trigger fills at the market."""
    if order.stop_price is None:
        return None
    return _collared("Stop", order.stop_price.value, order, limits, ctx)


def check_working_orders(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = (ctx.account_limits or limits).max_working_orders
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


def check_order_window(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    account = ctx.account_limits or limits  # the account's orders, counted against the account's limit
    cap = account.max_orders_per_window
    if cap is None:
        return None
    count = ctx.orders_within(account.order_window_h)
    if count + 1 > cap:
        return (f"Order limit over a rolling {num(account.order_window_h)} h: {count} orders on {order.account_id} "
                f"(limit {cap}). Wait for older ones to leave the window, or raise max_orders_per_window.")
    return None


def check_strategy_order_window(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse an order past its strategy's own order limit over the rolling window, counted across its accounts."""
    cap = limits.max_orders_per_window
    if ctx.strategy_orders_within is None or cap is None:
        return None
    count = ctx.strategy_orders_within(limits.order_window_h)
    if count + 1 > cap:
        strategy = order.strategy_id or "manual"
        return (f"Strategy {strategy}'s order limit over a rolling {num(limits.order_window_h)} h: {count} orders "
                f"on all its accounts (limit {cap}). Wait for older ones to leave the window, or raise its "
                "max_orders_per_window.")
    return None


def check_position(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    cap = (ctx.account_limits or limits).max_position
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
    limits = ctx.account_limits or limits
    cap = limits.max_gross_exposure
    if cap is None:
        return None
    if order.origin.reduce_only and not ctx.book.raises_exposure(order):
        return None  # a close that cannot raise it passes, over the limit too (prices moved): the way back under it
    exposure = ctx.book.exposure(limits.fx_rate, extra=order)
    if exposure.missing_rate is not None:
        return _missing_rate(exposure.missing_rate, limits)
    if exposure.amount > cap:
        return (f"Gross exposure would reach {money(exposure.amount, limits.currency)}, above the "
                f"{money(cap, limits.currency)} limit: reduce the quantity or close positions.")
    return None


def check_strategy_position(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse an order that could take its strategy's own position (with its working orders) beyond its limit."""
    book, cap = ctx.strategy, limits.max_position
    if book is None or cap is None:
        return None
    position = book.position_qty(order.symbol)
    if order.side is Side.BUY:
        worst = position + book.working_leaves(order.symbol, Side.BUY) + order.quantity.value
    else:
        worst = -(position - book.working_leaves(order.symbol, Side.SELL) - order.quantity.value)
    if worst > cap:
        side = "long" if order.side is Side.BUY else "short"
        return (f"Strategy {book.strategy_id} could reach {num(worst)} {side} {order.symbol} with its working "
                f"orders, above its {num(cap)} position limit: reduce the quantity.")
    return None


def check_strategy_daily_loss(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Hold a strategy whose own loss of the day is beyond its limit to reducing its own positions, beyond its halt
    level to nothing (the account trades on)."""
    book = ctx.strategy
    if book is None or book.daily_loss is None:
        return None
    levels = Levels(limits.daily_loss_limit, limits.daily_loss_halt)
    return _strategy_held(order, limits, book, breach(levels, book.daily_loss),
                          f"its daily loss {money(book.daily_loss, limits.currency)}")


def check_strategy_drawdown(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Past its drawdown limit (currency or %) a strategy may only reduce its own positions; past its halt, send
    nothing."""
    book = ctx.strategy
    if book is None or book.drawdown is None or book.drawdown.amount == 0:
        return None
    fell = book.drawdown
    found = breach(drawdown_levels(limits), fell.amount, fell.pct)
    share = f" ({pct_text(fell.pct)} of the account's equity)" if found and found.pct and fell.pct is not None else ""
    return _strategy_held(order, limits, book, found,
                          f"its drawdown {money(fell.amount, limits.currency)}{share} from today's peak")


def check_strategy_rolling_drawdown(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Past its drawdown limit over its window of days a strategy may only reduce its own positions; past its halt
    level, send nothing."""
    book = ctx.strategy
    if book is None or book.rolling is None or book.rolling.drawdown.amount == 0:
        return None
    fell = book.rolling.drawdown
    found = breach(rolling_levels(limits), fell.amount, fell.pct)
    share = f" ({pct_text(fell.pct)} of the account's equity)" if found and found.pct and fell.pct is not None else ""
    return _strategy_held(order, limits, book, found, f"its drawdown {money(fell.amount, limits.currency)}{share} "
                                                      f"from its peak of {span_text(limits.rolling_drawdown_days)}")


def _strategy_held(order: Order, limits: RiskLimits, book: StrategyView, found: Breach | None, what: str
                   ) -> str | None:
    """Return why a strategy beyond a threshold may not send order (beyond its limit, an order that only reduces
    its own position passes), or None."""
    name = f"Strategy {book.strategy_id}"
    if found is None or (found.state is TradingState.REDUCING and _reduces_own(order, book)):
        return None
    level = found.level_text(limits.currency, article="its")
    if found.state is TradingState.HALTED:
        return f"{name} is halted on {order.account_id}: {what} is beyond {level}."
    return f"{name} may only reduce its own positions on {order.account_id}: {what} is beyond {level}."


def _reduces_own(order: Order, book: StrategyView) -> bool:
    """Return True if the order (with the strategy's working orders on that side) only shrinks its own position."""
    position = book.position_qty(order.symbol)
    closing = position != 0 and (position > 0) != (order.side is Side.BUY)
    return closing and book.working_leaves(order.symbol, order.side) + order.quantity.value <= abs(position)


def check_strategy_gross_exposure(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse an order that could take its strategy's own gross exposure (with its working orders) beyond its limit."""
    book, cap = ctx.strategy, limits.max_gross_exposure
    if book is None or cap is None:
        return None
    exposure = book.book.exposure(limits.fx_rate, extra=order)
    if exposure.missing_rate is not None:
        return _missing_rate(exposure.missing_rate, limits)
    if exposure.amount > cap:
        return (f"Strategy {book.strategy_id}'s gross exposure would reach {money(exposure.amount, limits.currency)}, "
                f"above its {money(cap, limits.currency)} limit: reduce the quantity or close its positions.")
    return None


def check_strategy_working_orders(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    book, cap = ctx.strategy, limits.max_working_orders
    if book is None or cap is None:
        return None
    if book.working_count + 1 > cap:
        return (f"Strategy {book.strategy_id} already has {book.working_count} working orders on "
                f"{order.account_id} (its limit {cap}): cancel some first.")
    return None


def check_buying_power(order: Order, limits: RiskLimits, ctx: RiskContext) -> str | None:
    """Refuse an order whose opening part is worth more than the allowed share of the account's buying power (its
    margin, where the broker holds a share of the notional: Instrument.margin_rate)."""
    share = limits.max_buying_power_pct
    if share is None:
        return None
    position = ctx.position_qty(order.symbol) * order.side.sign
    opening = order.quantity.value if position >= 0 else max(Decimal(0), order.quantity.value + position)
    if opening == 0:
        return None
    currency = order.instrument.currency
    power = ctx.buying_power(currency)
    if power is None:
        return (f"The buying power of {order.account_id} in {currency} is not known yet: wait for the account "
                f"panel to show its funds (for a currency the broker reports none in, watch {currency}'s pair "
                "with the account's currency), or switch off the buying power limit.")
    price = order_price(order, ctx.quote_of(order.symbol))
    if price is None:
        return f"No price for {order.symbol} to value the order: use a limit order or {ctx.quote_advice()}."
    need = order.instrument.buying_power_use(opening, price)
    allowed = max(power, Decimal(0)) * share / 100
    if need <= allowed:
        return None
    rate = order.instrument.margin_rate
    if rate is None:
        return (f"Order value {money(need, currency)} is above {num(share)}% of {order.account_id}'s buying power "
                f"({money(power, currency)}): reduce the quantity.")
    value = abs(order.instrument.notional(opening, price))
    return (f"The margin this order needs, {money(need, currency)} ({num(rate * 100)}% of {money(value, currency)}), "
            f"is above {num(share)}% of {order.account_id}'s margin available ({money(power, currency)}): reduce the "
            "quantity.")


CHECKS: tuple[tuple[str, Check], ...] = (
    ("account_id", check_trading_state),
    ("quantity", check_reduce_only),
    ("account_id", check_strategy_enabled),
    ("account_id", check_strategy_daily_loss),
    ("account_id", check_strategy_drawdown),
    ("account_id", check_strategy_rolling_drawdown),
    ("symbol", check_symbol_lists),
    ("quantity", check_order_quantity),
    ("order_type", check_quote_fresh),
    ("quantity", check_order_notional),
    ("stop_price", check_stop_collar),
    ("limit_price", check_price_collar),
    ("account_id", check_working_orders),
    ("account_id", check_strategy_working_orders),
    ("quantity", check_duplicate),
    ("account_id", check_order_rate),
    ("account_id", check_order_window),
    ("account_id", check_strategy_order_window),
    ("quantity", check_position),
    ("quantity", check_strategy_position),
    ("quantity", check_gross_exposure),
    ("quantity", check_strategy_gross_exposure),
    ("quantity", check_buying_power),
)
"""Every check in the order it runs, with the order-ticket field its refusal is shown next to."""

PROTECTIVE_CHECKS: frozenset[Check] = frozenset({
    check_trading_state, check_reduce_only, check_order_quantity, check_quote_fresh, check_stop_collar,
    check_price_collar,
})
"""The checks a protective child (OrderOrigin.PROTECTIVE) passes: it only reduces its position, so no exposure,
notional, rate, duplicate, list or buying-power limit may block it; the collar (widened by
PROTECTIVE_COLLAR_FACTOR) and the quantity checks still do."""
STRATEGY_VIEW_CHECKS: frozenset[Check] = frozenset({
    check_strategy_daily_loss, check_strategy_drawdown, check_strategy_rolling_drawdown, check_strategy_working_orders,
    check_strategy_position, check_strategy_gross_exposure,
})
"""The checks that read only the order's strategy's own book (ctx.strategy) and pass when it is None."""


def checks_to_run(protective: bool, strategy_view: bool, entry_waiting: bool = False) -> tuple[tuple[str, Check], ...]:
    """Return the CHECKS an order runs, in order: a protective child's only (without the reduce-only check while
    its entry waits: it protects nothing yet), and without the strategy-book checks when its strategy has no
    limits of its own (they would all pass); computed once per combination."""
    key = (protective, strategy_view, entry_waiting)
    found = _SELECTED.get(key)
    if found is None:
        found = _SELECTED[key] = tuple(
            (field, check) for field, check in CHECKS
            if (not protective or check in PROTECTIVE_CHECKS) and (strategy_view or check not in STRATEGY_VIEW_CHECKS)
            and not (entry_waiting and check is check_reduce_only))
    return found


_SELECTED: dict[tuple[bool, bool, bool], tuple[tuple[str, Check], ...]] = {}
PROTECTIVE_COLLAR_FACTOR = 3
"""A protective child is sent when the market has run to its trigger: its collar is this many times wider."""


def protective_limits(limits: RiskLimits) -> RiskLimits:
    """Return limits with the collar PROTECTIVE_COLLAR_FACTOR times wider, for a protective child."""
    return replace(
        limits,
        collar_pct=None if limits.collar_pct is None else limits.collar_pct * PROTECTIVE_COLLAR_FACTOR,
        collar_ticks=None if limits.collar_ticks is None else limits.collar_ticks * PROTECTIVE_COLLAR_FACTOR,
    )
