"""The paper account: simulated fills against a local market, no SDK."""

from core.ports.broker_kind import BrokerKind

KIND = BrokerKind(
    name="paper",
    display_name="Paper",
    adapter="core.adapters.paper.adapter:create",
    config="core.adapters.paper.config:PaperConfig",
)
