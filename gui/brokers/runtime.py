"""AdapterExtras: the runtime-only objects an adapter needs, added to its settings and never persisted."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from core.adapters.registry import find_kind
from core.ports.broker_kind import BrokerKind
from core.storage.secrets import SecretStore, secret_key
from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import broker_ui


class MailerSource(Protocol):
    """The e-mail side of the application: its SMTP mailer, or why there is none."""

    @property
    def mailer(self) -> object | None: ...

    @property
    def smtp_problem(self) -> str: ...


class AdapterExtras:
    """Build an adapter's settings: what settings.json holds plus the objects it must never hold.

    Each kind's BrokerUi adds its own (a mailer, keyring-backed credentials, cache paths).
    """

    def __init__(self, secrets: SecretStore, mail: MailerSource, cache_dir: Path) -> None:
        self.secrets = secrets
        self.mail = mail
        self.cache_dir = cache_dir

    def secret_key(self, kind: BrokerKind, account_id: str, settings: Mapping[str, object], field: str) -> str:
        """Return the keyring key of one secret field of an account."""
        return secret_key(*kind.secret_key_parts(account_id, settings, field))

    def __call__(self, account: AccountSettings) -> dict[str, object]:
        """Return the account's settings plus its runtime objects; ValueError if one it needs is missing."""
        values: dict[str, object] = dict(account.settings)
        try:
            kind = find_kind(account.kind)
        except ValueError:
            return values  # creating the adapter names the unknown kind
        broker_ui(kind).add_runtime(account, values, self)
        return values
