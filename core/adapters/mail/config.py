"""SmtpConfig: how to reach the SMTP server, validated on load. The password is never part of it (keyring only)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from core.domain import Instrument
from core.domain.values import to_decimal

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")


class SmtpSecurity(StrEnum):
    SSL = "ssl"
    STARTTLS = "starttls"
    PLAIN = "plain"

    @property
    def label(self) -> str:
        return {"ssl": "SSL/TLS", "starttls": "STARTTLS", "plain": "None (localhost only)"}[self.value]

    @property
    def default_port(self) -> int:
        return {"ssl": 465, "starttls": 587, "plain": 25}[self.value]


class MailConfigError(ValueError):
    """A bad e-mail setting; `field` names it, the message says what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def validate_address(address: str, field: str = "recipients") -> str:
    """Return address stripped, or raise MailConfigError saying it is not an e-mail address."""
    text = address.strip() if isinstance(address, str) else ""
    if not _ADDRESS.match(text) or len(text) > 254:
        raise MailConfigError(field, f"{address!r} is not an e-mail address (expected name@example.com).")
    return text


def parse_addresses(raw: object, field: str = "recipients") -> tuple[str, ...]:
    """Return the addresses in raw (a list, or text separated by commas, semicolons or spaces)."""
    if isinstance(raw, str):
        items = [part for part in re.split(r"[,;\s]+", raw) if part]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise MailConfigError(field, f"{field}: expected a list of e-mail addresses, got {raw!r}.")
    addresses = tuple(validate_address(item, field) for item in items)
    if len(set(a.lower() for a in addresses)) != len(addresses):
        raise MailConfigError(field, f"{field}: an address is listed twice.")
    return addresses


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """The SMTP server and the addresses notifications use.

    `security` is SSL (implicit TLS, usually port 465), STARTTLS (usually 587) or PLAIN, which is
    allowed only for a server on this computer. `ca_file` adds a private certificate authority (e.g.
    a company's) to trust; the system's store is used otherwise. `username` empty: no login.
    """

    host: str
    sender: str
    recipients: tuple[str, ...] = ()
    port: int = 0
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str = ""
    timeout_s: float = 20.0
    ca_file: str | None = None

    def __post_init__(self) -> None:
        host = self.host.strip() if isinstance(self.host, str) else ""
        if not host or not _HOST.match(host):
            raise MailConfigError("host", f"SMTP host {self.host!r} is not a host name (e.g. smtp.example.com).")
        object.__setattr__(self, "host", host)
        try:
            security = SmtpSecurity(self.security)
        except ValueError:
            raise MailConfigError("security", f"security {self.security!r}: choose ssl, starttls or plain.") from None
        object.__setattr__(self, "security", security)
        if security is SmtpSecurity.PLAIN and host.strip("[]").lower() not in LOCAL_HOSTS:
            raise MailConfigError(
                "security",
                f"An unencrypted connection is allowed only to a server on this computer, not {host}: "
                "choose SSL/TLS or STARTTLS.",
            )
        port = self.port
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise MailConfigError("port", f"port {port!r} must be a whole number from 1 to 65535.")
        object.__setattr__(self, "port", port or security.default_port)
        object.__setattr__(self, "sender", validate_address(self.sender, "sender"))
        object.__setattr__(self, "recipients", parse_addresses(self.recipients, "recipients"))
        if not isinstance(self.username, str) or self.username != self.username.strip():
            raise MailConfigError("username", "The user name must not start or end with spaces.")
        if isinstance(self.timeout_s, bool) or not isinstance(self.timeout_s, int | float) or self.timeout_s <= 0:
            raise MailConfigError("timeout_s", f"timeout_s {self.timeout_s!r} must be a positive number of seconds.")

    @property
    def plain_allowed(self) -> bool:
        return self.host.strip("[]").lower() in LOCAL_HOSTS

    def to_mapping(self) -> dict[str, Any]:
        """Return the config as plain settings (no secret)."""
        return {
            "host": self.host, "port": self.port, "security": self.security.value, "username": self.username,
            "sender": self.sender, "recipients": list(self.recipients), "timeout_s": self.timeout_s,
            "ca_file": self.ca_file,
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SmtpConfig:
        """Build a config from settings; raise MailConfigError naming the bad or unknown field."""
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise MailConfigError(unknown[0], f"e-mail settings: unknown field(s) {', '.join(unknown)}; "
                                              f"allowed: {', '.join(sorted(allowed))}.")
        for required in ("host", "sender"):
            if not data.get(required):
                raise MailConfigError(required, f"e-mail settings: enter the {required}.")
        values = dict(data)
        if isinstance(values.get("port"), str):
            text = str(values["port"]).strip()
            if not text.isdigit():
                raise MailConfigError("port", f"port {text!r} must be a whole number from 1 to 65535.")
            values["port"] = int(text)
        return cls(**values)  # type: ignore[arg-type]  # __post_init__ checks every field


def _instrument(raw: object, index: int) -> Instrument:
    where = f"instruments[{index}]"
    if not isinstance(raw, Mapping):
        raise MailConfigError(where, f"e-mail desk settings: {where} must be an object with symbol, currency, "
                                     "tick_size (and optionally venue, lot_size, multiplier).")
    try:
        return Instrument(
            symbol=str(raw["symbol"]),
            venue=str(raw.get("venue", "DESK")),
            currency=str(raw["currency"]).upper(),
            tick_size=to_decimal(raw["tick_size"], "tick_size"),
            lot_size=to_decimal(raw.get("lot_size", "1"), "lot_size"),
            multiplier=to_decimal(raw.get("multiplier", "1"), "multiplier"),
            name=str(raw.get("name", "")),
        )
    except KeyError as exc:
        raise MailConfigError(where, f"e-mail desk settings: {where} lacks {exc.args[0]}.") from None
    except (TypeError, ValueError) as exc:
        raise MailConfigError(where, f"e-mail desk settings: {where}: {exc}") from None


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """An e-mail desk account: where its orders are mailed, what it trades, where it keeps its books.

    `desk` is the desk's address(es); `instruments` are mappings (symbol, currency, tick_size, and
    optionally venue, lot_size, multiplier); `state_path` is the desk's own books (None: memory only).
    """

    desk: tuple[str, ...]
    instruments: tuple[Instrument, ...] = ()
    state_path: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> DeskConfig:
        """Build the config from account settings; raise MailConfigError naming the bad field."""
        allowed = {"desk", "instruments", "state_path"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise MailConfigError(unknown[0], f"e-mail desk settings: unknown field(s) {', '.join(unknown)}; "
                                              f"allowed: {', '.join(sorted(allowed))}.")
        desk = parse_addresses(data.get("desk", ()), "desk")
        if not desk:
            raise MailConfigError("desk", "e-mail desk settings: enter the desk's e-mail address.")
        raw_instruments = data.get("instruments", ())
        if not isinstance(raw_instruments, list | tuple):
            raise MailConfigError("instruments", "e-mail desk settings: instruments must be a list.")
        instruments = tuple(_instrument(raw, i) for i, raw in enumerate(raw_instruments))
        state_path = data.get("state_path")
        if state_path is not None and (not isinstance(state_path, str) or not state_path.strip()):
            raise MailConfigError("state_path", f"e-mail desk settings: state_path must be a file path, "
                                                f"got {state_path!r}.")
        return cls(desk, instruments, state_path)
