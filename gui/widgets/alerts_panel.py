"""AlertsPanel: the trader's price, % move and P&L alerts (armed, then fired), with add, remove and the sound switch."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.services.alerts import Alert, sorted_alerts
from gui.models.format import fmt_time


class AlertsPanel(QWidget):
    """objectName 'alertsPanel': the list `alerts.list`, `alerts.addMoveButton`, `alerts.addPnlButton`,
    `alerts.removeButton`, `alerts.soundCheck`.

    Signals: add_move_requested(); add_pnl_requested(); remove_requested(str alert_id); sound_toggled(bool).
    """

    add_move_requested = Signal()
    add_pnl_requested = Signal()
    remove_requested = Signal(str)
    sound_toggled = Signal(bool)

    def __init__(self, sound: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsPanel")
        self.list = QListWidget(objectName="alerts.list")
        hint = QLabel("Right-click a watchlist row to set a price or % move alert.", objectName="alerts.hint",
                      wordWrap=True)
        self.add_move_button = QPushButton("% move alert…", objectName="alerts.addMoveButton",
                                           toolTip="Alert when a symbol moves a percentage from its previous close "
                                                   "or from the price now")
        self.add_pnl_button = QPushButton("P&&L alert…", objectName="alerts.addPnlButton",
                                          toolTip="Alert when an account's day P&L falls to a level")
        self.remove_button = QPushButton("Remove", objectName="alerts.removeButton", enabled=False)
        self.sound_check = QCheckBox("Sound", objectName="alerts.soundCheck", checked=sound,
                                     toolTip="Beep when an alert fires or a strategy order waits for approval")
        buttons = QHBoxLayout()
        for widget in (self.add_move_button, self.add_pnl_button, self.remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.sound_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)  # first: the left dock is short at the default window, and its area scrolls
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        self.add_move_button.clicked.connect(self.add_move_requested)
        self.add_pnl_button.clicked.connect(self.add_pnl_requested)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.sound_check.toggled.connect(self.sound_toggled)
        self.list.currentItemChanged.connect(lambda item, _old: self.remove_button.setEnabled(item is not None))

    def show_alerts(self, alerts: Sequence[Alert]) -> None:
        """List alerts: armed ones first, then the fired ones with when they fired."""
        self.list.clear()
        for alert in sorted_alerts(alerts):
            fired = "" if alert.fired_at is None else f"fired {fmt_time(alert.fired_at)} · "
            item = QListWidgetItem(f"{'✓ ' + fired if fired else '● '}{alert.describe()}"
                                   f"{' · e-mail' if alert.email else ''}")
            item.setData(Qt.ItemDataRole.UserRole, alert.alert_id)
            self.list.addItem(item)
        self.remove_button.setEnabled(self.list.currentItem() is not None)

    def _on_remove_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.remove_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
