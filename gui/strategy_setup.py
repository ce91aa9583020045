"""StrategySetup: the strategy side of the composition root — approval queue, local API, their docks."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon

from core.domain import LogMessage
from core.services.approvals import ApprovalQueue
from core.services.session import TradingSession
from core.services.strategies import StrategyRegistry
from core.services.strategy_api import ApiToken
from core.services.strategy_api.token import TokenUnavailable
from core.storage.idempotency import IdempotencyStore
from core.storage.secrets import SecretStore
from core.storage.settings import SettingsStore
from gui.widgets.api_token_panel import ApiTokenPanel
from gui.widgets.approval_queue import ApprovalAlert, ApprovalQueueWidget
from gui.widgets.main_window import MainWindow

if TYPE_CHECKING:
    from core.services.strategy_api import StrategyApiServer


class StrategySetup:
    """Queue strategy orders for approval and serve the local API on 127.0.0.1.

    `strategies` and `api_port` come checked from the settings (gui/startup_config.py); port 0 lets the OS
    pick a free port. `intake` is the strategy API's store, opened (and checked) by the composition root.
    """

    def __init__(self, window: MainWindow, session: TradingSession, settings: SettingsStore, intake: IdempotencyStore,
                 secrets: SecretStore, strategies: StrategyRegistry, api_port: int) -> None:
        self._window = window
        self._session = session
        self.strategies = strategies
        self.intake = intake
        self.approvals = ApprovalQueue(session, self.strategies, self.intake)
        self.token = ApiToken(secrets)
        port = api_port
        self._port = port
        self.server: StrategyApiServer | None = None
        """The API's server, made by `start` (after the window's first paint: it loads aiohttp)."""
        self.queue_widget = ApprovalQueueWidget(
            self.approvals, window.reporter,
            auto_approving=lambda: [str(s) for s in self.strategies.auto_approving()],
        )
        self.approvals.on_change.append(self.queue_widget.refresh)
        window.add_dock("Approvals", "dock.approvals", self.queue_widget, Qt.DockWidgetArea.BottomDockWidgetArea)
        tray = QSystemTrayIcon(window.windowIcon(), window) if QSystemTrayIcon.isSystemTrayAvailable() else None
        if tray is not None:
            tray.show()
        self.alert = ApprovalAlert(
            tray, enabled=lambda: settings.load().get("approval_alerts", True) is not False, parent=window
        )
        self.approvals.on_new.append(lambda pending: self.alert.announce(
            f"{pending.signal.strategy_id}: {pending.order.side.value} "
            f"{pending.order.quantity.value.normalize():f} {pending.order.symbol}"
        ))
        usable = self.token.problem() is None
        self.token_panel = ApiTokenPanel(
            f"http://127.0.0.1:{port}" if port else "chosen at start", self.token.masked, self._reveal,
            self.token.regenerate if usable and not self.token.from_environment else None,
        )
        window.add_dock("Strategy API", "dock.strategyApi", self.token_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.approvals.restore()
        self._stopped = False

    async def start(self, serve: bool = True) -> None:
        """Start the expiry sweep and (unless serve is False) the API; a taken port is reported, not fatal."""
        if self._stopped:  # the window closed before the deferred start ran
            return
        self.approvals.start()
        if not serve:
            return
        problem = self.token.problem()
        if problem is not None:  # fail closed: without a token no strategy could be told apart
            self._session.bus.publish(LogMessage("ERROR", f"Strategy API not started. {problem}"))
            return
        from core.services.strategy_api import StrategyApiServer

        try:
            server = StrategyApiServer(self.approvals, self.intake, self.token, port=self._port)
        except ValueError as exc:  # a port from the settings that is not a TCP port
            self._session.bus.publish(LogMessage("ERROR", f"Strategy API not started. {exc}"))
            return
        self.server = server
        try:
            await server.start()
        except OSError as exc:
            self._session.bus.publish(LogMessage("ERROR", f"Strategy API not started: {exc}"))
            return
        self._session.bus.publish(LogMessage("INFO", f"Strategy API listening on {server.url}"))

    def _reveal(self) -> str:
        try:
            return self.token.value()
        except TokenUnavailable:
            return ""

    async def stop(self) -> None:
        self._stopped = True
        if self.server is not None:
            await self.server.stop()
        await self.approvals.stop()
        self.intake.close()

    def start_soon(self, serve: bool) -> Any:
        return asyncio.ensure_future(self.start(serve))
