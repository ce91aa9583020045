"""BrokerKind: the frozen descriptor each adapter package exports as `KIND`; core.adapters.registry lists them.

A descriptor names its adapter factory and config class by "module:attribute" and imports them only
when asked, so listing every kind (self-check, the account set-up, the PyInstaller spec) never imports
an SDK that is not installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, cast

from core.domain import AccountId
from core.ports.broker import AdapterFactory, BrokerAdapter, EventSink, QuoteSink


class BrokerConfig(Protocol):
    """A kind's frozen config class: built from the settings file's mapping, ValueError naming a bad field."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> BrokerConfig: ...


AccountIdRule = Callable[[Mapping[str, object]], str]
"""Make an account id from the settings a connection panel sends (host, user, ...)."""

SecretScope = Callable[[str, Mapping[str, object]], tuple[str, ...]]
"""The keyring key prefix of an account's secrets, from its id and settings: ('account', 'KITE-1')."""


def by_account_id(account_id: str, settings: Mapping[str, object]) -> tuple[str, ...]:
    """Key an account's secrets by its account id: 'account/<id>/<field>'."""
    return ("account", account_id)


@dataclass(frozen=True, slots=True)
class BrokerKind:
    """One broker kind: what the registry, the account set-up, the self-check and the bundle know of it.

    name: the kind as settings.json spells it ("ib"); display_name: the tab title a trader reads.
    adapter / config: "module:attribute" of the factory `create(account_id, settings, sink, quotes=...)`
    and of the frozen config class (whose module imports no SDK).
    secret_fields: the settings that live in the keyring, never in settings.json, under the key
    `secret_scope(account_id, settings) + (field,)`.
    sdk_modules / sdk_distribution: the client library's import names and distribution (None: no SDK).
    in_default_bundle: False for an SDK too heavy for the default bundle; bundle_excludes: the modules
    that SDK pulls in, left out of a bundle that leaves this kind out.
    account_id_rule: how an account id is made from a connection panel's settings; by default the
    settings' "id", else the kind's name in capitals.
    """

    name: str
    display_name: str
    adapter: str
    config: str
    secret_fields: tuple[str, ...] = ()
    secret_scope: SecretScope = by_account_id
    sdk_modules: tuple[str, ...] = ()
    sdk_distribution: str | None = None
    in_default_bundle: bool = True
    bundle_excludes: tuple[str, ...] = ()
    account_id_rule: AccountIdRule | None = None

    @property
    def adapter_module(self) -> str:
        """The module that holds the adapter factory (importing it imports the SDK)."""
        return self.adapter.partition(":")[0]

    def account_id(self, settings: Mapping[str, object]) -> AccountId:
        """Return the account id for an account of this kind with these settings."""
        if self.account_id_rule is not None:
            return AccountId(self.account_id_rule(settings))
        return AccountId(str(settings.get("id") or self.name.upper()))

    def secret_key_parts(self, account_id: str, settings: Mapping[str, object], field: str) -> tuple[str, ...]:
        """Return the keyring key parts of one secret field of an account of this kind."""
        return (*self.secret_scope(account_id, settings), field)

    def load_factory(self) -> AdapterFactory:
        """Import and return the adapter factory; ImportError if this kind's SDK (or module) is missing."""
        return cast(AdapterFactory, _load(self.adapter))

    def load_config(self) -> type[BrokerConfig]:
        """Import and return the config class (its module imports no SDK)."""
        return cast(type[BrokerConfig], _load(self.config))

    def create(self, account_id: AccountId, settings: dict[str, object], sink: EventSink,
               quotes: QuoteSink | None = None) -> BrokerAdapter:
        """Build an adapter of this kind."""
        return self.load_factory()(account_id, settings, sink, quotes=quotes)

    def sdk_version(self) -> str | None:
        """Return the installed version of the SDK's distribution, or None (no SDK, not installed, not bundled)."""
        if self.sdk_distribution is None:
            return None
        from importlib import metadata  # imports the e-mail parser and csv: only the About box and self-check ask

        try:
            return metadata.version(self.sdk_distribution)
        except metadata.PackageNotFoundError:
            return None


def _load(target: str) -> object:
    module_name, _, attribute = target.partition(":")
    value: object = getattr(importlib.import_module(module_name), attribute)
    return value
