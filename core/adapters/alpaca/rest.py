"""What the Alpaca adapter adds to alpaca-py's REST and stream clients: a timeout, outcome types, the stream's URL."""

from __future__ import annotations

from typing import Any

import requests

from core.adapters.alpaca.config import AlpacaConfig
from core.adapters.alpaca.parsing import ApiFailure


class TimedSession(requests.Session):
    """alpaca-py sets no HTTP timeout (a call could hang for ever, alpaca-py#415): this session gives each one."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]


class Refused(Exception):
    """Alpaca answered with a refusal (4xx)."""

    def __init__(self, failure: ApiFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Lost(Exception):
    """No answer: a timeout, a dropped connection, a 5xx. What was asked may or may not have been done."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def stream_url(config: AlpacaConfig) -> str | None:
    """The trading stream's URL: stream_root, else beside a trading_root that is not Alpaca's (a proxy, the simulator),
    never Alpaca's own stream for an account whose REST goes elsewhere; None for Alpaca's own."""
    if config.stream_root:
        return config.stream_root
    if config.trading_root:
        return config.trading_root.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + "/stream"
    return None


def data_stream_url(config: AlpacaConfig) -> str | None:
    """The market-data stream's URL: data_stream_root, else beside a data_root that is not Alpaca's (a proxy, the
    simulator) at /v2/{feed}; None for Alpaca's own."""
    if config.data_stream_root:
        return config.data_stream_root
    if config.data_root:
        return config.data_root.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + f"/v2/{config.feed}"
    return None
