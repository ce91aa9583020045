"""Optional broker capabilities: small Protocols beside BrokerAdapter, checked with isinstance (never getattr)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from core.domain import OrderType


@runtime_checkable
class OrderTypes(Protocol):
    """An account that takes only some order types (easytrader: limit orders only).

    An adapter without this capability takes every OrderType. Flatten reads it to send a marketable limit
    where an account cannot take a market order.
    """

    order_types: frozenset[OrderType]


def takes(adapter: object, order_type: OrderType) -> bool:
    """Return True if the account behind adapter takes orders of order_type."""
    return not isinstance(adapter, OrderTypes) or order_type in adapter.order_types


@runtime_checkable
class LoginSession(Protocol):
    """What an interactive login gives the trader to read: until when it lasts, and as whom."""

    expires_at: datetime
    user_id: str


@runtime_checkable
class InteractiveLogin(Protocol):
    """An account that needs a person to log in in the browser (Kite's daily login).

    The trader opens `login_url()`, logs in, and pastes the address the broker redirects to.
    """

    def login_url(self) -> str:
        """Return the broker's login page for this account."""
        ...

    async def complete_login(self, pasted: str) -> LoginSession:
        """Exchange the pasted redirect address (or request token) for a session; ValueError if it holds none."""
        ...


@runtime_checkable
class AccountChooser(Protocol):
    """An account whose login reaches several broker accounts (IB managed accounts); one is chosen on connect."""

    @property
    def managed_accounts(self) -> tuple[str, ...]:
        """The broker accounts the login reaches (known once connected)."""
        ...

    @property
    def chosen_account(self) -> str:
        """The broker account orders go to."""
        ...


@runtime_checkable
class PricedElsewhere(Protocol):
    """An account whose broker sends no market prices (easytrader, the e-mail desk): its orders, positions and
    ticket are priced from the reference feed the trader chooses for it (Reference feeds)."""

    prices_elsewhere: bool


@runtime_checkable
class SimulatedMarket(Protocol):
    """An account whose market is simulated on this machine (the paper account's).

    Where a broker's own feed also quotes a symbol, what shows "each symbol's first feed" (a watchlist row on
    auto) shows the broker's market, not the simulation's, whichever quoted first.
    """

    simulated_market: bool
