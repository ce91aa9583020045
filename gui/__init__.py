"""TradeTerm's PySide6 user interface: widgets over Qt models; no trading logic.

The Qt-free core the window needs is imported here, before anything imports PySide6: once loaded, PySide6
reads the source of every module imported after it (its `__feature__` import hook looks for "PySide6" in
it), 0.1 ms a module, 25-40 ms of the `tradeterm` start for core's 300 modules. For the modules imported after
this one, gui/pyside_scan.py replaces that read.
"""

import core.services.session  # noqa: F401  (see above)
from gui.pyside_scan import skip_source_scan

skip_source_scan()  # and for the modules imported after this one (gui/pyside_scan.py)
