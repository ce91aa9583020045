"""AccountFundsSource: the optional capability of an account that reports its cash, equity, buying power, margin."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.domain.funds import AccountFunds


@runtime_checkable
class AccountFundsSource(Protocol):
    """An account that can say what it holds in cash and how much room is left (checked with isinstance).

    `account_funds` reads the broker's own figures where it reports them (IB account values, Kite margins,
    easytrader balance) or computes them from the account's books (paper, with its margin model). It
    must be cheap enough to call every few seconds; the FundsService calls it on fills and connects
    and never more often than its interval. Raise a BrokerError when the broker cannot be asked.
    """

    async def account_funds(self) -> AccountFunds:
        """Return the account's funds now."""
        ...
