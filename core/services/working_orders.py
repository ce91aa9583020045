"""WorkingOrders: running sums of each account's working orders per symbol, kept up to date by the OMS.

The pre-trade checks read these instead of walking every working order, so a check costs the number
of symbols an account trades, not the number of orders it has resting. The same sums are kept per
(account, strategy) for the checks of a strategy's own limits (`strategy_of`: a person's orders are MANUAL's).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple, TypeVar

from core.domain import AccountId, ClientOrderId, Instrument, Order, OrderType, Side, StrategyId
from core.domain.order import strategy_of

ZERO = Decimal(0)
_Key = TypeVar("_Key")


def fixed_price(order: Order) -> Decimal | None:
    """Return the dearest of the order's own prices (its limit, its stop), or None for a market order."""
    limit, stop = order.limit_price, order.stop_price  # every check and every sum asks: no list, no key function
    if stop is None:
        return None if limit is None else limit.value
    if limit is None:
        return stop.value
    return limit.value if abs(limit.value) >= abs(stop.value) else stop.value


def at_market(order: Order) -> bool:
    """Return True if the order may fill at the market: a market order, or a stop that triggers at once."""
    return order.order_type is not OrderType.LIMIT


def _asked_price(order: Order) -> Decimal | None:
    """Return the dearest price of the change an order has pending (as fixed_price values the order), or None."""
    pending = order.pending_replace
    if pending is None:
        return None
    prices = [p.value for p in (pending.limit_price, pending.stop_price) if p is not None]
    return max(prices, key=abs) if prices else None


def counted(order: Order) -> tuple[Decimal, Decimal | None]:
    """Return the unfilled quantity and fixed price a working order is counted at.

    While a change is pending (PENDING_REPLACE: the broker may work the old order or the new one), the
    larger of the old and new unfilled quantity, at the dearer of the old and new price: risk never counts
    less than the broker may fill. The account's checks and a strategy's own checks both count it so.
    """
    leaves, price = order.leaves_qty, fixed_price(order)
    pending = order.pending_replace
    if pending is None or pending.quantity is None:
        return leaves, price
    leaves = max(leaves, pending.quantity.value - order.filled_qty)
    asked = _asked_price(order)
    if price is not None and asked is not None:
        price = max(abs(price), abs(asked))
    return leaves, price


class Share(NamedTuple):
    """What one working order adds to its account and symbol.

    `price` is the dearest of its own prices (None for a market order); `market` says it is valued at the
    quote as well (market, stop and stop-limit orders: a stop can trigger at once and fill at the market);
    `strategy` is the strategy whose sums it is in as well (`strategy_of`).
    """

    account_id: AccountId
    symbol: str
    instrument: Instrument
    side: Side
    leaves: Decimal
    price: Decimal | None
    seq: int
    strategy: StrategyId
    market: bool = False


class SymbolOrders:
    """One account's working orders in one symbol: unfilled buys and sells, how many, and their prices.

    `seq` numbers follow the order manager's order of first sight, so the earliest working order of a
    symbol is known without walking them.
    """

    __slots__ = ("_prices", "_seqs", "_sorted", "buys", "count", "instrument", "quoted_buys", "quoted_sells", "sells")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.buys = ZERO
        self.sells = ZERO
        self.count = 0
        self.quoted_buys = 0
        self.quoted_sells = 0
        self._prices: dict[Decimal, int] = {}
        self._sorted: list[Decimal] = []
        self._seqs: list[int] = []

    def add(self, share: Share) -> None:
        self.instrument = share.instrument
        self.count += 1
        if share.side is Side.BUY:
            self.buys += share.leaves
        else:
            self.sells += share.leaves
        insort(self._seqs, share.seq)
        if share.market:
            if share.side is Side.BUY:
                self.quoted_buys += 1
            else:
                self.quoted_sells += 1
        price = share.price
        if price is not None:
            if price in self._prices:
                self._prices[price] += 1
            else:
                self._prices[price] = 1
                insort(self._sorted, price)

    def remove(self, share: Share) -> None:
        self.count -= 1
        if share.side is Side.BUY:
            self.buys -= share.leaves
        else:
            self.sells -= share.leaves
        del self._seqs[bisect_left(self._seqs, share.seq)]
        if share.market:
            if share.side is Side.BUY:
                self.quoted_buys -= 1
            else:
                self.quoted_sells -= 1
        price = share.price
        if price is not None:
            if self._prices[price] > 1:
                self._prices[price] -= 1
            else:
                del self._prices[price]
                del self._sorted[bisect_left(self._sorted, price)]

    def dearest(self, without: Share | None = None) -> Decimal | None:
        """Return the highest absolute fixed price among the orders, leaving out `without` (one of them) if given."""
        prices = self._sorted
        if not prices:
            return None
        top = prices[-1]
        if without is not None and without.price == top and self._prices[top] == 1:
            return prices[-2] if len(prices) > 1 else None
        return top

    def first_seq(self, without: Share | None = None) -> int | None:
        """Return the seq of the earliest working order, leaving out `without` if given; None if none is left."""
        seqs = self._seqs
        if without is not None and seqs and seqs[0] == without.seq:
            return seqs[1] if len(seqs) > 1 else None
        return seqs[0] if seqs else None


