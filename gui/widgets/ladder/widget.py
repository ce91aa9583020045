"""LadderWidget: the price ladder dock's contents (objectName 'ladderView'); owns no trading logic.

Click handler (a plain call: see LadderWidget.on_level_click):
    on_level_click(str, Decimal): the trader clicked column 'buy' or 'sell' at a price level.

Signals:
    level_dragged(str, Decimal, Decimal): the trader dragged from one level to another in column 'buy' or 'sell'.
    cancel_symbol_requested(): Esc — cancel this symbol's orders on this account (the controller confirms).
    account_chosen(str): the trader picked another account in the ladder's account box.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QAbstractItemModel, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.account_combo import keep_narrow
from gui.widgets.ladder.model import BRUSHES, COLUMNS, LAST_BG, PRICE, STALE, VOLUME, VOLUME_BAR, LadderModel, runs
from gui.widgets.ladder.quantity_box import LadderQuantity
from gui.widgets.ladder.tape import TapeModel
from gui.widgets.message_line import MessageLine

PRESETS = (1, 5, 10, 100)
VISIBLE_LEVELS = 40
STATIC_TEXT_CACHE = 2048
TAPE_HEIGHT = 80
"""The time-and-sales strip's first height under the levels (the trader drags the splitter)."""


_HAND_SCROLL_S = 0.05
"""A view move this soon after the trader's own scroll action (wheel, scroll bar) is that scroll, not the ladder's."""


