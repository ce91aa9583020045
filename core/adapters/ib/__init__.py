"""Interactive Brokers through TWS or IB Gateway (ib_async)."""

from collections.abc import Mapping

from core.ports.broker_kind import BrokerKind


def account_id(settings: Mapping[str, object]) -> str:
    """The IB account code when one is chosen, else IB-<client id>."""
    return str(settings.get("account") or f"IB-{settings.get('client_id', 0)}")


KIND = BrokerKind(
    name="ib",
    display_name="Interactive Brokers",
    adapter="core.adapters.ib.adapter:create",
    config="core.adapters.ib.config:IbConfig",
    sdk_modules=("ib_async",),
    sdk_distribution="ib_async",
    account_id_rule=account_id,
)
