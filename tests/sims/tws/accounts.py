"""What the simulated TWS reports about an account: values (6/73/63), portfolio (7), P&L (94/95)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from tests.sims.tws.market import SimMarket
from tests.sims.tws.orders import OrderBook

if TYPE_CHECKING:
    from tests.sims.tws.server import ClientConnection

INITIAL_RATES = {"STK": Decimal("0.25"), "FUT": Decimal("0.08")}
MAINTENANCE_RATES = {"STK": Decimal("0.25"), "FUT": Decimal("0.064")}


class AccountView:
    """Compute and send account values, portfolio rows and P&L from the order book and the market's marks."""

    def __init__(self, book: OrderBook, market: SimMarket) -> None:
        self._book = book
        self._market = market

    def values(self, account: str) -> list[tuple[str, str, str]]:
        cash = self._book.cash.get(account, {})
        unrealized, realized, _ = self.pnl(account)
        total_cash = sum((amount * self._rate(currency) for currency, amount in cash.items()), Decimal(0))
        net = total_cash + self._holdings_value(account)
        margin = self.initial_margin(account)
        maintenance = self.maintenance_margin(account)
        rows = [("AccountCode", account, ""), ("Currency", "USD", "USD")]
        for currency, amount in sorted(cash.items()):
            rows.append(("CashBalance", f"{amount:.2f}", currency))
        rows += [
            ("CashBalance", f"{total_cash:.2f}", "BASE"),
            ("TotalCashValue", f"{total_cash:.2f}", "USD"),
            ("NetLiquidation", f"{net:.2f}", "USD"),
            ("InitMarginReq", f"{margin:.2f}", "USD"),
            ("MaintMarginReq", f"{maintenance:.2f}", "USD"),
            ("AvailableFunds", f"{net - margin:.2f}", "USD"),
            ("ExcessLiquidity", f"{net - maintenance:.2f}", "USD"),
            ("BuyingPower", f"{(net - margin) * 4:.2f}", "USD"),
            ("UnrealizedPnL", f"{unrealized:.2f}", "USD"),
            ("RealizedPnL", f"{realized:.2f}", "USD"),
        ]
        return rows

    def initial_margin(self, account: str) -> Decimal:
        """IB-like initial margin: 25% of stock value, 8% of a future's notional (forex balances need none)."""
        return self._margin(account, INITIAL_RATES)

    def maintenance_margin(self, account: str) -> Decimal:
        """IB-like maintenance margin: 25% of stock value, 6.4% of a future's notional (80% of its initial)."""
        return self._margin(account, MAINTENANCE_RATES)

    def _margin(self, account: str, rates: dict[str, Decimal]) -> Decimal:
        margin = Decimal(0)
        for _, key, holding in self._book.positions(account):
            listing = self._market.listings[key]
            rate = rates.get(listing.sec_type, Decimal(0))
            margin += abs(holding.quantity) * self._market.mark(key) * listing.contract_multiplier * rate
        return margin

    def _holdings_value(self, account: str) -> Decimal:
        """What positions add to the cash: stocks their market value; futures only their open P&L (no notional
        was paid); forex nothing (the bought currency is a cash balance already)."""
        value = Decimal(0)
        for _, key, holding in self._book.positions(account):
            listing = self._market.listings[key]
            mark = self._market.mark(key)
            if listing.sec_type == "FUT":
                value += (mark - holding.gross_avg) * holding.quantity * listing.contract_multiplier
            elif listing.sec_type != "CASH":
                value += mark * holding.quantity * listing.contract_multiplier
        return value

    def _rate(self, currency: str) -> Decimal:
        """USD per unit of currency, from the simulated forex market (1 for USD; 0 if no pair is listed)."""
        if currency == "USD":
            return Decimal(1)
        pair = f"{currency}.USD"
        return self._market.mark(pair) if pair in self._market.listings else Decimal(0)

    def send_account(self, conn: ClientConnection, account: str) -> None:
        enc = conn.encoder
        for key, value, currency in self.values(account):
            conn.send(enc.account_value(key, value, currency, account))
        for _, key, holding in self._book.positions(account):
            listing = self._market.listings[key]
            mark = self._market.mark(key)
            unrealized = (mark - holding.avg_price) * holding.quantity * listing.contract_multiplier
            conn.send(enc.portfolio_value(account, listing, holding.quantity, mark,
                                          holding.avg_price * listing.contract_multiplier, unrealized,
                                          holding.realized))
        conn.send(enc.account_time(datetime.now(UTC)))

    def pnl(self, account: str) -> tuple[Decimal, Decimal, Decimal]:
        unrealized = realized = value = Decimal(0)
        for _, key, holding in self._book.positions(account):
            listing = self._market.listings[key]
            mark = self._market.mark(key)
            unrealized += (mark - holding.avg_price) * holding.quantity * listing.contract_multiplier
            realized += holding.realized
            value += mark * holding.quantity * listing.contract_multiplier
        return unrealized, realized, value

    def send_pnl(self, conn: ClientConnection, req_id: int, account: str) -> None:
        unrealized, realized, _ = self.pnl(account)
        conn.send(conn.encoder.pnl(req_id, unrealized + realized, unrealized, realized))

    def send_pnl_single(self, conn: ClientConnection, req_id: int, account: str, con_id: int) -> None:
        listing = self._market.by_con_id.get(con_id)
        if listing is None:
            conn.send(conn.encoder.error(req_id, 200, "No security definition has been found for the request"))
            return
        holding = self._book.holdings.get((account, listing.key))
        quantity = holding.quantity if holding else Decimal(0)
        avg = holding.avg_price if holding else Decimal(0)
        realized = holding.realized if holding else Decimal(0)
        mark = self._market.mark(listing.key)
        unrealized = (mark - avg) * quantity * listing.contract_multiplier
        conn.send(conn.encoder.pnl_single(req_id, quantity, unrealized + realized, unrealized, realized,
                                          mark * quantity * listing.contract_multiplier))
