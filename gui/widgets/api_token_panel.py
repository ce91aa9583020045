"""ApiTokenPanel: the strategy API's address and token — masked, with copy and regenerate."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget


class ApiTokenPanel(QWidget):
    """Show where strategies post and the (masked) bearer token; copy puts the full token on the clipboard.

    Every action goes through the callables the composition root gives (the token stays in the keyring).
    """

    def __init__(self, url: str, masked: Callable[[], str], reveal: Callable[[], str],
                 regenerate: Callable[[], str] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("apiTokenPanel")
        self._masked, self._reveal, self._regenerate = masked, reveal, regenerate
        self.url_label = QLabel(url, objectName="apiToken.urlLabel")
        self.token_label = QLabel(objectName="apiToken.tokenLabel")
        self.copy_button = QPushButton("Copy", objectName="apiToken.copyButton")
        self.regenerate_button = QPushButton("Regenerate", objectName="apiToken.regenerateButton")
        self.regenerate_button.setToolTip("Make a new token: strategies using the old one get 401 until updated.")
        self.regenerate_button.setEnabled(regenerate is not None)
        if regenerate is None:
            self.regenerate_button.setToolTip("The token comes from TRADETERM_API_TOKEN; change it there.")
        self.status_label = QLabel(objectName="apiToken.statusLabel")
        row = QHBoxLayout()
        row.addWidget(self.token_label, 1)
        row.addWidget(self.copy_button)
        row.addWidget(self.regenerate_button)
        form = QFormLayout(self)
        form.addRow("Address", self.url_label)
        form.addRow("Token", row)
        form.addRow("", self.status_label)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.regenerate_button.clicked.connect(self._on_regenerate_clicked)
        self._show()

    def _show(self) -> None:
        self.token_label.setText(self._masked())

    def _on_copy_clicked(self) -> None:
        QApplication.clipboard().setText(self._reveal())
        self.status_label.setText("Token copied to the clipboard.")

    def _on_regenerate_clicked(self) -> None:
        if self._regenerate is None:
            return
        try:
            self._regenerate()
        except Exception as exc:
            self.status_label.setText(f"Could not regenerate the token: {exc}")
            return
        self._show()
        self.status_label.setText("New token made: give it to your strategies (the old one no longer works).")
