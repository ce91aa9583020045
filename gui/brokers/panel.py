"""ConnectionPanel: what every broker's connection panel shares — named children, a status line, the
connect and disconnect buttons, a progress bar, and the connection states the account set-up reports.

A panel knows nothing of adapters or the keyring: it emits plain settings and takes back
set_progress, set_connected, set_disconnected and show_error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.status_line import show_status

W = TypeVar("W", bound=QWidget)
_STEP = re.compile(r"Step (\d+) of (\d+)")


class ConnectionPanel(QWidget):
    """Base of the connection panels: objectName `name`; children '<name>.<field>' (connectButton (or the name
    given), disconnectButton, progress, status, and each subclass's fields).

    Signals:
        disconnect_requested().
    """

    disconnect_requested = Signal()

    def __init__(self, name: str, connect_text: str = "Connect", connect_name: str = "connectButton",
                 status_text: str = "Not connected.", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.connect_button = self._named(QPushButton(connect_text, self), connect_name)
        self.disconnect_button = self._named(QPushButton("Disconnect", self), "disconnectButton")
        self.disconnect_button.clicked.connect(self.disconnect_requested)
        self.progress = self._named(QProgressBar(self), "progress")
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.status = self._named(QLabel(status_text, self), "status")
        self.status.setWordWrap(True)

    # --- what the panel shows and sends ---------------------------------------------------------------

    def fields(self) -> Sequence[QWidget]:
        """The inputs that are locked while connecting or connected."""
        return ()

    def settings(self) -> dict[str, object]:
        """Return the connection settings as plain values (what the adapter's config reads); never a secret."""
        return {}

    def set_settings(self, settings: Mapping[str, object]) -> None:
        """Show saved settings; unknown keys are ignored."""

    def show_account(self, account_id: str) -> None:
        """Show which account the panel's settings are (a panel whose account name is a field of its own)."""

    # --- state reported by the account set-up ---------------------------------------------------------

    def set_progress(self, message: str) -> None:
        """Show a connecting step; "Step n of m: …" moves the bar to n of m, other texts show it busy."""
        self._editable(False)
        self.connect_button.setEnabled(False)
        self.disconnect_button.setEnabled(True)
        match = _STEP.search(message)
        if match is not None:
            step, total = int(match.group(1)), int(match.group(2))
            self.progress.setRange(0, total)
            self.progress.setValue(step - 1)
        else:
            self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._status(message)

    def set_connected(self, message: str = "") -> None:
        self._editable(False)
        self.connect_button.setEnabled(False)
        self.disconnect_button.setEnabled(True)
        self.progress.setVisible(False)
        self._status(message or "Connected.")

    def set_disconnected(self, message: str = "") -> None:
        self._editable(True)
        self.connect_button.setEnabled(True)
        self.disconnect_button.setEnabled(False)
        self.progress.setVisible(False)
        self._status(message or "Not connected.")

    def show_error(self, message: str) -> None:
        """Show why connecting failed, in the trader's words, with the form editable again."""
        self.set_disconnected()
        self._status(message, error=True)

    # --- helpers for subclasses -----------------------------------------------------------------------

    def _named(self, widget: W, name: str) -> W:
        widget.setObjectName(f"{self.objectName()}.{name}")
        return widget

    def _status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    def _refuse(self, text: str, focus: QWidget) -> None:
        self._status(text, error=True)
        focus.setFocus()

    def _editable(self, on: bool) -> None:
        for widget in self.fields():
            widget.setEnabled(on)

    def _lay_out(self, form: QFormLayout, *above: QWidget) -> QVBoxLayout:
        """Stack the panel: what goes above the form (a warning), the form, the buttons, progress and status."""
        column = QVBoxLayout(self)
        for widget in above:
            column.addWidget(widget)
        column.addLayout(form)
        column.addLayout(self._buttons())
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addStretch(1)
        return column

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.connect_button)
        row.addWidget(self.disconnect_button)
        row.addStretch(1)
        return row


class NamedAccountPanel(ConnectionPanel):
    """A panel for an account the trader names (paper, the e-mail desk): child .account; typing another name there
    adds another account when connected, and the shown one stays as it is."""

    def __init__(self, name: str, default_account: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent=parent)
        self.account = self._named(QLineEdit(default_account), "account")
        self._shown = ""
        self.account.textEdited.connect(self._on_account_edited)
        self.connect_button.clicked.connect(self._on_connect_clicked)

    def show_account(self, account_id: str) -> None:
        self.account.setText(account_id)
        self._shown = account_id

    def _on_account_edited(self, text: str) -> None:
        if text.strip() != self._shown and not self.connect_button.isEnabled():
            self.set_disconnected(f"{text.strip() or 'A new account'} is added when you connect it.")

    def _editable(self, on: bool) -> None:
        super()._editable(on)
        self.account.setEnabled(True)  # typing another name adds another account

    def _on_connect_clicked(self) -> None:
        raise NotImplementedError
