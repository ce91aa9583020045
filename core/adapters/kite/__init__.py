"""Zerodha Kite Connect (kiteconnect): REST orders, KiteTicker quotes, a daily interactive login."""

from collections.abc import Mapping

from core.ports.broker_kind import BrokerKind

DEFAULT_ACCOUNT = "KITE-1"


def account_id(settings: Mapping[str, object]) -> str:
    """One Kite account per installation unless the settings name it: KITE-1."""
    return str(settings.get("id") or DEFAULT_ACCOUNT)


KIND = BrokerKind(
    name="kite",
    display_name="Zerodha Kite",
    adapter="core.adapters.kite.adapter:create",
    config="core.adapters.kite.config:KiteConfig",
    secret_fields=("api_key", "api_secret", "access_token"),
    sdk_modules=("kiteconnect",),
    sdk_distribution="kiteconnect",
    # kiteconnect pulls Twisted and autobahn.
    in_default_bundle=False,
    bundle_excludes=("kiteconnect", "twisted", "autobahn", "txaio", "service_identity", "OpenSSL", "zope.interface"),
    account_id_rule=account_id,
)
