"""Clients of TradeTerm's strategy API, standard library only: a plain client and a hikyuu order broker."""

from core.strategy_client.client import ApiRefused, ApiUnavailable, TradeTermClient
from core.strategy_client.hikyuu import TradeTermOrderBroker

__all__ = ["ApiRefused", "ApiUnavailable", "TradeTermClient", "TradeTermOrderBroker"]
