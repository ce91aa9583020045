"""PnlCurveView: an account's P&L (realised + unrealised) over the day as a curve. objectName 'pnlCurveView'.

It only draws; PnlCurveDocks (gui/controllers/pnl_curve.py) feeds it the points and reads the account
and currency the trader picks (on_pick(account, currency)).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.services.pnl_curve import PnlPoint
from gui.widgets.account_combo import keep_narrow
from gui.widgets.chart.plot_axes import paint_axes, setup_axes

GAIN = "#2f9e44"
LOSS = "#e03131"
LOADING = "Loading…"
_AXES = ("left", "bottom")


class PnlCurveView(QWidget):
    """The P&L curve of one account in one currency, with pickers and the latest figure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pnlCurveView")
        self.on_pick: Callable[[str, str], None] = lambda account, currency: None
        self.account = keep_narrow(QComboBox(objectName="pnlCurveView.account"))
        self.account.setToolTip("Whose P&L the curve shows")
        self.currency = QComboBox(objectName="pnlCurveView.currency")
        self.currency.setToolTip("The curve sums positions in this currency only")
        self.latest = QLabel("", objectName="pnlCurveView.latest")
        header = QHBoxLayout()
        header.addWidget(QLabel("Account"))
        header.addWidget(self.account)
        header.addWidget(self.currency)
        header.addStretch(1)
        header.addWidget(self.latest)
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setObjectName("pnlCurveView.plot")
        setup_axes(self.plot.getPlotItem(), _AXES)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.getPlotItem().setLabel("left", "realised + unrealised")
        self.zero = pg.InfiniteLine(pos=0, angle=0, movable=False, pen=pg.mkPen("#888888", width=1))
        self.plot.addItem(self.zero, ignoreBounds=True)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(GAIN, width=2))
        self.plot.addItem(self.curve)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(header)
        layout.addWidget(self.plot, 1)
        self.account.currentTextChanged.connect(lambda _text: self._picked())
        self.currency.currentTextChanged.connect(lambda _text: self._picked())
        self._apply_palette()

    def set_choices(self, accounts: Sequence[str], currencies: Sequence[str]) -> None:
        """Offer these accounts and currencies, keeping the current picks when still offered."""
        changed = False
        for box, items in ((self.account, accounts), (self.currency, currencies)):
            current = box.currentText()
            if [box.itemText(i) for i in range(box.count())] == list(items):
                continue
            changed = True
            box.blockSignals(True)
            box.clear()
            box.addItems(list(items))
            if current in items:
                box.setCurrentText(current)
            box.blockSignals(False)
        if changed:
            self._picked()

    def show_points(self, points: Sequence[PnlPoint], currency: str, loading: bool = False) -> None:
        """Draw the curve (a step at each point: the figure holds until the next) and say the latest figure.

        While loading (the day's fills still being replayed), the label says so instead of a figure.
        """
        if loading:
            self.latest.setText(LOADING)
            self.latest.setStyleSheet("")
        if not points:
            self.curve.setData([], [])
            if not loading:
                self.latest.setText("No P&L yet")
            return
        t = np.array([p.ts.timestamp() for p in points], dtype=np.float64)
        y = np.array([float(p.pnl) for p in points], dtype=np.float64)
        self.curve.setData(np.repeat(t, 2)[1:], np.repeat(y, 2)[:-1])
        last = points[-1].pnl
        colour = GAIN if last >= 0 else LOSS
        self.curve.setPen(pg.mkPen(colour, width=2))
        if loading:
            return
        self.latest.setText(f"P&L {_signed(last)} {currency}")
        self.latest.setStyleSheet(f"color: {colour}")

    def _picked(self) -> None:
        if self.account.currentText() and self.currency.currentText():
            self.on_pick(self.account.currentText(), self.currency.currentText())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    def _apply_palette(self) -> None:
        paint_axes(self.plot, self.palette(), [(self.plot.getPlotItem(), _AXES)])


def _signed(value: Decimal) -> str:
    return f"{value:+,.2f}"
