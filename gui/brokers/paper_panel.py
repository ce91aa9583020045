"""PaperConnectionPanel: a paper account — its name, fees, slippage, how often its market ticks, partial fills."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from core.adapters.paper.config import PaperConfig
from gui.brokers.panel import NamedAccountPanel

_NUMBERS = {"fee_bps": "Fee (bps)", "slippage_bps": "Slippage (bps)", "tick_interval_s": "Tick every (s)"}


def _number_ok(text: str) -> bool:
    head, _, tail = text.partition(".")
    return bool(text) and text.isascii() and (head + tail).isdigit()


class PaperConnectionPanel(NamedAccountPanel):
    """objectName 'paperConnectionPanel'; children .account, .feeBps, .slippageBps, .tickIntervalS, .partialFills,
    .connectButton, .disconnectButton, .progress, .status.

    Signals:
        connect_requested(str account_id, dict settings): a saved number the trader emptied is sent as None (its
            default applies again). disconnect_requested().
    """

    connect_requested = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("paperConnectionPanel", "PAPER-2", parent=parent)
        self.numbers = {key: self._named(QLineEdit(), "".join(p.title() if i else p for i, p in
                                                              enumerate(key.split("_"))))
                        for key in _NUMBERS}
        self._saved: set[str] = set()
        defaults = PaperConfig()
        for key, edit in self.numbers.items():
            edit.setPlaceholderText(f"{getattr(defaults, key)} (default)")
        self.partial_fills = self._named(QCheckBox("Fill large orders in parts"), "partialFills")
        form = QFormLayout()
        form.addRow("Account", self.account)
        for key, title in _NUMBERS.items():
            form.addRow(title, self.numbers[key])
        form.addRow("", self.partial_fills)
        self._lay_out(form)
        self.set_disconnected("A simulated account: no money moves. Its books are kept in the data folder.")

    def fields(self) -> Sequence[QWidget]:
        return [self.account, *self.numbers.values(), self.partial_fills]

    def settings(self) -> dict[str, object]:
        values: dict[str, object] = {key: edit.text().strip() for key, edit in self.numbers.items()
                                     if edit.text().strip()}
        values.update({key: None for key in self._saved if key not in values})  # emptied: the default again
        if "tick_interval_s" in values:
            values["tick_interval_s"] = float(str(values["tick_interval_s"]))
        values["partial_fills"] = self.partial_fills.isChecked()
        return values

    def set_settings(self, settings: Mapping[str, object]) -> None:
        self._saved = set()
        for key, edit in self.numbers.items():
            value = settings.get(key)
            edit.clear()
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                edit.setText(str(value))
                self._saved.add(key)
        self.partial_fills.setChecked(settings.get("partial_fills") is True)

    def _on_connect_clicked(self) -> None:
        account = self.account.text().strip()
        if not account:
            return self._refuse("Enter the account's name, e.g. PAPER-2.", self.account)
        for key, edit in self.numbers.items():
            text = edit.text().strip()
            if text and not _number_ok(text):
                return self._refuse(f"{_NUMBERS[key]}: {text!r} is not a number; use digits and one point.", edit)
        self.set_progress(f"Connecting {account}…")
        settings = self.settings()
        # What is sent is what the account keeps: emptied later, in this same panel, it is sent as None too.
        self._saved = (self._saved | {k for k, v in settings.items() if v is not None and k in self.numbers}) - {
            k for k, v in settings.items() if v is None}
        self.connect_requested.emit(account, settings)
