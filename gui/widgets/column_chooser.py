"""ColumnChooser: right-click a grid's header to show, hide (and drag to order) its columns; kept in settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from gui.models.table_model import RowTableModel
from gui.widgets.literal_text import literal


@dataclass(frozen=True, slots=True)
class GridColumns:
    """Which columns a grid shows, in which order, by column key; a key the grid does not have is ignored."""

    order: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {"order": list(self.order), "hidden": list(self.hidden)}

    @classmethod
    def from_json(cls, raw: object) -> GridColumns | None:
        """Read a saved entry; None when it is not one (the grid then shows its defaults)."""
        if not isinstance(raw, dict):
            return None
        order, hidden = raw.get("order", []), raw.get("hidden", [])
        if not all(isinstance(part, list) and all(isinstance(key, str) for key in part) for part in (order, hidden)):
            return None
        return cls(tuple(order), tuple(hidden))


class ColumnChooser(QObject):
    """Give view's header a context menu of its columns (objectName 'columnChooser.<view>'); movable sections.

    `changed(view_name, GridColumns)` is called after every change the trader makes. At least one column
    always stays shown.
    """

    def __init__(self, view: QTableView, defaults: GridColumns, changed: Callable[[str, GridColumns], None],
                 widths: dict[str, str] | None = None) -> None:
        super().__init__(view)
        model = view.model()
        assert isinstance(model, RowTableModel)
        self._view, self._model, self._defaults, self._changed = view, model, defaults, changed
        self._applying = False
        self.menu: QMenu | None = None
        """The menu last opened (a test hook)."""
        header = self._header
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_menu_requested)
        header.sectionMoved.connect(self._on_section_moved)
        self._size_to_samples(widths or {})

    @property
    def _header(self) -> QHeaderView:
        return self._view.horizontalHeader()

    def _keys(self) -> list[str]:
        return [column.key for column in self._model.columns]

    def state(self) -> GridColumns:
        """Return the columns as the grid shows them now."""
        header, keys = self._header, self._keys()
        order = tuple(keys[header.logicalIndex(visual)] for visual in range(header.count()))
        return GridColumns(order, tuple(key for index, key in enumerate(keys) if header.isSectionHidden(index)))

    def apply(self, columns: GridColumns | None) -> None:
        """Show columns (the defaults for None): their order first, the others after in their own order."""
        chosen = columns or self._defaults
        header, keys = self._header, self._keys()
        order = [key for key in chosen.order if key in keys]
        order += [key for key in keys if key not in order]
        self._applying = True
        try:
            for visual, key in enumerate(order):
                header.moveSection(header.visualIndex(keys.index(key)), visual)
        finally:
            self._applying = False
        hidden = {key for key in chosen.hidden if key in keys}
        if len(hidden) >= len(keys):
            hidden = set()
        for index, key in enumerate(keys):
            header.setSectionHidden(index, key in hidden)

    def _size_to_samples(self, widths: dict[str, str]) -> None:
        """Give each column a width for what it holds (a side, a time, a price), not one size for all."""
        metrics, header = self._view.fontMetrics(), self._header
        for index, column in enumerate(self._model.columns):
            sample = widths.get(column.key)
            if sample is not None:
                header.resizeSection(index, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(
                    column.header)) + 18)

    def _on_section_moved(self, *_: object) -> None:
        if not self._applying:
            self._changed(self._view.objectName(), self.state())

    def _on_menu_requested(self, where: QPoint) -> None:
        if self.menu is not None:
            self.menu.deleteLater()
        menu = QMenu(self._view)
        menu.setObjectName(f"columnChooser.{self._view.objectName()}")
        header, shown = self._header, self.state()
        visible = [key for key in self._keys() if key not in shown.hidden]
        for index, column in enumerate(self._model.columns):
            action = QAction(literal(column.header), menu, checkable=True, checked=not header.isSectionHidden(index))
            action.setObjectName(f"columnChooser.{column.key}")
            action.setEnabled(not (len(visible) == 1 and column.key in visible))  # never hide the last one
            action.toggled.connect(lambda on, index=index: self._set_shown(index, on))
            menu.addAction(action)
        menu.addSeparator()
        reset = menu.addAction("Default columns")
        reset.setObjectName("columnChooser.reset")
        reset.triggered.connect(self._reset)
        self.menu = menu
        menu.popup(header.mapToGlobal(where))

    def _set_shown(self, index: int, shown: bool) -> None:
        self._header.setSectionHidden(index, not shown)
        if shown and self._header.sectionSize(index) < 20:
            self._header.resizeSection(index, self._header.defaultSectionSize())
        self._changed(self._view.objectName(), self.state())

    def _reset(self) -> None:
        self.apply(None)
        self._changed(self._view.objectName(), self.state())
