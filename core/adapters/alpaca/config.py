"""AlpacaConfig: paper or live, where the API lives, what to watch, how often to poll; validated on load, no secrets.

The API key id and secret are not here: they live in the keyring (the kind's secret fields) and reach the adapter
as the runtime-only "credentials" callable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.adapters.config_fields import config_from_mapping, plain_values

FEEDS = ("iex", "sip", "delayed_sip")
LIVE_NOT_CONFIRMED = ("This Alpaca account is LIVE: its orders trade real money. Tick 'confirm live' (live_confirmed) "
                      "in the Alpaca panel to connect it, or set paper to true for the paper account.")


@dataclass(frozen=True, slots=True)
class AlpacaConfig:
    """Settings of one Alpaca account.

    paper: the paper account (paper-api.alpaca.markets) or the live one (api.alpaca.markets); a live account connects
    only with live_confirmed. trading_root / data_root: empty for Alpaca's own, else a base URL without /v2 (the
    SDK's url_override: a proxy or the simulator). feed: iex for free accounts, sip when the account has it.
    """

    paper: bool = True
    live_confirmed: bool = False
    trading_root: str = ""
    data_root: str = ""
    stream_root: str = ""
    """Empty for Alpaca's trading stream (wss://paper-api… or wss://api….alpaca.markets/stream), else its full URL."""
    stream: bool = True
    """Listen to the trade_updates stream: an order change is read at once instead of at the next poll."""
    quote_stream: bool = True
    """Take quotes from Alpaca's market-data websocket (iex or sip feed); they are polled while it is silent, and
    instead of it when Alpaca refuses it (406 connection limit exceeded: another session holds the key's one
    connection; 402 auth failed; 409 the plan lacks the feed)."""
    data_stream_root: str = ""
    """Empty for Alpaca's market-data stream (wss://stream.data.alpaca.markets/v2/{feed}), else its full URL."""
    feed: str = "iex"
    extended_hours: bool = False
    """Limit DAY orders also trade in the pre-market (04:00-09:30 ET) and after-hours (16:00-20:00 ET) sessions;
    Alpaca takes no other order there, so the rest wait for the regular session."""
    symbols: tuple[str, ...] = ("AAPL", "MSFT", "SPY")
    poll_interval_s: float = 2.0
    """Orders, fills and quotes are read every poll: 3 requests a poll, well under Alpaca's 200 a minute at 2 s."""
    request_timeout_s: float = 10.0
    order_timeout_s: float = 5.0

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
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return raw.strip().lower() in ("true", "yes", "1")
    if not isinstance(raw, bool):
        raise ValueError(f"Alpaca settings: {name} must be true or false, got {raw!r}")
    return raw


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