class LadderTableView(QTableView):
    """The ladder's grid; keys it does not use go to the LadderWidget.

    It paints the cells a frame changed (the model's flush names them; Qt hands over their region) itself,
    column by column, from the model's pre-formatted texts with text laid out once (QStaticText), one fill
    for the base and grid and one per run of coloured cells, instead of asking data() for every role of
    every cell: a depth storm costs each ladder one small repaint per frame (bench/ladder.py).
    """

    dragged = Signal(int, int, int)
    """(column, from row, to row): the mouse went down on one row and up on another of the same column."""
    resized = Signal()
    """The view's height changed (the dock laid out, the splitter moved)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # It draws its own row lines. With Qt's grid on, a changed cell's region (visualRect) leaves out the cell's
        # last pixel column, which the fill of a coloured size had painted: a 1-pixel sliver of the old bid's blue
        # or ask's pink stayed beside levels the touch had left, until something repainted the whole view.
        self.setShowGrid(False)
        self._statics: dict[str, tuple[QStaticText, int, int]] = {}
        self._grid: tuple[tuple[int, int, int], QBrush] | None = None
        self._pressed: tuple[int, int] | None = None
        """The cell (row, column) the mouse button last went down on; None once it came up, or after a reset."""
        self.on_cell_click: Callable[[int, int], None] | None = None
        """Called with (row, column) when the left button went down and up on the same cell: as the button comes up,
        before the view's own handling of the release, automatic garbage collection held off, so a click that sends
        an order sends it first. A plain call, not a signal: the click's hops are on the order's way to the broker
        (bench.ladder)."""

    def setModel(self, model: QAbstractItemModel | None) -> None:
        old = self.model()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self._forget_press)
        super().setModel(model)
        if model is not None:
            model.modelAboutToBeReset.connect(self._forget_press)

    def _forget_press(self) -> None:
        """Another instrument or centring: the pressed row is no longer the level the trader pressed."""
        self._pressed = None

    def _cell_at(self, event: QMouseEvent) -> tuple[int, int] | None:
        """The (row, column) under the pointer, or None off the cells: from the headers, without asking the model."""
        point = event.position().toPoint()
        row, column = self.rowAt(point.y()), self.columnAt(point.x())
        return None if row < 0 or column < 0 else (row, column)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().height() != event.oldSize().height():
            self.resized.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Note the cell the button went down on; the click and the drag are this view's own (on the release).

        A left press skips the item view's own handling: a current index nothing shows, and a scroll 0.6 s later
        that brought a half-hidden clicked level into full view, which moved every level under the pointer.
        """
        self._pressed = self._cell_at(event)
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed, self._pressed = self._pressed, None
        released = self._cell_at(event)
        if pressed is not None and pressed == released and self.on_cell_click is not None \
                and event.button() == Qt.MouseButton.LeftButton:
            # A collection falling due while the click makes its order (the ladder's checks, the request) waits
            # until the order is out, as in the order path's own first step (start_eagerly): 2 clicks in 100 paid a
            # young pass (0.2 ms) before the send, in bench.ladder.
            collecting = gc.isenabled()
            gc.disable()
            try:
                self.on_cell_click(*released)
            finally:
                if collecting:
                    gc.enable()
        super().mouseReleaseEvent(event)
        if pressed is not None and released is not None and released[1] == pressed[1] and released[0] != pressed[0]:
            self.dragged.emit(pressed[1], pressed[0], released[0])

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if not isinstance(model, LadderModel) or model.rowCount() == 0:
            super().paintEvent(event)
            return
        cells = self._cells_in(event, model.rowCount(), model.columnCount())
        painter = QPainter(self.viewport())
        palette = self.palette()
        height = self.rowHeight(0)
        y0 = self.rowViewportPosition(0)
        painter.setBrushOrigin(0, y0)
        painter.fillRect(event.rect(), self._grid_brush(height))  # clipped to the event's region: the dirty cells
        painter.setPen(QPen(STALE.color() if model.stale else palette.text().color()))
        statics, font = self._statics, painter.font()
        top, last, texts, price_text = model.top, model.last, model.texts, model.price_text
        for column, rows in cells.items():
            x, w = self.columnViewportPosition(column), self.columnWidth(column)
            shown = texts[column]
            if column == PRICE:
                brush: QBrush | None = LAST_BG
                painted = [(row, price_text(top - row)) for row in rows]
                marked = [(row, f"▶ {text}") if top - row == last else (row, text) for row, text in painted]
                filled = [row for row in rows if top - row == last]
            elif column == VOLUME:
                brush = None
                marked = [(row, shown[top - row]) for row in rows if top - row in shown]
                share = model.volume_share
                for row, _text in marked:  # a bar as long as the level's share of the largest volume
                    painter.fillRect(x, y0 + row * height, max(1, int(w * share(top - row))), height - 1, VOLUME_BAR)
                filled = []
            else:
                brush = BRUSHES[column]
                marked = [(row, shown[top - row]) for row in rows if top - row in shown]
                filled = [row for row, _ in marked]
            if brush is not None:
                for first, end in runs(filled):
                    painter.fillRect(x, y0 + first * height, w, (end - first + 1) * height - 1, brush)
            for row, text in marked:
                static = statics.get(text)
                if static is None:
                    static = self._static(text, font)
                painter.drawStaticText(x + (w - static[1]) // 2, y0 + row * height + (height - static[2]) // 2,
                                       static[0])
        painter.end()

    def _cells_in(self, event: QPaintEvent, rows: int, columns: int) -> dict[int, list[int]]:
        """The cells the paint event's region touches, column -> sorted rows (a frame's dirty cells, or all)."""
        cells: dict[int, set[int]] = {}
        for rect in event.region():  # type: ignore[attr-defined]  # PySide6 iterates a QRegion by its rects
            first, last = self.rowAt(rect.top()), self.rowAt(rect.bottom())
            left, right = self.columnAt(rect.left()), self.columnAt(rect.right())
            if first < 0 or left < 0:
                continue
            span = range(first, (rows - 1 if last < 0 else last) + 1)
            for column in range(left, (columns - 1 if right < 0 else right) + 1):
                cells.setdefault(column, set()).update(span)
        return {column: sorted(shown) for column, shown in cells.items()}

    def _grid_brush(self, height: int) -> QBrush:
        """The base colour with a grid line at the foot of every row, as one brush (one fill paints both)."""
        palette = self.palette()
        key = (height, palette.base().color().rgba(), palette.mid().color().rgba())
        if self._grid is None or self._grid[0] != key:
            tile = QPixmap(8, height)
            tile.fill(palette.base().color())
            painter = QPainter(tile)
            painter.fillRect(0, height - 1, 8, 1, palette.mid().color())
            painter.end()
            self._grid = (key, QBrush(tile))
        return self._grid[1]

    def _static(self, text: str, font: QFont) -> tuple[QStaticText, int, int]:
        """Text laid out once (the ladder shows few distinct strings), with its width and height."""
        if len(self._statics) >= STATIC_TEXT_CACHE:
            self._statics.clear()
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(QTransform(), font)
        size = static.size()
        entry = self._statics[text] = (static, int(size.width()), int(size.height()))
        return entry

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._statics.clear()
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Plus, Qt.Key.Key_Minus, Qt.Key.Key_Equal, Qt.Key.Key_Home):
            event.ignore()
            return
        super().keyPressEvent(event)


