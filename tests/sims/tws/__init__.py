"""A protocol-accurate TWS API simulator (server version 157) for ib_async, over 127.0.0.1."""

from tests.sims.tws.faults import Faults
from tests.sims.tws.server import TwsSimulator

__all__ = ["Faults", "TwsSimulator"]
