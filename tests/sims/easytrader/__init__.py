"""An easytrader remote server over a simulated A-share broker, for RemoteClient tests (see server.py)."""

from tests.sims.easytrader.exchange import SimExchange
from tests.sims.easytrader.server import EasytraderSimulator, Fault, FaultKind

__all__ = ["EasytraderSimulator", "Fault", "FaultKind", "SimExchange"]
