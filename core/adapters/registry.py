"""Registry: the broker kinds TradeTerm knows, one descriptor per adapter package (the one public way to find them).

Each descriptor imports its adapter (and so its SDK) only when an adapter is created, so an unused
SDK is never imported. Adding a broker kind: its package under core/adapters exports KIND, and one
line here lists it (docs/adding-a-broker.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from core.adapters import alpaca, easytrader, ib, kite, mail, oanda, paper
from core.domain import AccountId
from core.ports.broker import BrokerAdapter, EventSink, QuoteSink
from core.ports.broker_kind import BrokerKind

KINDS: tuple[BrokerKind, ...] = (
    paper.KIND,
    ib.KIND,
    kite.KIND,
    easytrader.KIND,
    alpaca.KIND,
    oanda.KIND,
    mail.KIND,
)
"""Every broker kind, in the order the account set-up offers them."""


def kinds() -> tuple[BrokerKind, ...]:
    """Return every broker kind's descriptor, in the order the account set-up offers them."""
    return KINDS


def available_kinds() -> tuple[str, ...]:
    """Return the names of the broker kinds that can be created, sorted."""
    return tuple(sorted(k.name for k in KINDS))


def find_kind(name: str) -> BrokerKind:
    """Return the descriptor of the kind called name; ValueError listing the known kinds if there is none."""
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise ValueError(f"unknown broker kind {name!r}; known kinds: {', '.join(available_kinds())}")


def create_adapter(kind: str, account_id: AccountId, settings: dict[str, object], sink: EventSink,
                   quotes: QuoteSink | None = None) -> BrokerAdapter:
    """Import the factory for kind and build an adapter; raise ValueError listing the known kinds if kind is unknown.

    sink takes every event; quotes, when given, takes the quotes of one read of the feed in one call.
    """
    return find_kind(kind).create(account_id, settings, sink, quotes)


def check_settings(kind: str, settings: Mapping[str, object]) -> None:
    """Validate an account's stored settings for its kind, without importing the kind's SDK or touching a file.

    Raise ValueError naming the unknown kind (listing the known ones) or the bad field and what it allows.
    """
    descriptor = find_kind(kind)
    try:
        config_class = descriptor.load_config()
    except ImportError:  # a frozen build that left this kind out
        raise ValueError(f"broker kind {kind!r} is not part of this installation of TradeTerm") from None
    try:
        config_class.from_mapping(settings)
    except TypeError as exc:  # a value of a type the class's own checks did not expect
        raise ValueError(f"{kind} settings: {exc}") from None
