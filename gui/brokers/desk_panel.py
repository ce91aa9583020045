"""DeskConnectionPanel: an e-mail desk account — its name, the desk's address(es) and the instruments it trades."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QPlainTextEdit, QWidget

from gui.brokers.panel import NamedAccountPanel

INSTRUMENT_HINT = "one per line: SYMBOL CURRENCY TICK [LOT], e.g. 600519 CNY 0.01 100"


def parse_instruments(text: str) -> tuple[list[dict[str, str]], str | None]:
    """Return the instruments the lines name, or the first bad line and what is wrong with it."""
    instruments: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) not in (3, 4):
            return [], f"Instrument line {number} ({line.strip()!r}): write {INSTRUMENT_HINT}."
        entry = {"symbol": parts[0], "currency": parts[1].upper(), "tick_size": parts[2]}
        if len(parts) == 4:
            entry["lot_size"] = parts[3]
        instruments.append(entry)
    return instruments, None


def instruments_text(raw: object) -> str:
    """Show saved instruments as the panel's lines."""
    if not isinstance(raw, list | tuple):
        return ""
    lines = []
    for item in raw:
        if isinstance(item, Mapping):
            parts = [str(item.get(k, "")) for k in ("symbol", "currency", "tick_size")]
            if "lot_size" in item:
                parts.append(str(item["lot_size"]))
            lines.append(" ".join(parts))
    return "\n".join(lines)


class DeskConnectionPanel(NamedAccountPanel):
    """objectName 'emailDeskConnectionPanel'; children .account, .desk, .instruments, .connectButton,
    .disconnectButton, .progress, .status.

    Signals:
        connect_requested(str account_id, dict settings): the desk's settings (no secret: the SMTP password is
            E-mail settings'). disconnect_requested().
    """

    connect_requested = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("emailDeskConnectionPanel", "DESK-1", parent=parent)
        self.desk = self._named(QLineEdit(), "desk")
        self.desk.setPlaceholderText("desk@broker.example (several: separate with commas)")
        self.instruments = self._named(QPlainTextEdit(), "instruments")
        self.instruments.setPlaceholderText(INSTRUMENT_HINT)
        self.instruments.setFixedHeight(90)
        form = QFormLayout()
        form.addRow("Account", self.account)
        form.addRow("Desk e-mail", self.desk)
        form.addRow("Instruments", self.instruments)
        self._lay_out(form)
        self.set_disconnected("Orders are mailed through E-mail settings' SMTP server; fills are entered by hand.")

    def fields(self) -> Sequence[QWidget]:
        return [self.account, self.desk, self.instruments]

    def settings(self) -> dict[str, object]:
        desk = [a.strip() for a in self.desk.text().split(",") if a.strip()]
        instruments, _ = parse_instruments(self.instruments.toPlainText())
        return {"desk": desk, "instruments": instruments}

    def set_settings(self, settings: Mapping[str, object]) -> None:
        desk = settings.get("desk")
        if isinstance(desk, list | tuple):
            self.desk.setText(", ".join(str(a) for a in desk))
        elif isinstance(desk, str):
            self.desk.setText(desk)
        self.instruments.setPlainText(instruments_text(settings.get("instruments")))

    def _on_connect_clicked(self) -> None:
        account = self.account.text().strip()
        if not account:
            return self._refuse("Enter the account's name, e.g. DESK-1.", self.account)
        if not self.desk.text().strip():
            return self._refuse("Enter the desk's e-mail address.", self.desk)
        _, problem = parse_instruments(self.instruments.toPlainText())
        if problem is not None:
            return self._refuse(problem, self.instruments)
        self.set_progress(f"Connecting {account}…")
        self.connect_requested.emit(account, self.settings())
