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
