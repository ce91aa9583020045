"""TradeLine: a draggable line of its own on the chart (a protective child's; working orders share one item).

It stands where something works at a price: dragging it reports the drop (the controller moves the order or
the held child, or snaps it back with the reason), and a right-click reports the line and where the pointer
is (the controller cancels or offers a menu there).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Self

import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt


class TradeLine(pg.InfiniteLine):  # type: ignore[misc]
    """A horizontal, draggable line at price; see the module docstring.

    on_moved(line): a drag ended (line.value() is where it was dropped).
    on_right_click(line, screen_pos): the trader right-clicked the line (not mid-drag).
    """

    def __init__(self, price: Decimal, on_moved: Callable[[Self], None],
                 on_right_click: Callable[[Self, QPoint], None], *, movable: bool = True, **line_opts: Any) -> None:
        """movable=False: the line shows where the broker keeps the level (a trailing stop) and cannot be dragged."""
        super().__init__(pos=float(price), angle=0, movable=movable, **line_opts)
        self.price = price
        """Where the order or child stands (the line snaps back here when a move is refused)."""
        self._on_right_click = on_right_click
        self.sigPositionChangeFinished.connect(lambda _line: on_moved(self))

    def snap_back(self) -> None:
        """Put the line back where the order or child stands."""
        self.setValue(float(self.price))

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() == Qt.MouseButton.RightButton and not self.moving:
            ev.accept()
            self._on_right_click(self, ev.screenPos().toPoint())
            return
        super().mouseClickEvent(ev)
