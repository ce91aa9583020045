"""TicketRows: what a click on a watchlist row or a double-click on a position puts on the order ticket."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex

from core.domain import OrderType, Position, Quote, Side
from core.services.session_view import SessionView
from gui.models.quotes import QuotesTableModel
from gui.models.table_model import RawRole
from gui.widgets.order_ticket import OrderTicketWidget


class TicketRows:
    """Fill the ticket from the rows the trader clicks, priced from the row's own account's feed."""

    def __init__(self, view: SessionView, quotes: QuotesTableModel, ticket: OrderTicketWidget) -> None:
        self._view = view
        self._quotes = quotes
        self._ticket = ticket

    def quote_of(self, symbol: str, account: str) -> Quote | None:
        """Return the newest quote of symbol on account's own feed (another feed only when it has none: labelled)."""
        return self._view.latest_quote(symbol, account)

    def on_watchlist_clicked(self, index: QModelIndex) -> None:
        """Fill the ticket on the account whose market the row shows: a bid sells at it, an ask buys at it.

        A click on a price takes the cursor to the quantity (ready to type a size); a click anywhere else only
        picks the symbol and leaves the keyboard with the watchlist (arrow keys move in it, never step the quantity).
        """
        symbol = str(index.siblingAtColumn(0).data())
        key = self._quotes.columns[index.column()].key
        if key in ("ask", "bid"):
            self.trade_row(symbol, "BUY" if key == "ask" else "SELL")
        else:
            account = self._quotes.feed_of(symbol) or self._ticket.current_account()
            self._ticket.prefill(symbol, Side.BUY, account=account, focus=False)  # keys stay with the grid

    def trade_row(self, symbol: str, side: str) -> None:
        """Put a limit on the ticket on the account whose market the row shows: a buy at its ask, a sell at its bid
        (a click on the row's ask or bid, or its menu's Buy/Sell); the cursor goes to the quantity."""
        account = self._quotes.feed_of(symbol) or self._ticket.current_account()
        quote = self.quote_of(symbol, account) if account else None
        buy = Side(side) is Side.BUY
        price = None if quote is None else quote.ask if buy else quote.bid
        self._ticket.prefill(symbol, Side(side), price=price, order_type=OrderType.LIMIT, account=account)

    def on_position_double_clicked(self, index: QModelIndex) -> None:
        """Put the close of the row's position on the ticket: its account, the opposite side, its size, the touch,
        and its product where the broker keeps positions per product (Kite: the MIS row is closed in MIS)."""
        position = index.data(RawRole)
        if not isinstance(position, Position) or position.is_flat:
            return
        account = str(position.account_id)
        quote = self.quote_of(position.symbol, account)
        touch = None if quote is None else quote.bid if position.quantity > 0 else quote.ask
        self._ticket.prefill_close(account, position.symbol, position.quantity, touch, position.avg_cost,
                                   position.product)
