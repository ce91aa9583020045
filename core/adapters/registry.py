"""Registry: broker kinds mapped to lazily imported adapter factories, so an unused SDK is never imported."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, cast

from core.domain import AccountId
from core.ports.broker import AdapterFactory, BrokerAdapter, EventSink, QuoteSink

_FACTORIES: dict[str, str] = {
    "paper": "core.adapters.paper.adapter:create",
    "ib": "core.adapters.ib.adapter:create",
    "kite": "core.adapters.kite.adapter:create",
    "email_desk": "core.adapters.mail.desk:create",
    "easytrader": "core.adapters.easytrader.adapter:create",
}

_CONFIGS: dict[str, str] = {
    "paper": "core.adapters.paper.config:PaperConfig",
    "ib": "core.adapters.ib.config:IbConfig",
    "kite": "core.adapters.kite.config:KiteConfig",
    "email_desk": "core.adapters.mail.config:DeskConfig",
    "easytrader": "core.adapters.easytrader.config:EasytraderConfig",
}
"""Each kind's config class (its module imports no SDK): what check_settings validates against."""


def available_kinds() -> tuple[str, ...]:
    """Return the broker kinds that can be created, sorted."""
    return tuple(sorted(_FACTORIES))


def create_adapter(kind: str, account_id: AccountId, settings: dict[str, object], sink: EventSink,
                   quotes: QuoteSink | None = None) -> BrokerAdapter:
    """Import the factory for kind and build an adapter; raise ValueError listing the known kinds if kind is unknown.

    sink takes every event; quotes, when given, takes the quotes of one read of the feed in one call.
    """
    target = _FACTORIES.get(kind)
    if target is None:
        raise ValueError(f"unknown broker kind {kind!r}; known kinds: {', '.join(available_kinds())}")
    module_name, _, attribute = target.partition(":")
    factory = cast(AdapterFactory, getattr(importlib.import_module(module_name), attribute))
    return factory(account_id, settings, sink, quotes=quotes)


def check_settings(kind: str, settings: Mapping[str, object]) -> None:
    """Validate an account's stored settings for its kind, without importing the kind's SDK or touching a file.

    Raise ValueError naming the unknown kind (listing the known ones) or the bad field and what it allows.
    """
    target = _CONFIGS.get(kind)
    if target is None:
        raise ValueError(f"unknown broker kind {kind!r}; known kinds: {', '.join(available_kinds())}")
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:  # a frozen build that left this kind out
        raise ValueError(f"broker kind {kind!r} is not part of this installation of TradeTerm") from None
    config_class: Any = getattr(module, attribute)
    try:
        config_class.from_mapping(settings)
    except TypeError as exc:  # a value of a type the class's own checks did not expect
        raise ValueError(f"{kind} settings: {exc}") from None