class AccountOrders:
    """One account's working orders (or one strategy's on one account): per symbol, and how many in all."""

    __slots__ = ("count", "symbols")

    def __init__(self) -> None:
        self.symbols: dict[str, SymbolOrders] = {}
        self.count = 0

    def add(self, share: Share) -> None:
        self.count += 1
        book = self.symbols.get(share.symbol)
        if book is None:
            book = self.symbols[share.symbol] = SymbolOrders(share.instrument)
        book.add(share)

    def remove(self, share: Share) -> None:
        self.count -= 1
        book = self.symbols[share.symbol]
        book.remove(share)
        if book.count == 0:
            del self.symbols[share.symbol]


class WorkingOrders:
    """Per account (and per account and strategy) and symbol, the running sums of the working orders;
    `update(order)` after every change."""

    def __init__(self) -> None:
        self._shares: dict[ClientOrderId, Share] = {}
        self._seqs: dict[ClientOrderId, int] = {}
        self._accounts: dict[AccountId, AccountOrders] = {}
        self._strategies: dict[tuple[AccountId, StrategyId], AccountOrders] = {}

    @classmethod
    def of(cls, orders: Iterable[Order]) -> WorkingOrders:
        """Return the sums of orders, taken in their iteration order."""
        index = cls()
        for order in orders:
            index.update(order)
        return index

    def update(self, order: Order) -> None:
        """Take the order's current state into the sums (it counts while it is working)."""
        coid = order.client_order_id
        seq = self._seqs.get(coid)
        if seq is None:
            seq = self._seqs[coid] = len(self._seqs)
        new = None
        if order.is_working:
            leaves, price = counted(order)
            new = Share(order.account_id, order.instrument.symbol, order.instrument, order.side, leaves,
                        None if price is None else abs(price), seq, strategy_of(order), at_market(order))
        if self._shares.get(coid) == new:
            return
        self.discard(coid)
        if new is not None:
            self._shares[coid] = new
            _sums_in(self._accounts, new.account_id).add(new)
            _sums_in(self._strategies, _strategy_key(new)).add(new)

    def discard(self, client_order_id: ClientOrderId) -> None:
        """Take an order out of the sums (one counted, then never journaled); unknown orders are ignored."""
        old = self._shares.pop(client_order_id, None)
        if old is None:
            return
        self._accounts[old.account_id].remove(old)
        key = _strategy_key(old)
        strategy = self._strategies[key]
        strategy.remove(old)
        if strategy.count == 0:
            del self._strategies[key]  # a strategy's orders come and go: keep no empty sums behind

    def share(self, client_order_id: ClientOrderId) -> Share | None:
        """Return what the order adds to the sums, or None when it is not working (or unknown)."""
        return self._shares.get(client_order_id)

    def account(self, account_id: AccountId) -> AccountOrders:
        """Return the account's sums (empty if it has no working order); read them, never change them."""
        return self._accounts.get(account_id) or AccountOrders()

    def strategy(self, account_id: AccountId, strategy_id: StrategyId) -> AccountOrders:
        """Return the sums of one strategy's working orders on the account (`strategy_of`; empty if none)."""
        return self._strategies.get((account_id, strategy_id)) or AccountOrders()

    def count(self, account_id: AccountId | None = None) -> int:
        """Return how many orders are working, for one account or for all."""
        if account_id is None:
            return len(self._shares)
        account = self._accounts.get(account_id)
        return 0 if account is None else account.count


def _strategy_key(share: Share) -> tuple[AccountId, StrategyId]:
    return share.account_id, share.strategy


def _sums_in(books: dict[_Key, AccountOrders], key: _Key) -> AccountOrders:
    found = books.get(key)
    if found is None:
        found = books[key] = AccountOrders()
    return found
