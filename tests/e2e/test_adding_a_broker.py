"""docs/adding-a-broker.md holds: a kind that exists only as a descriptor (registered here, in the test) is
offered by the account set-up (a generic panel from its config class, its secret to the keyring), connects,
is saved without its secret, and is listed by the self-check and the About box — no other file touched."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QTabWidget, QWidget

from core.adapters import registry
from core.adapters.paper.adapter import create as create_paper
from core.domain import AccountId
from core.ports.broker import BrokerAdapter, EventSink, QuoteSink
from core.ports.broker_kind import BrokerKind
from gui.brokers.account_setup import AccountsSetup
from gui.brokers.libraries import broker_library_rows
from gui.self_check import Report, check_adapters
from tests.e2e.window_helpers import open_window, until


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink, *,
           quotes: QuoteSink | None = None) -> BrokerAdapter:
    """The throw-away kind's factory: a paper account that answers to the kind 'demo'."""
    adapter = create_paper(account_id, settings, sink, quotes=quotes)
    adapter.kind = DEMO.name
    return adapter


DEMO = BrokerKind(
    name="demo",
    display_name="Demo broker",
    adapter=f"{__name__}:create",
    config="core.adapters.paper.config:PaperConfig",
    secret_fields=("api_token",),
    sdk_modules=("json",),
    sdk_distribution="pytest",
)


@pytest.fixture
def demo_kind(monkeypatch: pytest.MonkeyPatch) -> BrokerKind:
    assert importlib.util.find_spec(f"gui.brokers.{DEMO.name}") is None, "the kind has no panel module of its own"
    monkeypatch.setattr(registry, "KINDS", (*registry.KINDS, DEMO))
    return DEMO


def test_the_self_check_and_the_about_box_list_a_registered_kind(demo_kind: BrokerKind) -> None:
    report = Report()
    check_adapters(report)
    entry = report.sections["adapters"]["demo"]
    assert entry["status"] == "ok" and entry["module"] == __name__ and entry["sdk"] == "pytest"
    assert report.problems == []
    assert any(label == "pytest (demo)" for label, _ in broker_library_rows())


@pytest.mark.slow
async def test_the_account_set_up_offers_a_registered_kind_and_connects_it(demo_kind: BrokerKind,
                                                                           tmp_path: Path) -> None:
    async with open_window(tmp_path, active=False) as window:
        window.findChild(QAction, "action.connections").trigger()
        await until(lambda: window.findChild(QWidget, "demoConnectionPanel") is not None, "the Demo panel")
        tabs = window.findChild(QTabWidget, "connections.tabs")
        titles = [tabs.tabText(i) for i in range(tabs.count())]
        assert titles == ["Paper", "Interactive Brokers", "Zerodha Kite", "China A-shares (easytrader)",
                          "Alpaca (US stocks)", "OANDA", "E-mail desk", "Demo broker"]
        tabs.setCurrentIndex(titles.index("Demo broker"))
        panel = window.findChild(QWidget, "demoConnectionPanel")
        panel.findChild(QLineEdit, "demoConnectionPanel.statePath").setText(str(tmp_path / "demo.json"))
        panel.findChild(QLineEdit, "demoConnectionPanel.tickIntervalS").setText("60")
        panel.findChild(QLineEdit, "demoConnectionPanel.apiToken").setText("tok-123")
        QTest.mouseClick(panel.findChild(QPushButton, "demoConnectionPanel.connectButton"), Qt.MouseButton.LeftButton)
        demo = AccountId("DEMO")
        await until(lambda: demo in window.session.account_ids()
                    and window.session.account(demo).trading.value == "ACTIVE", "the demo account to connect")
        await until(lambda: "DEMO connected" in panel.findChild(QWidget, "demoConnectionPanel.status").text(),
                    "the panel to say so")
        assert panel.findChild(QLineEdit, "demoConnectionPanel.apiToken").text() == "", "the secret leaves the form"
        saved = json.loads((tmp_path / "settings.json").read_text())
        assert {"id": "DEMO", "kind": "demo", "settings": {"state_path": str(tmp_path / "demo.json"),
                                                          "tick_interval_s": 60.0}} in saved["accounts"]
        assert "tok-123" not in (tmp_path / "settings.json").read_text()
        setup = next(o for o in window.keep_alive if isinstance(o, AccountsSetup))
        assert setup.secrets.get("account/DEMO/api_token") == "tok-123", "the secret is in the keyring"
