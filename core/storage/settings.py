"""SettingsStore: one JSON document of plain settings, saved atomically, never holding a secret.

The document is `{"version": 1, "accounts": [...], "watchlist": [...], "ticket": {...}, "window": {...}}`.
Secrets (passwords, tokens, API keys, PINs) live in the OS keyring; `save` refuses any key that looks
like one. A corrupt file, or one written by a newer TradeTerm, is refused and never overwritten.
"""

from __future__ import annotations

import base64
import binascii
import copy
import itertools
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from core.atomic_file import write_atomically

log = logging.getLogger(__name__)

SETTINGS_VERSION: Final = 1

DEFAULT_THEME: Final = "light"
MAX_PORT: Final = 65535
_DEFAULTS: Final[dict[str, Any]] = {
    "version": SETTINGS_VERSION,
    "accounts": [],
    "watchlist": [],
    "ticket": {"confirm": True},
    "window": {},
}

# Whole words (after splitting snake_case, kebab-case, dotted and camelCase keys) that name a secret.
_SECRET_WORDS: Final = frozenset({"password", "passwd", "secret", "token", "apikey", "passphrase", "pin"})
# Substrings that name a secret even inside a longer word ("smtppassword", "accesstoken").
_SECRET_PARTS: Final = ("password", "passwd", "secret", "token", "apikey", "passphrase")
_WORD_SPLIT: Final = re.compile(r"[^a-zA-Z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


class SettingsError(Exception):
    """The settings file cannot be used or a document cannot be saved; the message names the file or key."""


def looks_like_secret(key: str) -> bool:
    """Return True if a settings key names a secret (password, secret, token, api key, passphrase, PIN)."""
    words = [word.lower() for word in _WORD_SPLIT.split(key) if word]
    joined = "".join(words)
    pairs = {a + b for a, b in itertools.pairwise(words)}
    return (
        any(word in _SECRET_WORDS for word in words)
        or "apikey" in pairs
        or any(part in joined for part in _SECRET_PARTS)
    )


def _find_secret_key(value: object, where: str) -> str | None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if looks_like_secret(str(key)):
                return path
            found = _find_secret_key(item, path)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _find_secret_key(item, f"{where}[{index}]")
            if found is not None:
                return found
    return None


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One configured broker account: its TradeTerm id, adapter kind and the adapter's (non-secret) settings."""

    id: str
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the account as stored in the settings document."""
        return {"id": self.id, "kind": self.kind, "settings": copy.deepcopy(self.settings)}

    @classmethod
    def from_json(cls, raw: object, where: str) -> AccountSettings:
        """Return the account described by raw; a bad field is a SettingsError naming it."""
        if not isinstance(raw, dict):
            raise SettingsError(f"{where}: expected an object with id, kind and settings")
        for name in ("id", "kind"):
            if not isinstance(raw.get(name), str) or not raw[name].strip():
                raise SettingsError(f"{where}.{name}: expected a non-empty string, got {raw.get(name)!r}")
        settings = raw.get("settings", {})
        if not isinstance(settings, dict):
            raise SettingsError(f"{where}.settings: expected an object, got {settings!r}")
        return cls(raw["id"], raw["kind"], copy.deepcopy(settings))


class SettingsStore:
    """The settings file: `load` and `save` the whole document, or use the typed accessors."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().absolute()
        self._document: dict[str, Any] | None = None

    # --- the whole document ---------------------------------------------------------------------

    def load(self) -> dict[str, Any]:
        """Return the stored document with defaults for missing sections (the defaults if there is no file)."""
        stored = self._read_existing()
        document = copy.deepcopy(_DEFAULTS)
        if stored is not None:
            document.update(stored)
        self._document = document
        return copy.deepcopy(document)

    def save(self, document: Mapping[str, Any]) -> None:
        """Write document atomically; refuse secrets, unserializable values and a file this code must not replace."""
        version = document.get("version", SETTINGS_VERSION)
        if version != SETTINGS_VERSION or type(version) is not int:
            raise SettingsError(f"Cannot save settings version {version!r} to {self.path}; expected {SETTINGS_VERSION}")
        secret = _find_secret_key(document, "")
        if secret is not None:
            raise SettingsError(
                f"Refusing to save settings key '{secret}' to {self.path}: it looks like a secret. "
                "Secrets are kept in the OS keyring only."
            )
        full = {**document, "version": SETTINGS_VERSION}
        try:
            text = json.dumps(full, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"Cannot save settings to {self.path}: {exc}. Nothing was written.") from None
        self._read_existing()  # refuse to replace a corrupt or newer file
        self._write_atomically(text)
        self._document = copy.deepcopy(full)

    def _read_existing(self) -> dict[str, Any] | None:
        try:
            # "utf-8-sig": a byte-order mark (Windows Notepad may write one) is read past, not refused.
            text = self.path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"Cannot read the settings file {self.path}: {exc}") from None
        corrupt = (
            f"The settings file {self.path} is corrupt; TradeTerm has not changed it. "
            "Fix it in a text editor, or move it away to start with default settings."
        )
        try:
            stored = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError(f"{corrupt} ({exc})") from None
        if not isinstance(stored, dict) or type(stored.get("version")) is not int:
            raise SettingsError(f"{corrupt} (expected an object with an integer 'version')")
        if stored["version"] > SETTINGS_VERSION:
            raise SettingsError(
                f"The settings file {self.path} was written by a newer TradeTerm (version {stored['version']}); "
                "TradeTerm has not changed it. Install the newer TradeTerm again, or choose another --data-dir."
            )
        if stored["version"] < 1:
            raise SettingsError(f"{corrupt} (version {stored['version']} does not exist)")
        return stored

    def _write_atomically(self, text: str) -> None:
        try:
            write_atomically(self.path, text)
        except OSError as exc:
            raise SettingsError(f"Cannot write the settings file {self.path}: {exc}") from None

    def _current(self) -> dict[str, Any]:
        if self._document is None:
            self.load()
        assert self._document is not None
        return self._document

    def _update(self, section: str, value: Any) -> None:
        document = copy.deepcopy(self._current())
        document[section] = value
        self.save(document)

    # --- typed accessors ------------------------------------------------------------------------

    def accounts(self) -> list[AccountSettings]:
        """Return the configured accounts; a malformed entry is a SettingsError naming it."""
        raw = self._current().get("accounts")
        if not isinstance(raw, list):
            raise SettingsError(f"{self.path}: accounts: expected a list, got {raw!r}")
        accounts = [AccountSettings.from_json(item, f"{self.path}: accounts[{i}]") for i, item in enumerate(raw)]
        first: dict[str, int] = {}
        for index, account in enumerate(accounts):
            if account.id in first:
                raise SettingsError(
                    f"{self.path}: accounts[{index}].id: {account.id!r} is already the id of "
                    f"accounts[{first[account.id]}]; give each account its own id"
                )
            first[account.id] = index
        return accounts

    def set_accounts(self, accounts: Sequence[AccountSettings]) -> None:
        """Save the configured accounts."""
        ids = [account.id for account in accounts]
        duplicates = sorted({account_id for account_id in ids if ids.count(account_id) > 1})
        if duplicates:
            raise SettingsError(f"account id(s) {', '.join(duplicates)} used more than once")
        self._update("accounts", [account.to_json() for account in accounts])

    def watchlist(self) -> list[str]:
        """Return the watchlist symbols in display order."""
        raw = self._current().get("watchlist")
        if not isinstance(raw, list) or not all(isinstance(symbol, str) for symbol in raw):
            raise SettingsError(f"{self.path}: watchlist: expected a list of symbols, got {raw!r}")
        return list(raw)

    def set_watchlist(self, symbols: Sequence[str]) -> None:
        """Save the watchlist symbols in display order."""
        self._update("watchlist", list(symbols))

    def confirm_orders(self) -> bool:
        """Return whether the order ticket asks for confirmation before sending."""
        ticket = self._current().get("ticket")
        confirm = ticket.get("confirm", True) if isinstance(ticket, dict) else None
        if not isinstance(confirm, bool):
            raise SettingsError(f"{self.path}: ticket.confirm: expected true or false, got {confirm!r}")
        return confirm

    def set_confirm_orders(self, confirm: bool) -> None:
        """Save whether the order ticket asks for confirmation before sending."""
        ticket = self._current().get("ticket")
        self._update("ticket", {**(ticket if isinstance(ticket, dict) else {}), "confirm": bool(confirm)})

    def theme(self) -> str:
        """Return the name of the window's theme ("light" unless one was saved); the window checks the name."""
        name = self._current().get("theme", DEFAULT_THEME)
        if not isinstance(name, str) or not name.strip():
            raise SettingsError(f"{self.path}: theme: expected a theme name (\"light\" or \"dark\"), got {name!r}")
        return name

    def set_theme(self, name: str) -> None:
        """Save the name of the window's theme."""
        self._update("theme", name)

    def funds_base(self) -> str | None:
        """Return the currency the account panel's grand total is shown in, if the trader picked one."""
        code = self._current().get("funds_base")
        if code is None:
            return None
        if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
            log.warning("%s: funds_base: expected a three-letter currency code such as \"USD\", got %r; the grand "
                        "total is shown in USD until another base currency is picked in the Funds dock",
                        self.path, code)
            return None
        return code

    def set_funds_base(self, code: str) -> None:
        """Save the currency the account panel's grand total is shown in."""
        self._update("funds_base", code)

    def risk(self) -> dict[str, Any] | None:
        """Return the risk-limits document as saved (validated by the risk engine's RiskConfig), or None."""
        raw = self._current().get("risk")
        if raw is not None and not isinstance(raw, dict):
            raise SettingsError(f"{self.path}: risk: expected an object, got {raw!r}")
        return copy.deepcopy(raw)

    def set_risk(self, document: Mapping[str, Any]) -> None:
        """Save the risk-limits document."""
        self._update("risk", dict(document))

    def strategies(self) -> dict[str, Any]:
        """Return the strategies section as saved, strategy id: rules (validated by StrategyRegistry.from_json)."""
        raw = self._current().get("strategies", {})
        if not isinstance(raw, dict):
            raise SettingsError(f"{self.path}: strategies: expected an object of strategy id: {{rules}}, got {raw!r}")
        return copy.deepcopy(raw)

    def email(self) -> dict[str, Any]:
        """Return the e-mail section as saved (SMTP server, notification rules; checked by their owners), or {}."""
        raw = self._current().get("email", {})
        if not isinstance(raw, dict):
            raise SettingsError(f"{self.path}: email: expected an object of e-mail settings, got {raw!r}")
        return copy.deepcopy(raw)

    def approval_alerts(self) -> bool:
        """Return whether a strategy order waiting for approval is announced (tray message, sound); default true."""
        raw = self._current().get("approval_alerts", True)
        if not isinstance(raw, bool):
            raise SettingsError(f"{self.path}: approval_alerts: expected true or false, got {raw!r}")
        return raw

    def api_port(self) -> int | None:
        """Return the strategy API's port as saved (0: any free port), or None when none is saved."""
        document = self._current()
        if "api_port" not in document:
            return None
        raw = document["api_port"]
        if type(raw) is not int or not 0 <= raw <= MAX_PORT:
            raise SettingsError(
                f"{self.path}: api_port: expected a port number from 1 to {MAX_PORT} (0: any free port), got {raw!r}"
            )
        return raw

    def window_geometry(self) -> bytes | None:
        """Return the saved main-window geometry (Qt's saveGeometry bytes), or None."""
        return self._window_bytes("geometry")

    def window_state(self) -> bytes | None:
        """Return the saved dock layout (Qt's saveState bytes), or None."""
        return self._window_bytes("state")

    def set_window_layout(self, geometry: bytes, state: bytes) -> None:
        """Save the main window's geometry and dock layout."""
        self._update(
            "window",
            {"geometry": base64.b64encode(geometry).decode("ascii"), "state": base64.b64encode(state).decode("ascii")},
        )

    def _window_bytes(self, name: str) -> bytes | None:
        window = self._current().get("window")
        raw = window.get(name) if isinstance(window, dict) else None
        if raw is None:
            return None
        try:
            return base64.b64decode(raw, validate=True)
        except (TypeError, binascii.Error):
            raise SettingsError(f"{self.path}: window.{name}: not base64 data") from None
