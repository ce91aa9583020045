"""LadderWidget: the price ladder dock's contents (objectName 'ladderView'); owns no trading logic.

Signals:
    level_clicked(str, Decimal): the trader clicked column 'buy' or 'sell' at a price level.
    level_dragged(str, Decimal, Decimal): the trader dragged from one level to another in column 'buy' or 'sell'.
    cancel_symbol_requested(): Esc — cancel this symbol's orders on this account (the controller confirms).
    account_chosen(str): the trader picked another account in the ladder's account box.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.ladder.model import COLUMNS, LadderModel
from gui.widgets.ladder.tape import TapeModel

PRESETS = (1, 5, 10, 100)
VISIBLE_LEVELS = 40


class LadderTableView(QTableView):
    """The ladder's grid; keys it does not use go to the LadderWidget.

    It paints its visible levels itself in one pass (text and background of each cell from the model's
    few dicts) instead of asking data() for every role of every cell: a frame of 40 levels stays well
    under the 2 ms the ladder allows itself (bench/ladder.py).
    """

    dragged = Signal(int, int, int)
    """(column, from row, to row): the mouse went down on one row and up on another of the same column."""

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = self.indexAt(event.position().toPoint())
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed = getattr(self, "_pressed", QModelIndex())
        self._pressed = QModelIndex()
        released = self.indexAt(event.position().toPoint())
        super().mouseReleaseEvent(event)
        if pressed.isValid() and released.isValid() and released.column() == pressed.column() \
                and released.row() != pressed.row():
            self.dragged.emit(pressed.column(), pressed.row(), released.row())

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if not isinstance(model, LadderModel) or model.rowCount() == 0:
            super().paintEvent(event)
            return
        viewport = self.viewport()
        painter = QPainter(viewport)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.base())
        text_pen = QPen(QColor(150, 150, 150) if model.stale else palette.text().color())
        grid_pen = QPen(palette.mid().color())
        height = viewport.height()
        first = max(0, self.rowAt(0))
        last = self.rowAt(height - 1)
        last = model.rowCount() - 1 if last < 0 else last
        columns = [(c, self.columnViewportPosition(c), self.columnWidth(c)) for c in range(model.columnCount())]
        width = columns[-1][1] + columns[-1][2]
        row_height = self.rowHeight(first)
        centre = int(Qt.AlignmentFlag.AlignCenter)
        top = model.top
        cell = model.cell
        for row in range(first, last + 1):
            y = self.rowViewportPosition(row)
            ticks = top - row
            for column, x, w in columns:
                text, background = cell(column, ticks)
                if background is not None:
                    painter.fillRect(x, y, w, row_height, background)
                if text:
                    painter.setPen(text_pen)
                    painter.drawText(x, y, w, row_height, centre, text)
            painter.setPen(grid_pen)
            painter.drawLine(0, y + row_height - 1, width, y + row_height - 1)
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Plus, Qt.Key.Key_Minus, Qt.Key.Key_Equal, Qt.Key.Key_Home):
            event.ignore()
            return
        super().keyPressEvent(event)


class LadderWidget(QWidget):
    """Header (account, symbol, pin, one-click switch, quantity), position line, status line, the grid."""

    level_clicked = Signal(str, Decimal)
    level_dragged = Signal(str, Decimal, Decimal)
    cancel_symbol_requested = Signal()
    account_chosen = Signal(str)

    def __init__(self, model: LadderModel, parent: QWidget | None = None, tape: TapeModel | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ladderView")
        self.model = model
        self.tape_model = tape or TapeModel(self)
        self.tape = QTableView(objectName="ladderView.tape")
        self.tape.setModel(self.tape_model)
        self.tape.verticalHeader().setVisible(False)
        self.tape.verticalHeader().setDefaultSectionSize(16)
        self.tape.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tape.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tape.setMaximumHeight(140)
        self.tape_label = QLabel("Time and sales", objectName="ladderView.tapeStatus")
        self.account_combo = QComboBox(objectName="ladderView.account")
        self.symbol_label = QLabel("Pick a symbol in the watchlist", objectName="ladderView.symbol")
        self.pin_box = QCheckBox("Pin", objectName="ladderView.pin")
        self.pin_box.setToolTip("Keep this symbol when the watchlist selection changes")
        self.arm_button = QPushButton(objectName="ladderView.arm")
        self.arm_button.setCheckable(True)
        self.arm_button.toggled.connect(self._show_armed)
        self._show_armed(False)
        self.quantity = QSpinBox(objectName="ladderView.quantity")
        self.quantity.setRange(1, 10_000_000)
        self.quantity.setValue(1)
        self.centre_button = QPushButton("Centre", objectName="ladderView.centre")
        self.auto_centre = QCheckBox("Auto-centre", objectName="ladderView.autoCentre")
        self.position_label = QLabel("", objectName="ladderView.position")
        self.depth_label = QLabel("", objectName="ladderView.depth")
        self.status_label = QLabel("", objectName="ladderView.status")
        self.status_label.setWordWrap(True)
        self.table = LadderTableView(objectName="ladderView.table")
        self.table.setModel(model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(18)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._on_clicked)
        self.table.dragged.connect(self._on_dragged)
        self.centre_button.clicked.connect(self.centre)
        self.account_combo.activated.connect(lambda _: self.account_chosen.emit(self.account_combo.currentText()))
        self._build()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.account_combo)
        top.addWidget(self.symbol_label, 1)
        top.addWidget(self.pin_box)
        presets = QHBoxLayout()
        for preset in PRESETS:
            button = QPushButton(str(preset), objectName=f"ladderView.qty{preset}")
            button.setMinimumWidth(28)
            button.clicked.connect(lambda _=False, n=preset: self.quantity.setValue(n))
            presets.addWidget(button)
        minus = QPushButton("−", objectName="ladderView.qtyMinus")
        plus = QPushButton("+", objectName="ladderView.qtyPlus")
        minus.clicked.connect(lambda: self.step_quantity(-1))
        plus.clicked.connect(lambda: self.step_quantity(1))
        presets.addWidget(minus)
        presets.addWidget(self.quantity, 1)
        presets.addWidget(plus)
        controls = QHBoxLayout()
        controls.addWidget(self.arm_button, 1)
        controls.addWidget(self.centre_button)
        controls.addWidget(self.auto_centre)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        for row in (top, controls, presets):
            layout.addLayout(row)
        for label in (self.position_label, self.depth_label, self.status_label):
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.tape_label)
        layout.addWidget(self.tape)

    @property
    def armed(self) -> bool:
        return self.arm_button.isChecked()

    def _show_armed(self, armed: bool) -> None:
        self.arm_button.setText("One-click: ARMED" if armed else "One-click: off")
        self.arm_button.setStyleSheet("background: #c0392b; color: white; font-weight: bold;" if armed else "")
        self.arm_button.setToolTip("Armed: a click in Buy or Sell sends the order at once. Off: the click fills "
                                   "the ticket, which asks you to confirm.")

    def step_quantity(self, direction: int) -> None:
        """Next preset up or down from the current quantity (+/- keys and buttons)."""
        value = self.quantity.value()
        if direction > 0:
            bigger = [p for p in PRESETS if p > value]
            self.quantity.setValue(bigger[0] if bigger else value * 2)
        else:
            smaller = [p for p in PRESETS if p < value]
            self.quantity.setValue(smaller[-1] if smaller else 1)

    def set_sized_by_risk(self, on: bool) -> None:
        """Show that clicks are sized by the ticket's risk (the quantity box only shows the last size) or not."""
        self.quantity.setEnabled(not on)
        for button in self.findChildren(QPushButton):
            if button.objectName().startswith("ladderView.qty"):
                button.setEnabled(not on)
        self.quantity.setToolTip("Sized by risk on the ticket ('Ladder & chart'): each click gets its own quantity"
                                 if on else "The quantity a click sends")

    def show_sized(self, quantity: Decimal) -> None:
        """Show the quantity risk sizing gave the last click (whole quantities only: the box counts units)."""
        if quantity == quantity.to_integral_value() and self.quantity.minimum() <= quantity <= self.quantity.maximum():
            self.quantity.setValue(int(quantity))

    def centre(self) -> None:
        """Scroll so the market (the touch, else the last trade) is in the middle."""
        model = self.model
        ticks = model.best_bid if model.best_bid is not None else model.last
        if ticks is None:
            return
        row = model.row_of_price(ticks * model.tick)
        if row is None or row < 20 or row > model.rowCount() - 20:
            row = model.centre_on(ticks * model.tick)
        index, middle = model.index(row, 2), QAbstractItemView.ScrollHint.PositionAtCenter
        self.table.scrollTo(index, middle)
        # Right after the model's reset the view has not laid its rows out yet and ignores the scroll
        # (it stayed at the top, 200 ticks above the market): scroll again once it has.
        QTimer.singleShot(0, self.table, lambda: self.table.scrollTo(index, middle))

    def show_status(self, text: str, ok: bool = True) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("" if ok else "color: #c0392b;")

    def _on_clicked(self, index: QModelIndex) -> None:
        column = COLUMNS[index.column()]
        if column in ("buy", "sell"):
            self.level_clicked.emit(column, self.model.price_of_row(index.row()))

    def _on_dragged(self, column: int, from_row: int, to_row: int) -> None:
        key = COLUMNS[column]
        if key in ("buy", "sell"):
            self.level_dragged.emit(key, self.model.price_of_row(from_row), self.model.price_of_row(to_row))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancel_symbol_requested.emit()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.step_quantity(1)
        elif key == Qt.Key.Key_Minus:
            self.step_quantity(-1)
        elif key == Qt.Key.Key_Home:
            self.centre()
        else:
            super().keyPressEvent(event)
