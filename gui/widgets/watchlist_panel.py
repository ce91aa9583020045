"""WatchlistPanel: the watchlist dock: a tab per named watchlist over the one quotes grid, and its row actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QTabBar,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.models.quotes import QuotesTableModel
from gui.widgets.account_combo import keep_narrow
from gui.widgets.literal_text import literal

AUTO_FEED = "auto"
"""What the feed combo and menu call a row quoted from the first feed that quotes its symbol."""


class WatchlistPanel(QWidget):
    """The tabs, the add-symbol line and the grid. objectName 'watchlistPanel' (children 'watchlist.<name>').

    Holds no list itself: it asks (signals) and the controller (gui/controllers/watchlists.py) answers
    by calling `show_tabs`, `set_feeds`. Row actions work on the selected row: the grid's context menu
    (Move up/down, Remove, Quote from ▸), Delete removes, Ctrl+Up/Ctrl+Down move; a row dragged with the mouse
    and dropped between two others moves there (the grid's model says where: QuotesTableModel.row_dropped).

    Events:
        tab_selected(int index); tab_added(str name); tab_renamed(int index, str name); tab_removed(int index);
        symbol_added(str symbol, str feed or "" for auto); symbol_removed(str symbol);
        symbol_moved(str symbol, int delta); symbol_dropped(str symbol, int before: the row it now goes before);
        feed_chosen(str symbol, str feed or "" for auto); trade_requested(str symbol, str side: "BUY" or "SELL").
    """

    tab_selected = Signal(int)
    tab_added = Signal(str)
    tab_renamed = Signal(int, str)
    tab_removed = Signal(int)
    symbol_added = Signal(str, str)
    symbol_removed = Signal(str)
    symbol_moved = Signal(str, int)
    symbol_dropped = Signal(str, int)
    feed_chosen = Signal(str, str)
    trade_requested = Signal(str, str)

    def __init__(self, view: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("watchlistPanel")
        self.view = view
        self.tabs = QTabBar(objectName="watchlist.tabs", movable=False, expanding=False)
        self.tabs.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.add_tab_button = QToolButton(objectName="watchlist.addTabButton", text="+", toolTip="New watchlist")
        self.add_edit = QLineEdit(objectName="watchlist.addEdit", placeholderText="Add symbol (Enter)")
        self.feed_combo = keep_narrow(
            QComboBox(objectName="watchlist.feedCombo", toolTip="The feed the new row quotes from"))
        self.name_dialog: QInputDialog | None = None
        self._names: list[str] = []
        self.name_problem: Callable[[str, int | None], str | None] = lambda _name, _index: None
        """Why a name cannot be given to a new list (index None) or to the list at index; None if it can."""
        self._build_actions()
        self._allow_row_drags()
        self._layout()
        self.set_feeds([])
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.add_tab_button.clicked.connect(lambda: self._ask_name("New watchlist", "", self.tab_added.emit, None))
        self.add_edit.returnPressed.connect(self._on_add)

    def _layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(self.tabs, 1)
        top.addWidget(self.add_tab_button)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_edit, 1)
        bottom.addWidget(self.feed_combo)
        layout.addLayout(bottom)

    def _action(self, text: str, name: str, keys: str, slot: Callable[[], object], on: QWidget) -> QAction:
        """Add an action to on's context menu; its keys are shown there and handled by `eventFilter`."""
        action = QAction(f"{text}\t{keys}" if keys else text, on, objectName=name)
        action.triggered.connect(slot)
        on.addAction(action)
        return action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            action = {(Qt.Key.Key_Delete, False): self.remove_action, (Qt.Key.Key_Up, True): self.move_up_action,
                      (Qt.Key.Key_Down, True): self.move_down_action}.get((Qt.Key(event.key()), bool(control)))
            if action is not None:
                action.trigger()
                return True
        return super().eventFilter(watched, event)

    def _allow_row_drags(self) -> None:
        """Let the trader drag a row between two others (drops of anything else, or from elsewhere, are refused)."""
        view = self.view
        view.setDragEnabled(True)
        view.setAcceptDrops(True)
        view.viewport().setAcceptDrops(True)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        view.setDragDropOverwriteMode(False)
        view.setDefaultDropAction(Qt.DropAction.MoveAction)
        view.setDropIndicatorShown(True)
        model = view.model()
        if isinstance(model, QuotesTableModel):
            model.row_dropped.connect(self.symbol_dropped.emit)

    def _build_actions(self) -> None:
        view = self.view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        view.installEventFilter(self)
        self.buy_action = self._action("Buy on the ticket, at the ask", "watchlist.buy", "",
                                       lambda: self._on_selected(self.trade_requested.emit, "BUY"), view)
        self.sell_action = self._action("Sell on the ticket, at the bid", "watchlist.sell", "",
                                        lambda: self._on_selected(self.trade_requested.emit, "SELL"), view)
        self.move_up_action = self._action("Move up", "watchlist.moveUp", "Ctrl+Up",
                                           lambda: self._on_selected(self.symbol_moved.emit, -1), view)
        self.move_down_action = self._action("Move down", "watchlist.moveDown", "Ctrl+Down",
                                             lambda: self._on_selected(self.symbol_moved.emit, 1), view)
        self.remove_action = self._action("Remove", "watchlist.remove", "Delete",
                                          lambda: self._on_selected(self.symbol_removed.emit), view)
        self.feed_menu = QMenu("Quote from", self, objectName="watchlist.feedMenu")
        self.feed_menu.menuAction().setObjectName("watchlist.quoteFrom")
        view.addAction(self.feed_menu.menuAction())
        self.rename_tab_action = self._action("Rename…", "watchlist.renameTab", "", self._on_rename, self.tabs)
        self.remove_tab_action = self._action("Remove watchlist", "watchlist.removeTab", "",
                                              lambda: self.tab_removed.emit(self.tabs.currentIndex()), self.tabs)

    # --- what the controller shows --------------------------------------------------------------

    def show_tabs(self, names: Sequence[str], current: int) -> None:
        """Show these watchlist names as tabs, current selected (emits nothing)."""
        self.tabs.blockSignals(True)
        try:
            while self.tabs.count():
                self.tabs.removeTab(0)
            self._names = list(names)
            for name in names:
                self.tabs.addTab(literal(name))  # "R&D" shows as typed, not "RD" with a shortcut on D
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
        self.remove_tab_action.setEnabled(len(names) > 1)

    def set_feeds(self, accounts: Sequence[str]) -> None:
        """Offer these accounts' feeds (and auto) for a new row and in the row's Quote from menu."""
        current = self.feed_combo.currentText()
        self.feed_combo.clear()
        self.feed_combo.addItems([AUTO_FEED, *accounts])
        self.feed_combo.setCurrentIndex(max(0, self.feed_combo.findText(current)))
        self.feed_menu.clear()
        for feed in (AUTO_FEED, *accounts):
            action = self.feed_menu.addAction(feed)
            action.setObjectName(f"watchlist.feed.{feed}")
            action.triggered.connect(lambda _=False, feed=feed: self._on_selected(
                self.feed_chosen.emit, "" if feed == AUTO_FEED else feed))

    def selected_symbol(self) -> str | None:
        """Return the symbol of the row the trader selected (or whose cell is current), or None."""
        index = self.view.currentIndex()
        return None if not index.isValid() else str(index.siblingAtColumn(0).data())

    # --- slots ----------------------------------------------------------------------------------

    def _on_selected(self, emit: Callable[..., object], *args: object) -> None:
        symbol = self.selected_symbol()
        if symbol is not None:
            emit(symbol, *args)

    def _on_tab_changed(self, index: int) -> None:
        if index >= 0:
            self.tab_selected.emit(index)

    def _on_add(self) -> None:
        text = self.add_edit.text().strip()
        if text:
            feed = self.feed_combo.currentText()
            self.add_edit.clear()
            self.symbol_added.emit(text, "" if feed == AUTO_FEED else feed)

    def _on_rename(self) -> None:
        index = self.tabs.currentIndex()
        self._ask_name("Rename watchlist", self._names[index],
                       lambda name: self.tab_renamed.emit(index, name), index)

    def _ask_name(self, title: str, text: str, done: Callable[[str], object], index: int | None,
                  problem: str = "") -> None:
        """Ask for a watchlist name in a small dialog (objectName 'watchlist.nameDialog'), without blocking; a
        name that cannot be given (name_problem) asks again, saying why and keeping what was typed."""
        dialog = QInputDialog(self, objectName="watchlist.nameDialog", windowTitle=title)
        dialog.setLabelText(f"{problem}\nName:" if problem else "Name:")
        dialog.setTextValue(text)

        def chosen(name: str) -> None:
            name = name.strip()
            why = self.name_problem(name, index)
            if why is not None:
                self._ask_name(title, name, done, index, why)
            elif index is None or name != self._names[index]:
                done(name)

        dialog.textValueSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.name_dialog = dialog
        dialog.open()
