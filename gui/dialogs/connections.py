"""ConnectionsDialog: one tab per broker kind, each holding that broker's connection panel."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget


class ConnectionsDialog(QDialog):
    """objectName 'connectionsDialog'; tabs 'connections.tabs'. Panels are added by the account set-up
    (gui/brokers/account_setup.py)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionsDialog")
        self.setWindowTitle("Connect a broker account")
        self.setMinimumWidth(520)
        self.tabs = QTabWidget(objectName="connections.tabs")
        hint = QLabel("Secrets (passwords, API secrets, tokens) go to the system keyring, or to TradeTerm's "
                      "encrypted vault where there is none; never to the settings file.")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, objectName="connections.buttons")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def add_panel(self, title: str, panel: QWidget) -> None:
        self.tabs.addTab(panel, title)
