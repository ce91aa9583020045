"""Spare PySide6's read of the source of every module imported after it: TradeTerm selects no PySide feature.

PySide6 (6.4 on) notes for each newly imported module whether it uses PySide, by reading its whole source file
and looking for "PySide6" (`shibokensupport.feature._mod_uses_pyside`), so that `from __feature__ import
snake_case` in one module would not switch the names another module sees. The note only matters once a module
selects a feature; TradeTerm never does (tests/unit/test_pyside_scan.py keeps it so). The read cost 0.08 ms a
module, 23-30 ms of the start for the ~300 modules the window imports after PySide6 (gui's, core's that
gui/__init__ does not load first, and the standard library's). Here the note is taken from the module's name.
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6  # noqa: F401  (loads shibokensupport, whose check is replaced below)

_USES_PYSIDE = ("PySide6", "gui", "pyqtgraph", "qasync", "bench")
"""Packages whose modules import PySide6: PySide6 would have found the name in their source."""


def uses_pyside(module: ModuleType) -> bool:
    """Return whether module belongs to a package that uses PySide6 (by its name, without reading its source)."""
    name = getattr(module, "__name__", None)
    return isinstance(name, str) and name.split(".", 1)[0] in _USES_PYSIDE


def skip_source_scan() -> None:
    """Replace PySide6's source read by `uses_pyside` (nothing changes on a PySide6 without that check)."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]
