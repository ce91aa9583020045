"""Registry: broker kinds mapped to lazily imported adapter factories, so an unused SDK is never imported."""

from __future__ import annotations

import importlib
from typing import cast

from core.domain import AccountId
from core.ports.broker import AdapterFactory, BrokerAdapter, EventSink, QuoteSink

_FACTORIES: dict[str, str] = {
    "paper": "core.adapters.paper.adapter:create",
    "ib": "core.adapters.ib.adapter:create",
    "kite": "core.adapters.kite.adapter:create",
    "email_desk": "core.adapters.mail.desk:create",
    "easytrader": "core.adapters.easytrader.adapter:create",
}


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
