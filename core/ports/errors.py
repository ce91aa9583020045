"""One error hierarchy for every broker; each message is meant for a trader's eyes."""

from __future__ import annotations


class BrokerError(Exception):
    """Something a broker (or the way to it) refused or failed; `str(error)` says what to do."""


class ConnectionLost(BrokerError):
    pass


class AuthenticationFailed(BrokerError):
    pass


class OrderRejected(BrokerError):
    pass


class InsufficientFunds(OrderRejected):
    pass


class InvalidInstrument(OrderRejected):
    pass


class MarketClosed(OrderRejected):
    pass


class Timeout(BrokerError):
    """No answer in time: for a submit the order's fate is UNKNOWN until reconciled."""


class AccountStateError(ValueError):
    """An account's own books on disk (a simulated or manual broker's state file, or its folder) cannot be used.

    Raised when the account is built, before anything is written; the message names the file and
    says what to do. Not a BrokerError: no broker is involved, and the account cannot start.
    """
