"""ReferenceFeeds: the feed an account without market data of its own is priced from, chosen by the trader."""

from __future__ import annotations

from collections.abc import Callable, Mapping


class ReferenceFeeds:
    """Account -> the other account whose feed prices it, only where the trader chose one.

    An e-mail desk or an easytrader account has no market data; its orders, positions and ticket
    are priced from this feed and say so ("prices from PAPER-1"). An account without a choice is
    priced from its own feed only: never silently from another account's.

    Events: listeners given to `on_change` are called with (account, feed or None) on every choice.
    """

    def __init__(self, chosen: Mapping[str, str] | None = None) -> None:
        self._chosen: dict[str, str] = {}
        self._needing: set[str] = set()
        self._listeners: list[Callable[[str, str | None], None]] = []
        for account, feed in (chosen or {}).items():
            self.choose(account, feed)

    def of(self, account: str) -> str | None:
        """Return the reference feed chosen for account, or None."""
        return self._chosen.get(account)

    def chosen(self) -> dict[str, str]:
        """Return every choice, account: feed (what settings save)."""
        return dict(self._chosen)

    def choose(self, account: str, feed: str | None) -> None:
        """Price account from feed's quotes where its own feed has none (None: from its own feed only)."""
        if feed == account:
            raise ValueError(f"{account} cannot be its own reference feed")
        if feed is None:
            self._chosen.pop(account, None)
        else:
            self._chosen[account] = feed
        for listener in self._listeners:
            listener(account, feed)

    def need(self, account: str) -> None:
        """Say that account's broker sends no prices (core.ports.capabilities.PricedElsewhere)."""
        self._needing.add(account)

    def advice(self, account: str) -> str:
        """What to do when account has no quote for a symbol: choose a reference feed where it has no prices of its
        own and none is chosen (waiting would never bring one), else wait for quotes."""
        if account in self._needing and account not in self._chosen:
            return (f"{account}'s broker sends no prices: choose a reference feed for it (Reference feeds in the "
                    "toolbar)")
        return "wait for quotes"

    def on_change(self, listener: Callable[[str, str | None], None]) -> None:
        """Call listener(account, feed) after every choice."""
        self._listeners.append(listener)
