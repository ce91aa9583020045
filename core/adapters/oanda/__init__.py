"""OANDA v20 (forex, practice and live): a small aiohttp client on the documented REST and streaming endpoints."""

from collections.abc import Mapping

from core.ports.broker_kind import BrokerKind


def account_id(settings: Mapping[str, object]) -> str:
    """OANDA-<practice|live>-<the OANDA account number>, unless the settings name the account."""
    if settings.get("id"):
        return str(settings["id"])
    return f"OANDA-{settings.get('environment') or 'practice'}-{settings.get('account') or '1'}"


KIND = BrokerKind(
    name="oanda",
    display_name="OANDA",
    adapter="core.adapters.oanda.adapter:create",
    config="core.adapters.oanda.config:OandaConfig",
    secret_fields=("token",),
    # aiohttp is already a dependency of TradeTerm: nothing more to import or bundle.
    sdk_modules=("aiohttp",),
    sdk_distribution="aiohttp",
    account_id_rule=account_id,
)