class LadderWidget(QWidget):
    """Header (account, symbol, pin, one-click and bracket switches, quantity), position and status lines, the grid."""

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
        self.tape.setMinimumHeight(48)
        self.tape_label = QLabel("Time and sales", objectName="ladderView.tapeStatus")
        self.account_combo = keep_narrow(QComboBox(objectName="ladderView.account"))
        self.symbol_label = QLabel("Pick a symbol in the watchlist", objectName="ladderView.symbol")
        self.pin_box = QCheckBox("Pin", objectName="ladderView.pin")
        self.pin_box.setToolTip("Keep this symbol when the watchlist selection changes")
        self.arm_button = QPushButton(objectName="ladderView.arm")
        self.arm_button.setCheckable(True)
        self._armed = False
        self.arm_button.toggled.connect(self._show_armed)
        self._show_armed(False)
        self.quantity = LadderQuantity(objectName="ladderView.quantity")
        self.quantity.setValue(1)
        self.centre_button = QPushButton("Centre", objectName="ladderView.centre")
        self.auto_centre = QCheckBox("Auto-centre", objectName="ladderView.autoCentre")
        self.bracket_box = QCheckBox("Bracket", objectName="ladderView.bracket")
        self.bracket_box.setToolTip("Attach the ticket's Protect row (stop-loss and/or target, in ticks from the "
                                    "clicked level or as prices) to every order this ladder sends")
        self._bracketed = False
        self.bracket_box.toggled.connect(self._note_bracketed)
        self._sized_by_risk = False
        # Always there, of a fixed height (one line each, two for the status: a refusal says what to do; a longer
        # text is elided, whole in its tooltip): a line that appeared, or wrapped, would move every level under the
        # trader's pointer between seeing a price and clicking it.
        self.position_label = MessageLine("ladderView.position")
        self.depth_label = MessageLine("ladderView.depth")
        self.status_label = MessageLine("ladderView.status", lines=2)  # a refusal says what to do: room for it
        self.table = LadderTableView(objectName="ladderView.table")
        self.table.setModel(model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(18)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.on_cell_click = self._on_clicked
        self.on_level_click: Callable[[str, Decimal], None] | None = None
        """Called with ('buy' or 'sell', the level's price) for a click on a Buy or Sell cell (the controller sends
        or cancels there). A plain call from the view's release handler, not a Qt signal: each of the two signal
        hops it replaces took some 20 µs of a click after idleness, on the order's way to the broker
        (bench.ladder's hop_ladder)."""
        self.table.dragged.connect(self._on_dragged)
        self.centre_button.clicked.connect(self.centre)
        self._centred_row: int | None = None
        """The row centre() put in the middle, kept there as the view's height settles until the trader scrolls."""
        self._scrolled_at = float("-inf")
        """When the trader last scrolled the levels himself (time.monotonic)."""
        self._moved_at = float("-inf")
        """When the levels last moved by themselves (centring, following the market), not by the trader's scroll."""
        self.table.verticalScrollBar().valueChanged.connect(self._on_view_moved)
        self.table.resized.connect(self._keep_centred)
        model.modelReset.connect(self._on_scrolled_by_hand)  # another symbol: its rows are not the centred ones
        self.table.verticalScrollBar().actionTriggered.connect(self._on_scrolled_by_hand)
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
        controls.addWidget(self.bracket_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        for row in (top, controls, presets):
            layout.addLayout(row)
        for label in (self.position_label, self.depth_label, self.status_label):
            layout.addWidget(label)
        tape = QWidget(objectName="ladderView.tapeBox")
        tape_layout = QVBoxLayout(tape)
        tape_layout.setContentsMargins(0, 0, 0, 0)
        tape_layout.addWidget(self.tape_label)
        tape_layout.addWidget(self.tape)
        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="ladderView.splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(tape)
        self.splitter.setStretchFactor(0, 1)  # a taller dock gives the levels the height, the tape keeps its own
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setCollapsible(0, False)
        self.splitter.setSizes([10_000, TAPE_HEIGHT])
        layout.addWidget(self.splitter, 1)

    # The click reads these three switches from Python, kept as they toggle: asking each Qt box took some 5 us of a
    # click after idleness (bench.ladder), on the order's way to the broker.

    @property
    def armed(self) -> bool:
        """One-click is armed: a click in Buy or Sell sends at once."""
        return self._armed

    @property
    def bracketed(self) -> bool:
        """Bracket is on: every order this ladder sends carries the ticket's Protect row."""
        return self._bracketed

    @property
    def sized_by_risk(self) -> bool:
        """Clicks are sized by the ticket's risk (set_sized_by_risk), not by the quantity box."""
        return self._sized_by_risk

    def _note_bracketed(self, on: bool) -> None:
        self._bracketed = on

    def _show_armed(self, armed: bool) -> None:
        self._armed = armed
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
        self._sized_by_risk = on
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
        self._centred_row = row
        self.table.scrollTo(index, middle)
        # Right after the model's reset the view has not laid its rows out yet and ignores the scroll
        # (it stayed at the top, 200 ticks above the market): scroll again once it has.
        QTimer.singleShot(0, self.table, lambda: self.table.scrollTo(index, middle))

    def _keep_centred(self) -> None:
        """The view got another height (the dock's final one, after centre() ran on a provisional one): the
        market would sit rows above the middle, so centre the same row again, unless the trader has scrolled."""
        row = self._centred_row
        if row is not None and row < self.model.rowCount():
            self.table.scrollTo(self.model.index(row, 2), QAbstractItemView.ScrollHint.PositionAtCenter)

    def _on_scrolled_by_hand(self, _action: int = 0) -> None:
        self._centred_row = None  # the trader chose where to look (or the rows changed): a later resize keeps it
        if _action:
            self._scrolled_at = time.monotonic()

    def _on_view_moved(self, _value: int) -> None:
        if time.monotonic() - self._scrolled_at > _HAND_SCROLL_S:
            self._moved_at = time.monotonic()

    def moved_within(self, seconds: float) -> bool:
        """Return True when the levels moved by themselves (not by the trader's scroll) in the last `seconds`: a
        click now may land on a price the trader did not aim at."""
        return time.monotonic() - self._moved_at < seconds

    def left_alone(self, seconds: float) -> bool:
        """Return True when the pointer is off the levels and the trader has not scrolled them for `seconds`:
        the view may move to follow the market without taking a price from under his hand."""
        return not self.table.underMouse() and time.monotonic() - self._scrolled_at >= seconds

    def show_status(self, text: str, ok: bool = True) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("" if ok else "color: #c0392b;")

    def _on_clicked(self, row: int, column: int) -> None:
        key = COLUMNS[column]
        if key in ("buy", "sell"):
            handler = self.on_level_click
            if handler is not None:
                handler(key, self.model.price_of_row(row))

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
