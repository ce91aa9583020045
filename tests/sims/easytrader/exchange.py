"""SimExchange: one A-share account at a simulated broker, with the rules a trader meets at a Chinese broker.

Limit orders only; lots of 100 to buy (a sell may be an odd lot only when it sells every sellable share);
tick 0.01; price limits of ±10% of the previous close; T+1 (shares bought today are sold tomorrow); cash
and shares frozen by working orders. Orders fill when the simulated market crosses their price (a random
walk from core/adapters/paper/market.py). Thread-safe: the HTTP server and the ticker thread share it.
Refusals raise easytrader.exceptions.TradeError with the Chinese text a broker client shows.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from easytrader.exceptions import TradeError

from core.adapters.paper.market import Market
from core.domain import Instrument, Quote, Side

CHINA = timezone(timedelta(hours=8))
CENT = Decimal("0.01")
LOT = 100
NOT_CANCELABLE = "委托单状态错误不能撤单, 该委托单可能已经成交或者已撤"
CANCEL_SUBMITTED = "撤单申报已提交, 请查询委托状态"
"""The broker client's own dialog text for a cancel it passed on (with `EasytraderFaults.cancel_pending_s`)."""


@dataclass(slots=True)
class EasytraderFaults:
    """The impolite answers of real easytrader set-ups (broker-protocols.md, "Real-world answers").

    - `no_entrust_no`: /buy and /sell answer 201 {"message": "success"} without an entrust number (the broker
      client's confirmation dialog was late; easytrader issues 275, 348, 457). The order shows in today's
      entrusts after `entrust_appears_after_s`, or never when `never_placed` (457: reported, never placed).
    - `cancel_pending_s`: a cancel is answered with the client's own text and the order shows 已报待撤 this long
      before 已撤 (it can still fill meanwhile).
    - `void_after_s`: an order that has not traded becomes 废单 (voided) this long after it was accepted.
    """

    no_entrust_no: bool = False
    entrust_appears_after_s: float = 0.0
    never_placed: bool = False
    cancel_pending_s: float = 0.0
    void_after_s: float = 0.0

LISTINGS: Mapping[str, tuple[str, str, Decimal]] = {
    "600000": ("浦发银行", "SSE", Decimal("7.85")),
    "600519": ("贵州茅台", "SSE", Decimal("1700.00")),
    "000001": ("平安银行", "SZSE", Decimal("10.50")),
    "601398": ("工商银行", "SSE", Decimal("5.40")),
}


@dataclass(slots=True)
class Holding:
    total: int = 0
    sellable: int = 0
    frozen: int = 0
    cost: Decimal = Decimal(0)

    @property
    def available(self) -> int:
        return self.sellable - self.frozen


@dataclass(slots=True)
class SimOrder:
    entrust_no: str
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    time: datetime
    filled: int = 0
    value: Decimal = Decimal(0)
    canceled: int = 0
    status: str = "已报"

    @property
    def working(self) -> bool:
        return self.status in ("已报", "部成")

    @property
    def trades(self) -> bool:
        """True while the market can still fill it (a cancel waiting at the exchange too)."""
        return self.status in ("已报", "部成", "已报待撤", "部成待撤")

    @property
    def leaves(self) -> int:
        return self.quantity - self.filled - self.canceled

    @property
    def avg_price(self) -> Decimal:
        return (self.value / self.filled).quantize(CENT) if self.filled else Decimal(0)


@dataclass(frozen=True, slots=True)
class SimTrade:
    trade_no: str
    entrust_no: str
    symbol: str
    side: Side
    quantity: int
    price: Decimal
    time: datetime


