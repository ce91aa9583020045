"""IbConfig: where TWS or IB Gateway listens, who we are to it, and how long to wait; validated on load."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType

from core.adapters.config_fields import config_from_mapping, plain_values, whole_number


class IbPort(IntEnum):
    """The default API ports of Trader Workstation and IB Gateway."""

    TWS_PAPER = 7497
    TWS_LIVE = 7496
    GATEWAY_PAPER = 4002
    GATEWAY_LIVE = 4001

    @property
    def label(self) -> str:
        return PORT_PRESETS[self]


PORT_PRESETS: Mapping[IbPort, str] = MappingProxyType({
    IbPort.TWS_PAPER: "TWS paper (7497)",
    IbPort.TWS_LIVE: "TWS live (7496)",
    IbPort.GATEWAY_PAPER: "IB Gateway paper (4002)",
    IbPort.GATEWAY_LIVE: "IB Gateway live (4001)",
})

DEFAULT_SYMBOLS = ("AAPL", "MSFT", "SPY", "EUR.USD", "FUT:ESZ6@CME")


@dataclass(frozen=True, slots=True)
class IbConfig:
    """Settings of one IB account connection; no secrets (TWS itself holds the login).

    `account` is the IB account code (e.g. DU1234567); empty picks the only managed account.
    `symbols` is the watchlist qualified on connect: "AAPL" (stock), "SAP@IBIS/EUR" (stock on an exchange, in its
    currency), "EUR.USD" (forex),
    "FUT:ESZ6@CME" (future by local symbol and exchange), "OPT:<OCC symbol>@SMART" (option).
    """

    host: str = "127.0.0.1"
    port: int = IbPort.TWS_PAPER.value
    client_id: int = 1
    account: str = ""
    read_only: bool = False
    outside_rth: bool = False
    connect_timeout_s: float = 8.0
    request_timeout_s: float = 10.0
    order_timeout_s: float = 5.0
    commission_wait_s: float = 2.0
    reconnect_initial_s: float = 1.0
    reconnect_max_s: float = 30.0
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS

    def __post_init__(self) -> None:
        for name, parse in _PARSERS.items():
            object.__setattr__(self, name, parse(name, getattr(self, name)))
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise ValueError(
                f"IB settings: reconnect_max_s ({self.reconnect_max_s}) must be at least "
                f"reconnect_initial_s ({self.reconnect_initial_s})"
            )

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> IbConfig:
        """Build a config from settings; raise ValueError naming the bad field and what it allows."""
        return config_from_mapping(cls, data, "IB settings")

    def to_mapping(self) -> dict[str, object]:
        """Return the settings as plain values, ready for the settings file (there are no secrets in them)."""
        return plain_values(self)

    @property
    def is_live_port(self) -> bool:
        return self.port in (IbPort.TWS_LIVE, IbPort.GATEWAY_LIVE)


def _host(name: str, raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or any(c.isspace() for c in raw.strip()):
        raise ValueError(f"IB settings: {name} must be a host name or address such as 127.0.0.1, got {raw!r}")
    return raw.strip()


def _port(name: str, raw: object) -> int:
    return whole_number("IB settings", name, raw, 1, 65535, "a port number (7497 TWS paper, 7496 TWS live, "
                        "4002 Gateway paper, 4001 Gateway live)")


def _client_id(name: str, raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"IB settings: {name} must be a whole number from 0 to 999999999, got {raw!r}")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"IB settings: {name} must be a whole number, got {raw!r}") from None
    if not 0 <= value <= 999_999_999:
        raise ValueError(f"IB settings: {name} must be from 0 to 999999999, got {raw!r}")
    return value


def _account(name: str, raw: object) -> str:
    if not isinstance(raw, str) or (raw.strip() and not raw.strip().isalnum()):
        raise ValueError(f"IB settings: {name} must be an IB account code such as DU1234567 (or empty), got {raw!r}")
    return raw.strip().upper()


def _flag(name: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"IB settings: {name} must be true or false, got {raw!r}")
    return raw


def _seconds(name: str, raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"IB settings: {name} must be a number of seconds, got {raw!r}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"IB settings: {name} must be a number of seconds, got {raw!r}") from None
    if not 0.01 <= value <= 3600:
        raise ValueError(f"IB settings: {name} must be between 0.01 and 3600 seconds, got {raw!r}")
    return value


def _symbols(name: str, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, list | tuple) or not all(isinstance(s, str) for s in raw):
        raise ValueError(f"IB settings: {name} must be a list of symbols such as ['AAPL', 'EUR.USD'], got {raw!r}")
    cleaned = tuple(s.strip().upper() for s in raw if s.strip())
    return tuple(dict.fromkeys(cleaned))


_PARSERS: dict[str, Callable[[str, object], object]] = {
    "host": _host,
    "port": _port,
    "client_id": _client_id,
    "account": _account,
    "read_only": _flag,
    "outside_rth": _flag,
    "connect_timeout_s": _seconds,
    "request_timeout_s": _seconds,
    "order_timeout_s": _seconds,
    "commission_wait_s": _seconds,
    "reconnect_initial_s": _seconds,
    "reconnect_max_s": _seconds,
    "symbols": _symbols,
}
