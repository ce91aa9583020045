"""The strategy client works without TradeTerm's dependencies and records every failed post."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.strategy_client import ApiUnavailable, TradeTermClient, TradeTermOrderBroker
from core.strategy_client.client import decimal_text
from core.strategy_client.hikyuu import _as_datetime


def test_the_client_imports_with_only_the_standard_library() -> None:
    blocked = ["aiohttp", "PySide6", "qasync", "keyring", "platformdirs", "multidict", "yarl", "hypothesis"]
    code = ("import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in blocked) +
            "import core.strategy_client, core.strategy_client.hikyuu\n"
            "print(sorted(m for m in sys.modules if m.startswith('core')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['core', 'core.strategy_client', 'core.strategy_client.client', " \
                                    "'core.strategy_client.hikyuu']"


def test_numbers_travel_as_exact_decimal_text() -> None:
    assert decimal_text(0.1) == "0.1" and decimal_text(1700.0) == "1700" and decimal_text("189.50") == "189.5"
    assert decimal_text(Decimal("1E+2")) == "100" and decimal_text(None) is None
    with pytest.raises(TypeError):
        decimal_text(True)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_post_to_a_terminal_that_is_not_running_fails_loudly_and_is_recorded() -> None:
    client = TradeTermClient(f"http://127.0.0.1:{_closed_port()}", "t", strategy="s", account="PAPER-1", timeout=1)
    with pytest.raises(ApiUnavailable, match="did not answer"):
        client.submit("AAPL", "BUY", 1, "LMT", limit_price="1.00")
    (failure,) = client.failures
    assert failure["action"] == "submit" and failure["request"]["symbol"] == "AAPL"


def test_the_bridge_records_a_failure_hikyuu_would_swallow() -> None:
    broker = TradeTermOrderBroker(f"http://127.0.0.1:{_closed_port()}", "t", strategy="hku", account="PAPER-1")
    broker.client.timeout = 1
    with pytest.raises(ApiUnavailable):
        broker.buy("SH", "600519", 1700.0, 100.0, 0.0, 0.0, "SIGNAL", "")
    assert "buy SH600519" in broker.get_last_error()
    assert [f["action"] for f in broker.client.failures] == ["buy SH600519"]


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match=r"http://127\.0\.0\.1"):
        TradeTermClient("ftp://x", "t", strategy="s")


class HikyuuDatetime:
    def __init__(self, value: datetime) -> None:
        self._value = value

    def datetime(self) -> datetime:
        return self._value


def test_hikyuu_datetimes_become_aware_times() -> None:
    naive = datetime(2026, 3, 2, 14, 30)
    assert _as_datetime(HikyuuDatetime(naive)) == naive.astimezone()
    assert _as_datetime("2026-03-02 14:30:00").tzinfo is not None
    aware = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    assert _as_datetime(aware) == aware
