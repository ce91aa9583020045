"""The local HTTP API through which automated strategies post orders for approval."""

from core.services.strategy_api.server import StrategyApiServer
from core.services.strategy_api.token import ApiToken

__all__ = ["ApiToken", "StrategyApiServer"]
