"""AlpacaConfig: paper or live, where the API lives, what to watch, how often to poll; validated on load, no secrets.

The API key id and secret are not here: they live in the keyring (the kind's secret fields) and reach the adapter
as the runtime-only "credentials" callable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.adapters.config_fields import config_from_mapping, described, flag_or_none, plain_values

FEEDS = ("iex", "sip", "delayed_sip")
LIVE_NOT_CONFIRMED = ("This Alpaca account is LIVE: its orders trade real money. Tick 'Confirm live' (live_confirmed) "
                      "in the Alpaca panel to connect it, or tick 'Paper account' for the paper account.")


@dataclass(frozen=True, slots=True)
class AlpacaConfig:
    """Settings of one Alpaca account: paper or live, where the API lives, what to watch, how often to poll.

    Each field's help is its `described(doc=...)`: the connection panel shows it as the field's tooltip.
    """

    paper: bool = described(
        True, label="Paper account", live=(False,),
        doc="Paper (paper-api.alpaca.markets, simulated money) or, unticked, the live account (api.alpaca.markets, "
            "real money); a live account connects only with 'Confirm live' ticked.")
    live_confirmed: bool = described(
        False, label="Confirm live", confirms_live=True,
        doc="Connect the live account: its orders trade real money. Unticked, a live account is refused.")
    trading_root: str = described(
        "", empty="Alpaca's own",
        doc="Empty for Alpaca's own, else a base URL without /v2 (the SDK's url_override: a proxy or the "
            "simulator).")
    data_root: str = described(
        "", empty="Alpaca's own",
        doc="Empty for Alpaca's market data, else a base URL without /v2 (a proxy or the simulator).")
    stream_root: str = described(
        "", empty="Alpaca's own",
        doc="Empty for Alpaca's trading stream (wss://paper-api… or wss://api….alpaca.markets/stream), else its "
            "full URL.")
    stream: bool = described(
        True, label="Trade updates stream",
        doc="Listen to the trade_updates stream: an order change is read at once instead of at the next poll.")
    quote_stream: bool = described(
        True,
        doc="Take quotes from Alpaca's market-data websocket (iex or sip feed); they are polled while it is silent, "
            "and instead of it when Alpaca refuses it (406 connection limit exceeded: another session holds the "
            "key's one connection; 402 auth failed; 409 the plan lacks the feed).")
    data_stream_root: str = described(
        "", empty="Alpaca's own",
        doc="Empty for Alpaca's market-data stream (wss://stream.data.alpaca.markets/v2/{feed}), else its full URL.")
    feed: str = described(
        "iex", choices=FEEDS,
        doc="Market data feed: iex for free accounts, sip (every US exchange) when the account has it, delayed_sip "
            "for SIP 15 minutes late.")
    extended_hours: bool = described(
        False,
        doc="Limit DAY orders also trade in the pre-market (04:00-09:30 ET) and after-hours (16:00-20:00 ET) "
            "sessions; Alpaca takes no other order there, so the rest wait for the regular session.")
    symbols: tuple[str, ...] = described(
        ("AAPL", "MSFT", "SPY"), doc="The symbols watched when the account connects, separated by commas.")
    poll_interval_s: float = described(
        2.0, label="Poll interval (s)",
        doc="Orders, fills and quotes are read every poll: 3 requests a poll, well under Alpaca's 200 a minute at "
            "2 s.")
    request_timeout_s: float = described(
        10.0, label="Request timeout (s)", doc="How long one request to Alpaca may take before it fails.")
    order_timeout_s: float = described(
        5.0, label="Order timeout (s)",
        doc="How long an order's answer may take; an order whose answer is late is looked up by its id, never sent "
            "again.")

    def __post_init__(self) -> None:
        for name, parse in _PARSERS.items():
            object.__setattr__(self, name, parse(name, getattr(self, name)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> AlpacaConfig:
        """Build a config from settings; raise ValueError naming the bad field and what it allows."""
        return config_from_mapping(cls, data, "Alpaca settings")

    def to_mapping(self) -> dict[str, object]:
        return plain_values(self)


def _flag(name: str, raw: object) -> bool:
    value = flag_or_none(raw)
    if value is None:
        raise ValueError(f"Alpaca settings: {name} must be true or false, got {raw!r}")
    return value


def _root(name: str, raw: object) -> str:
    if not isinstance(raw, str) or (raw.strip() and not raw.strip().startswith(("https://", "http://"))):
        raise ValueError(f"Alpaca settings: {name} must be empty (Alpaca's own) or an http(s) address, got {raw!r}")
    root = raw.strip().rstrip("/")
    if root.endswith("/v2"):
        raise ValueError(f"Alpaca settings: {name} must not end in /v2 (the SDK adds it), got {raw!r}")
    return root


def _ws_root(name: str, raw: object) -> str:
    if not isinstance(raw, str) or (raw.strip() and not raw.strip().startswith(("wss://", "ws://"))):
        raise ValueError(f"Alpaca settings: {name} must be empty (Alpaca's own) or a ws(s) address (stream_root ends "
                         f"in /stream, data_stream_root in /v2/iex or /v2/sip), got {raw!r}")
    return raw.strip()


def _feed(name: str, raw: object) -> str:
    if raw not in FEEDS:
        raise ValueError(f"Alpaca settings: {name} must be one of {', '.join(FEEDS)}, got {raw!r}")
    return str(raw)


def _seconds(name: str, raw: object) -> float:
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            raw = float(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0.01 <= float(raw) <= 3600:
        raise ValueError(f"Alpaca settings: {name} must be a number of seconds from 0.01 to 3600, got {raw!r}")
    return float(raw)


def _symbols(name: str, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list | tuple) or not all(isinstance(s, str) for s in raw):
        raise ValueError(f"Alpaca settings: {name} must be a list of symbols such as ['AAPL', 'SPY'], got {raw!r}")
    return tuple(dict.fromkeys(s.strip().upper() for s in raw if s.strip()))


_PARSERS: dict[str, Callable[[str, object], object]] = {
    "paper": _flag,
    "live_confirmed": _flag,
    "trading_root": _root,
    "data_root": _root,
    "stream_root": _ws_root,
    "stream": _flag,
    "quote_stream": _flag,
    "data_stream_root": _ws_root,
    "feed": _feed,
    "extended_hours": _flag,
    "symbols": _symbols,
    "poll_interval_s": _seconds,
    "request_timeout_s": _seconds,
    "order_timeout_s": _seconds,
}
