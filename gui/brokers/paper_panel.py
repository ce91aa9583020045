"""PaperConnectionPanel: a paper account — its name, fees, slippage, how often its market ticks, partial fills."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from gui.brokers.panel import ConnectionPanel

_NUMBERS = {"fee_bps": "Fee (bps)", "slippage_bps": "Slippage (bps)", "tick_interval_s": "Tick every (s)"}


def _number_ok(text: str) -> bool:
    head, _, tail = text.partition(".")
    return bool(text) and text.isascii() and (head + tail).isdigit()


class PaperConnectionPanel(ConnectionPanel):
    """objectName 'paperConnectionPanel'; children .account, .feeBps, .slippageBps, .tickIntervalS, .partialFills,
    .connectButton, .disconnectButton, .progress, .status.

    Signals:
        connect_requested(str account_id, dict settings). disconnect_requested().
    """

    connect_requested = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("paperConnectionPanel", parent=parent)
        self.account = self._named(QLineEdit("PAPER-2"), "account")
        self.numbers = {key: self._named(QLineEdit(), "".join(p.title() if i else p for i, p in
                                                              enumerate(key.split("_"))))
                        for key in _NUMBERS}
        for edit in self.numbers.values():
            edit.setPlaceholderText("default")
        self.partial_fills = self._named(QCheckBox("Fill large orders in parts"), "partialFills")
        form = QFormLayout()
        form.addRow("Account", self.account)
        for key, title in _NUMBERS.items():
            form.addRow(title, self.numbers[key])
        form.addRow("", self.partial_fills)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addLayout(self._buttons())
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addStretch(1)
        self._shown = ""
        self.account.textEdited.connect(self._on_account_edited)
        self.connect_button.clicked.connect(self._on_connect_clicked)
        self.set_disconnected("A simulated account: no money moves. Its books are kept in the data folder.")

    def fields(self) -> Sequence[QWidget]:
        return [self.account, *self.numbers.values(), self.partial_fills]

    def settings(self) -> dict[str, object]:
        values: dict[str, object] = {key: edit.text().strip() for key, edit in self.numbers.items()
                                     if edit.text().strip()}
        if "tick_interval_s" in values:
            values["tick_interval_s"] = float(str(values["tick_interval_s"]))
        values["partial_fills"] = self.partial_fills.isChecked()
        return values

    def set_settings(self, settings: Mapping[str, object]) -> None:
        for key, edit in self.numbers.items():
            value = settings.get(key)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                edit.setText(str(value))
        self.partial_fills.setChecked(settings.get("partial_fills") is True)

    def show_account(self, account_id: str) -> None:
        self.account.setText(account_id)
        self._shown = account_id

    def _on_account_edited(self, text: str) -> None:
        """A new name makes a new account: the form opens again (the shown account stays as it is)."""
        if text.strip() != self._shown and not self.connect_button.isEnabled():
            self.set_disconnected(f"{text.strip() or 'A new account'} is added when you connect it.")

    def _editable(self, on: bool) -> None:
        super()._editable(on)
        self.account.setEnabled(True)  # typing another name adds another account

    def _on_connect_clicked(self) -> None:
        account = self.account.text().strip()
        if not account:
            return self._refuse("Enter the account's name, e.g. PAPER-2.", self.account)
        for key, edit in self.numbers.items():
            text = edit.text().strip()
            if text and not _number_ok(text):
                return self._refuse(f"{_NUMBERS[key]}: {text!r} is not a number; use digits and one point.", edit)
        self.set_progress(f"Connecting {account}…")
        self.connect_requested.emit(account, self.settings())
