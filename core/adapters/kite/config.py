"""KiteConfig: where Kite Connect lives, what to trade with, how often to poll; validated on load, no secrets.

The API key, API secret and access token are not here: they live in the keyring and reach the adapter
through KiteCredentials (core/adapters/kite/credentials.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields

from core.adapters.config_fields import config_from_mapping
from core.adapters.kite.parsing import KiteMode, KiteProduct, KiteVariety

DEFAULT_SYMBOLS = ("INFY", "RELIANCE", "TCS", "NIFTY 50")


@dataclass(frozen=True, slots=True)
class KiteConfig:
    """Settings of one Kite account. `symbols` is the watchlist streamed after connect (tradingsymbols)."""

    root: str = "https://api.kite.trade"
    ws_root: str = "wss://ws.kite.trade"
    login_root: str = "https://kite.zerodha.com/connect/login"
    exchange: str = "NSE"
    product: KiteProduct = KiteProduct.CNC
    variety: KiteVariety = KiteVariety.REGULAR
    ticker: bool = True
    ticker_mode: KiteMode = KiteMode.FULL
    poll_interval_s: float = 2.0
    request_timeout_s: float = 7.0
    order_timeout_s: float = 5.0
    orders_per_second: int = 10
    reconnect_initial_s: float = 1.0
    instruments_cache_dir: str = ""
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS
    freeze_quantities: Mapping[str, int] = field(default_factory=dict)
    """Freeze quantities by underlying (e.g. {"RELIANCE": 10000}), beside and over the index ones in freeze.py."""

    def __post_init__(self) -> None:
        for name, parse in _PARSERS.items():
            object.__setattr__(self, name, parse(name, getattr(self, name)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> KiteConfig:
        """Build a config from settings; raise ValueError naming the bad field and what it allows."""
        return config_from_mapping(cls, data, "Kite settings")

    def to_mapping(self) -> dict[str, object]:
        """Return the settings as plain values for the settings file (there are no secrets in them)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = (list(value) if isinstance(value, tuple) else str(value) if isinstance(value, str)
                           else dict(value) if isinstance(value, Mapping) else value)
        return out


def _url(schemes: tuple[str, ...]) -> Callable[[str, object], str]:
    def parse(name: str, raw: object) -> str:
        if not isinstance(raw, str) or not raw.strip().startswith(tuple(f"{s}://" for s in schemes)):
            raise ValueError(f"Kite settings: {name} must be a {' or '.join(schemes)} address, got {raw!r}")
        return raw.strip().rstrip("/")
    return parse


def _enum(kind: type[KiteProduct] | type[KiteVariety] | type[KiteMode]) -> Callable[[str, object], object]:
    def parse(name: str, raw: object) -> object:
        try:
            return kind(str(raw)) if isinstance(raw, str) else kind(raw)  # type: ignore[arg-type]
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise ValueError(f"Kite settings: {name} must be one of {allowed}, got {raw!r}") from None
    return parse


def _exchange(name: str, raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip().isalpha():
        raise ValueError(f"Kite settings: {name} must be an exchange such as NSE or BSE, got {raw!r}")
    return raw.strip().upper()


def _flag(name: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"Kite settings: {name} must be true or false, got {raw!r}")
    return raw


def _seconds(name: str, raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"Kite settings: {name} must be a number of seconds, got {raw!r}")
    if not 0.01 <= float(raw) <= 3600:
        raise ValueError(f"Kite settings: {name} must be between 0.01 and 3600 seconds, got {raw!r}")
    return float(raw)


def _rate(name: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 10:
        raise ValueError(f"Kite settings: {name} must be a whole number from 1 to 10 (Kite allows 10), got {raw!r}")
    return raw


def _directory(name: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"Kite settings: {name} must be a folder path (or empty), got {raw!r}")
    return raw.strip()


def _symbols(name: str, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, list | tuple) or not all(isinstance(s, str) for s in raw):
        raise ValueError(f"Kite settings: {name} must be a list of tradingsymbols such as ['INFY', 'NIFTY 50'], "
                         f"got {raw!r}")
    return tuple(dict.fromkeys(s.strip().upper() for s in raw if s.strip()))


def _freezes(name: str, raw: object) -> dict[str, int]:
    problem = (f"Kite settings: {name} must map underlyings to whole quantities, such as {{\"RELIANCE\": 10000}}, "
               f"got {raw!r}")
    if not isinstance(raw, Mapping):
        raise ValueError(problem)
    out: dict[str, int] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key.strip() or isinstance(value, bool) or not isinstance(value, int) \
                or value <= 0:
            raise ValueError(problem)
        out[key.strip().upper()] = value
    return out


_PARSERS: dict[str, Callable[[str, object], object]] = {
    "root": _url(("https", "http")),
    "ws_root": _url(("wss", "ws")),
    "login_root": _url(("https", "http")),
    "exchange": _exchange,
    "product": _enum(KiteProduct),
    "variety": _enum(KiteVariety),
    "ticker": _flag,
    "ticker_mode": _enum(KiteMode),
    "poll_interval_s": _seconds,
    "request_timeout_s": _seconds,
    "order_timeout_s": _seconds,
    "orders_per_second": _rate,
    "reconnect_initial_s": _seconds,
    "instruments_cache_dir": _directory,
    "symbols": _symbols,
    "freeze_quantities": _freezes,
}