@dataclass(slots=True)
class SimExchange:
    """The broker's books for one account, and the market its orders trade in."""

    cash: Decimal = Decimal("1000000.00")
    seed: int = 7
    max_fill_lots: int | None = None
    """When set, an order fills at most this many lots per market tick (partial fills)."""
    holdings: dict[str, Holding] = field(default_factory=dict)
    orders: list[SimOrder] = field(default_factory=list)
    trades: list[SimTrade] = field(default_factory=list)
    frozen_cash: Decimal = Decimal(0)
    closes: dict[str, Decimal] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    market: Market = field(init=False)
    faults: EasytraderFaults = field(default_factory=EasytraderFaults)
    _due: list[tuple[float, Callable[[], None]]] = field(default_factory=list)
    _entrust_seq: itertools.count[int] = field(default_factory=lambda: itertools.count(2041))
    _trade_seq: itertools.count[int] = field(default_factory=lambda: itertools.count(880001))

    def __post_init__(self) -> None:
        instruments = [Instrument(s, venue, "CNY", CENT, Decimal(LOT), name=name)
                       for s, (name, venue, _) in LISTINGS.items()]
        self.closes = {s: close for s, (_, _, close) in LISTINGS.items()}
        self.market = Market(instruments, self.closes, seed=self.seed, step_bps=Decimal(5), closes=self.closes)

    # --- what the test sets up -------------------------------------------------------------------

    def hold(self, symbol: str, quantity: int, cost: Decimal, sellable: int | None = None) -> None:
        """Give the account shares bought on earlier days (sellable defaults to all of them)."""
        with self.lock:
            self.holdings[symbol] = Holding(quantity, quantity if sellable is None else sellable, 0, cost)

    def roll_day(self) -> None:
        """Start the next trading day: everything held becomes sellable, today's books are cleared."""
        with self.lock:
            for order in self.orders:
                if order.working:
                    self._cancel(order)
            self.market.roll_day()
            self.closes = self.market.closes()
            for holding in self.holdings.values():
                holding.sellable = holding.total
                holding.frozen = 0
            self.orders.clear()
            self.trades.clear()

    def quote(self, symbol: str) -> Quote:
        with self.lock:
            return self.market.quote(symbol)

    def limits(self, symbol: str) -> tuple[Decimal, Decimal]:
        """Return today's (limit down, limit up): ±10% of the previous close, to the cent."""
        close = self.closes[symbol]
        return ((close * Decimal("0.9")).quantize(CENT, ROUND_HALF_UP),
                (close * Decimal("1.1")).quantize(CENT, ROUND_HALF_UP))

    # --- what the broker client does ---------------------------------------------------------------

    def place(self, side: Side, security: object, price: object, amount: object) -> dict[str, str]:
        """Enter an order; return {"entrust_no": ...} or raise TradeError with the broker's words."""
        symbol = str(security)[-6:]
        with self.lock:
            if symbol not in LISTINGS:
                raise TradeError(f"委托失败: 证券代码不存在 [{security}]")
            px = Decimal(str(price))
            qty = int(Decimal(str(amount)))
            if px <= 0 or px != px.quantize(CENT):
                raise TradeError(f"委托失败: 委托价格的最小变动单位为0.01元 [{price}]")
            low, high = self.limits(symbol)
            if not low <= px <= high:
                raise TradeError(f"委托失败: 委托价格超出涨跌停范围 [{low}-{high}]")
            if side is Side.BUY:
                self._check_buy(qty, px)
            else:
                self._check_sell(symbol, qty)
            order = SimOrder(str(next(self._entrust_seq)), symbol, side, qty, px, datetime.now(CHINA))
            if self.faults.no_entrust_no:
                if self.faults.never_placed:
                    self._release(order, qty)
                else:
                    self._later(self.faults.entrust_appears_after_s, lambda: self._book(order))
                return {"message": "success"}
            self._book(order)
            return {"entrust_no": order.entrust_no}

    def _book(self, order: SimOrder) -> None:
        self.orders.append(order)
        self._match(order, self.market.quote(order.symbol))
        if self.faults.void_after_s > 0:
            self._later(self.faults.void_after_s, lambda: self._void(order))

    def _void(self, order: SimOrder) -> None:
        if order.status == "已报" and order.filled == 0:
            order.status = "废单"
            self._release(order, order.leaves)

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        self._due.append((time.monotonic() + delay, action))

    def cancel(self, entrust_no: object) -> dict[str, str]:
        with self.lock:
            order = next((o for o in self.orders if o.entrust_no == str(entrust_no)), None)
            if order is None or not order.working:
                return {"message": NOT_CANCELABLE}
            if self.faults.cancel_pending_s > 0:
                order.status = "部成待撤" if order.filled else "已报待撤"
                self._later(self.faults.cancel_pending_s, lambda: self._cancel(order) if order.trades else None)
                return {"message": CANCEL_SUBMITTED}
            self._cancel(order)
            return {"message": "success"}

    def tick(self) -> None:
        """Move the market one step and fill the working orders it crosses."""
        with self.lock:
            if self._due:
                now = time.monotonic()
                due = [a for t, a in self._due if t <= now]
                self._due = [(t, a) for t, a in self._due if t > now]
                for action in due:
                    action()
            quotes = {q.symbol: q for q in self.market.step()}
            for order in self.orders:
                if order.trades:
                    self._match(order, quotes[order.symbol])

    # --- rules -----------------------------------------------------------------------------------

    def _check_buy(self, qty: int, px: Decimal) -> None:
        if qty <= 0 or qty % LOT:
            raise TradeError(f"委托失败: 买入数量必须是{LOT}的整数倍 [{qty}]")
        need = px * qty
        if need > self.cash - self.frozen_cash:
            raise TradeError(f"委托失败: 可用资金不足 (需要 {need}, 可用 {self.cash - self.frozen_cash})")
        self.frozen_cash += need

    def _check_sell(self, symbol: str, qty: int) -> None:
        holding = self.holdings.get(symbol, Holding())
        if qty <= 0 or qty > holding.available:
            raise TradeError(f"委托失败: 可用股份不足 (可卖 {holding.available}, 委托 {qty})")
        if qty % LOT and qty != holding.available:
            raise TradeError(f"委托失败: 卖出数量必须是{LOT}的整数倍, 零股须一次卖出 [{qty}]")
        holding.frozen += qty
        self.holdings[symbol] = holding

    def _match(self, order: SimOrder, quote: Quote) -> None:
        if order.side is Side.BUY and quote.ask is not None and quote.ask <= order.price:
            self._fill(order, quote.ask)
        elif order.side is Side.SELL and quote.bid is not None and quote.bid >= order.price:
            self._fill(order, quote.bid)

    def _fill(self, order: SimOrder, px: Decimal) -> None:
        qty = order.leaves if self.max_fill_lots is None else min(order.leaves, self.max_fill_lots * LOT)
        now = datetime.now(CHINA)
        self.trades.append(SimTrade(str(next(self._trade_seq)), order.entrust_no, order.symbol, order.side, qty, px,
                                    now))
        order.filled += qty
        order.value += px * qty
        order.status = "已成" if order.leaves == 0 else ("部成待撤" if "待撤" in order.status else "部成")
        holding = self.holdings.setdefault(order.symbol, Holding())
        if order.side is Side.BUY:
            self.frozen_cash -= order.price * qty
            self.cash -= px * qty
            cost = (holding.cost * holding.total + px * qty) / (holding.total + qty)
            holding.cost = cost.quantize(Decimal("0.001"))
            holding.total += qty
        else:
            self.cash += px * qty
            holding.total -= qty
            holding.sellable -= qty
            holding.frozen -= qty

    def _cancel(self, order: SimOrder) -> None:
        leaves = order.leaves
        order.canceled += leaves
        order.status = "部撤" if order.filled else "已撤"
        self._release(order, leaves)

    def _release(self, order: SimOrder, leaves: int) -> None:
        """Unfreeze what an order that will not trade (leaves of it) held."""
        if order.side is Side.BUY:
            self.frozen_cash -= order.price * leaves
        else:
            self.holdings[order.symbol].frozen -= leaves
