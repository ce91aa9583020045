"""Alpaca (alpaca-py): US stocks and ETFs over REST, paper or live; key and secret in the keyring."""

from collections.abc import Mapping

from core.ports.broker_kind import BrokerKind


def account_id(settings: Mapping[str, object]) -> str:
    """ALPACA-PAPER or ALPACA-LIVE unless the settings name the account: one of each per installation."""
    if settings.get("id"):
        return str(settings["id"])
    return "ALPACA-LIVE" if str(settings.get("paper", True)).lower() in ("false", "0", "no") else "ALPACA-PAPER"


KIND = BrokerKind(
    name="alpaca",
    display_name="Alpaca (US stocks)",
    adapter="core.adapters.alpaca.adapter:create",
    config="core.adapters.alpaca.config:AlpacaConfig",
    secret_fields=("api_key", "api_secret"),
    sdk_modules=("alpaca",),
    sdk_distribution="alpaca-py",
    # alpaca-py pulls pandas, pydantic 2, websockets, msgpack and sseclient.
    in_default_bundle=False,
    bundle_excludes=("alpaca", "pandas", "pydantic", "pydantic_core", "msgpack", "sseclient", "websockets"),
    account_id_rule=account_id,
)
