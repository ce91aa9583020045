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


class OrderNotFound(BrokerError):
    """The broker does not know the order asked about (to cancel, modify or look up)."""

    def __init__(self, message: str = "The broker has no such order: it may have been filled or canceled "
                                      "already; refresh the orders to see its state.") -> None:
        super().__init__(message)


class RateLimited(BrokerError):
    """The broker refused the request because too many were sent; `retry_after_s` says when to try again.

    Raised by submit, it means the order was not placed (it is rejected, not unknown).
    """

    def __init__(self, message: str = "", retry_after_s: float | None = None) -> None:
        wait = f" Wait {retry_after_s:g} s, then try again." if retry_after_s is not None else " Wait, then try again."
        super().__init__((message or "The broker refused the request: too many requests in a short time.") + wait)
        self.retry_after_s = retry_after_s


class BrokerApiError(BrokerError):
    """The broker answered with an error TradeTerm has no better name for; `code` is the broker's own.

    The message is the broker's words for the trader (name the code in it where it helps, e.g. "IB error 321: ...").
    """

    def __init__(self, message: str, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Timeout(BrokerError):
    """No answer in time: for a submit the order's fate is UNKNOWN until reconciled."""


class AccountStateError(ValueError):
    """An account's own books on disk (a simulated or manual broker's state file, or its folder) cannot be used.

    Raised when the account is built, before anything is written; the message names the file and
    says what to do. Not a BrokerError: no broker is involved, and the account cannot start.
    """
