"""StartupConfig: what the composition root reads from settings.json, all of it validated before any file is opened.

A bad value is a SettingsError that names the settings file and the field (`accounts[0].kind`,
`strategies.<id>.expiry_s`, `api_port`, `risk.accounts`, ...) and says what the field takes, so
`tradeterm` refuses it with exit 2 before it creates a journal, an account's books or a window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.adapters.registry import available_kinds, check_settings
from core.services.risk import LimitError, RiskConfig
from core.services.strategies import StrategyRegistry
from core.storage.settings import AccountSettings, SettingsError, SettingsStore
from gui.theme import Theme, theme_named

DEFAULT_API_PORT = 8765


@dataclass(frozen=True, slots=True)
class StartupConfig:
    """The settings a start needs, typed and checked; `accounts` are the defaults when none are saved."""

    theme: Theme
    accounts: tuple[AccountSettings, ...]
    accounts_saved: bool
    """False when settings.json lists no account and `accounts` are the defaults (to be saved)."""
    risk: RiskConfig
    strategies: StrategyRegistry
    api_port: int


def load_startup_config(
    settings: SettingsStore, default_accounts: Sequence[AccountSettings], api_port: int | None, started_at: datetime
) -> StartupConfig:
    """Read and check every setting a start needs; raise SettingsError naming the file and the bad field.

    api_port: the command line's port (None: settings' "api_port", else DEFAULT_API_PORT).
    started_at: when TradeTerm started; a strategy without rules counts as activated then.
    """
    where = settings.path
    try:
        theme = theme_named(settings.theme())
    except ValueError as exc:
        raise SettingsError(f"{where}: theme: {exc}") from None
    saved = settings.accounts()
    accounts = tuple(saved) if saved else tuple(default_accounts)
    for index, account in enumerate(saved):
        try:
            check_settings(account.kind, account.settings)
        except ValueError as exc:
            field = "kind" if account.kind not in available_kinds() else "settings"
            raise SettingsError(f"{where}: accounts[{index}].{field} (account {account.id}): {exc}") from None
    try:
        risk = RiskConfig.from_dict(settings.risk())
    except LimitError as exc:
        raise SettingsError(f"{where}: risk: {exc}") from None
    try:
        risk.check_accounts([account.id for account in accounts])
    except LimitError as exc:
        raise SettingsError(f"{where}: risk.accounts: {exc.message}") from None
    try:
        strategies = StrategyRegistry.from_json(settings.strategies(), started_at)
    except ValueError as exc:
        raise SettingsError(f"{where}: {exc}") from None
    # Read later by the window, the ticket and the e-mail setup: checked now, before anything is written.
    settings.watchlist()
    settings.confirm_orders()
    settings.window_geometry()
    settings.window_state()
    settings.email()  # its fields are checked by MailSetup; a section that is no object is refused here
    settings.approval_alerts()  # read by the approval queue whenever an order arrives: refuse a bad value now
    saved_port = settings.api_port()
    port = api_port if api_port is not None else saved_port if saved_port is not None else DEFAULT_API_PORT
    return StartupConfig(theme, accounts, bool(saved), risk, strategies, port)

