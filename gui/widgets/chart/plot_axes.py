"""How TradeTerm's pyqtgraph plots set up and colour their axes (the chart's panes and the P&L curve alike)."""

from __future__ import annotations

from collections.abc import Iterable

import pyqtgraph as pg
from PySide6.QtGui import QPalette

SIDES = ("left", "right", "top", "bottom")


def setup_axes(plot: pg.PlotItem, shown: Iterable[str]) -> None:
    """Show only the axes in shown, without pyqtgraph's auto-range button, menu or SI prefixes (a price is a price).

    Every axis, hidden ones too, loses its SI prefix: each would otherwise re-render its label a frame.
    """
    wanted = set(shown)
    for side in SIDES:
        if side in wanted:
            plot.showAxis(side)
        else:
            plot.hideAxis(side)
        plot.getAxis(side).enableAutoSIPrefix(False)
    plot.hideButtons()
    plot.setMenuEnabled(False)


def paint_axes(view: pg.GraphicsView, palette: QPalette, plots: Iterable[tuple[pg.PlotItem, Iterable[str]]]) -> None:
    """Colour view's background and the named axes of each plot from palette (light and dark themes)."""
    view.setBackground(palette.color(QPalette.ColorRole.Base))
    pen = pg.mkPen(palette.color(QPalette.ColorRole.Text))
    for plot, sides in plots:
        for side in sides:
            axis = plot.getAxis(side)
            axis.setPen(pen)
            axis.setTextPen(pen)
