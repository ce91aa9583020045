"""Test helpers for the TWS simulator: fail on ib_async decoder errors, build an adapter config for a simulator."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

DECODER_LOGGERS = ("ib_async.Decoder", "ib_async.decoder")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_decoder_errors() -> Iterator[list[logging.LogRecord]]:
    """Fail if ib_async's Decoder logs an ERROR ("Error handling fields"): a message the simulator got wrong."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in DECODER_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    problems = [record.getMessage()[:300] for record in handler.records]
    assert not problems, f"ib_async could not decode {len(problems)} message(s): {problems}"


def sim_settings(port: int, client_id: int = 1, **overrides: object) -> dict[str, object]:
    """Return IB settings pointing at a simulator on 127.0.0.1 with test-sized timeouts."""
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "client_id": client_id,
        "connect_timeout_s": 3.0,
        "request_timeout_s": 3.0,
        "order_timeout_s": 3.0,
        "commission_wait_s": 0.5,
        "reconnect_initial_s": 0.05,
        "reconnect_max_s": 0.2,
        "symbols": ["AAPL"],
    }
    settings.update(overrides)
    return settings
