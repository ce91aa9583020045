"""GenericConnectionPanel: the connection panel of a broker kind that has no panel module of its own.

One line edit per field of the kind's config class (empty: the config's default) and one password edit
per secret field (kept in the keyring through `save_secret`, cleared from the form at once).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from core.ports.broker_kind import BrokerKind
from gui.brokers.panel import ConnectionPanel

SaveSecret = Callable[[Mapping[str, object], str, str], None]
"""Store one secret field of the account these settings make; raise with a message on failure."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def config_field_names(kind: BrokerKind) -> tuple[str, ...]:
    """Return the fields of kind's config class (settings.json's keys for it), or none if it is not a dataclass."""
    config = kind.load_config()
    return tuple(f.name for f in dataclasses.fields(config)) if dataclasses.is_dataclass(config) else ()


class GenericConnectionPanel(ConnectionPanel):
    """objectName '<kind>ConnectionPanel'; children '<kind>ConnectionPanel.<field in camelCase>' for each config
    and secret field, plus connectButton, disconnectButton, progress, status.

    Signals:
        connect_requested(dict settings): the non-empty config fields as text; never a secret.
        disconnect_requested().
    """

    connect_requested = Signal(dict)

    def __init__(self, kind: BrokerKind, save_secret: SaveSecret, parent: QWidget | None = None) -> None:
        super().__init__(f"{_camel(kind.name)}ConnectionPanel", parent=parent)
        self._save_secret = save_secret
        self.edits = {name: self._named(QLineEdit(), _camel(name)) for name in config_field_names(kind)
                      if name not in kind.secret_fields}
        self.secrets = {name: self._named(QLineEdit(), _camel(name)) for name in kind.secret_fields}
        for edit in self.edits.values():
            edit.setPlaceholderText("default")
        for edit in self.secrets.values():
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("kept in the keyring or the vault")
        form = QFormLayout()
        for name, edit in (*self.edits.items(), *self.secrets.items()):
            form.addRow(name.replace("_", " ").capitalize(), edit)
        self._lay_out(form)
        self.connect_button.clicked.connect(self._on_connect_clicked)
        self.set_disconnected()

    def fields(self) -> Sequence[QWidget]:
        return [*self.edits.values(), *self.secrets.values()]

    def settings(self) -> dict[str, object]:
        return {name: text for name, edit in self.edits.items() if (text := edit.text().strip())}

    def set_settings(self, settings: Mapping[str, object]) -> None:
        for name, edit in self.edits.items():
            value = settings.get(name)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                edit.setText(str(value))

    def _on_connect_clicked(self) -> None:
        settings = self.settings()
        try:
            for name, edit in self.secrets.items():
                if edit.text():
                    self._save_secret(settings, name, edit.text())
        except Exception as exc:  # the keyring's error says what is wrong; never the secret itself
            return self._refuse(f"Could not keep {name} in the keyring: {exc}", self.secrets[name])
        finally:
            for edit in self.secrets.values():
                edit.clear()
        self.set_progress("Connecting…")
        self.connect_requested.emit(settings)
