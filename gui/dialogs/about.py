"""AboutDialog: TradeTerm's version and the versions of Python, Qt, PySide6 and each broker library."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.install.bundle import app_version, build_info, is_frozen, resources_dir

_SUPPORT_LIBRARIES = ("qasync", "keyring", "shiboken6")


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def version_rows(broker_rows: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """Return (label, version text) for TradeTerm, Python, Qt, PySide6, support and broker libraries."""
    build = build_info()
    flavor = f" ({build.get('flavor', 'default')} bundle)" if is_frozen() else ""
    rows = [
        ("TradeTerm", app_version() + flavor),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
    ]
    rows += [(name, _version(name) or "not installed") for name in _SUPPORT_LIBRARIES]
    return rows + list(broker_rows)


class AboutDialog(QDialog):
    """The About box; 'Copy versions' puts the version list on the clipboard for a support request.

    broker_rows: (label, version) of each broker kind's library (gui.brokers.libraries.broker_library_rows).
    """

    def __init__(self, parent: QWidget | None = None, broker_rows: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About TradeTerm")
        icon_path = resources_dir() / "icons" / "tradeterm-128.png"
        layout = QVBoxLayout(self)
        title = QLabel(f"<h2>TradeTerm {app_version()}</h2>A desktop trading terminal.", self)
        title.setObjectName("about.title")
        if icon_path.is_file():
            self.setWindowIcon(QIcon(str(icon_path)))
        layout.addWidget(title)
        form = QFormLayout()
        self.rows = version_rows(broker_rows)
        for label, value in self.rows:
            field = QLabel(value, self)
            field.setObjectName(f"about.version.{label.split(' ')[0]}")
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{label}:", field)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.setObjectName("about.buttons")
        buttons.button(QDialogButtonBox.StandardButton.Close).setObjectName("about.close")
        copy = QPushButton("Copy versions", self)
        copy.setObjectName("about.copyVersions")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self._on_copy_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def versions_text(self) -> str:
        """Return the version list as plain text, one 'name: version' per line."""
        return "\n".join(f"{label}: {value}" for label, value in self.rows)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.versions_text())
