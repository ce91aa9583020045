"""MarketDataError: a feed refused or stopped quoting one symbol, in the broker's own words; FeedChanged: a whole
feed stopped or streams again."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.events import StampedEvent
from core.domain.identifiers import AccountId


@dataclass(frozen=True, slots=True)
class MarketDataError(StampedEvent):
    """account_id's feed cannot quote symbol: the broker's code (IB 101 max tickers, 200 no definition) and text.

    A view shows it on the symbol's row for that feed until a quote from that feed arrives.
    """

    account_id: AccountId
    symbol: str
    code: int
    message: str

    def describe(self) -> str:
        """Return what the row shows: the feed, the broker's code and its text."""
        return f"{self.account_id} error {self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class FeedChanged(StampedEvent):
    """account_id's price feed stopped (live False: its quotes are the last it sent) or streams again (True), while
    the account itself may still take orders (Kite's ticker is apart from its REST API). A view showing that
    feed's prices marks them not live; a dropped connection of the account says the same (ConnectionChanged)."""

    account_id: AccountId
    live: bool
    message: str = ""
