"""A Kite Connect simulator: REST (the real envelope) and the binary ticker websocket, on 127.0.0.1."""

from tests.sims.kite.server import KiteSimulator

__all__ = ["KiteSimulator"]
