"""The first paint waits only for what it shows: the keyring, e-mail, the API and broker SDKs load after it.

Each import is time a trader waits for the window (issue 27: first paint < 0.5 s). A fresh interpreter
builds the window as `tradeterm` does, with e-mail set up, and lists the modules loaded when the first
paint is over; then it waits for the work deferred past the paint (the keyring found, the accounts
connected), so deferring can never mean dropping.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import REPO

AFTER_THE_FIRST_PAINT = (
    "keyring", "secretstorage", "jeepney", "cryptography",  # the keyring probe and the vault
    "aiosmtplib", "email",  # the mailer (the e-mail parser also comes with importlib.metadata)
    "importlib.metadata", "importlib_metadata",  # versions: the About box and self-check
    "aiohttp", "pyqtgraph", "ib_async", "kiteconnect", "easytrader", "alpaca",  # the API, charts, broker SDKs
)

CHILD = r"""
import asyncio, json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from core.storage.settings import SettingsStore
from gui.app import create_main_window
from gui.controllers.secrets import SecretsSetup
from gui.event_loop import EventLoop

data_dir = sys.argv[1]
store = SettingsStore(data_dir + "/settings.json")
store.save({**store.load(), "email": {"smtp": {"host": "smtp.example.com", "sender": "me@example.com"}}})
app = QApplication([])
loop = EventLoop(app)
asyncio.set_event_loop(loop)
seen = {}
painted = asyncio.Event()

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "at_first_paint" not in seen:
            seen["at_first_paint"] = sorted(sys.modules)
            QTimer.singleShot(0, painted.set)
        return False

async def scenario():
    window = create_main_window(data_dir, "paper")
    probe = FirstPaint(window)
    window.installEventFilter(probe)
    window.resize(1200, 800)
    window.show()
    await asyncio.wait_for(painted.wait(), 30)
    setup = next(o for o in window.keep_alive if isinstance(o, SecretsSetup))
    session = window.session
    for _ in range(1000):
        if setup.settled and all(session.account(a).trading.value == "ACTIVE" for a in session.account_ids()):
            break
        await asyncio.sleep(0.02)
    seen["settled"] = setup.settled
    seen["trading"] = [session.account(a).trading.value for a in session.account_ids()]
    seen["later"] = sorted(sys.modules)
    window.close()
    await window.shutdown()

with loop:
    loop.run_until_complete(scenario())
print(json.dumps(seen))
"""


def _loaded(names: list[str], top: str) -> bool:
    return any(name == top or name.startswith(top + ".") for name in names)


def test_the_first_paint_imports_no_keyring_mail_api_chart_or_broker_sdk(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    env.pop("PYTHON_KEYRING_BACKEND", None)
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    early = [top for top in AFTER_THE_FIRST_PAINT if _loaded(seen["at_first_paint"], top)]
    assert early == [], f"imported before the first paint: {early}"
    assert seen["settled"], "the keyring is looked for after the first paint"
    assert _loaded(seen["later"], "keyring"), "the keyring is looked for after the first paint"
    assert seen["trading"] and set(seen["trading"]) == {"ACTIVE"}, "the accounts connect after the first paint"
