"""EasytraderConfig: where the easytrader server listens, which broker client it drives, how long to wait.

The easytrader server has NO authentication: anyone who reaches its port can trade the logged-in
account. Run it on the trader's own Windows machine bound to 127.0.0.1, or on a trusted private
network behind a firewall (or an SSH tunnel); never expose port 1430 to the internet.

Secrets are not part of this config: the login password and the communication password come from
the keyring through a callable handed to the adapter (see adapter.create).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from core.adapters.config_fields import config_from_mapping, plain_values, whole_number

DEFAULT_PORT = 1430
DEFAULT_SYMBOLS = ("600000", "600519", "000001")
NO_AUTH_WARNING = (
    "The easytrader server has no authentication: anyone who can reach its port can trade this account. "
    "Bind it to 127.0.0.1 or a trusted private network (firewall or SSH tunnel), never the internet."
)

CLIENT_TYPES: Mapping[str, str] = MappingProxyType({
    "universal_client": "通用同花顺客户端 (universal THS)",
    "ths": "同花顺客户端 (THS xiadan)",
    "ht_client": "华泰客户端 (Huatai)",
    "yh_client": "银河客户端 (Galaxy)",
    "gj_client": "国金客户端 (Sinolink)",
    "gf_client": "广发客户端 (GF)",
    "wk_client": "五矿客户端 (Minmetals)",
    "htzq_client": "海通证券客户端 (Haitong)",
})
"""The broker names easytrader's server accepts (easytrader.api.use), with a label for the panel."""


@dataclass(frozen=True, slots=True)
class EasytraderConfig:
    """Settings of one easytrader account connection; no secrets.

    `client_type` is the broker name the server passes to easytrader.use (e.g. universal_client).
    `exe_path` is the broker client's xiadan.exe on the Windows machine (empty: easytrader's default).
    `order_map_path` is where our ClientOrderId -> entrust number map is kept (None: memory only, so
    orders sent before a restart cannot be matched to ours again).
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    client_type: str = "universal_client"
    user: str = ""
    exe_path: str = ""
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS
    connect_timeout_s: float = 3.0
    request_timeout_s: float = 10.0
    prepare_timeout_s: float = 120.0
    poll_interval_s: float = 2.0
    order_map_path: str | None = None

    def __post_init__(self) -> None:
        for name, parse in _PARSERS.items():
            object.__setattr__(self, name, parse(name, getattr(self, name)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> EasytraderConfig:
        """Build a config from settings; raise ValueError naming the bad field and what it allows."""
        return config_from_mapping(cls, data, "easytrader settings")

    def to_mapping(self) -> dict[str, object]:
        """Return the settings as plain values for the settings file (there are no secrets in them)."""
        return plain_values(self)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _host(name: str, raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or any(c.isspace() for c in raw.strip()):
        raise ValueError(f"easytrader settings: {name} must be the address of the Windows machine running the "
                         f"easytrader server, such as 192.168.1.20, got {raw!r}")
    return raw.strip()


def _port(name: str, raw: object) -> int:
    return whole_number("easytrader settings", name, raw, 1, 65535, "a port number (the server's default is 1430)")


def _client_type(name: str, raw: object) -> str:
    value = raw.strip().lower() if isinstance(raw, str) else raw
    if value not in CLIENT_TYPES:
        raise ValueError(f"easytrader settings: {name} must be one of {', '.join(CLIENT_TYPES)}, got {raw!r}")
    return str(value)


def _text(name: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"easytrader settings: {name} must be text, got {raw!r}")
    return raw.strip()


def _seconds(name: str, raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"easytrader settings: {name} must be a number of seconds, got {raw!r}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"easytrader settings: {name} must be a number of seconds, got {raw!r}") from None
    if not 0.01 <= value <= 3600:
        raise ValueError(f"easytrader settings: {name} must be between 0.01 and 3600 seconds, got {raw!r}")
    return value


def _symbols(name: str, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, list | tuple) or not all(isinstance(s, str) for s in raw):
        raise ValueError(f"easytrader settings: {name} must be a list of six-digit codes such as "
                         f"['600000', '000001'], got {raw!r}")
    cleaned = tuple(s.strip() for s in raw if s.strip())
    bad = [s for s in cleaned if not (len(s) == 6 and s.isdigit())]
    if bad:
        raise ValueError(f"easytrader settings: {name}: {', '.join(bad)} is not a six-digit A-share code")
    return tuple(dict.fromkeys(cleaned))


def _optional_path(name: str, raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"easytrader settings: {name} must be a file path or null, got {raw!r}")
    return raw.strip()


_PARSERS: dict[str, Callable[[str, object], object]] = {
    "host": _host,
    "port": _port,
    "client_type": _client_type,
    "user": _text,
    "exe_path": _text,
    "symbols": _symbols,
    "connect_timeout_s": _seconds,
    "request_timeout_s": _seconds,
    "prepare_timeout_s": _seconds,
    "poll_interval_s": _seconds,
    "order_map_path": _optional_path,
}
