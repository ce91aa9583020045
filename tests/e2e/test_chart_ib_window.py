"""The chart on an IB account in the real window: its candles are the bars the TWS simulator sent, and its
newest candle is the bar under way as TWS keeps it up to date (keepUpToDate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.ports.bar_history import FIVE_MINUTES
from core.storage.settings import AccountSettings, SettingsStore
from gui.widgets.chart.chart_view import ChartView
from tests.e2e.window_helpers import open_window, until
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors, sim_settings


@pytest.mark.slow
async def test_the_ib_chart_draws_the_bars_tws_sent(tmp_path: Path) -> None:
    simulator = TwsSimulator(tick_interval_s=0.05)
    await simulator.start()
    SettingsStore(tmp_path / "settings.json").set_accounts([
        AccountSettings("IB-7", "ib", sim_settings(simulator.port, 7))])
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                await until(lambda: window.findChild(ChartView, "chartView") is not None, "the chart")
                chart = window.findChild(ChartView, "chartView")
                await until(lambda: chart.symbol == "AAPL" and chart.series.size > 100, "the AAPL history from IB")
                (sent,) = simulator.history_state.sent
                asked = [f for _, f in simulator.requests if f[0] == "20"]
                assert [(f[16], f[19], f[20], f[21]) for f in asked] == [("1 min", "TRADES", "2", "1")]
                shown = {int(t): (o, h, lo, c, v) for t, o, h, lo, c, v in chart.series.columns().T}
                first, last = min(shown), max(shown)
                inside = [bar for bar in sent if first <= int(bar.start.timestamp()) <= last]
                assert len(inside) >= 1_990, "the 2,000 bars the chart asks for (TWS sends whole days)"
                for bar in inside:
                    assert shown[int(bar.start.timestamp())] == (
                        float(bar.open), float(bar.high), float(bar.low), float(bar.close), float(bar.volume))
                assert chart.status.text() == ""
                assert all(button.isEnabled() for button in chart.timeframes.buttons())

                (live,) = simulator.history_state.live.values()

                def newest_is_tws_bar() -> bool:
                    t, _o, h, lo, c, _v = chart.series.columns()[:, -1]
                    return int(t) == live.start and (c, h, lo) == (float(live.close), float(live.high),
                                                                    float(live.low))

                await until(newest_is_tws_bar, "the newest candle is the bar under way as TWS last sent it")
                chart.select_timeframe(FIVE_MINUTES)
                await until(lambda: chart.series.size > 100, "the five-minute history")
                (five,) = simulator.history_state.live.values()
                assert five.seconds == 300, "the one-minute subscription was cancelled at TWS, five minutes kept"
    finally:
        await simulator.stop()
