"""The simulated TWS's account requests: positions (61/64), account updates (6, 76, 62), P&L (92-95), and the
pushes that follow a fill. A mixin of TwsSimulator, which provides the books and the connections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.sims.tws.accounts import AccountView
from tests.sims.tws.market import SimMarket
from tests.sims.tws.orders import OrderBook

if TYPE_CHECKING:
    from tests.sims.tws.server import ClientConnection


class AccountRequests:
    """Answer account requests from `book`, `market` and `accounts_view`; push updates to subscribed clients."""

    accounts: tuple[str, ...]
    book: OrderBook
    market: SimMarket
    accounts_view: AccountView
    _sockets: set[ClientConnection]

    def _req_positions(self, conn: ClientConnection, f: list[str]) -> None:
        conn.positions = True
        for account, key, holding in self.book.positions():
            listing = self.market.listings[key]
            conn.send(conn.encoder.position(account, listing, holding.quantity,
                                            holding.avg_price * listing.contract_multiplier))
        conn.send(conn.encoder.position_end())

    def _cancel_positions(self, conn: ClientConnection, f: list[str]) -> None:
        conn.positions = False

    def _req_account_updates(self, conn: ClientConnection, f: list[str]) -> None:
        subscribe, account = f[2] == "1", f[3] or self.accounts[0]
        if not subscribe:
            conn.account_updates = None
            return
        conn.account_updates = account
        self.accounts_view.send_account(conn, account)
        conn.send(conn.encoder.account_download_end(account))

    def _req_account_updates_multi(self, conn: ClientConnection, f: list[str]) -> None:
        req_id, account = int(f[2]), f[3]
        for key, value, currency in self.accounts_view.values(account):
            conn.send(conn.encoder.account_update_multi(req_id, account, key, value, currency))
        conn.send(conn.encoder.account_update_multi_end(req_id))

    def _req_account_summary(self, conn: ClientConnection, f: list[str]) -> None:
        req_id, tags = int(f[2]), {t.strip() for t in f[4].split(",") if t.strip()}
        ledger = "$LEDGER:ALL" in tags or "$LEDGER" in tags
        for account in self.accounts:
            for key, value, currency in self.accounts_view.values(account):
                if currency == "BASE" or (tags and key not in tags and not (ledger and key == "CashBalance")):
                    continue  # only the tags asked for (the ledger's cash tags per currency with $LEDGER)
                conn.send(conn.encoder.account_summary(req_id, account, key, value, currency))
        conn.send(conn.encoder.account_summary_end(req_id))

    def _req_pnl(self, conn: ClientConnection, f: list[str]) -> None:
        req_id, account = int(f[1]), f[2]
        conn.pnl[req_id] = account
        self.accounts_view.send_pnl(conn, req_id, account)

    def _cancel_pnl(self, conn: ClientConnection, f: list[str]) -> None:
        conn.pnl.pop(int(f[1]), None)

    def _req_pnl_single(self, conn: ClientConnection, f: list[str]) -> None:
        req_id, account, con_id = int(f[1]), f[2], int(f[4])
        conn.pnl_single[req_id] = (account, con_id)
        self.accounts_view.send_pnl_single(conn, req_id, account, con_id)

    def _cancel_pnl_single(self, conn: ClientConnection, f: list[str]) -> None:
        conn.pnl_single.pop(int(f[1]), None)

    def _push_account(self, account: str) -> None:
        for conn in list(self._sockets):
            if conn.account_updates == account:
                self.accounts_view.send_account(conn, account)
            if conn.positions:
                for acct, key, holding in self.book.positions(account):
                    listing = self.market.listings[key]
                    conn.send(conn.encoder.position(acct, listing, holding.quantity,
                                                    holding.avg_price * listing.contract_multiplier))
            for req_id, acct in conn.pnl.items():
                if acct == account:
                    self.accounts_view.send_pnl(conn, req_id, acct)
            for req_id, (acct, con_id) in conn.pnl_single.items():
                if acct == account:
                    self.accounts_view.send_pnl_single(conn, req_id, acct, con_id)
