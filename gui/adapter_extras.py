"""AdapterExtras: the runtime-only objects an adapter needs, added to its settings and never persisted."""

from __future__ import annotations

from pathlib import Path

from core.adapters.kite.credentials import AccessToken, KiteCredentials
from core.storage.secrets import SecretStore, secret_key
from core.storage.settings import AccountSettings
from gui.controllers.mail import MailSetup


def easytrader_secret(user: str, part: str) -> str:
    return secret_key("easytrader", user, part)


def kite_secret(account_id: str, part: str) -> str:
    return secret_key("account", account_id, part)


def kite_credentials(secrets: SecretStore, account_id: str) -> KiteCredentials:
    """Kite's API key, secret and daily access token, all kept in the keyring."""

    def load_token() -> AccessToken | None:
        raw = secrets.get(kite_secret(account_id, "access_token"))
        return AccessToken.from_secret(raw) if raw is not None else None

    return KiteCredentials(
        api_key=lambda: secrets.get(kite_secret(account_id, "api_key")),
        api_secret=lambda: secrets.get(kite_secret(account_id, "api_secret")),
        load_token=load_token,
        save_token=lambda token: secrets.set(kite_secret(account_id, "access_token"), token.to_secret()),
    )


class AdapterExtras:
    """Build an adapter's settings: what settings.json holds plus the objects it must never hold."""

    def __init__(self, secrets: SecretStore, mail: MailSetup, cache_dir: Path) -> None:
        self.secrets = secrets
        self._mail = mail
        self._cache_dir = cache_dir

    def __call__(self, account: AccountSettings) -> dict[str, object]:
        """Return the account's settings plus its runtime objects; ValueError if one it needs is missing."""
        values: dict[str, object] = dict(account.settings)
        if account.kind == "email_desk":
            if self._mail.mailer is None:
                raise ValueError(
                    f"an e-mail desk mails its orders, and the SMTP server (email.smtp) {self._mail.smtp_problem}. "
                    "Set email.smtp in this file, or remove the account, set up E-mail settings… in TradeTerm, "
                    "then add the account again"
                )
            values["mailer"] = self._mail.mailer
        elif account.kind == "kite":
            values["credentials"] = kite_credentials(self.secrets, account.id)
            values.setdefault("instruments_cache_dir", str(self._cache_dir))
        elif account.kind == "easytrader":
            user = str(values.get("user", ""))
            values.setdefault("order_map_path", str(self._cache_dir.parent / "easytrader" / f"{account.id}.json"))
            values["credentials"] = lambda: (self.secrets.get(easytrader_secret(user, "password")),
                                             self.secrets.get(easytrader_secret(user, "comm_password")))
        return values
