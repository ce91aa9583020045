"""GenericConnectionPanel: the connection panel of a broker kind that has no panel module of its own.

One input per field of the kind's config class, chosen by the field's type and what it declares
(gui/brokers/config_editors.py): check boxes, lists of choices, line edits with the default as placeholder, each
with the field's help as tooltip; and one password edit per secret field (kept in the keyring through
`save_secret`, cleared from the form at once). The settings are checked by the config class itself before the
account connects. A field that makes the account live (FieldInfo.live) shows in red that its orders trade real
money, and the field that confirms it (FieldInfo.confirms_live) can be ticked only then, as its own act.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from core.ports.broker_kind import BrokerKind
from gui.brokers.config_editors import FieldEditor, config_editors, field_label
from gui.brokers.panel import ConnectionPanel
from gui.widgets.status_line import show_status

SaveSecret = Callable[[Mapping[str, object], str, str], None]
"""Store one secret field of the account these settings make; raise with a message on failure."""

LIVE_WARNING = "LIVE account: its orders trade real money."


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def config_field_names(kind: BrokerKind) -> tuple[str, ...]:
    """Return the fields of kind's config class (settings.json's keys for it), or none if it is not a dataclass."""
    config = kind.load_config()
    return tuple(f.name for f in dataclasses.fields(config)) if dataclasses.is_dataclass(config) else ()


def same_settings(kind: BrokerKind, first: Mapping[str, object], second: Mapping[str, object]) -> bool:
    """Return True if two settings of kind make the same config: an older settings file's "false" is the panel's
    False, and reconnecting with it is no edit (an edit swaps the adapter, refused while orders work)."""
    if dict(first) == dict(second):
        return True
    config = kind.load_config()
    try:
        return config.from_mapping(first) == config.from_mapping(second)
    except (TypeError, ValueError):
        return False


class GenericConnectionPanel(ConnectionPanel):
    """objectName '<kind>ConnectionPanel'; children '<kind>ConnectionPanel.<field in camelCase>' for each config
    and secret field (QCheckBox, QComboBox or QLineEdit by the field's type), plus liveWarning (shown while the
    settings make a live account), connectButton, disconnectButton, progress, status.

    Signals:
        connect_requested(dict settings): the config fields the trader filled, changed or had saved, as
            settings.json holds them (bools, numbers, lists, strings); never a secret. Only settings the
            config class accepts are sent. A saved field the trader emptied is sent as None: drop it from
            the saved settings, so its default applies again.
        disconnect_requested().
    """

    connect_requested = Signal(dict)

    def __init__(self, kind: BrokerKind, save_secret: SaveSecret, parent: QWidget | None = None) -> None:
        super().__init__(f"{_camel(kind.name)}ConnectionPanel", parent=parent)
        self._save_secret = save_secret
        self._config = kind.load_config()
        self._saved: set[str] = set()
        self._editing = True
        self._showing_saved = False
        self.editors = config_editors(self._config, skip=kind.secret_fields)
        for name, editor in self.editors.items():
            self._named(editor.widget, _camel(name))
        self.secrets = {name: self._named(QLineEdit(), _camel(name)) for name in kind.secret_fields}
        for edit in self.secrets.values():
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("kept in the keyring or the vault")
        self._live = [e for e in self.editors.values() if e.info.live]
        self._confirms = [e for e in self.editors.values() if e.info.confirms_live]
        self.live_warning = self._named(QLabel(self), "liveWarning")
        self.live_warning.setWordWrap(True)
        self._lay_out(self._form())
        for editor in (*self._live, *self._confirms):
            editor.on_change(self._show_live)
        self.connect_button.clicked.connect(self._on_connect_clicked)
        self.set_disconnected()

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        last_live = max((list(self.editors.values()).index(e) for e in (*self._live, *self._confirms)), default=-1)
        for index, editor in enumerate(self.editors.values()):
            form.addRow(editor.label, editor.widget)
            if index == last_live:  # the warning next to the fields that make the account live
                form.addRow(self.live_warning)
        for name, edit in self.secrets.items():
            form.addRow(field_label(name), edit)
        return form

    def fields(self) -> Sequence[QWidget]:
        return [*(e.widget for e in self.editors.values()), *self.secrets.values()]

    def settings(self) -> dict[str, object]:
        """The fields to send; a saved one the trader emptied is sent as None, so the default applies again."""
        settings: dict[str, object] = {}
        for name, editor in self.editors.items():
            saved = name in self._saved
            value = editor.setting(saved=saved)
            if value is not None or (saved and editor.value() is None):
                settings[name] = value
        return settings

    def set_settings(self, settings: Mapping[str, object]) -> None:
        self._saved = {name for name in settings if name in self.editors}
        self._showing_saved = True  # a saved confirmation is shown even if shown before the field making it live
        try:
            for name, editor in self.editors.items():
                editor.reset()
                if name in settings:
                    editor.show(settings[name])
        finally:
            self._showing_saved = False
        self._show_live()

    def is_live(self) -> bool:
        """Return True if the settings shown make a live account (its orders trade real money)."""
        return any(editor.value() in editor.info.live for editor in self._live)

    # --- the live account -------------------------------------------------------------------------------

    def _show_live(self) -> None:
        if self._showing_saved:
            return
        live = self.is_live()
        for editor in self._confirms:
            if not live and editor.value():
                editor.reset()  # back to paper: going live again asks for the confirmation again
            editor.widget.setEnabled(live and self._editing)
        self.live_warning.setVisible(live)
        unconfirmed = [e.label for e in self._confirms if not e.value()]
        hint = f" Tick '{unconfirmed[0]}' to connect it." if unconfirmed else ""
        show_status(self.live_warning, LIVE_WARNING + hint, error=True)
        self.connect_button.setText("Connect live account" if live else "Connect")

    def _editable(self, on: bool) -> None:
        super()._editable(on)
        self._editing = on
        self._show_live()

    # --- connecting -------------------------------------------------------------------------------------

    def _on_connect_clicked(self) -> None:
        settings = self.settings()
        refusal = self._refusal(settings)
        if refusal is not None:  # nothing sent, nothing cleared: the trader corrects the field named
            return self._refuse(*refusal)
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
        # What is sent is what the account keeps: emptied later, in this same panel, it is sent as None too.
        self._saved = (self._saved | {n for n, v in settings.items() if v is not None}) - {
            n for n, v in settings.items() if v is None}
        self.connect_requested.emit(settings)

    def _refusal(self, settings: Mapping[str, object]) -> tuple[str, QWidget] | None:
        """Return why these settings may not connect and the input to correct: a live account not confirmed, or
        the config class's own error and the input of the field it names; None if they may."""
        unconfirmed = [e for e in self._confirms if not e.value()]
        if self.is_live() and unconfirmed:
            return self.live_warning.text(), unconfirmed[0].widget
        try:
            self._config.from_mapping({name: value for name, value in settings.items() if value is not None})
        except (TypeError, ValueError) as exc:
            return str(exc), self._input_named_in(str(exc))
        return None

    def _input_named_in(self, message: str) -> QWidget:
        found = [(match.start(), editor) for name, editor in self.editors.items()
                 if (match := re.search(rf"\b{re.escape(name)}\b", message)) is not None]
        first: FieldEditor | None = min(found, key=lambda pair: pair[0])[1] if found else None
        return first.widget if first is not None else self.connect_button
