"""A chart dock the trader cannot see costs nothing: pyqtgraph and numpy load when its tab is first raised.

A fresh interpreter (sys.modules is per process) opens the real window with the chart tabbed behind the
ladder, as a saved layout may have it, lets the start-up's after-paint work run (keyring, connects, the P&L
sampling), and lists whether pyqtgraph or numpy were loaded; then the trader picks a watchlist row and raises
the chart's tab: the chart is built there and then and charts that row's symbol with its history bars.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import REPO
from tests.e2e.window_helpers import write_paper_settings

CHILD = r"""
import asyncio, json, sys
from PySide6.QtWidgets import QApplication, QDockWidget
from gui.app import create_main_window
from gui.event_loop import EventLoop
from tests.e2e.window_helpers import until

app = QApplication([])
loop = EventLoop(app)
asyncio.set_event_loop(loop)
seen = {}

async def scenario():
    window = create_main_window(sys.argv[1], "paper", api_port=0)
    ladder = window.findChild(QDockWidget, "dock.ladder")
    chart = window.findChild(QDockWidget, "dock.chart")
    window.tabifyDockWidget(ladder, chart)
    ladder.raise_()
    window.resize(1500, 900)
    window.show()
    session = window.session
    try:
        await until(lambda: all(session.account(a).trading.value == "ACTIVE" for a in session.account_ids()),
                    "the accounts to be active")
        await until(lambda: window.bridge.bid_ask("AAPL")[1] is not None, "AAPL quotes")
        await asyncio.sleep(0.5)  # a few more turns: nothing the start-up deferred is left to run
        seen["chart_visible"] = not chart.visibleRegion().isEmpty()
        seen["before_shown"] = sorted(m for m in sys.modules if m.split(".")[0] in ("pyqtgraph", "numpy"))
        watchlist = window.watchlist_view
        model = watchlist.model()
        await until(lambda: model.rowCount() > 1, "the watchlist's rows")
        seen["picked"] = model.index(1, 0).data()
        watchlist.setCurrentIndex(model.index(1, 0))
        chart.raise_()
        from gui.widgets.chart.chart_view import ChartView
        await until(lambda: window.findChild(ChartView, "chartView") is not None, "the chart built once raised")
        view = window.findChild(ChartView, "chartView")
        await until(lambda: view.symbol == seen["picked"] and view.series.size > 0, "the picked symbol's bars")
        seen["charted"] = view.symbol
        seen["bars"] = int(view.series.size)
    finally:
        window.close()
        await window.shutdown()

with loop:
    loop.run_until_complete(scenario())
print(json.dumps(seen))
"""


def test_a_chart_behind_a_tab_loads_pyqtgraph_only_when_raised_and_then_charts_the_picked_symbol(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO), PYTHON_KEYRING_BACKEND=
               "keyring.backends.null.Keyring")
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["chart_visible"] is False, "the chart's tab is behind the ladder's"
    assert seen["before_shown"] == [], "pyqtgraph and numpy wait until the chart (or the P&L curve) is shown"
    assert seen["charted"] == seen["picked"], "the chart shows the watchlist row the trader picked"
    assert seen["bars"] > 0, "with its bars"
