"""AboutDialog: TradeTerm's version and the versions of Python, Qt, PySide6 and each broker library."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.broker_libraries import BROKER_LIBRARIES, distribution_version
from gui.install.bundle import app_version, build_info, is_frozen, resources_dir

_SUPPORT_LIBRARIES = ("qasync", "keyring", "shiboken6")


def broker_library_rows() -> list[tuple[str, str]]:
    """Return (label, version text) for each broker kind's library: its version, or why it is absent."""
    excluded = set(build_info().get("excluded_kinds", []))
    rows = []
    for lib in BROKER_LIBRARIES.values():
        if lib.distribution is None:
            continue
        version = distribution_version(lib.distribution)
        if version is None:
            version = "not in this build" if is_frozen() or lib.kind in excluded else "not installed"
        rows.append((f"{lib.distribution} ({lib.kind})", version))
    return rows


def version_rows() -> list[tuple[str, str]]:
    """Return (label, version text) for TradeTerm, Python, Qt, PySide6, support and broker libraries."""
    build = build_info()
    flavor = f" ({build.get('flavor', 'default')} bundle)" if is_frozen() else ""
    rows = [
        ("TradeTerm", app_version() + flavor),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
    ]
    rows += [(name, distribution_version(name) or "not installed") for name in _SUPPORT_LIBRARIES]
    return rows + broker_library_rows()


class AboutDialog(QDialog):
    """The About box; 'Copy versions' puts the version list on the clipboard for a support request."""

    def __init__(self, parent: QWidget | None = None) -> None:
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
        self.rows = version_rows()
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
