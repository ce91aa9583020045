"""StrategySetup: the strategy side of the composition root — approval queue, local API, their docks."""

from __future__ import annotations

import asyncio
import getpass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon

from core.domain import LogMessage
from core.services.approvals import ApprovalQueue
from core.services.session import TradingSession
from core.services.strategies import StrategyRegistry
from core.services.strategy_access import StrategyAccess
from core.services.strategy_api import StrategyTokens
from core.services.strategy_api.token import TokenUnavailable
from core.storage.idempotency import IdempotencyStore
from core.storage.secrets import SecretStore
from core.storage.settings import SettingsStore
from gui.widgets.api_token_panel import ApiTokenPanel
from gui.widgets.approval_queue import ApprovalAlert, ApprovalQueueWidget
from gui.widgets.main_window import MainWindow

if TYPE_CHECKING:
    from core.services.strategy_api import StrategyApiServer


TOKENS_NOT_READ = "Reading the strategies' tokens from the keyring…"


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
        self.tokens = StrategyTokens(secrets)
        self._token_problem: str | None = TOKENS_NOT_READ
        """Why tokens cannot be kept, or None; read by `secrets_ready` once the keyring is settled (after the
        window's first paint: finding the keyring is slow)."""
        self.access = StrategyAccess(self.strategies, self.tokens,
                                     lambda strategies: settings.save({**settings.load(), "strategies": strategies}),
                                     session.record_audit, session.clock.now)
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
        self.token_panel = ApiTokenPanel(f"http://127.0.0.1:{port}" if port else "chosen at start", self.access,
                                         getpass.getuser(), unavailable=self._token_problem)
        self.token_panel.changed.connect(self.queue_widget.refresh)
        window.add_dock("Strategy API", "dock.strategyApi", self.token_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.approvals.restore()
        self._stopped = False
        self._serve: bool | None = None
        """Whether `start` was asked to serve the API (None: it has not run yet)."""
        self._late_start: asyncio.Future[None] | None = None
        """The API's start once the vault is opened from the banner (after `start` found no tokens)."""

    async def start(self, serve: bool = True) -> None:
        """Start the expiry sweep and (unless serve is False) the API; a taken port is reported, not fatal."""
        if self._stopped:  # the window closed before the deferred start ran
            return
        self.approvals.start()
        auto = [str(s) for s in self.strategies.auto_approving()]
        if auto:  # set in settings.json, perhaps by hand: say so where the trader looks
            self._session.bus.publish(LogMessage(
                "WARNING", f"Auto-approve is ON for {', '.join(auto)} (settings.json): their orders go to the broker "
                           "without your approval, within the risk limits. Turn it off in the Strategy API panel."))
        self._serve = serve
        if not serve:
            return
        if self._token_problem is not None:  # fail closed: without tokens no strategy could be told apart
            self._session.bus.publish(LogMessage("ERROR", f"Strategy API not started. {self._token_problem}"))
            return
        await self._serve_api()

    def secrets_ready(self) -> None:
        """Read the tokens now that the keyring is settled (at start, or once the vault is opened from the banner),
        and serve if start wanted to."""
        self._token_problem = self._load_tokens()
        self.token_panel.set_unavailable(self._token_problem)
        if self._token_problem is None and self._serve and self.server is None and not self._stopped:
            self._late_start = asyncio.ensure_future(self._serve_api())

    async def _serve_api(self) -> None:
        retired = self.tokens.retired_sources()
        if retired:
            self._session.bus.publish(LogMessage(
                "WARNING", f"The strategy API's single shared token ({' and '.join(retired)}) is retired: a strategy "
                           "that still sends it gets 401. Give each strategy its own token in the Strategy API "
                           "panel (type its name, Create token)."))
        from core.services.strategy_api import StrategyApiServer

        try:
            server = StrategyApiServer(self.approvals, self.tokens, port=self._port)
        except ValueError as exc:  # a port from the settings that is not a TCP port
            self._session.bus.publish(LogMessage("ERROR", f"Strategy API not started. {exc}"))
            self.token_panel.show_off(f"Not started: {exc}")
            return
        self.server = server
        try:
            await server.start()
        except OSError as exc:
            self._session.bus.publish(LogMessage("ERROR", f"Strategy API not started: {exc}"))
            self.token_panel.show_off(f"Not started: {exc}")
            return
        self.token_panel.url_label.setText(server.url)
        self._session.bus.publish(LogMessage("INFO", f"Strategy API listening on {server.url}"))

    def _load_tokens(self) -> str | None:
        """Read the configured strategies' tokens from the keyring; return why they cannot be kept, or None."""
        try:
            self.tokens.load(str(config.strategy_id) for config in self.strategies.configured())
        except TokenUnavailable as exc:
            return str(exc)
        return None

    async def stop(self) -> None:
        self._stopped = True
        self.queue_widget.stop_refreshing()
        if self.server is not None:
            await self.server.stop()
        await self.approvals.stop()
        self.intake.close()

    def start_soon(self, serve: bool) -> Any:
        return asyncio.ensure_future(self.start(serve))
