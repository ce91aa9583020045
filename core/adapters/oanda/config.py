"""OandaConfig: practice or live, the OANDA account, where the REST and stream hosts are; no secrets.

The personal access token lives in the keyring (secret field `token`) and reaches the adapter at run time.
A live account trades real money: it connects only when the settings confirm it (`confirm_live`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from core.adapters.config_fields import config_from_mapping, described, flag_or_none

WHAT = "OANDA settings"


class Environment(StrEnum):
    PRACTICE = "practice"
    LIVE = "live"


HOSTS = {
    Environment.PRACTICE: ("https://api-fxpractice.oanda.com", "https://stream-fxpractice.oanda.com"),
    Environment.LIVE: ("https://api-fxtrade.oanda.com", "https://stream-fxtrade.oanda.com"),
}
DEFAULT_SYMBOLS = ("EUR_USD", "USD_JPY", "GBP_USD")


@dataclass(frozen=True, slots=True)
class OandaConfig:
    """One OANDA account. `rest_root`/`stream_root` override the environment's hosts (a simulator)."""

    account: str = described("", doc="The OANDA account number, e.g. 101-004-1234567-001.")
    environment: Environment = described(  # noqa: RUF009 (a dataclasses.field, as for the other fields)
        Environment.PRACTICE, live=(Environment.LIVE,),
        doc="practice (api-fxpractice.oanda.com, demo money) or live (api-fxtrade.oanda.com, real money); a live "
            "account connects only with 'Confirm live' ticked.")
    confirm_live: bool = described(
        False, label="Confirm live", confirms_live=True,
        doc="Connect a live account: its orders trade real money. Unticked, a live account is refused.")
    rest_root: str = described(
        "", label="REST root", empty="the environment's host",
        doc="Empty for the environment's REST host, else an http(s) address that overrides it (a simulator).")
    stream_root: str = described(
        "", empty="the environment's stream host",
        doc="Empty for the environment's stream host (or the REST root when that is set), else an http(s) "
            "address.")
    symbols: tuple[str, ...] = described(
        DEFAULT_SYMBOLS, doc="The instruments watched when the account connects (EUR_USD, …), separated by commas.")
    request_timeout_s: float = described(
        5.0, label="Request timeout (s)", doc="How long one request to OANDA may take before it fails.")
    order_timeout_s: float = described(
        5.0, label="Order timeout (s)",
        doc="How long an order's answer may take; a late one is found by our id, never sent again.")
    reconnect_initial_s: float = described(
        1.0, label="First reconnect after (s)",
        doc="The first wait before a dropped stream reconnects; it doubles after each failure, up to 30 s.")
    heartbeat_timeout_s: float = described(
        20.0, label="Heartbeat timeout (s)",
        doc="A stream silent this long (OANDA sends a heartbeat every 5 s) is dropped and reconnected.")

    def __post_init__(self) -> None:
        account = str(self.account).strip()
        if not account:
            raise ValueError(f"{WHAT}: account is empty; enter the OANDA account number (e.g. 101-004-1234567-001)")
        object.__setattr__(self, "account", account)
        try:
            object.__setattr__(self, "environment", Environment(str(self.environment).strip().lower()))
        except ValueError:
            raise ValueError(f"{WHAT}: environment must be practice or live, got {self.environment!r}") from None
        object.__setattr__(self, "confirm_live", _flag("confirm_live", self.confirm_live))
        for name in ("rest_root", "stream_root"):
            raw = str(getattr(self, name)).strip().rstrip("/")
            if raw and not raw.startswith(("http://", "https://")):
                raise ValueError(f"{WHAT}: {name} must be an http or https address, got {raw!r}")
            object.__setattr__(self, name, raw)
        given: object = self.symbols
        raw_symbols = given.split(",") if isinstance(given, str) else tuple(given)  # type: ignore[arg-type]
        symbols = tuple(str(s).strip().upper() for s in raw_symbols if str(s).strip())
        if not symbols or any("_" not in s for s in symbols):
            raise ValueError(f"{WHAT}: symbols must be OANDA instrument names such as EUR_USD, got {self.symbols!r}")
        object.__setattr__(self, "symbols", symbols)
        for name in ("request_timeout_s", "order_timeout_s", "reconnect_initial_s", "heartbeat_timeout_s"):
            raw = getattr(self, name)
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{WHAT}: {name} must be a number of seconds, got {raw!r}") from None
            if not 0 < value <= 300:
                raise ValueError(f"{WHAT}: {name} must be between 0 and 300 seconds, got {raw!r}")
            object.__setattr__(self, name, value)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> OandaConfig:
        """Build a config from settings; raise ValueError naming the bad field and what it allows."""
        return config_from_mapping(cls, {k: v for k, v in data.items() if k != "id"}, WHAT)

    @property
    def rest(self) -> str:
        return self.rest_root or HOSTS[self.environment][0]

    @property
    def stream(self) -> str:
        return self.stream_root or self.rest_root or HOSTS[self.environment][1]

    def live_refusal(self) -> str | None:
        """Return why connecting is refused (a live account not confirmed), or None."""
        if self.environment is Environment.LIVE and not self.confirm_live:
            return (f"OANDA account {self.account} is a LIVE account: orders trade real money. Tick 'Confirm live' "
                    "(confirm_live) in its panel to connect it, or choose the practice environment.")
        return None


def _flag(name: str, raw: object) -> bool:
    value = flag_or_none(raw) if str(raw).strip() else False
    if value is None:
        raise ValueError(f"{WHAT}: {name} must be yes or no, got {raw!r}")
    return value
