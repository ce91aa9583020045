"""AccountController: connect and disconnect accounts, and adopt the broker's positions after a mismatch."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from core.domain import AccountId, ConnectionState, TradingState
from core.ports.errors import BrokerError
from core.services.session import TradingSession
from gui.async_op import OpReporter, run_op

if TYPE_CHECKING:
    from gui.dialogs.reconciliation import ReconciliationDialog


class AccountController:
    """Send the accounts panel's commands; on_connected runs after each connect (brokers list instruments then)."""

    def __init__(self, session: TradingSession, reporter: OpReporter, parent: QWidget,
                 on_connected: Callable[[], None]) -> None:
        self._session = session
        self._reporter = reporter
        self._parent = parent
        self._on_connected = on_connected
        self._asking: dict[AccountId, ReconciliationDialog] = {}

    def connect_all(self) -> None:
        for account_id in self._session.account_ids():
            self.connect(account_id)

    def connect(self, account_id: AccountId) -> None:
        label = f"Connect {account_id}"

        def failed(exc: BaseException) -> None:
            said = (isinstance(exc, BrokerError)
                    and self._session.view.status(account_id).connection is ConnectionState.FAILED)
            if not said:  # a failed connection's own line already says why, in the broker's words: not twice
                self._reporter.failed.emit(f"{label} failed: {exc}")

        run_op(self._reporter, label, self._session.connect(account_id), on_success=lambda _: self._on_connected(),
               on_error=failed)

    def disconnect(self, account_id: AccountId) -> None:
        run_op(self._reporter, f"Disconnect {account_id}", self._session.disconnect(account_id))

    def ask_reconciliation(self, account_id: AccountId, differences: Sequence[str]) -> ReconciliationDialog:
        """Show how our books differ from the broker's; the trader may adopt the broker's positions.

        One dialog per account: a later reconciliation (a reconnect while halted) lists its differences in the one
        open, never a second dialog under it that outlives the trader's answer to the first.
        """
        from gui.dialogs.reconciliation import ReconciliationDialog  # a dialog: loaded when first opened

        dialog = self._asking.get(account_id)
        if dialog is not None and dialog.isVisible():
            dialog.set_differences(differences)
            dialog.raise_()
            return dialog
        dialog = ReconciliationDialog(account_id, differences, self._parent)
        dialog.accept_requested.connect(self.accept_broker_state)
        dialog.finished.connect(lambda _result: self._forget(account_id, dialog))
        self._asking[account_id] = dialog
        dialog.open()
        return dialog

    def on_trading_state(self, account_id: AccountId, state: TradingState, _reason: str) -> None:
        """An account trading again (its books agree now, or the trader adopted the broker's): its list is over."""
        dialog = self._asking.get(account_id)
        if state is TradingState.ACTIVE and dialog is not None:
            dialog.reject()

    def _forget(self, account_id: AccountId, dialog: ReconciliationDialog) -> None:
        if self._asking.get(account_id) is dialog:
            del self._asking[account_id]

    def accept_broker_state(self, account_id: AccountId) -> None:
        run_op(self._reporter, f"Adopt {account_id}'s positions",
               self._session.accept_broker_state(account_id, getpass.getuser()))
